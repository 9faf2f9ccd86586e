#pragma once
/// @file
/// What a shipment event does to its fulfillment: a pure function from the fulfillment, the shipment
/// view before the event and vrio::apply's step to the fulfillment after and the history to record.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "fulfillment.hpp"
#include "hookline/vrio_shipment.hpp"

namespace fulfillment {

/// The outcome of one event for one fulfillment.
struct Reconciled {
  /// The fulfillment after the event; none while the shipment is not scheduled.
  std::optional<Fulfillment> fulfillment;
  /// History lines to add, in order: the event's verdict, released events, transitions, conflicts, notes.
  std::vector<HistoryEntry> history;
  /// The event's decision for the event log: apply, stale, hold, duplicate, ignore, too_late, conflict or recorded.
  std::string decision;
  /// Why, in words.
  std::string explanation;
};

/// Applies the consequences of `step` (vrio::apply of `event` to `before`) to `current`.
[[nodiscard]] Reconciled reconcile(std::optional<Fulfillment> current, const hookline::vrio::ShipmentView& before,
                                   const hookline::vrio::ShipmentStep& step, const hookline::vrio::Event& event,
                                   std::chrono::sys_seconds now);

}  // namespace fulfillment
