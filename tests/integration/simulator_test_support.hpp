#pragma once
// Shared by the simulator suites: a hand-moved clock, payload and request builders.

#include <simdjson.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hookline/receiver.hpp"
#include "sender_loopback.hpp"
#include "simulator/simulator.hpp"

namespace simulator_test {

using hookline::HttpRequest;
using hookline::HttpResponse;
using hookline::simulator::Config;
using hookline::simulator::EventStatus;
using hookline::simulator::Mode;
using hookline::testing::LoopbackReceiver;
using hookline::testing::respond;


inline constexpr std::int64_t start = 1774189800;  // 2026-03-22 14:30:00 UTC

/// A clock the test moves by hand.
struct ManualClock {
  std::atomic<std::int64_t> seconds{start};
  hookline::Clock clock() {
    return [this] { return std::chrono::sys_seconds{std::chrono::seconds{seconds.load()}}; };
  }
  void advance(std::chrono::seconds by) { seconds += by.count(); }
};

inline std::string status_name(EventStatus status) { return std::string(hookline::simulator::to_string(status)); }

inline std::string shipment_event(std::string_view name, std::int64_t shipment_id, std::string_view extra = "") {
  std::string body = R"({"webhook_type":"shipment","webhook_event":")" + std::string(name) +
                     R"(","webhook_data":{"shipment":{"shipment_id":)" + std::to_string(shipment_id);
  if (!extra.empty()) body += "," + std::string(extra);
  return body + "}}}";
}

inline Config vrio_config(const std::string& shipment_url) {
  Config config;
  config.mode = Mode::vrio;
  config.vrio_urls.shipment = shipment_url;
  config.secrets = {hookline::Secret("vrio-secret")};
  return config;
}

inline HttpRequest request(std::string method, std::string path, std::string body = {},
                    std::vector<std::pair<std::string, std::string>> query = {}) {
  HttpRequest r;
  r.method = std::move(method);
  r.path = std::move(path);
  r.body = std::move(body);
  r.query = std::move(query);
  return r;
}

inline HttpRequest track(std::int64_t shipment_id, std::string body, std::optional<std::string> key = std::nullopt) {
  auto r = request("POST", "/shipments/" + std::to_string(shipment_id) + "/track", std::move(body));
  if (key) r.headers.add("Idempotency-Key", *key);
  return r;
}

/// The "error.code" of an API error answer.
inline std::string error_code(const HttpResponse& response) {
  simdjson::dom::parser parser;
  std::string_view code;
  if (parser.parse(response.body)["error"]["code"].get(code) != simdjson::SUCCESS) return "<none>";
  return std::string(code);
}

/// A receiver that fails the first `failures` requests with 500, then answers 200.
inline LoopbackReceiver::Behaviour failing_first(int failures) {
  auto count = std::make_shared<std::atomic<int>>(0);
  return [count, failures](const HttpRequest&) { return ++*count <= failures ? respond(500) : respond(200); };
}


}  // namespace simulator_test
