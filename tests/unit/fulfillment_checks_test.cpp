// Checking with the platform before acting: how a GET /shipments/{id} answer is read, what each
// read decides for a fulfillment (release, stop, record, update, hold, ask a person), how the
// platform's record and the webhooks order against each other, and the checks as the scheduler and
// the reconciler run them over a real store.
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <chrono>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "admin_api.hpp"
#include "fulfillment_domain.hpp"
#include "fulfillment_events.hpp"
#include "hookline/vrio.hpp"
#include "hookline/vrio_shipment.hpp"
#include "platform_checks.hpp"
#include "printing.hpp"
#include "reconcile.hpp"
#include "reconciler.hpp"
#include "shipment_check.hpp"

using namespace std::chrono_literals;
namespace bdata = boost::unit_test::data;
namespace vrio = hookline::vrio;
using fulfillment::CheckOutcome;
using fulfillment::CheckPurpose;
using fulfillment::State;
using fulfillment_test::address_fields;
using fulfillment_test::Domain;
using fulfillment_test::march_22;
using fulfillment_test::platform_record;
using fulfillment_test::scheduled;
using fulfillment_test::ScriptedReader;
using fulfillment_test::shipment_event;

namespace {

constexpr std::int64_t shipment = 251606;
const fulfillment::Millis now_ms = std::chrono::time_point_cast<std::chrono::milliseconds>(march_22);

/// A shipment scheduled by its webhook, due at 14:30, as the store would hold it.
struct Scheduled {
  vrio::ShipmentView view;
  fulfillment::Fulfillment fulfillment;
};

Scheduled scheduled_by_webhook(std::string_view date_scheduled = "2026-03-22 14:30:00") {
  auto event = vrio::parse(scheduled("10001", "2026-03-22 14:00:00", shipment, date_scheduled));
  BOOST_TEST_REQUIRE(event.has_value());
  const auto step = vrio::apply({}, *event);
  auto made = fulfillment::reconcile(std::nullopt, {}, step, *event, march_22 - 1h);
  BOOST_TEST_REQUIRE(made.fulfillment.has_value());
  return {step.view, *made.fulfillment};
}

/// A read of `body` answered 200, made at 15:00.
fulfillment::CheckAttempt found(const std::string& body) {
  auto read = fulfillment::classify_read(shipment, 200, std::nullopt, body, march_22, {});
  BOOST_TEST_REQUIRE((read.outcome == fulfillment::ReadOutcome::found), read.detail);
  return {shipment, read, now_ms};
}

fulfillment::CheckAttempt attempt_of(fulfillment::ShipmentRead read) { return {shipment, std::move(read), now_ms}; }

bool history_says(const fulfillment::CheckDecision& d, std::string_view text) {
  return std::any_of(d.history.begin(), d.history.end(),
                     [&](const auto& line) { return line.detail.find(text) != std::string::npos; });
}

/// One read and what it must decide for a fulfillment that is due and waiting (the check before release).
struct ReleaseCase {
  const char* name;
  fulfillment::ShipmentRead read;
  int prior_failures;
  fulfillment::UnavailablePolicy policy;
  CheckOutcome outcome;
  State state;
  bool released;
  const char* history;  // a phrase the history must hold
};

std::ostream& operator<<(std::ostream& out, const ReleaseCase& c) { return out << c.name; }

fulfillment::ShipmentRead found_read(const std::string& body) {
  return fulfillment::classify_read(shipment, 200, std::nullopt, body, march_22, {});
}

const std::vector<ReleaseCase> release_cases{
    {"the platform agrees", found_read(platform_record(shipment, "Pending Post", "2026-03-22 14:30:00")), 0,
     fulfillment::UnavailablePolicy::hold, CheckOutcome::matches, State::picking, true, "as the events said"},
    {"an address changed at the platform", found_read(platform_record(shipment, "Pending Post", "2026-03-22 14:30:00", "9 Elm Ct")),
     0, fulfillment::UnavailablePolicy::hold, CheckOutcome::updated, State::picking, true, "label updated: ship to 9 Elm Ct"},
    {"items changed at the platform",
     found_read(platform_record(shipment, "Pending Post", "2026-03-22 14:30:00", "123 Main St", "VIT-D-001")), 0,
     fulfillment::UnavailablePolicy::hold, CheckOutcome::updated, State::picking, true, "packing list updated: 1 x VIT-D-001"},
    {"cancelled at the platform", found_read(platform_record(shipment, "Cancelled", "2026-03-22 14:30:00")), 0,
     fulfillment::UnavailablePolicy::hold, CheckOutcome::cancelled, State::cancelled, false, "stopped, not shipped"},
    {"skipped at the platform", found_read(platform_record(shipment, "Skipped", "2026-03-22 14:30:00")), 0,
     fulfillment::UnavailablePolicy::hold, CheckOutcome::skipped, State::skipped, false, "nothing ships this cycle"},
    {"shipped by another system",
     found_read(platform_record(shipment, "Shipped", "2026-03-22 14:30:00", "123 Main St", "SUP-001",
                                R"("shipment_tracking_id":"1Z999AA10123456784","carrier_id":"2")")),
     0, fulfillment::UnavailablePolicy::hold, CheckOutcome::shipped_elsewhere, State::shipped, false,
     "no tracking to post back"},
    {"moved to next month at the platform", found_read(platform_record(shipment, "Pending Post", "2026-04-22 14:30:00")), 0,
     fulfillment::UnavailablePolicy::hold, CheckOutcome::rescheduled, State::waiting, false, "rescheduled for 2026-04-22"},
    {"a status not acted on", found_read(platform_record(shipment, "On Hold", "2026-03-22 14:30:00")), 0,
     fulfillment::UnavailablePolicy::hold, CheckOutcome::attention, State::error, false, "a status not acted on here"},
    {"unknown to the platform", ScriptedReader::not_found(), 0, fulfillment::UnavailablePolicy::hold,
     CheckOutcome::not_found, State::error, false, "the platform does not know shipment 251606"},
    {"no answer, first read", ScriptedReader::unavailable(), 0, fulfillment::UnavailablePolicy::hold,
     CheckOutcome::unavailable, State::waiting, false, "read 1 failed: no answer: Read; release held, next read in 500 ms"},
    {"a 503 with Retry-After", ScriptedReader::unavailable(7s), 0, fulfillment::UnavailablePolicy::hold,
     CheckOutcome::unavailable, State::waiting, false, "next read in 7000 ms"},
    {"still no answer after the last attempt, hold", ScriptedReader::unavailable(), 4, fulfillment::UnavailablePolicy::hold,
     CheckOutcome::unavailable, State::waiting, false, "release held (--check-unavailable hold)"},
    {"still no answer after the last attempt, ship", ScriptedReader::unavailable(), 4, fulfillment::UnavailablePolicy::ship,
     CheckOutcome::released_unchecked, State::picking, true, "released on what the events said (--check-unavailable ship)"},
    {"a body that is not a shipment", fulfillment::classify_read(shipment, 200, std::nullopt, "[]", march_22, {}), 0,
     fulfillment::UnavailablePolicy::hold, CheckOutcome::unavailable, State::waiting, false, "not a shipment"},
};

/// A body of GET /shipments/{id} that is not a usable record, and the phrase the refusal names.
struct BadRecord {
  const char* body;
  const char* says;
};

std::ostream& operator<<(std::ostream& out, const BadRecord& c) { return out << c.body; }

const std::vector<BadRecord> bad_records{
    {"", "not a JSON object"},
    {"null", "not a JSON object"},
    {"[]", "not a JSON object"},
    {R"({"shipment_id":251606} trailing)", "not a JSON object"},
    {R"({"shipment_status_id":"Pending Post"})", "shipment_id"},
    {R"({"shipment_id":"abc"})", "shipment_id"},
    {R"({"shipment_id":251607,"shipment_status_id":"Pending Post"})", "the record is of shipment 251607, not 251606"},
    {R"({"shipment_id":251606,"shipment_items":[{"shipment_item_id":1,"quantity":"two","item_id":1}]})",
     "shipment_items[0].quantity"},
    {R"({"shipment_id":251606,"date_scheduled":"tomorrow"})", "date_scheduled"},
};

/// A webhook dated `offset` from the read, and whether it still changes the address the read applied.
struct OrderCase {
  std::chrono::seconds offset;
  bool applies;
};

std::ostream& operator<<(std::ostream& out, const OrderCase& c) { return out << "webhook at read " << c.offset.count() << " s"; }

const std::vector<OrderCase> order_cases{{-60s, false}, {-2s, false}, {0s, true}, {1s, true}, {3600s, true}};

}  // namespace

