#include "reconcile.hpp"

#include <variant>

#include "toolkit/dates.hpp"

namespace fulfillment {

HistoryRecorder::HistoryRecorder(std::int64_t shipment_id, std::chrono::sys_seconds now)
    : shipment_id_(shipment_id), now_(now) {}

void HistoryRecorder::event(const std::string& event_id, const std::string& type, std::string decision,
                            std::string detail) {
  HistoryEntry entry = base(HistoryKind::event);
  entry.event_id = event_id;
  entry.event_type = type;
  entry.decision = std::move(decision);
  entry.detail = std::move(detail);
  lines.push_back(std::move(entry));
}

void HistoryRecorder::transition(Fulfillment& f, State to, std::string reason) {
  HistoryEntry entry = base(HistoryKind::transition);
  entry.from_state = std::string(to_string(f.state));
  entry.to_state = std::string(to_string(to));
  entry.detail = std::move(reason);
  f.state = to;
  f.updated_at = now_;
  lines.push_back(std::move(entry));
}

void HistoryRecorder::created(Fulfillment& f, std::string reason) {
  HistoryEntry entry = base(HistoryKind::transition);
  entry.to_state = std::string(to_string(f.state));
  entry.detail = std::move(reason);
  lines.push_back(std::move(entry));
}

void HistoryRecorder::conflict(const std::string& event_id, const std::string& type, std::string detail) {
  HistoryEntry entry = base(HistoryKind::conflict);
  entry.event_id = event_id;
  entry.event_type = type;
  entry.decision = "conflict";
  entry.detail = std::move(detail);
  lines.push_back(std::move(entry));
}

void HistoryRecorder::note(std::string detail) {
  HistoryEntry entry = base(HistoryKind::note);
  entry.detail = std::move(detail);
  lines.push_back(std::move(entry));
}

void HistoryRecorder::check(std::string outcome, std::string detail) {
  HistoryEntry entry = base(HistoryKind::check);
  entry.decision = std::move(outcome);
  entry.detail = std::move(detail);
  lines.push_back(std::move(entry));
}

HistoryEntry HistoryRecorder::base(HistoryKind kind) const {
  HistoryEntry entry;
  entry.shipment_id = shipment_id_;
  entry.at = now_;
  entry.kind = kind;
  return entry;
}

std::string describe_address(const std::optional<hookline::vrio::Address>& address) {
  if (!address) return "none";
  std::string text = address->address1.value_or("");
  if (address->address2 && !address->address2->empty()) text += ", " + *address->address2;
  if (address->city) text += ", " + *address->city;
  if (address->state) text += " " + *address->state;
  if (address->zipcode) text += " " + *address->zipcode;
  return text;
}

std::string describe_items(const std::vector<hookline::vrio::ShipmentItem>& items) {
  std::string text;
  for (const auto& item : items) {
    if (!text.empty()) text += ", ";
    text += std::to_string(item.quantity) + " x " + item.item_sku;
  }
  return text.empty() ? "no items" : text;
}

namespace {

namespace vrio = hookline::vrio;
using hookline::Decision;
using vrio::ShipmentStatus;

std::string describe_tracking(const Fulfillment& f) {
  if (!f.tracking) return "";
  return " (tracking " + f.tracking->tracking_number + ", carrier " + std::to_string(f.tracking->carrier_id) + ")";
}

const vrio::Shipment* shipment_of(const vrio::Payload& payload) {
  return std::visit(
      [](const auto& typed) -> const vrio::Shipment* {
        if constexpr (requires { typed.shipment; }) {
          return &typed.shipment;
        } else {
          return nullptr;
        }
      },
      payload);
}

State state_for(ShipmentStatus status) {
  switch (status) {
    case ShipmentStatus::error: return State::error;
    case ShipmentStatus::cancelled: return State::cancelled;
    case ShipmentStatus::skipped: return State::skipped;
    case ShipmentStatus::shipped: return State::shipped;
    case ShipmentStatus::unknown:
    case ShipmentStatus::scheduled: return State::waiting;
  }
  return State::waiting;
}

bool has_shipped(State state) { return state == State::shipped || state == State::returned; }

/// Platform tracking from a v1 shipped/fulfilled event, when it carries a number.
std::optional<Tracking> platform_tracking(const vrio::Event& event, std::chrono::sys_seconds now) {
  const vrio::Shipment* shipment = shipment_of(event.payload);
  if (shipment == nullptr || !shipment->shipment_tracking_id) return std::nullopt;
  return Tracking{*shipment->shipment_tracking_id, shipment->carrier_id.value_or(0),
                  event.envelope.webhook_event_date.value_or(now), "platform"};
}

std::string error_note(const vrio::Event& event) {
  const vrio::Shipment* shipment = shipment_of(event.payload);
  if (shipment != nullptr && shipment->shipment_notes && !shipment->shipment_notes->empty()) {
    return "shipment_error: " + *shipment->shipment_notes;
  }
  return "shipment_error: a fulfillment attempt failed";
}

/// Follows a change of the view's status; returns a conflict description when the event contradicts
/// what already happened.
void follow_status(Fulfillment& f, ShipmentStatus status, const vrio::Event& event, HistoryRecorder& record,
                   std::string& conflict, std::chrono::sys_seconds now) {
  const std::string& type = event.envelope.webhook_event;
  switch (status) {
    case ShipmentStatus::cancelled:
    case ShipmentStatus::skipped: {
      const State to = state_for(status);
      if (has_shipped(f.state)) {
        conflict = type + " arrived after the parcel shipped" + describe_tracking(f) +
                   "; it cannot be stopped: contact the carrier or handle a return";
        return;
      }
      if (f.state != to) {
        record.transition(f, to, type + (f.state == State::cancelled || f.state == State::skipped
                                             ? ": happened first, so it decides"
                                             : ": stopped before shipping"));
      }
      f.attention.clear();
      return;
    }
    case ShipmentStatus::error:
      if (f.state == State::waiting || f.state == State::picking || f.state == State::packing) {
        f.attention = error_note(event);
        record.transition(f, State::error, f.attention + "; needs attention, retry from the admin API");
      } else if (has_shipped(f.state)) {
        record.note(error_note(event) + " after the parcel shipped; recorded only");
      }
      return;
    case ShipmentStatus::shipped:
      if (is_open(f.state)) {
        f.tracking = platform_tracking(event, now);
        f.attention.clear();
        record.transition(f, State::shipped, type + ": the platform reports it shipped; no tracking to post back");
      } else if (f.state == State::cancelled || f.state == State::skipped) {
        conflict = type + ": the platform reports it shipped, but it is " + std::string(to_string(f.state)) +
                   " here; check with the platform which is true";
      } else {
        record.note(type + ": the platform confirms the shipment" + describe_tracking(f));
      }
      return;
    case ShipmentStatus::scheduled:
      if (f.state == State::error) {
        f.attention.clear();
        record.transition(f, State::waiting, type + ": scheduled again after an error");
      }
      return;
    case ShipmentStatus::unknown:
      return;
  }
}

}  // namespace

Reconciled reconcile(std::optional<Fulfillment> current, const vrio::ShipmentView& before,
                     const vrio::ShipmentStep& step, const vrio::Event& event, std::chrono::sys_seconds now) {
  const vrio::ShipmentView& view = step.view;
  const std::string& type = event.envelope.webhook_event;
  const std::string& event_id = event.envelope.webhook_event_id;
  const vrio::Shipment* shipment = shipment_of(event.payload);
  HistoryRecorder record(shipment != nullptr ? shipment->shipment_id : view.shipment_id, now);
  Reconciled out;
  out.decision = std::string(hookline::to_string(step.verdict.decision));
  out.explanation = step.verdict.explanation;
  for (const auto& released : step.released) {
    std::string released_type;
    for (const auto& held : before.held) {
      if (held.key.event_id == released.event_id) released_type = held.event.envelope.webhook_event;
    }
    record.event(released.event_id, released_type, std::string(hookline::to_string(released.decision)),
                 "released by " + type + " " + event_id + ": " + released.explanation);
  }

  const bool is_rma = std::holds_alternative<vrio::ShipmentRma>(event.payload);
  if (!view.exists || step.verdict.decision == Decision::duplicate) {
    if (is_rma && step.verdict.decision != Decision::duplicate) {
      out.decision = "recorded";
      out.explanation = "recorded: return authorized, but shipment " + std::to_string(view.shipment_id) +
                        " has no fulfillment here";
    }
    out.fulfillment = std::move(current);
    out.history = std::move(record.lines);
    return out;
  }

  std::string conflict;
  if (!current) {
    Fulfillment f;
    f.shipment_id = view.shipment_id;
    f.state = state_for(view.status);
    f.address = view.address;
    f.items = view.items.value_or(std::vector<vrio::ShipmentItem>{});
    f.date_scheduled = view.date_scheduled;
    f.customer_id = view.customer_id;
    f.order_id = view.order_id;
    f.created_at = now;
    f.updated_at = now;
    if (f.state == State::error) f.attention = error_note(event);
    if (f.state == State::shipped) f.tracking = platform_tracking(event, now);
    std::string reason = "fulfillment created";
    if (f.state == State::waiting) {
      reason += f.date_scheduled ? ", due " + hookline::toolkit::format_iso8601_utc(*f.date_scheduled) : ", due now (no date_scheduled)";
    } else {
      reason += " already " + std::string(to_string(f.state)) + " by events that arrived before shipment_scheduled";
    }
    record.created(f, reason);
    current = std::move(f);
  } else {
    Fulfillment& f = *current;
    if (view.status != before.status) {
      follow_status(f, view.status, event, record, conflict, now);
    }
    const bool shipped = has_shipped(f.state);
    std::string too_late;
    if (view.address != before.address) {
      if (shipped) {
        too_late = "address changed to " + describe_address(view.address) + " after the parcel shipped to " +
                   describe_address(f.address);
      } else {
        f.address = view.address;
        f.updated_at = now;
        record.note("label updated: ship to " + describe_address(f.address));
      }
    }
    if (view.items != before.items) {
      const auto items = view.items.value_or(std::vector<vrio::ShipmentItem>{});
      if (shipped) {
        too_late += (too_late.empty() ? "" : "; ") + std::string("items changed to ") + describe_items(items) +
                    " after the parcel shipped with " + describe_items(f.items);
      } else {
        f.items = items;
        f.updated_at = now;
        record.note("packing list updated: " + describe_items(f.items));
      }
    }
    if (view.date_scheduled != before.date_scheduled && f.state == State::waiting) {
      f.date_scheduled = view.date_scheduled;
      f.customer_id = view.customer_id;
      f.order_id = view.order_id;
      f.updated_at = now;
      record.note(view.date_scheduled ? "rescheduled for " + hookline::toolkit::format_iso8601_utc(*view.date_scheduled)
                                      : "rescheduled for now");
    }
    if (is_rma) {
      if (f.state == State::shipped) {
        record.transition(f, State::returned, "shipment_rma: return authorized");
        out.decision = "apply";
        out.explanation = "applied: return recorded";
      } else {
        out.decision = "recorded";
        out.explanation = "recorded: return authorized while the fulfillment is " + std::string(to_string(f.state));
      }
    }
    if (!too_late.empty()) {
      out.decision = "too_late";
      out.explanation = "too late: " + too_late;
    }
  }
  if (!conflict.empty()) {
    out.decision = "conflict";
    out.explanation = "conflict: " + conflict;
    record.conflict(event_id, type, conflict);
  }
  out.fulfillment = std::move(current);
  out.history = std::move(record.lines);
  return out;
}

}  // namespace fulfillment
