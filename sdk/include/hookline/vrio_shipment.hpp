#pragma once
/// @file
/// A VRIO shipment as its events describe it, whatever order they arrive in: a value type and a pure
/// reducer, so that an application can keep the view in its own database and update it inside its
/// own transactions.
///
/// Each aspect (status, address, items, schedule) keeps the newest value by OrderKey, so an older
/// event for an aspect a newer one already set is stale. Terminal states (cancelled, skipped,
/// shipped) are sticky: once one applies, no other status does, except an earlier terminal event,
/// which replaces it (the first thing that happened wins). Events for a shipment not scheduled yet
/// are held and applied, in key order, when its shipment_scheduled arrives. Hence any arrival order
/// of the same events, duplicates included, ends in the same view.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hookline/ordering.hpp"
#include "hookline/vrio.hpp"

namespace hookline::vrio {

/// Where a shipment is in its life.
enum class ShipmentStatus {
  unknown,    ///< no status event applied yet
  scheduled,  ///< ready to fulfill on date_scheduled
  error,      ///< a fulfillment attempt failed (shipment_error)
  cancelled,  ///< terminal: do not ship
  skipped,    ///< terminal: nothing to ship this cycle
  shipped,    ///< terminal: left the warehouse (shipment_shipped or shipment_fulfilled)
};

/// "unknown", "scheduled", "error", "cancelled", "skipped" or "shipped".
[[nodiscard]] std::string_view to_string(ShipmentStatus status) noexcept;
/// True for cancelled, skipped and shipped.
[[nodiscard]] bool is_terminal(ShipmentStatus status) noexcept;

/// An event kept until its shipment is scheduled.
struct HeldEvent {
  OrderKey key;  ///< Its order key.
  Event event;   ///< The event itself.
  bool operator==(const HeldEvent&) const = default;
};

/// What is known about one shipment: each aspect with the key of the event that set it.
struct ShipmentView {
  /// The shipment; 0 until the first event.
  std::int64_t shipment_id = 0;
  /// True once shipment_scheduled applied; until then events are held.
  bool exists = false;

  /// The status.
  ShipmentStatus status = ShipmentStatus::unknown;
  /// The event that set the status.
  std::optional<OrderKey> status_key;
  /// The shipping address, once known.
  std::optional<Address> address;
  /// The event that set the address.
  std::optional<OrderKey> address_key;
  /// The items to ship, once known.
  std::optional<std::vector<ShipmentItem>> items;
  /// The event that set the items.
  std::optional<OrderKey> items_key;
  /// When to fulfill it, from shipment_scheduled.
  OptionalTime date_scheduled;
  /// The customer, from shipment_scheduled.
  std::optional<std::int64_t> customer_id;
  /// The order, from shipment_scheduled.
  std::optional<std::int64_t> order_id;
  /// The event that set date_scheduled, customer_id and order_id.
  std::optional<OrderKey> schedule_key;

  /// Events waiting for shipment_scheduled, in key order.
  std::vector<HeldEvent> held;
  /// Every event id decided on so far (for duplicates), sorted.
  std::vector<std::string> seen_event_ids;

  bool operator==(const ShipmentView&) const = default;
};

/// The view after one event, the decision about that event, and the decisions about the held events
/// it released (when it was the shipment_scheduled they waited for).
struct ShipmentStep {
  ShipmentView view;             ///< The new view.
  Verdict verdict;               ///< What happened to the event.
  std::vector<Verdict> released; ///< What happened to each held event it released, in key order.
};

/// Applies one VRIO event to a shipment's view. Events about another shipment, or not about
/// shipments at all, are ignored and leave the view as it was.
[[nodiscard]] ShipmentStep apply(ShipmentView view, const Event& event);

/// The view after applying `events` in order to an empty view.
[[nodiscard]] ShipmentView build_view(const std::vector<Event>& events);

/// The order key of a VRIO event: its webhook_event_date (the epoch when absent) and webhook_event_id.
[[nodiscard]] OrderKey order_key(const Event& event);

}  // namespace hookline::vrio
