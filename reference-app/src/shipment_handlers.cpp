#include "shipment_handlers.hpp"

#include <optional>
#include <variant>

#include "reconcile.hpp"

namespace fulfillment {
namespace {

namespace vrio = hookline::vrio;
using hookline::fail;
using hookline::HandlerFailure;
using hookline::HandlerStatus;
using hookline::InboxEntry;

std::optional<std::int64_t> shipment_id_of(const vrio::Payload& payload) {
  return std::visit(
      [](const auto& typed) -> std::optional<std::int64_t> {
        if constexpr (requires { typed.shipment; }) {
          return typed.shipment.shipment_id;
        } else {
          return std::nullopt;
        }
      },
      payload);
}

}  // namespace

ShipmentHandlers::ShipmentHandlers(FulfillmentStore& store, hookline::Clock clock, std::function<void()> changed,
                                   HandledObserver observer)
    : store_(store),
      clock_(std::move(clock)),
      changed_(std::move(changed)),
      observer_(std::move(observer)) {}

HandlerStatus ShipmentHandlers::handle_shipment(const vrio::Event& event, const InboxEntry& entry) {
  const auto started = std::chrono::steady_clock::now();
  const auto shipment_id = shipment_id_of(event.payload);
  if (!shipment_id) {
    return record_other(entry);
  }
  const auto now = clock_();
  std::string decision;
  const auto written = store_.write([&](StoreTx& tx) {
    ShipmentRows rows = tx.load_shipment(*shipment_id, event.envelope.webhook_event_id);
    if (rows.event_logged) {
      decision = "duplicate";  // handled before a crash, replayed by the inbox: acts once
      return;
    }
    const vrio::ShipmentStep step = vrio::apply(rows.view, event);
    Reconciled outcome = reconcile(std::move(rows.fulfillment), rows.view, step, event, now);
    tx.record_event(EventLogEntry{event.envelope.webhook_event_id, event.envelope.webhook_event, *shipment_id,
                                event.envelope.webhook_event_date.value_or(std::chrono::sys_seconds{}), now,
                                outcome.decision, outcome.explanation, entry.body});
    tx.save_view(step.view);
    if (outcome.fulfillment) tx.save(*outcome.fulfillment);
    for (const auto& line : outcome.history) tx.add_history(line);
    decision = outcome.decision;
  });
  if (!written) {
    return fail(HandlerFailure{"store: " + written.error().message, true});
  }
  // Inside a batch (run_batch) this is before the batch commits: should the commit fail, the event is
  // handled again and counted twice.
  if (changed_) changed_();
  if (observer_) {
    observer_(HandledEvent{event.envelope.webhook_event, event.envelope.webhook_event_id, *shipment_id, decision,
                           std::chrono::steady_clock::now() - started});
  }
  return {};
}

HandlerStatus ShipmentHandlers::record_other(const InboxEntry& entry) {
  const auto started = std::chrono::steady_clock::now();
  const auto now = clock_();
  const std::string& event_id = entry.meta.id;
  const std::string& type = entry.meta.type;
  std::string decision = "recorded";
  const auto written = store_.write([&](StoreTx& tx) {
    if (tx.has_event(event_id)) {
      decision = "duplicate";
      return;
    }
    tx.record_event(EventLogEntry{event_id, type, std::nullopt, entry.meta.occurred_at, now, "recorded",
                                "recorded: " + type + " does not drive fulfillment", entry.body});
  });
  if (!written) {
    return fail(HandlerFailure{"store: " + written.error().message, true});
  }
  if (observer_) observer_(HandledEvent{type, event_id, std::nullopt, decision, std::chrono::steady_clock::now() - started});
  return {};
}

HandlerStatus ShipmentHandlers::run_batch(const std::function<void()>& handlers) {
  if (auto written = store_.write_batch(handlers); !written) {
    return fail(HandlerFailure{"store: " + written.error().message, true});
  }
  return {};
}

hookline::Handler ShipmentHandlers::fallback() {
  return [this](const InboxEntry& entry) { return record_other(entry); };
}

void ShipmentHandlers::register_with(hookline::Dispatcher& dispatcher) {
  const auto route = [this, &dispatcher]<class T>() {
    dispatcher.on<T>([this](const T&, const vrio::Event& event, const InboxEntry& entry) {
      return handle_shipment(event, entry);
    });
  };
  route.template operator()<vrio::ShipmentScheduled>();
  route.template operator()<vrio::ShipmentCancelled>();
  route.template operator()<vrio::ShipmentAddressUpdated>();
  route.template operator()<vrio::ShipmentItemUpdated>();
  route.template operator()<vrio::ShipmentSkipped>();
  route.template operator()<vrio::ShipmentFailed>();
  route.template operator()<vrio::ShipmentRma>();
  route.template operator()<vrio::ShipmentShipped>();
  route.template operator()<vrio::ShipmentFulfilled>();
}

}  // namespace fulfillment
