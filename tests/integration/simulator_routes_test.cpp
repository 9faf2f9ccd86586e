// The simulator's routes: one table answers in-process (Simulator::handle) and over HTTP
// (add_routes on a WebhookServer) alike, its 404 `no route METHOD PATH`, its 405 with Allow and the
// platform API's 401 included.

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hookline/http_server.hpp"
#include "http_test_support.hpp"
#include "printing.hpp"
#include "simulator/simulator.hpp"
#include "simulator_test_support.hpp"

using namespace std::chrono_literals;
using namespace simulator_test;
using hookline::simulator::Simulator;

namespace {

constexpr std::string_view platform_key = "pk_test_routes_7";

/// A request as a test writes it: the method, the path, its query, whether it carries the API key.
struct Call {
  std::string method;
  std::string path;
  std::vector<std::pair<std::string, std::string>> query;
  bool keyed = false;
};

HttpRequest in_process(const Call& call) {
  auto r = request(call.method, call.path, "", call.query);
  if (call.keyed) r.headers.add("X-Api-Key", std::string(platform_key));
  return r;
}

std::string on_the_wire(const Call& call) {
  auto target = call.path;
  for (const auto& [name, value] : call.query) target += (target == call.path ? "?" : "&") + name + "=" + value;
  return call.method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
         (call.keyed ? "X-Api-Key: " + std::string(platform_key) + "\r\n" : std::string()) + "\r\n";
}

std::string describe(const Call& call) { return call.method + " " + call.path; }

/// A simulator with one shipment (5), behind the platform API key, served on 127.0.0.1.
struct Served {
  Served() : sim(keyed_config(), clock.clock()), server(listen_anywhere()) {
    if (!sim.enqueue(shipment_event("shipment_scheduled", 5)).has_value()) throw std::runtime_error("not queued");
    hookline::simulator::add_routes(server, sim);
    if (const auto started = server.start(); !started) throw std::runtime_error(started.error().message);
  }

  static hookline::simulator::Config keyed_config() {
    auto config = vrio_config("http://127.0.0.1:1/unused");
    config.platform_api_key = hookline::Secret(std::string(platform_key));
    return config;
  }

  static hookline::ServerOptions listen_anywhere() {
    hookline::ServerOptions options;
    options.threads = 4;
    return options;
  }

  ManualClock clock;
  Simulator sim;
  hookline::WebhookServer server;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(simulator_routes)

BOOST_AUTO_TEST_CASE(over_http_every_answer_is_the_one_handle_gives) {
  Served served;
  hookline::test::RawConnection connection(served.server.port());
  const std::vector<Call> calls{
      {"GET", "/api/events", {}, false},
      {"GET", "/api/events", {{"limit", "0"}}, false},
      {"PUT", "/api/events", {}, false},
      {"DELETE", "/api/events", {}, false},
      {"GET", "/api/batches", {}, false},
      {"PATCH", "/api/batches", {}, false},
      {"POST", "/api/deliveries", {}, false},
      {"GET", "/api/deliveries", {{"status", "bogus"}}, false},
      {"GET", "/api/shipments", {}, false},
      {"GET", "/api/shipments/5", {}, false},
      {"POST", "/api/shipments/abc", {}, false},
      {"POST", "/api/shipments/5/track", {}, false},
      {"GET", "/api/tracking-calls", {{"shipment_id", "x"}}, false},
      {"GET", "/api/nothing", {}, false},
      {"PUT", "/api/nothing", {}, false},
      {"GET", "/nothing", {}, false},
      {"DELETE", "/", {}, false},
      {"GET", "/shipments/5", {}, false},
      {"GET", "/shipments/5", {}, true},
      {"GET", "/shipments/abc", {}, true},
      {"DELETE", "/shipments/5", {}, false},
      {"DELETE", "/shipments/5", {}, true},
      {"GET", "/shipments/5/track", {}, false},
      {"GET", "/shipments/5/track", {}, true},
      {"GET", "/shipments/5/other", {}, false},
      {"GET", "/shipments//track", {}, true},
  };
  for (const auto& call : calls) {
    const auto expected = served.sim.handle(in_process(call));
    const auto wire = connection.exchange(on_the_wire(call));
    BOOST_REQUIRE_MESSAGE(wire, describe(call));
    BOOST_TEST(wire->status == expected.status, describe(call));
    BOOST_TEST(wire->body == expected.body, describe(call));
    BOOST_TEST(wire->headers.get("Allow") == expected.headers.get("Allow"), describe(call));
  }
}

BOOST_AUTO_TEST_CASE(the_refusals_keep_their_words) {
  Served served;
  hookline::test::RawConnection connection(served.server.port());
  const auto answer = [&](const Call& call) {
    auto wire = connection.exchange(on_the_wire(call));
    BOOST_TEST_REQUIRE(wire.has_value(), describe(call));
    return std::move(*wire);
  };
  const auto deleted = answer({"DELETE", "/api/events", {}, false});
  BOOST_TEST(deleted.status == 405);
  BOOST_TEST(deleted.headers.get("Allow") == std::optional<std::string_view>("GET, POST"));
  BOOST_TEST(deleted.body == hookline::error_response(405, "method_not_allowed", "use GET, POST").body);
  const auto batches = answer({"GET", "/api/batches", {}, false});
  BOOST_TEST(batches.status == 405);
  BOOST_TEST(batches.headers.get("Allow") == std::optional<std::string_view>("POST"));
  const auto nowhere = answer({"GET", "/nothing", {}, false});
  BOOST_TEST(nowhere.status == 404);
  BOOST_TEST(nowhere.body == hookline::error_response(404, "not_found", "no route GET /nothing").body);
  // Without the key, a platform path tells nothing, not even its methods.
  const auto unkeyed = answer({"DELETE", "/shipments/5", {}, false});
  BOOST_TEST(unkeyed.status == 401);
  BOOST_TEST(unkeyed.body == hookline::error_response(401, "unauthorized",
                                                       "the platform API needs the API key in X-Api-Key",
                                                       {{"field", "X-Api-Key"}})
                                 .body);
  const auto keyed = answer({"DELETE", "/shipments/5", {}, true});
  BOOST_TEST(keyed.status == 405);
  BOOST_TEST(keyed.headers.get("Allow") == std::optional<std::string_view>("GET"));
  const auto track = answer({"GET", "/shipments/5/track", {}, true});
  BOOST_TEST(track.status == 405);
  BOOST_TEST(track.headers.get("Allow") == std::optional<std::string_view>("POST"));
}

BOOST_AUTO_TEST_CASE(head_is_served_by_the_get_routes_without_a_body) {
  Served served;
  const auto listed = served.sim.handle(request("HEAD", "/api/shipments"));
  BOOST_TEST(listed.status == 200);
  BOOST_TEST(listed.body.empty());
  const auto batches = served.sim.handle(request("HEAD", "/api/batches"));
  BOOST_TEST(batches.status == 405);
  BOOST_TEST(batches.headers.get("Allow") == std::optional<std::string_view>("POST"));
  BOOST_TEST(batches.body.empty());
  hookline::test::RawConnection head(served.server.port());
  BOOST_REQUIRE(head.send("HEAD /api/shipments HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"));
  BOOST_TEST(head.received("HTTP/1.1 200 OK\r\n", 2s));
  hookline::test::RawConnection refused(served.server.port());
  BOOST_REQUIRE(refused.send("HEAD /api/batches HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"));
  BOOST_TEST(refused.received("HTTP/1.1 405 Method Not Allowed\r\n", 2s));
}

BOOST_AUTO_TEST_SUITE_END()
