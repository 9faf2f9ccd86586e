// The HTTP adapter's request head check (RFC 9112 syntax, the fields kept byte for byte) on the
// head of a signed VRIO delivery, given at once as the connection stream gives it what one read
// brought in: what the check adds to each request. Run a Release build by hand:
//   hookline_bench_http_head

#include <benchmark/benchmark.h>

#include <string>
#include <string_view>

#include "detail/request_head.hpp"

namespace {

/// A VRIO delivery's head as a platform's HTTP client sends it.
const std::string delivery_head =
    "POST /webhooks/vrio HTTP/1.1\r\n"
    "Host: hooks.example.com\r\n"
    "User-Agent: VRIO-Webhooks/2.0\r\n"
    "Accept: */*\r\n"
    "Accept-Encoding: gzip, deflate\r\n"
    "Connection: keep-alive\r\n"
    "Content-Type: application/json\r\n"
    "X-Webhook-Signature: 5b0f7fb1e3b9d6f2a8c4e1d7b3a9f5c2e8d4a0b6c2f8e4a1d7b3c9f5e1a7d3b9\r\n"
    "X-Request-Id: 6f1c2d3e-4b5a-6978-8a9b-0c1d2e3f4a5b\r\n"
    "Content-Length: 1024\r\n"
    "\r\n";

void BM_head_of_a_signed_delivery(benchmark::State& state) {
  hookline::detail::HeadParser parser;
  for (auto _ : state) {
    parser.reset(65);
    benchmark::DoNotOptimize(parser.feed(delivery_head));
    auto fields = parser.take_fields();
    benchmark::DoNotOptimize(fields);
    if (!parser.complete()) {
      state.SkipWithError("the head did not parse");
      return;
    }
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * delivery_head.size()));
}

BENCHMARK(BM_head_of_a_signed_delivery);

}  // namespace

BENCHMARK_MAIN();
