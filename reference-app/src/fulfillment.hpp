#pragma once
/// @file
/// The fulfillment of one VRIO shipment: its state, what to ship where, its tracking, and the
/// history of everything that happened to it.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hookline/vrio.hpp"

namespace fulfillment {

/// Where a fulfillment is.
enum class State {
  waiting,    ///< scheduled; released to the warehouse when date_scheduled arrives
  picking,    ///< the warehouse is picking the items
  packing,    ///< the warehouse is packing and labelling the parcel
  shipped,    ///< handed to the carrier; tracking goes back to the platform
  cancelled,  ///< stopped before it shipped
  skipped,    ///< nothing to ship this cycle
  error,      ///< needs attention; retryable from the admin API
  returned,   ///< shipped, then a return was authorized
};

/// "waiting", "picking", "packing", "shipped", "cancelled", "skipped", "error" or "returned".
[[nodiscard]] std::string_view to_string(State state) noexcept;
/// The state of this name, if it is one.
[[nodiscard]] std::optional<State> state_from_string(std::string_view name) noexcept;
/// Every state, in declaration order.
[[nodiscard]] const std::vector<State>& all_states();
/// True for the states the warehouse may still work on or be released from (waiting, picking, packing, error).
[[nodiscard]] bool is_open(State state) noexcept;

/// VRIO's carrier ids (1 = USPS, 2 = UPS: "Building Fulfillment with Webhooks",
/// https://docs.vrio.com/docs/fulfillment-via-webhooks).
inline constexpr std::int64_t carrier_usps = 1;
/// VRIO's carrier id for UPS.
inline constexpr std::int64_t carrier_ups = 2;

/// A parcel's tracking.
struct Tracking {
  std::string tracking_number;         ///< The carrier's tracking number, e.g. "1Z…".
  std::int64_t carrier_id = 0;         ///< VRIO's carrier id.
  std::chrono::sys_seconds shipped_at{};  ///< When it left (date_complete).
  std::string source;                  ///< "warehouse", "manual" or "platform".
  bool operator==(const Tracking&) const = default;
};

/// One fulfillment, keyed by VRIO's shipment id.
struct Fulfillment {
  std::int64_t shipment_id = 0;                           ///< VRIO's shipment id.
  State state = State::waiting;                           ///< Where it is.
  std::optional<hookline::vrio::Address> address;         ///< Where to ship (the label).
  std::vector<hookline::vrio::ShipmentItem> items;        ///< What to ship (the packing list).
  hookline::vrio::OptionalTime date_scheduled;            ///< When to release it; none means at once.
  std::optional<std::int64_t> customer_id;                ///< The customer.
  std::optional<std::int64_t> order_id;                   ///< The order.
  std::optional<Tracking> tracking;                       ///< Set once shipped.
  std::string attention;                                  ///< Why it needs attention (state error); else empty.
  std::chrono::sys_seconds created_at{};                  ///< When it was created.
  std::chrono::sys_seconds updated_at{};                  ///< When it last changed.
  bool operator==(const Fulfillment&) const = default;
};

/// What a history entry records.
enum class HistoryKind {
  event,       ///< an event was applied, ignored, held, found stale or too late (the reason says which and why)
  transition,  ///< the state changed
  conflict,    ///< an event contradicts what already happened (e.g. a cancel after shipping)
  tracking,    ///< tracking was posted, retried or dead-lettered
  note,        ///< anything else worth seeing (e.g. label updated)
  check,       ///< the shipment was read from the platform (before release, by reconciliation) and what came of it
};

/// "event", "transition", "conflict", "tracking", "note" or "check".
[[nodiscard]] std::string_view to_string(HistoryKind kind) noexcept;
/// The kind of this name, if it is one.
[[nodiscard]] std::optional<HistoryKind> history_kind_from_string(std::string_view name) noexcept;

/// One line of a shipment's history.
struct HistoryEntry {
  std::int64_t shipment_id = 0;           ///< The shipment.
  std::chrono::sys_seconds at{};          ///< When it was recorded.
  HistoryKind kind = HistoryKind::note;   ///< What it records.
  std::string event_id;                   ///< The event concerned, if any.
  std::string event_type;                 ///< Its type, if any.
  std::string decision;                   ///< e.g. "apply", "stale", "hold", "too_late", "conflict"; empty for others.
  std::string from_state;                 ///< For transitions: the state before.
  std::string to_state;                   ///< For transitions: the state after.
  std::string detail;                     ///< Why, in words.
  bool operator==(const HistoryEntry&) const = default;
};

}  // namespace fulfillment
