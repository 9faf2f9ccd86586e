// Verification cost of one 1 KB webhook: VRIO (HMAC of the body) and Standard Webhooks (HMAC of
// "id.timestamp.body"), with one secret and during a rotation (two secrets, the matching one second).

#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "hookline/sign.hpp"
#include "hookline/verify.hpp"

namespace {

using hookline::Headers;
using hookline::Scheme;
using hookline::Secret;

constexpr std::chrono::sys_seconds now{std::chrono::seconds{1700000000}};

// A 1024-byte VRIO-shaped shipment payload.
std::string kilobyte_body() {
  std::string body =
      R"({"webhook_type":"shipment","webhook_event":"shipment_scheduled","webhook_event_id":"4806",)"
      R"("webhook_event_date":"2024-05-01 10:00:00","webhook_data":{"shipment":{"shipment_id":"251606",)"
      R"("customer_id":"1187","order_id":"99817","shipment_status":"scheduled","date_scheduled":"2024-05-03",)"
      R"("shipment_items":[{"shipment_item_id":"1","item_id":"77","item_name":"Coffee beans 1kg","item_sku":"CB-1KG",)"
      R"("quantity":"2"}],"notes":")";
  body.append(1024 - body.size() - 4, 'x');
  body += "\"}}}";
  return body;
}

std::string secret_text(Scheme scheme, int n) {
  if (scheme == Scheme::standard) return n == 1 ? "whsec_aG9va2xpbmUtMS1rZXk=" : "whsec_aG9va2xpbmUtMi1rZXk=";
  return "bench-secret-" + std::to_string(n);
}

void verify_one(benchmark::State& state, Scheme scheme, bool rotating) {
  const std::string body = kilobyte_body();
  std::vector<Secret> secrets;
  if (rotating) secrets.emplace_back(secret_text(scheme, 2));
  secrets.emplace_back(secret_text(scheme, 1));
  const auto verifier = hookline::Verifier::create(scheme, secrets);
  const std::vector<Secret> signing{Secret(secret_text(scheme, 1))};
  const auto signer = hookline::Signer::create(scheme, signing);
  if (!verifier || !signer || body.size() != 1024) {
    state.SkipWithError("setup failed");
    return;
  }
  const Headers headers = signer->sign(body, "msg_2Lh1cZf2qY0dQ1sE", now);
  if (!verifier->verify(body, headers, now)) {
    state.SkipWithError("the signed body does not verify");
    return;
  }
  for (auto _ : state) {
    auto result = verifier->verify(body, headers, now);
    benchmark::DoNotOptimize(result);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(body.size()));
}

void BM_VerifyVrio1KB(benchmark::State& state) { verify_one(state, Scheme::vrio, false); }
void BM_VerifyStandard1KB(benchmark::State& state) { verify_one(state, Scheme::standard, false); }
void BM_VerifyVrio1KBRotation(benchmark::State& state) { verify_one(state, Scheme::vrio, true); }
void BM_VerifyStandard1KBRotation(benchmark::State& state) { verify_one(state, Scheme::standard, true); }

BENCHMARK(BM_VerifyVrio1KB);
BENCHMARK(BM_VerifyStandard1KB);
BENCHMARK(BM_VerifyVrio1KBRotation);
BENCHMARK(BM_VerifyStandard1KBRotation);
BENCHMARK(BM_VerifyStandard1KB)->Threads(2);

}  // namespace

BENCHMARK_MAIN();