BOOST_AUTO_TEST_SUITE(fulfillment_checks)

BOOST_AUTO_TEST_CASE(a_record_is_read_with_vrio_field_names_and_messy_values) {
  const std::string body =
      R"({"shipment_id":"251606","customer_id":"71135","order_id":135123,"shipment_status_id":"Pending Post",)"
      R"("date_scheduled":"2026-03-22 08:30:00","date_cancel":"0000-00-00 00:00:00",)" +
      fulfillment_test::item_fields("SUP-001") + "," + address_fields("123 Main St") + R"(,"unknown_field":[1,2]})";
  const auto record = fulfillment::parse_platform_shipment(body, shipment, {*hookline::TimeZone::named("America/Denver")});
  BOOST_TEST_REQUIRE(record.has_value(), (record.has_value() ? "" : record.error()));
  BOOST_TEST((record->status == fulfillment::PlatformStatus::open));
  BOOST_TEST(record->shipment.customer_id.value_or(0) == 71135);
  BOOST_TEST((record->shipment.date_scheduled == march_22 - 30min));  // 08:30 in Denver (MDT) is 14:30 UTC
  BOOST_TEST(!record->shipment.date_cancel.has_value());
  BOOST_TEST_REQUIRE(record->shipment.shipment_items.has_value());
  BOOST_TEST(record->shipment.shipment_items->front().item_sku == "SUP-001");
  BOOST_TEST(record->shipment.customer_address_shipping->city.value_or("") == "Denver");
  for (const auto& [text, status] : std::vector<std::pair<std::string, fulfillment::PlatformStatus>>{
           {"Cancelled", fulfillment::PlatformStatus::cancelled},
           {"Skipped", fulfillment::PlatformStatus::skipped},
           {"Shipped", fulfillment::PlatformStatus::shipped},
           {"Fulfilled", fulfillment::PlatformStatus::shipped},
           {"On Hold", fulfillment::PlatformStatus::unknown},
           {"", fulfillment::PlatformStatus::unknown}}) {
    BOOST_TEST((fulfillment::platform_status_of(text) == status), text);
  }
}

