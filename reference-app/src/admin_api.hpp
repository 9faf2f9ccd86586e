#pragma once
/// @file
/// The admin API under /api/: fulfillments (list, detail with history and tracking attempts, manual
/// ship, retry of an error), inbox and outbox dead letters (list, replay), and the event log. Each
/// route is a pure function of an HttpRequest, so it is tested without a network.

#include <chrono>
#include <functional>

#include "fulfillment_store.hpp"
#include "hookline/dispatcher.hpp"
#include "hookline/http_server.hpp"
#include "hookline/inbox.hpp"

namespace fulfillment {

/// What the admin API changes besides the stores: whom to wake after a change.
struct AdminHooks {
  std::function<void()> scheduler_changed;  ///< A fulfillment went back to waiting.
  std::function<void()> outbox_changed;     ///< Tracking was queued or a dead letter put back.
  std::function<void()> inbox_changed;      ///< An inbox dead letter was replayed.
};

/// The admin API's routes.
class AdminApi {
 public:
  /// Routes over `store` and `inbox` (which must outlive it), reading the time from `clock`.
  AdminApi(FulfillmentStore& store, hookline::InboxStore& inbox, hookline::Clock clock, AdminHooks hooks = {});

  /// Adds every route to `server` (before it starts).
  void mount(hookline::WebhookServer& server);

  /// GET /api/fulfillments[?state=S&limit=N]
  [[nodiscard]] hookline::HttpResponse list(const hookline::HttpRequest& request);
  /// GET /api/fulfillments/{shipment_id}
  [[nodiscard]] hookline::HttpResponse detail(const hookline::HttpRequest& request);
  /// POST /api/fulfillments/{shipment_id}/ship with {"tracking": "...", "carrier_id": N}
  [[nodiscard]] hookline::HttpResponse ship(const hookline::HttpRequest& request);
  /// POST /api/fulfillments/{shipment_id}/retry: an error goes back to waiting.
  [[nodiscard]] hookline::HttpResponse retry(const hookline::HttpRequest& request);
  /// GET /api/dead-letters/inbox
  [[nodiscard]] hookline::HttpResponse inbox_dead_letters(const hookline::HttpRequest& request);
  /// POST /api/dead-letters/inbox/{entry_id}/replay
  [[nodiscard]] hookline::HttpResponse replay_inbox(const hookline::HttpRequest& request);
  /// GET /api/dead-letters/outbox
  [[nodiscard]] hookline::HttpResponse outbox_dead_letters(const hookline::HttpRequest& request);
  /// POST /api/dead-letters/outbox/{shipment_id}/retry
  [[nodiscard]] hookline::HttpResponse retry_outbox(const hookline::HttpRequest& request);
  /// GET /api/events[?shipment_id=N&type=T&limit=N]
  [[nodiscard]] hookline::HttpResponse events(const hookline::HttpRequest& request);

 private:
  FulfillmentStore& store_;
  hookline::InboxStore& inbox_;
  hookline::Clock clock_;
  AdminHooks hooks_;
};

/// A fulfillment as the admin API shows it (without history).
[[nodiscard]] std::string fulfillment_json(const Fulfillment& fulfillment);

}  // namespace fulfillment
