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
  BOOST_REQUIRE(sim.enqueue(shipment_event("shipment_scheduled", 251606)).has_value());
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
  BOOST_REQUIRE(sim.enqueue(shipment_event("shipment_scheduled", 251606)).has_value());
  BOOST_REQUIRE(sim.enqueue(shipment_event("shipment_scheduled", 251607)).has_value());

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
  BOOST_REQUIRE(sim.enqueue(shipment_event("shipment_scheduled", 1)).has_value());
  BOOST_REQUIRE(sim.enqueue(shipment_event("shipment_cancelled", 1)).has_value());
  BOOST_REQUIRE(sim.enqueue(shipment_event("shipment_skipped", 2)).has_value());
  BOOST_REQUIRE(sim.enqueue(shipment_event("shipment_scheduled", 2)).has_value());  // a skip stays a skip
  BOOST_REQUIRE(sim.enqueue(shipment_event("shipment_scheduled", 3)).has_value());

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
  BOOST_REQUIRE(sim.enqueue(shipment_event("shipment_scheduled", 5)).has_value());
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
  BOOST_REQUIRE(sim.enqueue(shipment_event("shipment_scheduled", 6)).has_value());
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

/// The platform API's answer to GET /shipments/{id}, parsed.
simdjson::dom::element platform_view(Simulator& sim, simdjson::dom::parser& parser, std::int64_t id) {
  const auto response = sim.handle(request("GET", "/shipments/" + std::to_string(id)));
  BOOST_REQUIRE_EQUAL(response.status, 200);
  simdjson::dom::element view;
  BOOST_REQUIRE(parser.parse(response.body).get(view) == simdjson::SUCCESS);
  return view;
}

std::string text_of(simdjson::dom::element element) {
  std::string_view text;
  return element.get(text) == simdjson::SUCCESS ? std::string(text) : std::string("<not text>");
}

const std::string address_oak = R"("customer_address_shipping":{"fname":"John","address1":"456 Oak Ave","city":"Boulder"})";
const std::string items_vitamins = R"("shipment_items":[{"shipment_item_id":270244,"quantity":2,"item_id":1283,"item_name":"Vitamin D Supplement","item_sku":"VIT-D-001"}])";

std::string dated(std::string_view name, std::int64_t shipment_id, std::string_view date, std::string_view extra) {
  auto body = shipment_event(name, shipment_id, extra);
  return body.insert(1, R"("webhook_event_date":")" + std::string(date) + "\",");
}

BOOST_AUTO_TEST_CASE(get_shipment_answers_the_shipment_as_the_platform_holds_it_under_vrio_field_names) {
  ManualClock clock;
  Simulator sim(vrio_config("http://127.0.0.1:1/unused"), clock.clock());
  // The address change happened after the shipment was scheduled but is queued before it: the newer one holds.
  BOOST_REQUIRE(sim.enqueue(dated("shipment_address_updated", 7, "2026-03-22 14:10:00", address_oak)).has_value());
  BOOST_REQUIRE(sim.enqueue(dated("shipment_scheduled", 7, "2026-03-22 14:00:00",
                                  R"("customer_id":"71135","order_id":135123,"date_scheduled":"2026-03-22 14:30:00",)"
                                  R"("shipment_items":[{"shipment_item_id":1,"quantity":1,"item_id":1282,"item_name":"Box","item_sku":"SUP-001"}],)"
                                  R"("customer_address_shipping":{"fname":"John","address1":"123 Main St","city":"Denver"})"))
                    .has_value());
  BOOST_REQUIRE(sim.enqueue(dated("shipment_item_updated", 7, "2026-03-22 14:20:00", items_vitamins)).has_value());
  simdjson::dom::parser parser;
  const auto view = platform_view(sim, parser, 7);
  BOOST_TEST(view["shipment_id"].get_int64().value() == 7);
  BOOST_TEST(view["customer_id"].get_int64().value() == 71135);
  BOOST_TEST(view["order_id"].get_int64().value() == 135123);
  BOOST_TEST(text_of(view["shipment_status_id"]) == "Pending Post");
  BOOST_TEST(text_of(view["date_scheduled"]) == "2026-03-22 14:30:00");
  BOOST_TEST(view["date_cancel"].is_null());
  BOOST_TEST(text_of(view["customer_address_shipping"]["address1"]) == "456 Oak Ave");
  BOOST_TEST(text_of(view["shipment_items"].at(0)["item_sku"]) == "VIT-D-001");
  BOOST_TEST(view["shipment_tracking_id"].is_null());
  // The platform API shows the platform's fields; the simulator's bookkeeping is the control API's.
  simdjson::dom::element ignored;
  BOOST_TEST(view["tracking_posts"].get(ignored) != simdjson::SUCCESS);

  // An older change queued later does not override a newer one.
  BOOST_REQUIRE(sim.enqueue(dated("shipment_address_updated", 7, "2026-03-22 14:05:00",
                                  R"("customer_address_shipping":{"address1":"1 Old Rd"})"))
                    .has_value());
  BOOST_REQUIRE(sim.enqueue(dated("shipment_cancelled", 7, "2026-03-22 14:40:00", R"("date_cancel":"2026-03-22 14:40:00")")).has_value());
  const auto cancelled = platform_view(sim, parser, 7);
  BOOST_TEST(text_of(cancelled["customer_address_shipping"]["address1"]) == "456 Oak Ave");
  BOOST_TEST(text_of(cancelled["shipment_status_id"]) == "Cancelled");
  BOOST_TEST(text_of(cancelled["date_cancel"]) == "2026-03-22 14:40:00");
}

