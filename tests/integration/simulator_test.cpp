// The platform simulator in-process against a loopback receiver: the control API and the delivery
// rules of each mode (VRIO and Vero once, Ordergroove retries), filters, concurrency, the Test action.

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <simdjson.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "hookline/ordergroove.hpp"
#include "hookline/verify.hpp"
#include "hookline/vero.hpp"
#include "hookline/vrio.hpp"
#include "printing.hpp"
#include "simulator/generator.hpp"
#include "simulator/simulator.hpp"
#include "simulator_test_support.hpp"

using namespace std::chrono_literals;
using namespace simulator_test;
using hookline::simulator::DeliveryFilter;
using hookline::simulator::Simulator;

BOOST_AUTO_TEST_SUITE(simulator)

BOOST_AUTO_TEST_CASE(posted_events_get_an_id_and_a_date_and_wait_for_the_batch) {
  LoopbackReceiver receiver;
  ManualClock clock;
  Simulator sim(vrio_config(receiver.url("/webhooks/vrio")), clock.clock());

  const auto response = sim.handle(request("POST", "/api/events", shipment_event("shipment_scheduled", 251606)));
  BOOST_TEST(response.status == 202);
  const auto events = sim.events();
  BOOST_REQUIRE_EQUAL(events.size(), 1U);
  BOOST_TEST(events[0].event_id == "1");
  BOOST_TEST(events[0].entity == "shipment:251606");
  BOOST_TEST(status_name(events[0].status) == "pending");
  BOOST_TEST(events[0].body.find(R"("webhook_event_id":1,)") != std::string::npos);
  BOOST_TEST(events[0].body.find(R"("webhook_event_date":"2026-03-22 14:30:00")") != std::string::npos);
  BOOST_TEST(receiver.received().empty());

  const auto batch = sim.handle(request("POST", "/api/batches"));
  BOOST_TEST(batch.status == 200);
  BOOST_TEST(batch.body == R"({"attempted":1,"succeeded":1,"retrying":0,"failed":0})");
  const auto received = receiver.received();
  BOOST_REQUIRE_EQUAL(received.size(), 1U);
  BOOST_TEST(received[0].body == events[0].body);

  // The receiver can verify what it got.
  const std::vector<hookline::Secret> keys{hookline::Secret("vrio-secret")};
  const auto verifier = hookline::Verifier::create(hookline::Scheme::vrio, keys);
  BOOST_TEST(verifier->verify(received[0].body, received[0].headers, clock.clock()()).has_value());
}

BOOST_AUTO_TEST_CASE(given_ids_and_dates_are_kept_and_the_next_id_follows_them) {
  LoopbackReceiver receiver;
  ManualClock clock;
  Simulator sim(vrio_config(receiver.url()), clock.clock());
  const std::string body =
      R"({"webhook_type":"shipment","webhook_event":"shipment_cancelled","webhook_event_id":"10002",)"
      R"("webhook_event_date":"2026-03-22 16:00:00","webhook_data":{"shipment":{"shipment_id":251606}}})";
  const auto queued = sim.enqueue(body);
  BOOST_REQUIRE(queued.has_value());
  BOOST_TEST(queued->event_id == "10002");
  BOOST_TEST(queued->body == body);
  BOOST_TEST(sim.next_event_id() == 10003);
}

BOOST_DATA_TEST_CASE(bad_posted_events_are_refused,
                     boost::unit_test::data::make({"not json", "[1,2]", R"({"webhook_type":"shipment"})",
                                                   R"({"webhook_event":"something_new"})",
                                                   R"({"webhook_event":"shipment_scheduled","webhook_data":{"shipment":{}}})",
                                                   R"({"webhook_event":"shipment_scheduled","webhook_event_id":[1]})"}) ^
                         boost::unit_test::data::make({400, 400, 422, 422, 422, 422}) ^
                         boost::unit_test::data::make({"invalid_json", "invalid_json", "missing_field", "missing_field",
                                                       "missing_field", "invalid_field"}),
                     body, status, code) {
  ManualClock clock;
  Simulator sim(vrio_config("http://127.0.0.1:1/unused"), clock.clock());
  const auto response = sim.handle(request("POST", "/api/events", body));
  BOOST_TEST(response.status == status);
  BOOST_TEST(error_code(response) == code);
  BOOST_TEST(sim.events().empty());
}