BOOST_DATA_TEST_CASE(a_body_that_is_not_a_record_of_the_shipment_is_refused_naming_why, bdata::make(bad_records), c) {
  const auto record = fulfillment::parse_platform_shipment(c.body, shipment, {});
  BOOST_TEST_REQUIRE(!record.has_value());
  BOOST_TEST(record.error().find(c.says) != std::string::npos, record.error());
  const auto read = fulfillment::classify_read(shipment, 200, std::nullopt, c.body, march_22, {});
  BOOST_TEST(read.outcome == fulfillment::ReadOutcome::unavailable);
  BOOST_TEST(read.detail.find(c.says) != std::string::npos, read.detail);
}

BOOST_AUTO_TEST_CASE(answers_are_read_as_found_not_found_or_unavailable) {
  const auto body = platform_record(shipment, "Pending Post", "2026-03-22 14:30:00");
  BOOST_TEST(fulfillment::classify_read(shipment, 200, std::nullopt, body, march_22, {}).outcome ==
             fulfillment::ReadOutcome::found);
  BOOST_TEST(fulfillment::classify_read(shipment, 404, std::nullopt, R"({"error":{}})", march_22, {}).outcome ==
             fulfillment::ReadOutcome::not_found);
  for (const int status : {500, 502, 503, 408, 429, 401, 403, 400, 301}) {
    const auto read = fulfillment::classify_read(shipment, status, std::string_view("3"), "busy", march_22, {});
    BOOST_TEST(read.outcome == fulfillment::ReadOutcome::unavailable, status);
    BOOST_TEST(read.http_status == status);
    BOOST_TEST(read.detail.find("HTTP " + std::to_string(status)) == 0u);
  }
  const auto limited = fulfillment::classify_read(shipment, 429, std::string_view("Sun, 22 Mar 2026 15:00:30 GMT"), "",
                                                  march_22, {});
  BOOST_TEST_REQUIRE(limited.retry_after.has_value());
  BOOST_TEST(limited.retry_after->count() == 30000);
}

BOOST_DATA_TEST_CASE(each_read_decides_the_release, bdata::make(release_cases), c) {
  const auto due = scheduled_by_webhook();
  fulfillment::CheckPolicy policy;
  policy.unavailable = c.policy;
  const fulfillment::CheckState prior{c.prior_failures, {}, std::nullopt};
  const auto d = fulfillment::decide(CheckPurpose::release, due.fulfillment, due.view, prior, attempt_of(c.read),
                                     policy, now_ms, 0.5);
  BOOST_TEST(d.outcome == c.outcome);
  BOOST_TEST_REQUIRE(d.fulfillment.has_value());
  BOOST_TEST(d.fulfillment->state == c.state);
  BOOST_TEST(d.released == c.released);
  BOOST_TEST(d.fulfillment_changed == (c.state != State::waiting || c.outcome == CheckOutcome::rescheduled));
  BOOST_TEST(history_says(d, c.history), [&] {
    std::string all;
    for (const auto& line : d.history) all += line.detail + "\n";
    return all;
  }());
  // Every check leaves a line of its own, with its outcome.
  BOOST_TEST(std::any_of(d.history.begin(), d.history.end(), [&](const auto& line) {
    return line.kind == fulfillment::HistoryKind::check && line.decision == to_string(d.outcome);
  }));
  if (c.state == State::error) BOOST_TEST(d.fulfillment->attention.find("needs attention") != std::string::npos);
  if (c.outcome == CheckOutcome::unavailable) {
    BOOST_TEST(d.state.failures == c.prior_failures + 1);
    BOOST_TEST((d.state.retry_at > now_ms));
    BOOST_TEST(!d.view.has_value());
  } else {
    BOOST_TEST(d.state.failures == 0);
    BOOST_TEST((d.state.retry_at == fulfillment::Millis{}));
  }
}

