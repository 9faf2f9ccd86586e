#include "hookline/vrio_shipment.hpp"

#include <algorithm>
#include <type_traits>
#include <utility>
#include <variant>

#include "toolkit/name_table.hpp"

namespace hookline::vrio {
namespace {

/// The shipment an event carries, or null when it is not a shipment event.
const Shipment* shipment_of(const Payload& payload) {
  return std::visit(
      [](const auto& event) -> const Shipment* {
        if constexpr (requires { event.shipment; }) {
          return &event.shipment;
        } else {
          return nullptr;
        }
      },
      payload);
}

/// The status a shipment event sets, if it sets one.
std::optional<ShipmentStatus> status_set_by(const Payload& payload) {
  if (std::holds_alternative<ShipmentScheduled>(payload)) return ShipmentStatus::scheduled;
  if (std::holds_alternative<ShipmentFailed>(payload)) return ShipmentStatus::error;
  if (std::holds_alternative<ShipmentCancelled>(payload)) return ShipmentStatus::cancelled;
  if (std::holds_alternative<ShipmentSkipped>(payload)) return ShipmentStatus::skipped;
  if (std::holds_alternative<ShipmentShipped>(payload) || std::holds_alternative<ShipmentFulfilled>(payload)) {
    return ShipmentStatus::shipped;
  }
  return std::nullopt;
}

/// What one event did to each aspect it touches.
struct AspectReport {
  std::vector<std::string> applied;
  std::vector<std::string> stale;