BOOST_AUTO_TEST_CASE(a_control_call_changes_a_shipment_at_the_platform_without_a_webhook) {
  LoopbackReceiver receiver;
  ManualClock clock;
  Simulator sim(vrio_config(receiver.url()), clock.clock());
  for (const std::int64_t id : {1, 2, 3}) BOOST_REQUIRE(sim.enqueue(shipment_event("shipment_scheduled", id)).has_value());
  sim.run_batch();
  const auto webhooks = sim.events().size();
  clock.advance(60s);

  const auto cancelled = sim.handle(request("POST", "/api/shipments/1", R"({"shipment_status_id":"Cancelled"})"));
  BOOST_TEST(cancelled.status == 200, cancelled.body);
  BOOST_TEST(sim.shipment(1)->status == "Cancelled");
  BOOST_TEST((sim.shipment(1)->date_cancel == std::optional{std::chrono::sys_seconds{std::chrono::seconds{start + 60}}}));
  BOOST_TEST(sim.handle(request("POST", "/api/shipments/2", R"({"shipment_status_id":"Skipped"})")).status == 200);
  BOOST_TEST(sim.shipment(2)->status == "Skipped");
  const auto moved = sim.handle(request("POST", "/api/shipments/3", "{" + address_oak + "," + items_vitamins + "}"));
  BOOST_TEST(moved.status == 200, moved.body);
  simdjson::dom::parser parser;
  const auto view = platform_view(sim, parser, 3);
  BOOST_TEST(text_of(view["customer_address_shipping"]["city"]) == "Boulder");
  BOOST_TEST(view["shipment_items"].at(0)["quantity"].get_int64().value() == 2);
  // No webhook was queued or sent for any of it.
  BOOST_TEST(sim.events().size() == webhooks);
  BOOST_TEST(sim.run_batch().attempted == 0U);
  BOOST_TEST(receiver.received().size() == 3U);

  // A cancelled or skipped shipment does not change any more; a tracking post for it is refused.
  const auto again = sim.handle(request("POST", "/api/shipments/1", "{" + address_oak + "}"));
  BOOST_TEST(again.status == 409);
  BOOST_TEST(error_code(again) == "not_changeable");
  BOOST_TEST(error_code(sim.handle(track(2, R"({"shipment_tracking_id":"1Z"})"))) == "not_shippable");
  BOOST_TEST(sim.handle(request("POST", "/api/shipments/99", R"({"shipment_status_id":"Cancelled"})")).status == 404);
  BOOST_TEST(sim.handle(request("GET", "/api/shipments/3")).status == 405);
}

BOOST_DATA_TEST_CASE(bad_control_changes_are_refused_with_a_clear_error,
                     boost::unit_test::data::make({"", "[]", "{}", R"({"shipment_status_id":"Shipped"})",
                                                   R"({"shipment_status_id":7})", R"({"customer_address_shipping":"x"})",
                                                   R"({"shipment_items":{}})", R"({"date_scheduled":"soon"})",
                                                   R"({"shipment_tracking_id":"1Z"})"}) ^
                         boost::unit_test::data::make({400, 400, 422, 422, 422, 422, 422, 422, 422}) ^
                         boost::unit_test::data::make({"invalid_json", "invalid_json", "missing_field", "invalid_field",
                                                       "invalid_field", "invalid_field", "invalid_field", "invalid_field",
                                                       "invalid_field"}),
                     body, status, code) {
  ManualClock clock;
  Simulator sim(vrio_config("http://127.0.0.1:1/unused"), clock.clock());
  BOOST_REQUIRE(sim.enqueue(shipment_event("shipment_scheduled", 5)).has_value());
  const auto response = sim.handle(request("POST", "/api/shipments/5", body));
  BOOST_TEST(response.status == status);
  BOOST_TEST(error_code(response) == code);
  BOOST_TEST(response.body.find(R"("message":")") != std::string::npos);
  BOOST_TEST(sim.shipment(5)->status == "Pending Post");
}

BOOST_AUTO_TEST_CASE(with_an_api_key_the_platform_api_answers_401_to_a_request_without_it) {
  ManualClock clock;
  auto config = vrio_config("http://127.0.0.1:1/unused");
  config.platform_api_key = hookline::Secret("pk_test_sim_3e1");
  Simulator sim(config, clock.clock());
  BOOST_REQUIRE(sim.enqueue(shipment_event("shipment_scheduled", 5)).has_value());
  auto read = request("GET", "/shipments/5");
  const auto missing = sim.handle(read);
  BOOST_TEST(missing.status == 401);
  BOOST_TEST(error_code(missing) == "unauthorized");
  BOOST_TEST(missing.body.find("X-Api-Key") != std::string::npos);
  read.headers.add("X-Api-Key", "pk_test_other");
  BOOST_TEST(sim.handle(read).status == 401);
  auto post = track(5, R"({"shipment_tracking_id":"1Z"})");
  BOOST_TEST(sim.handle(post).status == 401);
  BOOST_TEST(sim.shipment(5)->status == "Pending Post");  // a refused post changes nothing
  auto keyed = request("GET", "/shipments/5");
  keyed.headers.add("x-api-key", "pk_test_sim_3e1");
  BOOST_TEST(sim.handle(keyed).status == 200);
  post.headers.add("X-Api-Key", "pk_test_sim_3e1");
  BOOST_TEST(sim.handle(post).status == 200);
  // The control API is the simulator's own, not the platform's: no key.
  BOOST_TEST(sim.handle(request("GET", "/api/shipments")).status == 200);
  for (const auto& response : {missing}) BOOST_TEST(response.body.find("pk_test_sim_3e1") == std::string::npos);
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
    BOOST_REQUIRE(sim.enqueue(shipment_event("shipment_scheduled", 1)).has_value());
    sim.run_batch();
    BOOST_REQUIRE(sim.enqueue(shipment_event("shipment_scheduled", 2)).has_value());
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
