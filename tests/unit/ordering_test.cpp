#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <chrono>
#include <numeric>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include "hookline/ordering.hpp"
#include "hookline/vrio_shipment.hpp"

namespace data = boost::unit_test::data;
namespace vrio = hookline::vrio;
using hookline::Decision;
using vrio::ShipmentStatus;

namespace hookline {
inline std::ostream& operator<<(std::ostream& out, Decision decision) { return out << to_string(decision); }
}  // namespace hookline
namespace hookline::vrio {
inline std::ostream& operator<<(std::ostream& out, ShipmentStatus status) { return out << to_string(status); }
}  // namespace hookline::vrio

namespace {

constexpr std::int64_t shipment_id = 251606;

std::chrono::sys_seconds at(long long seconds) {
  return std::chrono::sys_seconds{std::chrono::seconds{1774189800LL + seconds}};  // 2026-03-22 14:30:00 UTC
}

vrio::Event event(std::string id, long long seconds, vrio::Payload payload) {
  vrio::Event built{{}, std::move(payload)};
  built.envelope.webhook_type = "shipment";
  built.envelope.webhook_event = std::visit([](const auto& p) { return std::string(p.name); }, built.payload);
  built.envelope.webhook_event_id = std::move(id);
  built.envelope.webhook_event_date = at(seconds);
  return built;
}

vrio::Shipment shipment() {
  vrio::Shipment s;
  s.shipment_id = shipment_id;
  return s;
}

vrio::Address address(std::string street) {
  vrio::Address a;
  a.fname = "John";
  a.address1 = std::move(street);
  a.city = "Denver";
  return a;
}

std::vector<vrio::ShipmentItem> items(std::int64_t item_id, std::int64_t quantity) {
  return {vrio::ShipmentItem{270243, quantity, item_id, "Box", "SUP-" + std::to_string(item_id)}};
}

vrio::Event scheduled(std::string id, long long seconds) {
  auto s = shipment();
  s.customer_id = 71135;
  s.order_id = 135123;
  s.date_scheduled = at(3600);
  s.customer_address_shipping = address("123 Main St");
  s.shipment_items = items(1282, 1);
  return event(std::move(id), seconds, vrio::ShipmentScheduled{s});
}
vrio::Event address_updated(std::string id, long long seconds, std::string street) {
  auto s = shipment();
  s.customer_address_shipping = address(std::move(street));
  return event(std::move(id), seconds, vrio::ShipmentAddressUpdated{s});
}
vrio::Event item_updated(std::string id, long long seconds, std::int64_t item_id) {
  auto s = shipment();
  s.shipment_items = items(item_id, 2);
  return event(std::move(id), seconds, vrio::ShipmentItemUpdated{s});
}
vrio::Event cancelled(std::string id, long long seconds) {
  return event(std::move(id), seconds, vrio::ShipmentCancelled{shipment()});
}
vrio::Event skipped(std::string id, long long seconds) {
  return event(std::move(id), seconds, vrio::ShipmentSkipped{shipment()});
}
vrio::Event failed(std::string id, long long seconds) {
  return event(std::move(id), seconds, vrio::ShipmentFailed{shipment()});
}

struct EventSet {
  const char* name;
  std::vector<vrio::Event> in_order;  // as they happened; duplicates included
};
std::ostream& operator<<(std::ostream& out, const EventSet& set) { return out << set.name; }

std::vector<EventSet> event_sets() {
  return {
      {"scheduled, error, two address changes, items, cancelled, a duplicate address change",
       {scheduled("10001", 0), failed("10006", 30), address_updated("10002", 60, "456 Oak Ave"),
        item_updated("10004", 90, 1283), address_updated("10003", 120, "789 Elm St"),
        address_updated("10002", 60, "456 Oak Ave"), cancelled("10005", 180)}},
      {"scheduled twice (duplicate), address, items, error, skipped, cancelled after the skip",
       {scheduled("10001", 0), scheduled("10001", 0), address_updated("10002", 60, "456 Oak Ave"),
        item_updated("10004", 90, 1283), failed("10006", 100), skipped("10007", 150), cancelled("10008", 200)}},
      {"same-second address changes ordered by numeric id, no terminal state, duplicates",
       {scheduled("9998", 0), address_updated("9999", 60, "first"), address_updated("10000", 60, "second"),
        item_updated("10001", 60, 1290), failed("10002", 61), failed("10002", 61),
        address_updated("10000", 60, "second")}},
      {"never scheduled: everything is held",
       {address_updated("20001", 10, "456 Oak Ave"), cancelled("20002", 20), item_updated("20003", 15, 1283),
        address_updated("20001", 10, "456 Oak Ave")}},
  };
}

std::string describe_order(const std::vector<std::size_t>& order, const std::vector<vrio::Event>& events) {
  std::ostringstream out;
  for (auto index : order) {
    out << events[index].envelope.webhook_event_id << ' ';
  }
  return out.str();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(ordering)

BOOST_DATA_TEST_CASE(every_arrival_order_ends_in_the_in_order_state, data::make(event_sets()), set) {
  const auto expected = vrio::build_view(set.in_order);
  std::vector<std::size_t> order(set.in_order.size());
  std::iota(order.begin(), order.end(), 0);
  std::size_t permutations = 0;
  std::size_t mismatches = 0;
  std::string first_mismatch;
  do {
    std::vector<vrio::Event> arrival;
    for (auto index : order) {
      arrival.push_back(set.in_order[index]);
    }
    ++permutations;
    if (!(vrio::build_view(arrival) == expected)) {
      if (mismatches++ == 0) {
        first_mismatch = describe_order(order, set.in_order);
      }
    }
  } while (std::next_permutation(order.begin(), order.end()));
  std::size_t factorial = 1;
  for (std::size_t n = 2; n <= set.in_order.size(); ++n) {
    factorial *= n;
  }
  BOOST_TEST(permutations == factorial);
  BOOST_TEST(mismatches == 0u, "first differing arrival order: " << first_mismatch);
}

BOOST_AUTO_TEST_CASE(the_in_order_runs_end_where_the_events_say) {
  const auto sets = event_sets();
  const auto first = vrio::build_view(sets[0].in_order);
  BOOST_TEST(first.exists);
  BOOST_TEST(first.status == ShipmentStatus::cancelled);
  BOOST_TEST(first.address->address1.value() == "789 Elm St");
  BOOST_TEST(first.items->front().item_id == 1283);
  BOOST_TEST(first.customer_id.value() == 71135);
  BOOST_TEST(first.seen_event_ids.size() == 6u);
  BOOST_TEST(first.held.empty());

  const auto second = vrio::build_view(sets[1].in_order);
  BOOST_TEST(second.status == ShipmentStatus::skipped);  // the first terminal event wins
  BOOST_TEST(second.status_key->event_id == "10007");

  const auto third = vrio::build_view(sets[2].in_order);
  BOOST_TEST(third.status == ShipmentStatus::error);
  BOOST_TEST(third.address->address1.value() == "second");  // 10000 > 9999 as numbers
  BOOST_TEST(third.address_key->event_id == "10000");

  const auto fourth = vrio::build_view(sets[3].in_order);
  BOOST_TEST(!fourth.exists);
  BOOST_TEST(fourth.status == ShipmentStatus::unknown);
  BOOST_TEST(fourth.held.size() == 3u);
  BOOST_TEST(fourth.held.front().key.event_id == "20001");  // held in key order
  BOOST_TEST(fourth.held.back().key.event_id == "20002");
}

BOOST_AUTO_TEST_CASE(an_older_address_change_is_stale_and_says_why) {
  vrio::ShipmentView view;
  view = vrio::apply(view, scheduled("10001", 0)).view;
  auto newer = vrio::apply(view, address_updated("10007", 60, "new"));
  BOOST_TEST(newer.verdict.decision == Decision::apply);
  BOOST_TEST(newer.verdict.explanation == "applied: address");
  auto older = vrio::apply(newer.view, address_updated("10002", 30, "old"));
  BOOST_TEST(older.verdict.decision == Decision::stale);
  BOOST_TEST(older.verdict.event_id == "10002");
  BOOST_TEST(older.verdict.explanation == "stale: address already updated by event 10007 at 2026-03-22T14:31:00Z");
  BOOST_TEST(older.view.address->address1.value() == "new");
}

BOOST_AUTO_TEST_CASE(a_cancel_before_the_schedule_is_held_then_applied) {
  auto held = vrio::apply({}, cancelled("10005", 120));
  BOOST_TEST(held.verdict.decision == Decision::hold);
  BOOST_TEST(held.verdict.explanation ==
             "hold: shipment 251606 is not scheduled yet; applied when shipment_scheduled arrives");
  BOOST_TEST(!held.view.exists);
  auto released = vrio::apply(held.view, scheduled("10001", 0));
  BOOST_TEST(released.verdict.decision == Decision::apply);
  BOOST_TEST(released.verdict.explanation == "applied: status scheduled, address, items, schedule; released 1 held event(s)");
  BOOST_TEST_REQUIRE(released.released.size() == 1u);
  BOOST_TEST(released.released[0].event_id == "10005");
  BOOST_TEST(released.released[0].decision == Decision::apply);
  BOOST_TEST(released.view.status == ShipmentStatus::cancelled);
  BOOST_TEST(released.view.held.empty());
}

BOOST_AUTO_TEST_CASE(terminal_states_are_sticky) {
  auto view = vrio::build_view({scheduled("10001", 0), cancelled("10005", 60)});
  auto later_error = vrio::apply(view, failed("10006", 120));
  BOOST_TEST(later_error.verdict.decision == Decision::stale);
  BOOST_TEST(later_error.verdict.explanation ==
             "stale: shipment already cancelled by event 10005 at 2026-03-22T14:31:00Z (terminal)");
  auto later_skip = vrio::apply(view, skipped("10007", 180));
  BOOST_TEST(later_skip.verdict.decision == Decision::stale);
  BOOST_TEST(later_skip.view.status == ShipmentStatus::cancelled);
  auto earlier_skip = vrio::apply(view, skipped("10004", 30));
  BOOST_TEST(earlier_skip.verdict.decision == Decision::apply);
  BOOST_TEST(earlier_skip.view.status == ShipmentStatus::skipped);
}

BOOST_AUTO_TEST_CASE(duplicates_other_shipments_and_other_events_change_nothing) {
  const auto view = vrio::build_view({scheduled("10001", 0)});
  auto duplicate = vrio::apply(view, scheduled("10001", 0));
  BOOST_TEST(duplicate.verdict.decision == Decision::duplicate);
  BOOST_TEST((duplicate.view == view));

  auto other = address_updated("10002", 60, "elsewhere");
  std::get<vrio::ShipmentAddressUpdated>(other.payload).shipment.shipment_id = 999;
  auto ignored = vrio::apply(view, other);
  BOOST_TEST(ignored.verdict.decision == Decision::ignore);
  BOOST_TEST(ignored.verdict.explanation == "ignore: about shipment 999, not 251606");
  BOOST_TEST((ignored.view == view));

  auto order = event("10003", 60, vrio::OrderUpdated{});
  auto not_shipment = vrio::apply(view, order);
  BOOST_TEST(not_shipment.verdict.decision == Decision::ignore);
  BOOST_TEST((not_shipment.view == view));
}

struct IdCase {
  const char* a;
  const char* b;
  int expected;  // -1 a < b, 0 equal, 1 a > b
};
std::ostream& operator<<(std::ostream& out, const IdCase& c) { return out << '"' << c.a << "\" vs \"" << c.b << '"'; }

BOOST_DATA_TEST_CASE(event_ids_compare_as_numbers_when_both_are,
                     data::make({IdCase{"9", "10", -1}, IdCase{"10", "9", 1}, IdCase{"10001", "10001", 0},
                                 IdCase{"010", "10", -1}, IdCase{"999", "abc", -1}, IdCase{"abc", "abd", -1},
                                 IdCase{"2x", "10", 1}, IdCase{"", "0", 1}}),
                     c) {
  const auto result = hookline::compare_event_ids(c.a, c.b);
  const int sign = result < 0 ? -1 : (result > 0 ? 1 : 0);
  BOOST_TEST(sign == c.expected);
}

BOOST_AUTO_TEST_CASE(order_keys_compare_by_date_first) {
  const hookline::OrderKey earlier{at(0), "99999"};
  const hookline::OrderKey later{at(1), "1"};
  BOOST_TEST((earlier < later));
  BOOST_TEST((hookline::OrderKey{at(0), "9"} < hookline::OrderKey{at(0), "10"}));
  BOOST_TEST(later.describe() == "event 1 at 2026-03-22T14:30:01Z");
}

BOOST_AUTO_TEST_SUITE_END()