BOOST_AUTO_TEST_CASE(a_retry_after_sets_the_next_read_and_the_backoff_grows_with_each_failure) {
  const auto due = scheduled_by_webhook();
  const fulfillment::CheckPolicy policy;
  fulfillment::CheckState state;
  std::vector<std::chrono::milliseconds> delays;
  for (int read = 0; read < 4; ++read) {
    const auto d = fulfillment::decide(CheckPurpose::release, due.fulfillment, due.view, state,
                                       attempt_of(ScriptedReader::unavailable()), policy, now_ms, 0.999);
    delays.push_back(d.state.retry_at - now_ms);
    state = d.state;
  }
  BOOST_TEST(delays[0].count() == 999);  // the first read again within a second
  BOOST_TEST(delays[1].count() == 1998);
  BOOST_TEST(delays[3].count() == 7992);
  const auto limited = fulfillment::decide(CheckPurpose::release, due.fulfillment, due.view, {},
                                           attempt_of(ScriptedReader::unavailable(2h)), policy, now_ms, 0.1);
  BOOST_TEST((limited.state.retry_at == now_ms + policy.retry.max_retry_after));  // an absurd one is cut
}

BOOST_DATA_TEST_CASE(the_record_orders_with_the_webhooks_as_an_observation_dated_just_before_the_read,
                     bdata::make(order_cases), c) {
  // The platform holds a new address; the read applies it. A webhook with another address, dated
  // before the read, is older than what the platform said: stale. From the read's second on, it wins.
  const auto due = scheduled_by_webhook();
  const auto d = fulfillment::decide(
      CheckPurpose::release, due.fulfillment, due.view, {},
      found(platform_record(shipment, "Pending Post", "2026-03-22 14:30:00", "9 Elm Ct")), {}, now_ms, 0.5);
  BOOST_TEST_REQUIRE(d.view.has_value());
  BOOST_TEST(d.view->address->address1.value_or("") == "9 Elm Ct");
  const auto webhook = vrio::parse(shipment_event("shipment_address_updated", "10002",
                                                  fulfillment_test::vrio_date(march_22 + c.offset), shipment,
                                                  address_fields("456 Oak Ave", "Boulder")));
  BOOST_TEST_REQUIRE(webhook.has_value());
  const auto step = vrio::apply(*d.view, *webhook);
  BOOST_TEST((step.verdict.decision == (c.applies ? hookline::Decision::apply : hookline::Decision::stale)),
             step.verdict.explanation);
  BOOST_TEST(step.view.address->address1.value_or("") == (c.applies ? "456 Oak Ave" : "9 Elm Ct"));
}

BOOST_AUTO_TEST_CASE(a_record_older_than_the_events_applied_leaves_them_standing) {
  // The webhook's address change is dated after the read began: the platform's older record is stale
  // for the address, and the release goes ahead with the webhook's label.
  auto due = scheduled_by_webhook();
  const auto change = vrio::parse(shipment_event("shipment_address_updated", "10002", "2026-03-22 15:00:05", shipment,
                                                 address_fields("456 Oak Ave", "Boulder")));
  BOOST_TEST_REQUIRE(change.has_value());
  const auto step = vrio::apply(due.view, *change);
  due.fulfillment = *fulfillment::reconcile(due.fulfillment, due.view, step, *change, march_22).fulfillment;
  due.view = step.view;
  const auto d = fulfillment::decide(CheckPurpose::release, due.fulfillment, due.view, {},
                                     found(platform_record(shipment, "Pending Post", "2026-03-22 14:30:00")), {},
                                     now_ms, 0.5);
  BOOST_TEST(d.outcome == CheckOutcome::stale);
  BOOST_TEST(d.released);
  BOOST_TEST(d.fulfillment->address->address1.value_or("") == "456 Oak Ave");
}

BOOST_AUTO_TEST_CASE(a_cancel_webhook_after_a_read_that_said_pending_still_wins) {
  const auto due = scheduled_by_webhook();
  const auto d = fulfillment::decide(CheckPurpose::reconcile, due.fulfillment, due.view, {},
                                     found(platform_record(shipment, "Pending Post", "2026-03-22 14:45:00")), {},
                                     now_ms, 0.5);
  BOOST_TEST_REQUIRE(d.view.has_value());  // the date moved: the record applied
  const auto cancel = vrio::parse(shipment_event("shipment_cancelled", "10003", "2026-03-22 14:10:00", shipment));
  const auto step = vrio::apply(*d.view, *cancel);
  BOOST_TEST((step.view.status == vrio::ShipmentStatus::cancelled));  // a terminal state is sticky, whatever the order
}