BOOST_AUTO_TEST_CASE(vrio_attempts_once_even_when_the_receiver_fails) {
  LoopbackReceiver receiver([](const HttpRequest&) { return respond(500, "boom"); });
  ManualClock clock;
  Simulator sim(vrio_config(receiver.url()), clock.clock());
  BOOST_REQUIRE(sim.enqueue(shipment_event("shipment_scheduled", 1)).has_value());

  const auto report = sim.run_batch();
  BOOST_TEST(report.attempted == 1U);
  BOOST_TEST(report.failed == 1U);
  for (int batch = 0; batch < 3; ++batch) {
    clock.advance(300s);
    BOOST_TEST(sim.run_batch().attempted == 0U);
  }
  BOOST_TEST(receiver.received().size() == 1U);
  const auto log = sim.deliveries();
  BOOST_REQUIRE_EQUAL(log.size(), 1U);
  BOOST_TEST(log[0].response_code == 500);
  BOOST_TEST(log[0].response_body == "boom");
  BOOST_TEST(status_name(log[0].status) == "failed");
  BOOST_TEST(status_name(sim.events()[0].status) == "failed");
}

BOOST_AUTO_TEST_CASE(dropped_deliveries_are_never_sent_and_are_logged_failed_like_a_down_receiver) {
  // The dropped set depends on the seed and the event ids only, never on timing or concurrency.
  const auto dropped_ids = [](double rate, std::uint64_t seed, std::size_t concurrency) {
    LoopbackReceiver receiver;
    ManualClock clock;
    auto config = vrio_config(receiver.url());
    config.drop_rate = rate;
    config.drop_seed = seed;
    config.concurrency = concurrency;
    Simulator sim(config, clock.clock());
    for (std::int64_t id = 1; id <= 200; ++id) BOOST_REQUIRE(sim.enqueue(shipment_event("shipment_scheduled", id)).has_value());
    const auto report = sim.run_batch();
    BOOST_TEST(report.attempted == 200U);
    std::set<std::string> dropped;
    for (const auto& entry : sim.deliveries()) {
      if (entry.error == std::optional<std::string>("dropped")) {
        dropped.insert(entry.event_id);
        BOOST_TEST(entry.response_code == 0);
        BOOST_TEST(status_name(entry.status) == "failed");
        BOOST_TEST(entry.request_body.find("shipment_scheduled") != std::string::npos);
      }
    }
    BOOST_TEST(report.failed == dropped.size());
    BOOST_TEST(receiver.received().size() == 200U - dropped.size());
    for (const auto& received : receiver.received()) {
      for (const auto& id : dropped) BOOST_TEST(received.body.find("\"webhook_event_id\":" + id + ",") == std::string::npos);
    }
    // Dropped means lost: VRIO never attempts it again.
    clock.advance(300s);
    BOOST_TEST(sim.run_batch().attempted == 0U);
    return dropped;
  };
  const auto tenth = dropped_ids(0.1, 7, 8);
  BOOST_TEST(tenth.size() >= 8U);
  BOOST_TEST(tenth.size() <= 35U);
  BOOST_TEST((dropped_ids(0.1, 7, 1) == tenth));
  BOOST_TEST((dropped_ids(0.1, 8, 8) != tenth));
  BOOST_TEST(dropped_ids(0.0, 7, 8).empty());
  BOOST_TEST(dropped_ids(1.0, 7, 8).size() == 200U);
}

