// Parse cost of VRIO webhooks: the shipment_scheduled sample (as VRIO's "Building Fulfillment with
// Webhooks" guide shows it), the same payload
// padded to exactly 1 KB, and verify + parse of that 1 KB body with the VRIO and the Standard
// Webhooks scheme (the issue's target: <= 1.5 us). The transaction_skipped sample sends its total as
// a JSON number, whose exact text only the on-demand reader keeps: it shows the cost of a document
// that the DOM fast path hands over to the on-demand reader (see detail/json_reader.hpp).

#include <benchmark/benchmark.h>
#include <simdjson.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "hookline/sign.hpp"
#include "hookline/verify.hpp"
#include "hookline/vrio.hpp"

namespace {

constexpr std::chrono::sys_seconds now{std::chrono::seconds{1700000000}};

std::string sample(const char* name) {
  std::ifstream file(std::string(HOOKLINE_SAMPLES_DIR "/vrio/") + name, std::ios::binary);
  std::ostringstream content;
  content << file.rdbuf();
  return std::move(content).str();
}

std::string shipment_scheduled_sample() { return sample("shipment_scheduled.json"); }

/// The sample with shipment_notes grown until the body is exactly 1024 bytes.
std::string kilobyte_sample() {
  std::string body = shipment_scheduled_sample();
  const std::string marker = R"("shipment_id": 251606,)";
  const std::string notes_start = "\n      \"shipment_notes\": \"";
  const std::string notes_end = "\",";
  const std::size_t at = body.find(marker) + marker.size();
  const std::size_t fill = 1024 - body.size() - notes_start.size() - notes_end.size();
  body.insert(at, notes_start + std::string(fill, 'n') + notes_end);
  return body;
}

void parse_body(benchmark::State& state, const std::string& body) {
  if (!hookline::vrio::parse(body)) {
    state.SkipWithError("the body does not parse");
    return;
  }
  for (auto _ : state) {
    auto event = hookline::vrio::parse(body);
    benchmark::DoNotOptimize(event);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * body.size()));
  state.counters["bytes"] = static_cast<double>(body.size());
}

void BM_vrio_parse_shipment_scheduled_sample(benchmark::State& state) { parse_body(state, shipment_scheduled_sample()); }
BENCHMARK(BM_vrio_parse_shipment_scheduled_sample);

void BM_vrio_parse_shipment_1kb(benchmark::State& state) { parse_body(state, kilobyte_sample()); }
BENCHMARK(BM_vrio_parse_shipment_1kb);

void BM_vrio_parse_transaction_skipped_sample(benchmark::State& state) {
  parse_body(state, sample("transaction_skipped.json"));
}
BENCHMARK(BM_vrio_parse_transaction_skipped_sample);

void verify_and_parse(benchmark::State& state, hookline::Scheme scheme, const char* secret) {
  const std::string body = kilobyte_sample();
  const std::vector<hookline::Secret> secrets{hookline::Secret(secret)};
  const auto verifier = hookline::Verifier::create(scheme, secrets);
  const auto signer = hookline::Signer::create(scheme, secrets);
  if (!verifier || !signer || body.size() != 1024) {
    state.SkipWithError("setup failed");
    return;
  }
  const hookline::Headers headers = signer->sign(body, "10001", now);
  if (!verifier->verify(body, headers, now) || !hookline::vrio::parse(body)) {
    state.SkipWithError("the signed body does not verify and parse");
    return;
  }
  for (auto _ : state) {
    auto verified = verifier->verify(body, headers, now);
    auto event = hookline::vrio::parse(body);
    benchmark::DoNotOptimize(verified);
    benchmark::DoNotOptimize(event);
  }
}

void BM_vrio_verify_and_parse_shipment_1kb(benchmark::State& state) {
  verify_and_parse(state, hookline::Scheme::vrio, "bench-secret");
}
BENCHMARK(BM_vrio_verify_and_parse_shipment_1kb);

void BM_vrio_verify_standard_and_parse_shipment_1kb(benchmark::State& state) {
  verify_and_parse(state, hookline::Scheme::standard, "whsec_aG9va2xpbmUgYmVuY2ggc2VjcmV0IDMyIGJ5dGVzISE=");
}
BENCHMARK(BM_vrio_verify_standard_and_parse_shipment_1kb);

// References for the figures above: what simdjson alone costs on the same 1 KB body.

/// A bare on-demand walk that reads the fields hookline reads (as views, nothing checked or kept).
void BM_simdjson_ondemand_walk_1kb(benchmark::State& state) {
  const simdjson::padded_string body(kilobyte_sample());
  simdjson::ondemand::parser parser;
  for (auto _ : state) {
    std::size_t sum = 0;
    simdjson::ondemand::document document = parser.iterate(body);
    for (auto field : document.get_object()) {
      const std::string_view key = field.unescaped_key();
      if (key != "webhook_data") {
        sum += field.value().raw_json_token().value().size();
        continue;
      }
      for (auto shipment : field.value().get_object()) {
        for (auto member : shipment.value().get_object()) {
          simdjson::ondemand::value value = member.value();
          switch (value.type()) {
            case simdjson::ondemand::json_type::number:
              sum += static_cast<std::size_t>(value.get_int64().value());
              break;
            case simdjson::ondemand::json_type::string:
              sum += value.get_string().value().size();
              break;
            default:  // the address: left unread, skipped by the walk
              ++sum;
          }
        }
      }
    }
    benchmark::DoNotOptimize(sum);
  }
}
BENCHMARK(BM_simdjson_ondemand_walk_1kb);

/// simdjson's DOM parse (runtime-selected SIMD kernels for both passes): validates every value.
void BM_simdjson_dom_parse_1kb(benchmark::State& state) {
  const simdjson::padded_string body(kilobyte_sample());
  simdjson::dom::parser parser;
  for (auto _ : state) {
    simdjson::dom::element root = parser.parse(body);
    benchmark::DoNotOptimize(root);
  }
}
BENCHMARK(BM_simdjson_dom_parse_1kb);

void BM_vrio_to_json_shipment_scheduled(benchmark::State& state) {
  const auto event = hookline::vrio::parse(shipment_scheduled_sample());
  if (!event) {
    state.SkipWithError("the sample does not parse");
    return;
  }
  for (auto _ : state) {
    auto json = hookline::vrio::to_json(*event);
    benchmark::DoNotOptimize(json);
  }
}
BENCHMARK(BM_vrio_to_json_shipment_scheduled);

}  // namespace

BENCHMARK_MAIN();