BOOST_AUTO_TEST_CASE(reconciliation_reads_change_what_waits_or_is_in_the_warehouse_and_say_nothing_when_nothing_changed) {
  auto due = scheduled_by_webhook();
  const auto same = fulfillment::decide(CheckPurpose::reconcile, due.fulfillment, due.view, {},
                                        found(platform_record(shipment, "Pending Post", "2026-03-22 14:30:00")), {},
                                        now_ms, 0.5);
  BOOST_TEST(same.outcome == CheckOutcome::matches);
  BOOST_TEST(same.history.empty());
  BOOST_TEST(!same.fulfillment_changed);
  BOOST_TEST(!same.released);
  BOOST_TEST((same.state.read_at == std::optional{now_ms}));

  due.fulfillment.state = State::packing;
  const auto cancelled = fulfillment::decide(CheckPurpose::reconcile, due.fulfillment, due.view, {},
                                             found(platform_record(shipment, "Cancelled", "2026-03-22 14:30:00")), {},
                                             now_ms, 0.5);
  BOOST_TEST(cancelled.outcome == CheckOutcome::cancelled);
  BOOST_TEST(cancelled.fulfillment->state == State::cancelled);  // the warehouse stops before the label
  BOOST_TEST(!cancelled.released);

  const auto failed = fulfillment::decide(CheckPurpose::reconcile, due.fulfillment, due.view, {},
                                          attempt_of(ScriptedReader::unavailable()), {}, now_ms, 0.5);
  BOOST_TEST(failed.outcome == CheckOutcome::unavailable);
  BOOST_TEST(failed.history.empty());
  BOOST_TEST(failed.fulfillment->state == State::packing);
  BOOST_TEST(failed.state.failures == 1);
}

BOOST_AUTO_TEST_CASE(held_events_of_a_shipment_live_at_the_platform_make_a_fulfillment_from_its_record) {
  // The address change arrived, its shipment_scheduled was lost: the events are held.
  auto change = vrio::parse(shipment_event("shipment_address_updated", "10002", "2026-03-22 14:10:00", shipment,
                                           address_fields("456 Oak Ave", "Boulder")));
  const auto held = vrio::apply({}, *change).view;
  BOOST_TEST_REQUIRE(!held.exists);
  const auto d = fulfillment::decide(CheckPurpose::held, std::nullopt, held, {},
                                     found(platform_record(shipment, "Pending Post", "2026-03-22 14:30:00", "456 Oak Ave")),
                                     {}, now_ms, 0.5);
  BOOST_TEST(d.outcome == CheckOutcome::created);
  BOOST_TEST_REQUIRE(d.fulfillment.has_value());
  BOOST_TEST(d.fulfillment->state == State::waiting);
  BOOST_TEST((d.fulfillment->date_scheduled == std::optional{march_22 - 30min}));
  BOOST_TEST(d.fulfillment->items.size() == 1u);
  BOOST_TEST(d.view->exists);
  BOOST_TEST(d.view->held.empty());
  BOOST_TEST(history_says(d, "never arrived"));

  // A held cancel stays the first thing that happened: the fulfillment is made cancelled.
  auto cancel = vrio::parse(shipment_event("shipment_cancelled", "10003", "2026-03-22 14:20:00", shipment));
  const auto held_cancel = vrio::apply(held, *cancel).view;
  const auto stopped = fulfillment::decide(
      CheckPurpose::held, std::nullopt, held_cancel, {},
      found(platform_record(shipment, "Pending Post", "2026-03-22 14:30:00")), {}, now_ms, 0.5);
  BOOST_TEST(stopped.outcome == CheckOutcome::created);
  BOOST_TEST(stopped.fulfillment->state == State::cancelled);
}