BOOST_AUTO_TEST_CASE(the_test_action_is_never_dropped) {
  LoopbackReceiver receiver;
  ManualClock clock;
  auto config = vrio_config(receiver.url());
  config.drop_rate = 1.0;
  Simulator sim(config, clock.clock());
  const auto sent = sim.send_test("shipment");
  BOOST_REQUIRE(sent.has_value());
  BOOST_TEST(sent->response_code == 200);
  BOOST_TEST(receiver.received().size() == 1U);
}

BOOST_AUTO_TEST_CASE(vrio_gives_up_after_two_seconds_and_never_retries) {
  LoopbackReceiver receiver([](const HttpRequest&) {
    std::this_thread::sleep_for(3s);
    return respond(200);
  });
  ManualClock clock;
  Simulator sim(vrio_config(receiver.url()), clock.clock());
  BOOST_REQUIRE(sim.enqueue(shipment_event("shipment_scheduled", 1)).has_value());
  BOOST_TEST(sim.run_batch().failed == 1U);
  clock.advance(300s);
  BOOST_TEST(sim.run_batch().attempted == 0U);

  const auto log = sim.deliveries();
  BOOST_REQUIRE_EQUAL(log.size(), 1U);
  BOOST_TEST(log[0].error.value_or("") == "timeout");
  BOOST_TEST(log[0].response_code == 0);
  BOOST_TEST(log[0].duration_us >= 1'900'000);
  BOOST_TEST(log[0].duration_us < 3'000'000);
}

BOOST_AUTO_TEST_CASE(vrio_logs_a_refused_connection_once) {
  std::string url;
  {
    LoopbackReceiver gone;
    url = gone.url();
  }
  ManualClock clock;
  Simulator sim(vrio_config(url), clock.clock());
  BOOST_REQUIRE(sim.enqueue(shipment_event("shipment_scheduled", 1)).has_value());
  sim.run_batch();
  clock.advance(300s);
  sim.run_batch();
  const auto log = sim.deliveries();
  BOOST_REQUIRE_EQUAL(log.size(), 1U);
  BOOST_TEST(log[0].error.value_or("") == "connection_refused");
}

BOOST_AUTO_TEST_CASE(ordergroove_retries_with_backoff_until_success) {
  LoopbackReceiver receiver(failing_first(2));
  ManualClock clock;
  Config config;
  config.mode = Mode::ordergroove;
  config.target_url = receiver.url("/og");
  config.secrets = {hookline::Secret("og-secret")};
  Simulator sim(config, clock.clock());
  const auto queued = sim.enqueue(R"({"type":"subscription.cancel","data":{"object":{"public_id":"abc"}}})");
  BOOST_REQUIRE(queued.has_value());
  BOOST_TEST(queued->body.find(R"("id":"1")") != std::string::npos);
  BOOST_TEST(queued->body.find(R"("created":1774189800)") != std::string::npos);

  BOOST_TEST(sim.run_batch().retrying == 1U);     // attempt 1 fails; retry in 60 s
  BOOST_TEST(sim.run_batch().attempted == 0U);    // not yet
  clock.advance(60s);
  BOOST_TEST(sim.run_batch().retrying == 1U);     // attempt 2 fails; retry in 120 s
  clock.advance(119s);
  BOOST_TEST(sim.run_batch().attempted == 0U);
  clock.advance(1s);
  BOOST_TEST(sim.run_batch().succeeded == 1U);    // attempt 3
  clock.advance(3600s);
  BOOST_TEST(sim.run_batch().attempted == 0U);

  const auto log = sim.deliveries(DeliveryFilter{"1", std::nullopt});
  BOOST_REQUIRE_EQUAL(log.size(), 3U);
  BOOST_TEST(status_name(log[0].status) == "retrying");
  BOOST_TEST(status_name(log[1].status) == "retrying");
  BOOST_TEST(status_name(log[2].status) == "succeeded");
  BOOST_TEST(log[2].attempt == 3);
  BOOST_TEST(receiver.received()[0].headers.get("Ordergroove-Signature").has_value());
  BOOST_TEST(sim.deliveries(DeliveryFilter{std::nullopt, EventStatus::retrying}).size() == 2U);
}

