#pragma once
/// @file
/// What a shipment event does to its fulfillment: a pure function from the fulfillment, the shipment
/// view before the event and vrio::apply's step to the fulfillment after and the history to record.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "fulfillment.hpp"
#include "hookline/vrio_shipment.hpp"

namespace fulfillment {

/// Builds the history lines of one change of a shipment, all stamped with the same time.
class HistoryRecorder {
 public:
  /// Lines about `shipment_id`, recorded at `now`.
  HistoryRecorder(std::int64_t shipment_id, std::chrono::sys_seconds now);

  /// An event's verdict.
  void event(const std::string& event_id, const std::string& type, std::string decision, std::string detail);
  /// Moves `f` to `to` (and its updated_at to now) and records the transition.
  void transition(Fulfillment& f, State to, std::string reason);
  /// Records that `f` was created in its state.
  void created(Fulfillment& f, std::string reason);
  /// An event that contradicts what already happened.
  void conflict(const std::string& event_id, const std::string& type, std::string detail);
  /// Anything else worth seeing.
  void note(std::string detail);
  /// A read from the platform and its outcome.
  void check(std::string outcome, std::string detail);

  /// The lines so far, in order.
  std::vector<HistoryEntry> lines;

 private:
  HistoryEntry base(HistoryKind kind) const;
  std::int64_t shipment_id_;
  std::chrono::sys_seconds now_;
};

/// "123 Main St, Denver CO 80014", or "none", for history lines.
[[nodiscard]] std::string describe_address(const std::optional<hookline::vrio::Address>& address);
/// "1 x SUP-001, 2 x VIT-D-001", or "no items", for history lines.
[[nodiscard]] std::string describe_items(const std::vector<hookline::vrio::ShipmentItem>& items);

/// The outcome of one event for one fulfillment.
struct Reconciled {
  /// The fulfillment after the event; none while the shipment is not scheduled.
  std::optional<Fulfillment> fulfillment;
  /// History lines to add after the event's own line (its decision and explanation, which the event
  /// log's row shows in the history where the event is logged), in order: released events,
  /// transitions, conflicts, notes.
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
