#pragma once
/// @file
/// The dispatcher handlers: every VRIO shipment event, parsed once by the dispatcher, goes through
/// one transaction that loads the shipment's view, applies the event with vrio::apply, updates the
/// fulfillment and its history, and records the event id (so that a replayed inbox entry acts
/// once). Other VRIO events are recorded from their inbox entry's meta, without parsing.

#include <chrono>
#include <cstdint>
#include <optional>
#include <functional>
#include <string_view>

#include "storage/fulfillment_store.hpp"
#include "hookline/dispatcher.hpp"
#include "hookline/vrio.hpp"

namespace fulfillment {

/// How one handled event ended, for metrics and logs.
struct HandledEvent {
  std::string_view type;                   ///< The webhook_event, e.g. "shipment_scheduled".
  std::string_view event_id;               ///< The webhook_event_id.
  std::optional<std::int64_t> shipment_id;  ///< The shipment it is about, for shipment events.
  std::string_view decision;               ///< What the handler decided, e.g. "apply" or "duplicate".
  std::chrono::duration<double> took;      ///< How long handling took.
};

/// Told how each handled event ended.
using HandledObserver = std::function<void(const HandledEvent& handled)>;

/// The handlers of the fulfillment server.
class ShipmentHandlers {
 public:
  /// Handlers writing to `store`, timing with `clock`; `changed` is called after a change that may
  /// release work (e.g. to wake the scheduler); `observer` may be empty.
  ShipmentHandlers(FulfillmentStore& store, hookline::Clock clock, std::function<void()> changed,
                   HandledObserver observer = {});

  /// Handles one parsed VRIO shipment event (any shipment_* type) of the inbox entry `entry`.
  [[nodiscard]] hookline::HandlerStatus handle_shipment(const hookline::vrio::Event& event,
                                                        const hookline::InboxEntry& entry);
  /// Records any other event in the event log from its entry's meta; it changes no fulfillment.
  [[nodiscard]] hookline::HandlerStatus record_other(const hookline::InboxEntry& entry);
  /// A fallback for Dispatcher's constructor: record_other.
  [[nodiscard]] hookline::Handler fallback();
  /// Registers a typed handler for each VRIO shipment event.
  void register_with(hookline::Dispatcher& dispatcher);
  /// Runs a batch of these handlers with one transaction and one sync of the store for all their
  /// writes (FulfillmentStore::write_batch): the DispatcherOptions::run_batch of their dispatcher.
  /// Without it each handler's write is a transaction and a sync of its own.
  [[nodiscard]] hookline::HandlerStatus run_batch(const std::function<void()>& handlers);

 private:
  FulfillmentStore& store_;
  hookline::Clock clock_;
  std::function<void()> changed_;
  HandledObserver observer_;
};

}  // namespace fulfillment