  [[nodiscard]] Verdict verdict(const std::string& event_id, std::string_view event_name) const {
    if (!applied.empty()) {
      std::string why = "applied: ";
      for (std::size_t i = 0; i < applied.size(); ++i) {
        why += (i == 0 ? "" : ", ") + applied[i];
      }
      for (const auto& reason : stale) {
        why += "; stale: " + reason;
      }
      return {event_id, Decision::apply, why};
    }
    if (!stale.empty()) {
      std::string why = "stale: ";
      for (std::size_t i = 0; i < stale.size(); ++i) {
        why += (i == 0 ? "" : "; ") + stale[i];
      }
      return {event_id, Decision::stale, why};
    }
    return {event_id, Decision::ignore, "ignore: " + std::string(event_name) + " carries nothing to apply"};
  }
};

/// Sets an aspect when `key` is newer than the key that set it last.
template <class T>
void update_aspect(std::string_view name, std::optional<T>& value, std::optional<OrderKey>& value_key,
                   const std::optional<T>& incoming, const OrderKey& key, AspectReport& report) {
  if (!incoming) {
    return;
  }
  if (value_key && !(*value_key < key)) {
    report.stale.push_back(std::string(name) + " already updated by " + value_key->describe());
    return;
  }
  value = incoming;
  value_key = key;
  report.applied.push_back(std::string(name));
}

/// Applies a status: terminal states are sticky, and the earliest terminal event wins.
void update_status(ShipmentView& view, ShipmentStatus status, const OrderKey& key, AspectReport& report) {
  const std::string name(to_string(status));
  if (is_terminal(view.status)) {
    const std::string current = std::string(to_string(view.status)) + " by " + view.status_key->describe();
    if (is_terminal(status) && key < *view.status_key) {
      report.applied.push_back("status " + name + " (happened before " + current + ")");
      view.status = status;
      view.status_key = key;
    } else {
      report.stale.push_back("shipment already " + current + " (terminal)");
    }
    return;
  }
  if (view.status_key && !(*view.status_key < key) && !is_terminal(status)) {
    report.stale.push_back("status already updated by " + view.status_key->describe());
    return;
  }
  view.status = status;
  view.status_key = key;
  report.applied.push_back("status " + name);
}

/// Applies an event to a shipment that exists, aspect by aspect.
Verdict apply_to_existing(ShipmentView& view, const Event& event, const OrderKey& key) {
  const Shipment& shipment = *shipment_of(event.payload);
  AspectReport report;
  if (const auto status = status_set_by(event.payload)) {
    update_status(view, *status, key, report);
  }
  const bool scheduled = std::holds_alternative<ShipmentScheduled>(event.payload);
  if (scheduled || std::holds_alternative<ShipmentAddressUpdated>(event.payload)) {
    update_aspect("address", view.address, view.address_key, shipment.customer_address_shipping, key, report);
  }
  if (scheduled || std::holds_alternative<ShipmentItemUpdated>(event.payload)) {
    update_aspect("items", view.items, view.items_key, shipment.shipment_items, key, report);
  }
  if (scheduled) {
    if (view.schedule_key && !(*view.schedule_key < key)) {
      report.stale.push_back("schedule already set by " + view.schedule_key->describe());
    } else {
      view.date_scheduled = shipment.date_scheduled;
      view.customer_id = shipment.customer_id;
      view.order_id = shipment.order_id;
      view.schedule_key = key;
      report.applied.push_back("schedule");
    }
  }
  return report.verdict(key.event_id, event.envelope.webhook_event);
}

constexpr auto shipment_status_names = toolkit::name_table<ShipmentStatus>({
    {ShipmentStatus::unknown, "unknown"},
    {ShipmentStatus::scheduled, "scheduled"},
    {ShipmentStatus::error, "error"},
    {ShipmentStatus::cancelled, "cancelled"},
    {ShipmentStatus::skipped, "skipped"},
    {ShipmentStatus::shipped, "shipped"},
});
}  // namespace

std::string_view to_string(ShipmentStatus status) noexcept {
  return toolkit::name_of(shipment_status_names, status, "unknown");
}

bool is_terminal(ShipmentStatus status) noexcept {
  return status == ShipmentStatus::cancelled || status == ShipmentStatus::skipped ||
         status == ShipmentStatus::shipped;
}

OrderKey order_key(const Event& event) {
  return OrderKey{event.envelope.webhook_event_date.value_or(std::chrono::sys_seconds{}),
                  event.envelope.webhook_event_id};
}

ShipmentStep apply(ShipmentView view, const Event& event) {
  const OrderKey key = order_key(event);
  const std::string& name = event.envelope.webhook_event;
  const Shipment* shipment = shipment_of(event.payload);
  if (shipment == nullptr) {
    return {std::move(view), {key.event_id, Decision::ignore, "ignore: " + name + " is not a shipment event"}, {}};
  }
  if (view.shipment_id != 0 && shipment->shipment_id != view.shipment_id) {
    Verdict verdict{key.event_id, Decision::ignore,
                    "ignore: about shipment " + std::to_string(shipment->shipment_id) + ", not " +
                        std::to_string(view.shipment_id)};
    return {std::move(view), std::move(verdict), {}};
  }
  const auto seen = std::lower_bound(view.seen_event_ids.begin(), view.seen_event_ids.end(), key.event_id);
  if (seen != view.seen_event_ids.end() && *seen == key.event_id) {
    return {std::move(view), {key.event_id, Decision::duplicate, "duplicate: event " + key.event_id + " already seen"},
            {}};
  }
  view.seen_event_ids.insert(seen, key.event_id);
  view.shipment_id = shipment->shipment_id;

  if (!status_set_by(event.payload) && !std::holds_alternative<ShipmentAddressUpdated>(event.payload) &&
      !std::holds_alternative<ShipmentItemUpdated>(event.payload)) {
    return {std::move(view), {key.event_id, Decision::ignore, "ignore: " + name + " does not change fulfillment"}, {}};
  }
  const bool scheduled = std::holds_alternative<ShipmentScheduled>(event.payload);
  if (!view.exists && !scheduled) {
    const auto position = std::upper_bound(view.held.begin(), view.held.end(), key,
                                           [](const OrderKey& k, const HeldEvent& held) { return k < held.key; });
    view.held.insert(position, HeldEvent{key, event});
    Verdict verdict{key.event_id, Decision::hold,
                    "hold: shipment " + std::to_string(view.shipment_id) +
                        " is not scheduled yet; applied when shipment_scheduled arrives"};
    return {std::move(view), std::move(verdict), {}};
  }

  ShipmentStep step;
  step.verdict = apply_to_existing(view, event, key);
  if (!view.exists) {
    view.exists = true;
    auto held = std::exchange(view.held, {});
    for (const auto& waiting : held) {
      step.released.push_back(apply_to_existing(view, waiting.event, waiting.key));
    }
    if (!held.empty()) {
      step.verdict.explanation += "; released " + std::to_string(held.size()) + " held event(s)";
    }
  }
  step.view = std::move(view);
  return step;
}

ShipmentView build_view(const std::vector<Event>& events) {
  ShipmentView view;
  for (const auto& event : events) {
    view = apply(std::move(view), event).view;
  }
  return view;
}

}  // namespace hookline::vrio
