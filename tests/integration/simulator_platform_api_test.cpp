// The simulator's platform API: POST /shipments/{id}/track validation, status changes, conflicts,
// Idempotency-Key replay, GET /shipments/{id}, and state kept across a restart.

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <simdjson.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "hookline/verify.hpp"
#include "printing.hpp"
#include "simulator/generator.hpp"
#include "simulator/simulator.hpp"
#include "simulator_test_support.hpp"

using namespace std::chrono_literals;
using namespace simulator_test;
using hookline::simulator::DeliveryFilter;
using hookline::simulator::Simulator;

BOOST_AUTO_TEST_SUITE(simulator_platform_api)

BOOST_DATA_TEST_CASE(bad_tracking_posts_are_refused_with_a_clear_error,
                     boost::unit_test::data::make({"", "{", "[]", "{}", R"({"shipment_tracking_id":null})",
                                                   R"({"shipment_tracking_id":""})", R"({"shipment_tracking_id":"  "})",
                                                   R"({"shipment_tracking_id":12345})",
                                                   R"({"shipment_tracking_id":"1Z","carrier_id":"ups"})",
                                                   R"({"shipment_tracking_id":"1Z","carrier_id":0})",
                                                   R"({"shipment_tracking_id":"1Z","date_complete":"tomorrow"})",
                                                   R"({"shipment_tracking_id":"1Z","date_complete":"2026-02-30 10:00:00"})"}) ^
                         boost::unit_test::data::make({400, 400, 400, 422, 422, 422, 422, 422, 422, 422, 422, 422}) ^
                         boost::unit_test::data::make({"invalid_json", "invalid_json", "invalid_json", "missing_field",
                                                       "missing_field", "invalid_field", "invalid_field",
                                                       "invalid_field", "invalid_field", "invalid_field",
                                                       "invalid_field", "invalid_field"}),
                     body, status, code) {
  ManualClock clock;
  Simulator sim(vrio_config("http://127.0.0.1:1/unused"), clock.clock());
  BOOST_REQUIRE(sim.enqueue(shipment_event("shipment_scheduled", 251606)).ok());
  const auto response = sim.handle(track(251606, body));
  BOOST_TEST(response.status == status);
  BOOST_TEST(error_code(response) == code);
  const auto shipment = sim.shipment(251606);
  BOOST_TEST(shipment->status == "Pending Post");
  BOOST_TEST(shipment->tracking_calls == 1);
  BOOST_TEST(shipment->tracking_effective == 0);
}

BOOST_AUTO_TEST_CASE(a_tracking_post_marks_the_shipment_shipped) {
  ManualClock clock;
  Simulator sim(vrio_config("http://127.0.0.1:1/unused"), clock.clock());
  BOOST_REQUIRE(sim.enqueue(shipment_event("shipment_scheduled", 251606)).ok());
  BOOST_REQUIRE(sim.enqueue(shipment_event("shipment_scheduled", 251607)).ok());

  const auto full = sim.handle(
      track(251606, R"({"shipment_tracking_id":"1Z999AA10123456784","carrier_id":1,"date_complete":"2026-03-23 10:00:00"})"));
  BOOST_TEST(full.status == 200);
  const auto shipped = sim.shipment(251606);
  BOOST_TEST(shipped->status == "Shipped");
  BOOST_TEST(shipped->tracking_id.value_or("") == "1Z999AA10123456784");
  BOOST_TEST(shipped->carrier_id.value_or(0) == 1);
  BOOST_TEST(shipped->date_complete.value_or("") == "2026-03-23 10:00:00");
  BOOST_TEST(full.body.find(R"("tracking_posts_effective":1)") != std::string::npos);

  // carrier_id and date_complete are optional; the date defaults to now.
  BOOST_TEST(sim.handle(track(251607, R"({"shipment_tracking_id":"9400"})")).status == 200);
  BOOST_TEST(sim.shipment(251607)->date_complete.value_or("") == "2026-03-22 14:30:00");

  const auto view = sim.handle(request("GET", "/shipments/251606"));
  BOOST_TEST(view.status == 200);
  BOOST_TEST(view.body.find(R"("shipment_status_id":"Shipped")") != std::string::npos);
  BOOST_TEST(sim.handle(request("GET", "/shipments/999")).status == 404);
  BOOST_TEST(sim.handle(request("GET", "/shipments/abc")).status == 404);
}

BOOST_AUTO_TEST_CASE(unknown_cancelled_skipped_and_already_shipped_shipments_are_conflicts) {
  ManualClock clock;
  Simulator sim(vrio_config("http://127.0.0.1:1/unused"), clock.clock());
  BOOST_REQUIRE(sim.enqueue(shipment_event("shipment_scheduled", 1)).ok());
  BOOST_REQUIRE(sim.enqueue(shipment_event("shipment_cancelled", 1)).ok());
  BOOST_REQUIRE(sim.enqueue(shipment_event("shipment_skipped", 2)).ok());
  BOOST_REQUIRE(sim.enqueue(shipment_event("shipment_scheduled", 2)).ok());  // a skip stays a skip
  BOOST_REQUIRE(sim.enqueue(shipment_event("shipment_scheduled", 3)).ok());

  const auto unknown = sim.handle(track(404, R"({"shipment_tracking_id":"1Z"})"));
  BOOST_TEST(unknown.status == 404);
  BOOST_TEST(error_code(unknown) == "not_found");
  BOOST_TEST(error_code(sim.handle(track(1, R"({"shipment_tracking_id":"1Z"})"))) == "not_shippable");
  BOOST_TEST(error_code(sim.handle(track(2, R"({"shipment_tracking_id":"1Z"})"))) == "not_shippable");
  BOOST_TEST(sim.shipment(2)->status == "Skipped");

  BOOST_TEST(sim.handle(track(3, R"({"shipment_tracking_id":"1Z"})")).status == 200);
  BOOST_TEST(sim.handle(track(3, R"({"shipment_tracking_id":"1Z"})")).status == 200);  // the same again: no effect
  const auto other = sim.handle(track(3, R"({"shipment_tracking_id":"2Z"})"));
  BOOST_TEST(other.status == 409);
  BOOST_TEST(error_code(other) == "already_shipped");
  const auto shipment = sim.shipment(3);
  BOOST_TEST(shipment->tracking_id.value_or("") == "1Z");
  BOOST_TEST(shipment->tracking_calls == 3);
  BOOST_TEST(shipment->tracking_effective == 1);
}