BOOST_AUTO_TEST_CASE(ordergroove_fails_a_delivery_at_its_attempt_limit) {
  LoopbackReceiver receiver([](const HttpRequest&) { return respond(503); });
  ManualClock clock;
  Config config;
  config.mode = Mode::ordergroove;
  config.target_url = receiver.url();
  config.retry.max_attempts = 3;
  Simulator sim(config, clock.clock());
  BOOST_REQUIRE(sim.enqueue(R"({"id":"e1","type":"order.success","data":{"object":{"public_id":"o1"}}})").has_value());
  for (int batch = 0; batch < 10; ++batch) {
    sim.run_batch();
    clock.advance(600s);
  }
  BOOST_TEST(receiver.received().size() == 3U);
  BOOST_TEST(status_name(sim.events()[0].status) == "failed");
  const auto log = sim.deliveries();
  BOOST_REQUIRE_EQUAL(log.size(), 3U);
  BOOST_TEST(status_name(log[2].status) == "failed");
}

BOOST_AUTO_TEST_CASE(vero_sends_once_unsigned_and_unchanged) {
  LoopbackReceiver receiver([](const HttpRequest&) { return respond(500); });
  ManualClock clock;
  Config config;
  config.mode = Mode::vero;
  config.target_url = receiver.url("/vero");
  config.secrets = {hookline::Secret("ignored")};
  Simulator sim(config, clock.clock());
  const std::string body = R"({"type":"unsubscribed","user":{"id":123,"email":"steve@getvero.com"}})";
  const auto queued = sim.enqueue(body);
  BOOST_REQUIRE(queued.has_value());
  BOOST_TEST(queued->body == body);
  BOOST_TEST(queued->entity == "user:123");
  sim.run_batch();
  clock.advance(300s);
  sim.run_batch();
  const auto received = receiver.received();
  BOOST_REQUIRE_EQUAL(received.size(), 1U);
  BOOST_TEST(received[0].body == body);
  BOOST_TEST(received[0].headers.size() > 0U);
  for (const auto& field : received[0].headers.fields()) {
    BOOST_TEST(field.name.find("ignature") == std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(campaign_filters_the_active_switch_and_missing_urls_keep_events_unsent) {
  LoopbackReceiver receiver;
  ManualClock clock;
  auto config = vrio_config(receiver.url());
  config.campaigns = {7};
  Simulator filtered(config, clock.clock());
  BOOST_TEST(status_name(filtered.enqueue(shipment_event("shipment_scheduled", 1, R"("campaign_id":7)"))->status) ==
             "pending");
  BOOST_TEST(status_name(filtered.enqueue(shipment_event("shipment_scheduled", 2, R"("campaign_id":"8")"))->status) ==
             "filtered");
  BOOST_TEST(status_name(filtered.enqueue(shipment_event("shipment_scheduled", 3))->status) == "filtered");
  BOOST_TEST(status_name(filtered.enqueue(R"({"webhook_event":"order_updated","webhook_data":{"order":{"id":5,"campaign_id":7}}})")
                             ->status) == "no_destination");
  BOOST_TEST(filtered.run_batch().attempted == 1U);

  config.campaigns.clear();
  config.active = false;
  Simulator inactive(config, clock.clock());
  BOOST_TEST(status_name(inactive.enqueue(shipment_event("shipment_scheduled", 1))->status) == "inactive");
  BOOST_TEST(inactive.run_batch().attempted == 0U);
  BOOST_TEST(receiver.received().size() == 1U);
}

BOOST_AUTO_TEST_CASE(a_batch_delivers_concurrently_but_one_entity_at_a_time_in_queue_order) {
  std::mutex mutex;
  std::map<std::string, int> busy;  // entity → requests in flight
  std::vector<std::string> order_of_shipment_7;
  bool overlapped = false;
  LoopbackReceiver receiver([&](const HttpRequest& r) {
    const auto at = r.body.find("\"shipment_id\":");
    const auto entity = r.body.substr(at, r.body.find('}', at) - at);
    {
      const std::lock_guard lock(mutex);
      overlapped = overlapped || busy[entity]++ > 0;
      if (entity == "\"shipment_id\":7") order_of_shipment_7.push_back(r.body.substr(r.body.find("shipment_"), 22));
    }
    std::this_thread::sleep_for(50ms);
    const std::lock_guard lock(mutex);
    --busy[entity];
    return respond(200);
  });
  ManualClock clock;
  auto config = vrio_config(receiver.url());
  config.concurrency = 4;
  Simulator sim(config, clock.clock());
  BOOST_REQUIRE(sim.enqueue(shipment_event("shipment_cancelled", 7)).has_value());
  BOOST_REQUIRE(sim.enqueue(shipment_event("shipment_scheduled", 7)).has_value());
  for (int shipment = 100; shipment < 116; ++shipment) {
    BOOST_REQUIRE(sim.enqueue(shipment_event("shipment_scheduled", shipment)).has_value());
  }
  BOOST_REQUIRE(sim.enqueue(shipment_event("shipment_address_updated", 7)).has_value());

  BOOST_TEST(sim.run_batch().succeeded == 19U);
  BOOST_TEST(receiver.max_in_flight() > 1);
  BOOST_TEST(receiver.max_in_flight() <= 4);
  // The receiver's threads wrote these under the mutex; read them under it too (the answers that
  // run_batch waited for order them only through the socket, which ThreadSanitizer cannot see).
  const std::lock_guard lock(mutex);
  BOOST_TEST(!overlapped);
  BOOST_REQUIRE_EQUAL(order_of_shipment_7.size(), 3U);
  BOOST_TEST(order_of_shipment_7[0].starts_with("shipment_cancelled"));
  BOOST_TEST(order_of_shipment_7[1].starts_with("shipment_scheduled"));
  BOOST_TEST(order_of_shipment_7[2].starts_with("shipment_address_upd"));
}

BOOST_AUTO_TEST_CASE(the_test_action_sends_a_sample_at_once) {
  LoopbackReceiver receiver;
  ManualClock clock;
  Simulator sim(vrio_config(receiver.url("/webhooks/vrio")), clock.clock());
  const auto response = sim.handle(request("POST", "/api/test", "", {{"destination", "shipment"}}));
  BOOST_TEST(response.status == 200);
  BOOST_TEST(response.body.find(R"("test":true)") != std::string::npos);
  const auto received = receiver.received();
  BOOST_REQUIRE_EQUAL(received.size(), 1U);
  BOOST_TEST(received[0].body.find("shipment_scheduled") != std::string::npos);
  BOOST_TEST(sim.deliveries().size() == 1U);
  BOOST_TEST(sim.shipments().empty());  // a test does not create platform state

  const auto no_url = sim.handle(request("POST", "/api/test", "", {{"destination", "order"}}));
  BOOST_TEST(no_url.status == 422);
  BOOST_TEST(error_code(no_url) == "no_destination");
  BOOST_TEST(error_code(sim.handle(request("POST", "/api/test", "", {{"destination", "nope"}}))) == "invalid_field");
}

BOOST_AUTO_TEST_CASE(test_samples_are_payloads_the_sdk_parses_for_every_mode) {
  LoopbackReceiver receiver;
  ManualClock clock;
  for (const std::string destination : {"transaction", "order", "order_offer", "shipment"}) {
    Config config;
    config.vrio_urls = {receiver.url(), receiver.url(), receiver.url(), receiver.url()};
    Simulator sim(config, clock.clock());
    const auto sent = sim.send_test(destination);
    BOOST_REQUIRE(sent.has_value());
    const auto parsed = hookline::vrio::parse(sent->request_body);
    BOOST_TEST(parsed.has_value(), destination << ": " << (parsed.has_value() ? "" : parsed.error().to_string()));
    BOOST_TEST(parsed->meta().entity.starts_with(destination + ":"));
  }
  for (const auto mode : {Mode::ordergroove, Mode::vero}) {
    Config config;
    config.mode = mode;
    config.target_url = receiver.url();
    Simulator sim(config, clock.clock());
    const auto sent = sim.send_test("target");
    BOOST_REQUIRE(sent.has_value());
    BOOST_TEST(sent->response_code == 200, hookline::simulator::to_string(mode));
    if (mode == Mode::ordergroove) {
      BOOST_TEST(hookline::ordergroove::parse(sent->request_body).has_value());
    } else {
      BOOST_TEST(hookline::vero::parse(sent->request_body).has_value());
    }
  }
  BOOST_TEST(receiver.received().size() == 6U);
}

BOOST_AUTO_TEST_CASE(the_delivery_log_filters_by_event_and_status) {
  LoopbackReceiver receiver([](const HttpRequest& r) {
    return r.body.find("\"shipment_id\":2") != std::string::npos ? respond(500) : respond(200);
  });
  ManualClock clock;
  Simulator sim(vrio_config(receiver.url()), clock.clock());
  BOOST_REQUIRE(sim.enqueue(shipment_event("shipment_scheduled", 1)).has_value());
  BOOST_REQUIRE(sim.enqueue(shipment_event("shipment_scheduled", 2)).has_value());
  sim.run_batch();
  BOOST_TEST(sim.deliveries(DeliveryFilter{"2", std::nullopt}).size() == 1U);
  BOOST_TEST(sim.deliveries(DeliveryFilter{std::nullopt, EventStatus::failed}).size() == 1U);
  BOOST_TEST(sim.deliveries(DeliveryFilter{std::nullopt, EventStatus::failed})[0].event_id == "2");

  const auto listed = sim.handle(request("GET", "/api/deliveries", "", {{"status", "succeeded"}}));
  BOOST_TEST(listed.status == 200);
  BOOST_TEST(listed.body.find(R"("event_id":"1")") != std::string::npos);
  BOOST_TEST(listed.body.find(R"("event_id":"2")") == std::string::npos);
  BOOST_TEST(sim.handle(request("GET", "/api/deliveries", "", {{"status", "bogus"}})).status == 400);
  BOOST_TEST(sim.handle(request("DELETE", "/api/deliveries")).status == 405);
  BOOST_TEST(sim.handle(request("GET", "/api/nothing")).status == 404);
}

BOOST_AUTO_TEST_CASE(the_event_list_and_the_log_are_paged_by_cursor) {
  LoopbackReceiver receiver;
  ManualClock clock;
  Simulator sim(vrio_config(receiver.url("/webhooks/vrio")), clock.clock());
  for (int shipment = 1; shipment <= 5; ++shipment) BOOST_REQUIRE(sim.enqueue(shipment_event("shipment_scheduled", shipment)).has_value());
  static_cast<void>(sim.run_batch());

  for (const std::string listing : {"events", "deliveries"}) {
    std::set<std::string> seen;
    std::optional<std::string> cursor;
    int pages = 0;
    do {
      std::vector<std::pair<std::string, std::string>> query{{"limit", "2"}};
      if (cursor) query.emplace_back("cursor", *cursor);
      const auto page = sim.handle(request("GET", "/api/" + listing, "", query));
      BOOST_REQUIRE_EQUAL(page.status, 200);
      simdjson::dom::parser parser;
      simdjson::dom::element root;
      simdjson::dom::array entries;
      BOOST_REQUIRE(parser.parse(page.body).get(root) == simdjson::SUCCESS);
      BOOST_REQUIRE(root[listing].get(entries) == simdjson::SUCCESS);
      for (auto entry : entries) {
        std::string_view id;
        BOOST_REQUIRE(entry["event_id"].get(id) == simdjson::SUCCESS);
        seen.insert(std::string(id));
      }
      std::int64_t next = 0;
      cursor = root["next_cursor"].get(next) == simdjson::SUCCESS ? std::optional<std::string>(std::to_string(next))
                                                                  : std::nullopt;
      ++pages;
    } while (cursor && pages < 10);
    BOOST_TEST(pages == 3, listing);  // 2 + 2 + 1
    BOOST_TEST(seen.size() == 5U, listing);
  }
  // The whole list fits the default page: no next cursor.
  const auto all = sim.handle(request("GET", "/api/deliveries"));
  BOOST_TEST(all.body.ends_with(R"(],"next_cursor":null})"), all.body);
}

BOOST_DATA_TEST_CASE(a_malformed_page_request_is_a_400_that_says_the_range,
                     boost::unit_test::data::make({std::string("limit=0"), std::string("limit=1001"),
                                                   std::string("limit=ten"), std::string("cursor=-1"),
                                                   std::string("cursor=x")}),
                     parameter) {
  ManualClock clock;
  Simulator sim(vrio_config("http://127.0.0.1:1/unused"), clock.clock());
  const auto equals = parameter.find('=');
  for (const std::string path : {"/api/events", "/api/deliveries"}) {
    const auto response =
        sim.handle(request("GET", path, "", {{parameter.substr(0, equals), parameter.substr(equals + 1)}}));
    BOOST_TEST(response.status == 400);
    BOOST_TEST(error_code(response) == "invalid_parameter");
    if (parameter.starts_with("limit")) BOOST_TEST(response.body.find("from 1 to 1000") != std::string::npos, response.body);
  }
}

BOOST_AUTO_TEST_CASE(every_error_body_is_the_one_hookline_error_shape) {
  ManualClock clock;
  Simulator sim(vrio_config("http://127.0.0.1:1/unused"), clock.clock());
  const auto not_allowed = sim.handle(request("DELETE", "/api/events"));
  BOOST_TEST(not_allowed.body == hookline::error_response(405, "method_not_allowed", "use GET, POST").body);
  const auto refused = sim.handle(request("GET", "/api/deliveries", "", {{"status", "bogus"}}));
  BOOST_TEST(refused.body == hookline::error_response(400, "invalid_parameter",
                                                       "status must be pending, retrying, succeeded, failed, filtered, "
                                                       "inactive or no_destination",
                                                       {{"field", "status"}})
                                 .body);
}

BOOST_AUTO_TEST_CASE(the_log_says_why_a_delivery_got_no_answer) {
  std::string url;
  {
    LoopbackReceiver gone;
    url = gone.url("/webhooks/vrio");
  }
  ManualClock clock;
  Simulator sim(vrio_config(url), clock.clock());
  BOOST_REQUIRE(sim.enqueue(shipment_event("shipment_scheduled", 1)).has_value());
  static_cast<void>(sim.run_batch());
  const auto log = sim.deliveries();
  BOOST_REQUIRE_EQUAL(log.size(), 1U);
  BOOST_TEST(log[0].error == std::optional<std::string>("connection_refused"));
  const auto endpoint = url.substr(7, url.find('/', 7) - 7);
  BOOST_TEST(log[0].error_detail == "connection refused to " + endpoint);
  BOOST_TEST(sim.handle(request("GET", "/api/deliveries")).body.find(R"("error_detail":"connection refused to )" + endpoint) !=
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(its_database_files_are_private_whatever_the_umask) {
  const auto dir = std::filesystem::temp_directory_path() / ("hookline-simulator-files-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const mode_t previous = ::umask(0);
  {
    LoopbackReceiver receiver;
    ManualClock clock;
    auto config = vrio_config(receiver.url("/webhooks/vrio"));
    config.db_path = (dir / "simulator.db").string();
    Simulator sim(config, clock.clock());
    BOOST_TEST(sim.handle(request("POST", "/api/events", shipment_event("shipment_scheduled", 251606))).status == 202);
    for (const char* file : {"simulator.db", "simulator.db-wal", "simulator.db-shm"}) {
      const auto permissions = std::filesystem::status(dir / file).permissions();
      BOOST_TEST((permissions == (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write)), file);
    }
  }
  ::umask(previous);
  std::filesystem::remove_all(dir);
}

BOOST_AUTO_TEST_SUITE_END()

