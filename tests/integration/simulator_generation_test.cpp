// Scenario generation: reproducible with a seed, the mix follows the rates, due cancellations
// arrive before their schedule, and generated events register the platform's shipments.

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <simdjson.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "hookline/verify.hpp"
#include "hookline/vrio.hpp"
#include "printing.hpp"
#include "simulator/generator.hpp"
#include "simulator/simulator.hpp"
#include "simulator_test_support.hpp"

using namespace std::chrono_literals;
using namespace simulator_test;
using hookline::simulator::DeliveryFilter;
using hookline::simulator::Simulator;

BOOST_AUTO_TEST_SUITE(simulator_generation)

BOOST_AUTO_TEST_CASE(the_same_seed_gives_the_same_scenario) {
  hookline::simulator::GenerateOptions options;
  options.subscriptions = 40;
  options.seed = 42;
  const auto now = std::chrono::sys_seconds{std::chrono::seconds{start}};
  const auto first = hookline::simulator::generate(options, now);
  const auto second = hookline::simulator::generate(options, now);
  BOOST_TEST(first.events == second.events, boost::test_tools::per_element());
  options.seed = 43;
  BOOST_TEST(hookline::simulator::generate(options, now).events != first.events);
}

BOOST_AUTO_TEST_CASE(the_mix_follows_the_rates) {
  hookline::simulator::GenerateOptions options;
  options.subscriptions = 200;
  options.seed = 7;
  options.cancel_rate = 0.5;
  options.skip_rate = 0.0;
  options.duplicate_rate = 1.0;
  options.max_prepaid_cycles = 3;
  const auto now = std::chrono::sys_seconds{std::chrono::seconds{start}};
  const auto scenario = hookline::simulator::generate(options, now);

  std::size_t due = 0, future = 0, cancelled = 0, skipped = 0;
  for (const auto& shipment : scenario.shipments) {
    (shipment.due ? due : future) += 1;
    cancelled += shipment.cancelled ? 1 : 0;
    skipped += shipment.skipped ? 1 : 0;
  }
  BOOST_TEST(due == options.subscriptions);  // the first cycle of each is due, the others are not
  BOOST_TEST(future > 0U);
  BOOST_TEST(skipped == 0U);
  BOOST_TEST(cancelled > 70U);
  BOOST_TEST(cancelled < 130U);

  // Every shipment_scheduled is queued twice with the same id (duplicate_rate 1).
  std::map<std::string, int> scheduled_ids;
  simdjson::dom::parser parser;
  for (const auto& body : scenario.events) {
    const auto document = parser.parse(body);
    std::string_view name;
    BOOST_REQUIRE(document["webhook_event"].get(name) == simdjson::SUCCESS);
    std::int64_t id = 0;
    BOOST_REQUIRE(document["webhook_event_id"].get(id) == simdjson::SUCCESS);
    if (name == "shipment_scheduled") ++scheduled_ids[std::to_string(id)];
  }
  BOOST_TEST(scheduled_ids.size() == scenario.shipments.size());
  for (const auto& [id, count] : scheduled_ids) BOOST_TEST(count == 2, "event " << id);
}

BOOST_AUTO_TEST_CASE(a_due_cancellation_is_queued_before_its_schedule_and_a_future_one_after) {
  hookline::simulator::GenerateOptions options;
  options.subscriptions = 30;
  options.seed = 3;
  options.cancel_rate = 1.0;
  const auto now = std::chrono::sys_seconds{std::chrono::seconds{start}};
  const auto scenario = hookline::simulator::generate(options, now);
  for (const auto& shipment : scenario.shipments) {
    if (!shipment.cancelled) continue;
    const auto id = "\"shipment_id\":" + std::to_string(shipment.shipment_id) + ",";
    std::size_t cancel_at = 0, scheduled_at = 0;
    for (std::size_t i = 0; i < scenario.events.size(); ++i) {
      if (scenario.events[i].find(id) == std::string::npos) continue;
      if (scenario.events[i].find("shipment_cancelled") != std::string::npos) cancel_at = i + 1;
      if (scenario.events[i].find("shipment_scheduled") != std::string::npos && scheduled_at == 0) scheduled_at = i + 1;
    }
    BOOST_REQUIRE(cancel_at > 0U);
    BOOST_REQUIRE(scheduled_at > 0U);
    BOOST_TEST((cancel_at < scheduled_at) == shipment.due, "shipment " << shipment.shipment_id);
  }
}

BOOST_AUTO_TEST_CASE(every_generated_event_is_a_vrio_payload_the_sdk_parses) {
  hookline::simulator::GenerateOptions options;
  options.subscriptions = 50;
  options.cancel_rate = 0.3;
  options.skip_rate = 0.3;
  options.address_change_rate = 0.5;
  options.item_change_rate = 0.5;
  const auto now = std::chrono::sys_seconds{std::chrono::seconds{start}};
  const auto scenario = hookline::simulator::generate(options, now);
  std::set<std::string> names;
  for (const auto& body : scenario.events) {
    const auto parsed = hookline::vrio::parse(body);
    BOOST_REQUIRE_MESSAGE(parsed.has_value(), (parsed.has_value() ? std::string() : parsed.error().to_string()) + "\n" + body);
    BOOST_TEST(parsed->meta().entity.starts_with("shipment:"));
    BOOST_TEST((parsed->meta().occurred_at <= now));
    names.insert(parsed->meta().type);
  }
  BOOST_TEST(names == (std::set<std::string>{"shipment_address_updated", "shipment_cancelled", "shipment_item_updated",
                                             "shipment_scheduled", "shipment_skipped"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(generated_events_register_the_platform_shipments) {
  ManualClock clock;
  Simulator sim(vrio_config("http://127.0.0.1:1/unused"), clock.clock());
  hookline::simulator::GenerateOptions options;
  options.subscriptions = 20;
  options.cancel_rate = 0.3;
  options.skip_rate = 0.3;
  const auto scenario = hookline::simulator::generate(options, clock.clock()());
  for (const auto& body : scenario.events) BOOST_REQUIRE(sim.enqueue(body).has_value());
  const auto shipments = sim.shipments();
  BOOST_REQUIRE_EQUAL(shipments.size(), scenario.shipments.size());
  for (std::size_t i = 0; i < shipments.size(); ++i) {
    const auto& expected = scenario.shipments[i];
    BOOST_TEST(shipments[i].shipment_id == expected.shipment_id);
    const std::string status = expected.cancelled ? "Cancelled" : expected.skipped ? "Skipped" : "Pending Post";
    BOOST_TEST(shipments[i].status == status);
    BOOST_TEST((shipments[i].date_scheduled == expected.date_scheduled));
  }
}

BOOST_AUTO_TEST_SUITE_END()

