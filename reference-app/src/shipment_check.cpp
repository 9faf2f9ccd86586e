#include "shipment_check.hpp"

#include <simdjson.h>

#include <array>
#include <utility>
#include <variant>

#include "reconcile.hpp"
#include "tracking_client.hpp"
#include "toolkit/name_table.hpp"

namespace fulfillment {
namespace {

namespace vrio = hookline::vrio;

/// The webhook_event of the observation a platform record becomes (in the history's event lines).
constexpr std::string_view platform_record_event = "platform_check";

constexpr auto outcome_names = hookline::toolkit::name_table<CheckOutcome>({
    {CheckOutcome::matches, "matches"},
    {CheckOutcome::updated, "updated"},
    {CheckOutcome::stale, "stale"},
    {CheckOutcome::rescheduled, "rescheduled"},
    {CheckOutcome::cancelled, "cancelled"},
    {CheckOutcome::skipped, "skipped"},
    {CheckOutcome::shipped_elsewhere, "shipped_elsewhere"},
    {CheckOutcome::created, "created"},
    {CheckOutcome::not_found, "not_found"},
    {CheckOutcome::attention, "attention"},
    {CheckOutcome::unavailable, "unavailable"},
    {CheckOutcome::released_unchecked, "released_unchecked"},
});

vrio::ShipmentStatus view_status_of(PlatformStatus status) {
  switch (status) {
    case PlatformStatus::open: return vrio::ShipmentStatus::scheduled;
    case PlatformStatus::cancelled: return vrio::ShipmentStatus::cancelled;
    case PlatformStatus::skipped: return vrio::ShipmentStatus::skipped;
    case PlatformStatus::shipped: return vrio::ShipmentStatus::shipped;
    case PlatformStatus::unknown: return vrio::ShipmentStatus::unknown;
  }
  return vrio::ShipmentStatus::unknown;
}

/// "Pending Post", or "no status", for history lines.
std::string status_text(const PlatformShipment& record) {
  return record.shipment.shipment_status_id.value_or("no status");
}

/// True when applying the record could change the view: its status, or (for a shipment still to be
/// fulfilled) an address, items or date_scheduled it carries that the view does not hold.
bool differs(const vrio::ShipmentView& view, const PlatformShipment& record) {
  if (!view.exists || view.status != view_status_of(record.status)) return true;
  if (record.status != PlatformStatus::open) return false;
  const vrio::Shipment& shipment = record.shipment;
  return (shipment.customer_address_shipping && shipment.customer_address_shipping != view.address) ||
         (shipment.shipment_items && shipment.shipment_items != view.items) ||
         (shipment.date_scheduled && shipment.date_scheduled != view.date_scheduled);
}

/// The record as a VRIO event with `key`: a shipment_scheduled for a shipment to be fulfilled (what
/// it does not say of the schedule is kept from the view), a cancel, skip or shipped otherwise.
vrio::Event observation_of(const PlatformShipment& record, const vrio::ShipmentView& view, const hookline::OrderKey& key) {
  vrio::Event event;
  event.envelope.webhook_type = "shipment";
  event.envelope.webhook_event = std::string(platform_record_event);
  event.envelope.webhook_event_id = key.event_id;
  event.envelope.webhook_event_date = key.date;
  vrio::Shipment shipment = record.shipment;
  switch (record.status) {
    case PlatformStatus::cancelled: event.payload = vrio::ShipmentCancelled{std::move(shipment)}; break;
    case PlatformStatus::skipped: event.payload = vrio::ShipmentSkipped{std::move(shipment)}; break;
    case PlatformStatus::shipped: event.payload = vrio::ShipmentShipped{std::move(shipment)}; break;
    case PlatformStatus::open:
    case PlatformStatus::unknown:
      if (!shipment.date_scheduled) shipment.date_scheduled = view.date_scheduled;
      if (!shipment.customer_id) shipment.customer_id = view.customer_id;
      if (!shipment.order_id) shipment.order_id = view.order_id;
      event.payload = vrio::ShipmentScheduled{std::move(shipment)};
      break;
  }
  return event;
}

/// What an applied record did to an existing fulfillment.
CheckOutcome outcome_of(const Fulfillment& before, const Fulfillment& after) {
  if (after.state != before.state) {
    switch (after.state) {
      case State::cancelled: return CheckOutcome::cancelled;
      case State::skipped: return CheckOutcome::skipped;
      case State::shipped: return CheckOutcome::shipped_elsewhere;
      default: break;
    }
  }
  if (after.address != before.address || after.items != before.items || after.date_scheduled != before.date_scheduled) {
    return CheckOutcome::updated;
  }
  return CheckOutcome::stale;
}

std::string check_summary(CheckOutcome outcome, const PlatformShipment& record) {
  const std::string holds = "the platform holds it as " + status_text(record);
  switch (outcome) {
    case CheckOutcome::matches: return holds + ", as the events said";
    case CheckOutcome::updated: return holds + ", with a newer address, items or date_scheduled: applied";
    case CheckOutcome::stale: return holds + "; events newer than the read decide what differs";
    case CheckOutcome::rescheduled: return holds + ", due later: not released yet";
    case CheckOutcome::cancelled: return holds + ": stopped, not shipped";
    case CheckOutcome::skipped: return holds + ": stopped, nothing ships this cycle";
    case CheckOutcome::shipped_elsewhere: return holds + ": shipped by another system; recorded, not shipped here";
    case CheckOutcome::created:
      return holds + ": its shipment_scheduled never arrived, so the fulfillment is made from the platform's record";
    default: return holds;
  }
}

/// A read that got no usable answer: the shipment is read again after a backoff; a release stays held
/// until retry.max_attempts reads failed, then the unavailable policy decides.
void decide_unavailable(CheckDecision& d, CheckPurpose purpose, const CheckState& prior, const CheckAttempt& attempt,
                        const CheckPolicy& policy, Millis now, double unit, HistoryRecorder& record) {
  const int failures = prior.failures + 1;
  const auto delay = retry_delay(policy.retry, failures, unit, attempt.read.retry_after);
  d.outcome = CheckOutcome::unavailable;
  d.state = CheckState{failures, now + delay, prior.read_at};
  if (purpose != CheckPurpose::release || !d.fulfillment) return;  // retried quietly: nothing waits on it
  const std::string failed = "read " + std::to_string(failures) + " failed: " + attempt.read.detail;
  const std::string next = "next read in " + std::to_string(delay.count()) + " ms";
  if (failures < policy.retry.max_attempts) {
    record.check(std::string(to_string(d.outcome)), failed + "; release held, " + next);
  } else if (policy.unavailable == UnavailablePolicy::hold) {
    record.check(std::string(to_string(d.outcome)),
                 failed + "; the platform stays unavailable: release held (--check-unavailable hold), " + next);
  } else {
    d.outcome = CheckOutcome::released_unchecked;
    d.state = CheckState{0, {}, prior.read_at};
    record.check(std::string(to_string(d.outcome)),
                 failed + "; the platform stayed unavailable for " + std::to_string(failures) +
                     " reads: released on what the events said (--check-unavailable ship)");
    record.transition(*d.fulfillment, State::picking, "released to the warehouse without a platform check");
    d.fulfillment_changed = true;
    d.released = true;
  }
}

/// A shipment for a person to look at: its fulfillment (made for a shipment that has none) moves to
/// error with the reason as its attention note; nothing ships.
void needs_attention(CheckDecision& d, std::int64_t shipment_id, CheckOutcome outcome, const std::string& reason,
                     std::chrono::sys_seconds now, HistoryRecorder& record) {
  d.outcome = outcome;
  record.check(std::string(to_string(outcome)), reason);
  const std::string note = reason + "; needs attention";
  if (d.fulfillment) {
    d.fulfillment->attention = note;
    if (d.fulfillment->state != State::error) record.transition(*d.fulfillment, State::error, note);
  } else {
    Fulfillment f;
    f.shipment_id = shipment_id;
    f.state = State::error;
    f.attention = note;
    f.created_at = now;
    f.updated_at = now;
    record.created(f, note);
    d.fulfillment = std::move(f);
  }
  d.fulfillment_changed = true;
}

constexpr auto platform_status_names = hookline::toolkit::name_table<PlatformStatus>({
    {PlatformStatus::open, "open"},
    {PlatformStatus::cancelled, "cancelled"},
    {PlatformStatus::skipped, "skipped"},
    {PlatformStatus::shipped, "shipped"},
    {PlatformStatus::unknown, "unknown"},
});
}  // namespace

std::string_view to_string(PlatformStatus status) noexcept {
  return hookline::toolkit::name_of(platform_status_names, status, "unknown");
}

PlatformStatus platform_status_of(std::string_view shipment_status_id) noexcept {
  if (shipment_status_id == "Pending Post") return PlatformStatus::open;
  if (shipment_status_id == "Cancelled") return PlatformStatus::cancelled;
  if (shipment_status_id == "Skipped") return PlatformStatus::skipped;
  if (shipment_status_id == "Shipped" || shipment_status_id == "Fulfilled") return PlatformStatus::shipped;
  return PlatformStatus::unknown;
}

hookline::Result<PlatformShipment, std::string> parse_platform_shipment(std::string_view body, std::int64_t shipment_id,
                                                                       const hookline::ParseOptions& options) {
  simdjson::dom::parser parser;
  simdjson::dom::element document;
  if (parser.parse(simdjson::padded_string(body)).get(document) != simdjson::SUCCESS ||
      document.type() != simdjson::dom::element_type::OBJECT) {
    return hookline::fail(std::string("the body is not a JSON object"));
  }
  // The record is a shipment as VRIO's shipment webhooks carry it: read by the same parser, so its
  // numbers as strings, empty dates and zone-less times mean what they mean there.
  const std::string as_webhook =
      R"({"webhook_type":"shipment","webhook_event":"shipment_scheduled","webhook_event_id":"platform-read","webhook_data":{"shipment":)" +
      std::string(body) + "}}";
  auto event = vrio::parse(as_webhook, options);
  if (!event) {
    std::string path = event.error().path;
    constexpr std::string_view inside = "webhook_data.shipment";
    if (path.starts_with(inside)) path.erase(0, path.size() > inside.size() ? inside.size() + 1 : inside.size());
    return hookline::fail((path.empty() ? std::string() : path + ": ") + event.error().message);
  }
  PlatformShipment record;
  record.shipment = std::get<vrio::ShipmentScheduled>(event->payload).shipment;
  if (record.shipment.shipment_id != shipment_id) {
    return hookline::fail("shipment_id: the record is of shipment " + std::to_string(record.shipment.shipment_id) +
                          ", not " + std::to_string(shipment_id));
  }
  record.status = platform_status_of(record.shipment.shipment_status_id.value_or(""));
  return record;
}

namespace {
constexpr auto read_outcome_names = hookline::toolkit::name_table<ReadOutcome>({
    {ReadOutcome::found, "found"},
    {ReadOutcome::not_found, "not_found"},
    {ReadOutcome::unavailable, "unavailable"},
});
}  // namespace

std::string_view to_string(ReadOutcome outcome) noexcept {
  return hookline::toolkit::name_of(read_outcome_names, outcome, "unavailable");
}

ShipmentRead classify_read(std::int64_t shipment_id, int status, std::optional<std::string_view> retry_after,
                           std::string_view body, std::chrono::sys_seconds now, const hookline::ParseOptions& options) {
  const PostResult answer = classify_answer(status, retry_after, body, now);
  ShipmentRead read;
  read.http_status = status;
  read.retry_after = answer.retry_after;
  read.detail = answer.detail;
  if (status == 404) {
    read.outcome = ReadOutcome::not_found;
  } else if (answer.outcome == PostOutcome::accepted) {
    auto record = parse_platform_shipment(body, shipment_id, options);
    if (record) {
      read.outcome = ReadOutcome::found;
      read.detail = "HTTP " + std::to_string(status) + ": " + status_text(*record);
      read.shipment = std::move(*record);
    } else {
      read.detail = "HTTP " + std::to_string(status) + " with a body that is not a shipment: " + record.error();
    }
  }
  return read;
}

namespace {
constexpr auto check_purpose_names = hookline::toolkit::name_table<CheckPurpose>({
    {CheckPurpose::release, "release"},
    {CheckPurpose::reconcile, "reconcile"},
    {CheckPurpose::held, "held"},
});
}  // namespace

std::string_view to_string(CheckPurpose purpose) noexcept {
  return hookline::toolkit::name_of(check_purpose_names, purpose, "release");
}

namespace {
constexpr auto unavailable_policy_names = hookline::toolkit::name_table<UnavailablePolicy>({
    {UnavailablePolicy::hold, "hold"},
    {UnavailablePolicy::ship, "ship"},
});
}  // namespace

std::string_view to_string(CheckOutcome outcome) noexcept {
  return hookline::toolkit::name_of(outcome_names, outcome, "unavailable");
}

std::string_view to_string(UnavailablePolicy policy) noexcept {
  return hookline::toolkit::name_of(unavailable_policy_names, policy, "hold");
}

std::optional<UnavailablePolicy> unavailable_policy_from_string(std::string_view name) noexcept {
  return hookline::toolkit::value_of(unavailable_policy_names, name, std::optional<UnavailablePolicy>{});
}

CheckDecision decide(CheckPurpose purpose, const std::optional<Fulfillment>& current, const vrio::ShipmentView& view,
                     const CheckState& prior, const CheckAttempt& attempt, const CheckPolicy& policy, Millis now,
                     double unit) {
  const auto seconds = std::chrono::floor<std::chrono::seconds>(now);
  const std::int64_t id = attempt.shipment_id;
  CheckDecision d;
  d.fulfillment = current;
  d.state = prior;
  HistoryRecorder record(id, seconds);
  const auto finish = [&]() -> CheckDecision {
    d.history = std::move(record.lines);
    return std::move(d);
  };
  const ShipmentRead& read = attempt.read;
  if (read.outcome == ReadOutcome::unavailable) {
    decide_unavailable(d, purpose, prior, attempt, policy, now, unit, record);
    return finish();
  }
  d.state = CheckState{0, {}, now};
  const std::string held = purpose == CheckPurpose::held ? "events are held for shipment " + std::to_string(id) +
                                                               ", which was never scheduled here, and "
                                                         : std::string();
  if (read.outcome == ReadOutcome::not_found) {
    needs_attention(d, id, CheckOutcome::not_found,
                    held + "the platform does not know shipment " + std::to_string(id) + " (" + read.detail + ")",
                    seconds, record);
    return finish();
  }
  const PlatformShipment& platform = *read.shipment;
  if (platform.status == PlatformStatus::unknown ||
      (purpose == CheckPurpose::held && platform.status != PlatformStatus::open)) {
    needs_attention(d, id, CheckOutcome::attention,
                    held + "the platform holds shipment " + std::to_string(id) + " as " + status_text(platform) +
                        (platform.status == PlatformStatus::unknown ? ", a status not acted on here" : "") +
                        ": not shipped",
                    seconds, record);
    return finish();
  }

  if (!differs(view, platform)) {
    d.outcome = CheckOutcome::matches;
  } else {
    // The record as the newest observation up to the read: dated one second before the request, so
    // an event from the same second as the read still wins.
    const hookline::OrderKey key{std::chrono::floor<std::chrono::seconds>(attempt.started_at) - std::chrono::seconds(1),
                                 "platform-read-" + std::to_string(attempt.started_at.time_since_epoch().count())};
    const vrio::Event observation = observation_of(platform, view, key);
    const vrio::ShipmentStep step = vrio::apply(view, observation);
    Reconciled applied = reconcile(current, view, step, observation, seconds);
    d.view = step.view;
    d.fulfillment = std::move(applied.fulfillment);
    d.fulfillment_changed = d.fulfillment.has_value();
    d.outcome = current ? outcome_of(*current, *d.fulfillment) : CheckOutcome::created;
    // The observation has no row in the event log: its own line is a history line, before what it brought.
    HistoryRecorder observed(id, seconds);
    observed.event(key.event_id, observation.envelope.webhook_event, applied.decision, applied.explanation);
    observed.lines.insert(observed.lines.end(), applied.history.begin(), applied.history.end());
    record.lines.insert(record.lines.begin(), observed.lines.begin(), observed.lines.end());
  }
  if (purpose == CheckPurpose::release && d.fulfillment && d.fulfillment->state == State::waiting &&
      d.fulfillment->date_scheduled && *d.fulfillment->date_scheduled > seconds) {
    d.outcome = CheckOutcome::rescheduled;
  }
  // A periodic read that found nothing new leaves no line (it only counts in the metrics); any
  // other check's own line comes first: what the platform said, then what it did.
  if (purpose == CheckPurpose::reconcile && d.outcome == CheckOutcome::matches) return finish();
  HistoryRecorder summary(id, seconds);
  summary.check(std::string(to_string(d.outcome)), check_summary(d.outcome, platform) + " (" + read.detail + ")");
  record.lines.insert(record.lines.begin(), summary.lines.begin(), summary.lines.end());
  if (purpose == CheckPurpose::release && d.fulfillment && d.fulfillment->state == State::waiting &&
      d.outcome != CheckOutcome::rescheduled) {
    record.transition(*d.fulfillment, State::picking,
                      "released to the warehouse: date_scheduled reached and the platform still wants it shipped");
    d.fulfillment_changed = true;
    d.released = true;
  }
  return finish();
}

}  // namespace fulfillment