BOOST_AUTO_TEST_CASE(held_events_of_a_shipment_the_platform_does_not_want_shipped_need_attention) {
  auto cancel = vrio::parse(shipment_event("shipment_cancelled", "10003", "2026-03-22 14:20:00", shipment));
  const auto held = vrio::apply({}, *cancel).view;
  for (const auto& [read, outcome, says] :
       std::vector<std::tuple<fulfillment::ShipmentRead, CheckOutcome, std::string>>{
           {ScriptedReader::not_found(), CheckOutcome::not_found, "the platform does not know shipment 251606"},
           {found_read(platform_record(shipment, "Cancelled", "2026-03-22 14:30:00")), CheckOutcome::attention,
            "the platform holds shipment 251606 as Cancelled"}}) {
    const auto d = fulfillment::decide(CheckPurpose::held, std::nullopt, held, {}, attempt_of(read), {}, now_ms, 0.5);
    BOOST_TEST(d.outcome == outcome);
    BOOST_TEST_REQUIRE(d.fulfillment.has_value());
    BOOST_TEST(d.fulfillment->state == State::error);
    BOOST_TEST(d.fulfillment->attention.find(says) != std::string::npos, d.fulfillment->attention);
    BOOST_TEST(d.fulfillment->attention.find("never scheduled here") != std::string::npos);
    BOOST_TEST(!d.view.has_value());  // its events stay held for a shipment_scheduled that may still come
    // The admin API lists it as needing attention, with why.
    const auto shown = fulfillment::fulfillment_json(*d.fulfillment);
    BOOST_TEST(shown.find(R"("needs_attention":true)") != std::string::npos);
    BOOST_TEST(shown.find(says) != std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(a_release_pass_reads_every_due_shipment_and_releases_only_what_the_platform_still_wants_shipped) {
  Domain domain{fulfillment::CheckOptions{}};
  for (std::int64_t id = 1; id <= 6; ++id) {
    domain.deliver(scheduled(std::to_string(100 + id), "2026-03-22 14:00:00", id, "2026-03-22 14:30:00"));
    domain.reader.hold(id, platform_record(id, "Pending Post", "2026-03-22 14:30:00"));
  }
  domain.reader.hold(2, platform_record(2, "Cancelled", "2026-03-22 14:30:00"));
  domain.reader.hold(3, platform_record(3, "Skipped", "2026-03-22 14:30:00"));
  domain.reader.hold(4, platform_record(4, "Pending Post", "2026-03-22 14:30:00", "9 Elm Ct", "VIT-D-001"));
  domain.reader.hold(5, platform_record(5, "Shipped", "2026-03-22 14:30:00", "123 Main St", "SUP-001",
                                        R"("shipment_tracking_id":"9400111899223197428490","carrier_id":1)"));
  const auto syncs = domain.store->sync_count();
  auto released = domain.scheduler->release_due(domain.now);
  BOOST_TEST_REQUIRE(released.has_value());
  std::sort(released->begin(), released->end());
  BOOST_TEST((*released == std::vector<std::int64_t>{1, 4, 6}));
  BOOST_TEST(domain.store->sync_count() == syncs + 1);  // one transaction for the pass
  auto reads = domain.reader.reads();
  std::sort(reads.begin(), reads.end());
  BOOST_TEST((reads == std::vector<std::int64_t>{1, 2, 3, 4, 5, 6}));
  for (const auto id : *released) BOOST_TEST_REQUIRE(domain.scheduler->fulfill(id).has_value());
  BOOST_TEST(domain.get(2).state == State::cancelled);
  BOOST_TEST(domain.get(3).state == State::skipped);
  BOOST_TEST(domain.get(5).state == State::shipped);
  BOOST_TEST(domain.get(5).tracking->source == "platform");
  BOOST_TEST(!domain.outbox(5).has_value());  // nothing to post back
  BOOST_TEST(domain.get(4).state == State::shipped);
  BOOST_TEST(domain.get(4).address->address1.value_or("") == "9 Elm Ct");  // the label as the platform holds it
  BOOST_TEST(domain.get(4).items.front().item_sku == "VIT-D-001");
  BOOST_TEST(domain.outbox(4).has_value());
  BOOST_TEST(domain.run_due().empty());
}

BOOST_AUTO_TEST_CASE(a_platform_that_fails_holds_the_release_with_backoff_and_stops_the_pass_from_hammering_it) {
  Domain domain{fulfillment::CheckOptions{}};
  for (std::int64_t id = 1; id <= 20; ++id) {
    domain.deliver(scheduled(std::to_string(100 + id), "2026-03-22 14:00:00", id, "2026-03-22 14:30:00"));
    domain.reader.hold(id, platform_record(id, "Pending Post", "2026-03-22 14:30:00"));
    domain.reader.script(id, {ScriptedReader::unavailable()});
  }
  auto first = domain.scheduler->release_due(domain.now);
  BOOST_TEST_REQUIRE(first.has_value());
  BOOST_TEST(first->empty());
  const auto read = domain.reader.reads().size();
  BOOST_TEST(read >= 1u);
  BOOST_TEST(read <= 8u);  // the reads in flight when the first failed; the rest wait for the next pass
  auto held = domain.store->releases_held();
  BOOST_TEST(*held == read);
  // Each failed read is tried again after its backoff (jitter 0.5 of 1 s), not before.
  auto waiting = domain.store->due(domain.now, 100);
  BOOST_TEST(waiting->size() == 20u - read);
  auto retry = domain.store->next_check_retry(now_ms);
  BOOST_TEST_REQUIRE(retry->has_value());
  BOOST_TEST((**retry == now_ms + 500ms));
  // Passes until everything got its one failure and then its answer: each pass stops at its first
  // failure, so a failing platform sees a read or a few per pass, not the whole batch.
  for (int pass = 0; pass < 40 && domain.store->counts_by_state()->at(State::waiting) > 0; ++pass) {
    domain.now += 1s;
    domain.run_due();
  }
  BOOST_TEST(domain.store->counts_by_state()->at(State::shipped) == 20u);
  BOOST_TEST(*domain.store->releases_held() == 0u);
  const auto reads = domain.reader.reads();
  for (std::int64_t id = 1; id <= 20; ++id) {
    BOOST_TEST(std::count(reads.begin(), reads.end(), id) == 2, "shipment " << id << ": one failed read, one answered");
    BOOST_TEST(domain.outbox(id).has_value());
  }
}

BOOST_AUTO_TEST_CASE(a_retry_after_holds_back_every_read_until_it_has_passed) {
  Domain domain{fulfillment::CheckOptions{}};
  for (std::int64_t id = 1; id <= 3; ++id) {
    domain.deliver(scheduled(std::to_string(100 + id), "2026-03-22 14:00:00", id, "2026-03-22 14:30:00"));
    domain.reader.hold(id, platform_record(id, "Pending Post", "2026-03-22 14:30:00"));
  }
  fulfillment::ShipmentRead limited = ScriptedReader::unavailable(2s);
  limited.http_status = 429;
  for (std::int64_t id = 1; id <= 3; ++id) domain.reader.script(id, {limited});
  BOOST_TEST_REQUIRE(domain.scheduler->release_due(domain.now)->empty());
  const auto after_limit = domain.reader.reads().size();
  domain.now += 1s;  // within the Retry-After: nothing is read, nothing counted
  BOOST_TEST(domain.scheduler->release_due(domain.now)->empty());
  BOOST_TEST(domain.reader.reads().size() == after_limit);
  for (int pass = 0; pass < 6 && domain.store->counts_by_state()->at(State::shipped) < 3; ++pass) {
    domain.now += 3s;
    domain.run_due();
  }
  BOOST_TEST(domain.store->counts_by_state()->at(State::shipped) == 3u);
  const auto reads = domain.reader.reads();
  for (std::int64_t id = 1; id <= 3; ++id) {
    BOOST_TEST(std::count(reads.begin(), reads.end(), id) == 2, "shipment " << id << ": one 429, one answer");
  }
}

BOOST_AUTO_TEST_CASE(a_retry_after_counts_from_when_the_answer_came_not_from_when_the_pass_began) {
  Domain domain{fulfillment::CheckOptions{}};
  domain.deliver(scheduled("101", "2026-03-22 14:00:00", 5, "2026-03-22 14:30:00"));
  domain.reader.hold(5, platform_record(5, "Pending Post", "2026-03-22 14:30:00"));
  fulfillment::ShipmentRead limited = ScriptedReader::unavailable(2s);
  limited.http_status = 429;
  domain.reader.script(5, {limited});
  // The pass began at `now`; its read was answered five seconds later (a slow store, a slow platform).
  fulfillment::PlatformChecks checks(*domain.store, domain.reader, [&] { return domain.now + 5s; });
  BOOST_TEST_REQUIRE(checks.release({5}, domain.now)->released.empty());
  BOOST_TEST_REQUIRE(domain.reader.reads().size() == 1u);
  BOOST_TEST(checks.release({5}, domain.now + 3s)->released.empty());  // 2 s after the pass began: held
  BOOST_TEST(domain.reader.reads().size() == 1u);
  BOOST_TEST(checks.release({5}, domain.now + 8s)->released == std::vector<std::int64_t>{5},
             boost::test_tools::per_element());  // 2 s after the answer, rounded up to its second
  BOOST_TEST(domain.reader.reads().size() == 2u);
}

BOOST_AUTO_TEST_CASE(with_the_ship_policy_a_platform_that_stays_down_ships_on_what_the_webhooks_said) {
  fulfillment::CheckOptions options;
  options.policy.unavailable = fulfillment::UnavailablePolicy::ship;
  options.policy.retry.max_attempts = 3;
  Domain domain{options};
  domain.deliver(scheduled("101", "2026-03-22 14:00:00", 7, "2026-03-22 14:30:00"));
  domain.reader.script(7, std::vector<fulfillment::ShipmentRead>(10, ScriptedReader::unavailable()));
  std::vector<std::int64_t> released;
  for (int pass = 0; pass < 10 && released.empty(); ++pass) {
    released = domain.run_due();
    domain.now += 10s;
  }
  BOOST_TEST((released == std::vector<std::int64_t>{7}));
  BOOST_TEST(domain.reader.reads().size() == 3u);
  BOOST_TEST(domain.get(7).state == State::shipped);
  const auto lines = domain.history(7);
  BOOST_TEST(std::count_if(lines.begin(), lines.end(),
                           [](const auto& line) { return line.kind == fulfillment::HistoryKind::check; }) == 3);
  BOOST_TEST(lines.back().detail.find("tracking queued") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_fulfillment_cancelled_after_its_pass_listed_it_is_left_as_the_webhook_made_it) {
  Domain domain{fulfillment::CheckOptions{}};
  domain.deliver(scheduled("101", "2026-03-22 14:00:00", 8, "2026-03-22 14:30:00"));
  domain.reader.hold(8, platform_record(8, "Pending Post", "2026-03-22 14:30:00"));
  auto checks = std::make_unique<fulfillment::PlatformChecks>(*domain.store, domain.reader, [&] { return domain.now; });
  domain.deliver(shipment_event("shipment_cancelled", "102", "2026-03-22 14:50:00", 8));
  auto pass = checks->release({8}, domain.now);
  BOOST_TEST_REQUIRE(pass.has_value());
  BOOST_TEST(pass->released.empty());
  BOOST_TEST(pass->read_all);
  BOOST_TEST(domain.get(8).state == State::cancelled);
}

BOOST_AUTO_TEST_CASE(a_reconciliation_pass_reads_within_its_budget_oldest_due_first_and_looks_up_held_events) {
  Domain domain{fulfillment::CheckOptions{}};
  domain.now = march_22 - 1h;  // everything arrives at 14:00
  // Four waiting fulfillments due in a month, oldest due first: 3, 1, 4, 2.
  const std::vector<std::pair<std::int64_t, std::string>> waiting{
      {1, "2026-04-20 10:00:00"}, {2, "2026-04-23 10:00:00"}, {3, "2026-04-19 10:00:00"}, {4, "2026-04-21 10:00:00"}};
  for (const auto& [id, date] : waiting) {
    domain.deliver(scheduled(std::to_string(100 + id), "2026-03-22 14:00:00", id, date));
    domain.reader.hold(id, platform_record(id, "Pending Post", date));
  }
  domain.reader.hold(1, platform_record(1, "Cancelled", "2026-04-20 10:00:00"));  // cancelled by phone
  // Shipment 9's scheduled was lost; its address change is held. Shipment 10's cancel is held, and the platform never had it.
  domain.deliver(shipment_event("shipment_address_updated", "201", "2026-03-22 13:00:00", 9, address_fields("456 Oak Ave")));
  domain.deliver(shipment_event("shipment_cancelled", "202", "2026-03-22 13:00:00", 10));
  domain.reader.hold(9, platform_record(9, "Pending Post", "2026-03-22 14:30:00", "456 Oak Ave"));

  fulfillment::ReconcilerOptions options;
  options.interval = 1s;
  options.reads_per_second = 500;  // a budget of 500 reads
  options.held_after = 30min;
  domain.now = march_22 - 40min;   // the events have been held 20 minutes: not yet looked up
  fulfillment::Reconciler early(*domain.store, *domain.checks, [&] { return domain.now; }, options);
  auto pass = early.run_pass();
  BOOST_TEST_REQUIRE(pass.has_value());
  BOOST_TEST(pass->held_looked_up == 0u);
  BOOST_TEST(pass->reconciled == 4u);
  BOOST_TEST(pass->changed == 1u);
  BOOST_TEST((domain.reader.reads() == std::vector<std::int64_t>{3, 1, 4, 2}));
  BOOST_TEST(domain.get(1).state == State::cancelled);

  domain.now = march_22;           // held an hour now
  options.reads_per_second = 3;    // a budget of 3 reads
  fulfillment::Reconciler budgeted(*domain.store, *domain.checks, [&] { return domain.now; }, options);
  pass = budgeted.run_pass();
  BOOST_TEST_REQUIRE(pass.has_value());
  BOOST_TEST(pass->held_looked_up == 2u);  // held lookups come first
  BOOST_TEST(pass->reconciled == 1u);
  BOOST_TEST(domain.get(9).state == State::waiting);
  BOOST_TEST(domain.get(9).address->address1.value_or("") == "456 Oak Ave");
  BOOST_TEST(domain.get(10).state == State::error);
  BOOST_TEST(domain.get(10).attention.find("does not know shipment 10") != std::string::npos);
  // The made fulfillment is due: its release checks with the platform again, and ships.
  BOOST_TEST((domain.run_due() == std::vector<std::int64_t>{9}));
  BOOST_TEST(domain.get(9).state == State::shipped);
  // Looked up once: a fulfillment exists now, so the held events are not looked up again.
  const auto reads = domain.reader.reads();
  BOOST_TEST(std::count(reads.begin(), reads.end(), 10) == 1);
}

BOOST_AUTO_TEST_SUITE_END()