BOOST_AUTO_TEST_CASE(a_repeated_idempotency_key_returns_the_first_answer_and_has_no_second_effect) {
  ManualClock clock;
  Simulator sim(vrio_config("http://127.0.0.1:1/unused"), clock.clock());
  BOOST_REQUIRE(sim.enqueue(shipment_event("shipment_scheduled", 5)).ok());
  const std::string body = R"({"shipment_tracking_id":"1Z","carrier_id":2})";
  const auto first = sim.handle(track(5, body, "key-1"));
  clock.advance(60s);
  const auto again = sim.handle(track(5, body, "key-1"));
  BOOST_TEST(first.status == 200);
  BOOST_TEST(again.status == first.status);
  BOOST_TEST(again.body == first.body);
  BOOST_TEST(again.headers.get("Idempotent-Replayed").value_or("") == "true");

  const auto reused = sim.handle(track(5, R"({"shipment_tracking_id":"OTHER"})", "key-1"));
  BOOST_TEST(reused.status == 422);
  BOOST_TEST(error_code(reused) == "idempotency_key_reused");

  // An error answer is kept too: the key replays it even once the request would succeed.
  const auto early = sim.handle(track(6, body, "key-2"));
  BOOST_TEST(early.status == 404);
  BOOST_REQUIRE(sim.enqueue(shipment_event("shipment_scheduled", 6)).ok());
  BOOST_TEST(sim.handle(track(6, body, "key-2")).status == 404);
  BOOST_TEST(sim.shipment(6)->status == "Pending Post");

  const auto shipment = sim.shipment(5);
  BOOST_TEST(shipment->tracking_calls == 3);
  BOOST_TEST(shipment->tracking_effective == 1);
  BOOST_TEST(shipment->tracking_id.value_or("") == "1Z");

  // Every call is recorded, the replayed and the refused ones too.
  const auto calls = sim.tracking_calls(5);
  BOOST_REQUIRE_EQUAL(calls.size(), 3U);
  BOOST_TEST(calls[0].effective);
  BOOST_TEST(!calls[1].effective);
  BOOST_TEST(!calls[2].effective);
  BOOST_TEST(calls[1].idempotency_key.value_or("") == "key-1");
  BOOST_TEST(calls[1].response_body == first.body);
  BOOST_TEST(calls[2].response_code == 422);
  BOOST_TEST(sim.tracking_calls().size() == 5U);
  const auto listed = sim.handle(request("GET", "/api/tracking-calls", "", {{"shipment_id", "6"}}));
  BOOST_TEST(listed.status == 200);
  BOOST_TEST(listed.body.find(R"("shipment_id":6)") != std::string::npos);
  BOOST_TEST(listed.body.find(R"("shipment_id":5)") == std::string::npos);
  BOOST_TEST(sim.handle(request("GET", "/api/tracking-calls", "", {{"shipment_id", "x"}})).status == 400);
}

BOOST_AUTO_TEST_CASE(the_log_and_the_platform_state_survive_a_restart) {
  const auto path = std::filesystem::temp_directory_path() / ("hookline_simulator_" + std::to_string(::getpid()) + ".db");
  std::filesystem::remove(path);
  LoopbackReceiver receiver;
  ManualClock clock;
  auto config = vrio_config(receiver.url());
  config.db_path = path.string();
  {
    Simulator sim(config, clock.clock());
    BOOST_REQUIRE(sim.enqueue(shipment_event("shipment_scheduled", 1)).ok());
    sim.run_batch();
    BOOST_REQUIRE(sim.enqueue(shipment_event("shipment_scheduled", 2)).ok());
    BOOST_TEST(sim.handle(track(1, R"({"shipment_tracking_id":"1Z"})", "k")).status == 200);
  }
  Simulator reopened(config, clock.clock());
  BOOST_TEST(reopened.deliveries().size() == 1U);
  BOOST_TEST(reopened.run_batch().attempted == 1U);  // the event queued before the restart
  BOOST_TEST(reopened.shipment(1)->status == "Shipped");
  BOOST_TEST(reopened.handle(track(1, R"({"shipment_tracking_id":"1Z"})", "k")).headers.get("Idempotent-Replayed").has_value());
  BOOST_TEST(reopened.next_event_id() == 3);
  std::filesystem::remove(path);
  std::filesystem::remove(path.string() + "-wal");
  std::filesystem::remove(path.string() + "-shm");
}

BOOST_AUTO_TEST_SUITE_END()
