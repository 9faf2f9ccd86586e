#pragma once
/// @file
/// The admin API under /api/: fulfillments (list, detail with history and tracking attempts, manual
/// ship, retry of an error), inbox and outbox dead letters (list, replay), the quarantine (list,
/// read, replay, delete), the refused record (list, retry), and the event log. Each route is a pure
/// function of an HttpRequest, so it is tested without a network. It is served on the admin
/// listener only, behind its bearer token; every route that changes state is told to
/// AdminHooks::audit.

#include <chrono>
#include <functional>
#include <string>
#include <string_view>

#include "fulfillment_store.hpp"
#include "hookline/dispatcher.hpp"
#include "hookline/http_server.hpp"
#include "hookline/inbox.hpp"
#include "hookline/receiver.hpp"

namespace fulfillment {

/// One admin request that changes state, as the audit log records it (never its token).
struct AdminAction {
  std::string_view action;  ///< e.g. "ship", "replay_quarantined"
  std::string target;       ///< what it acted on, e.g. "shipment:4545" or "quarantine:3"
  std::string peer;         ///< the caller's address
  int status = 0;           ///< the status answered
};

/// What the admin API changes besides the stores: whom to wake after a change, and whom to tell.
struct AdminHooks {
  std::function<void()> scheduler_changed;             ///< A fulfillment went back to waiting.
  std::function<void()> outbox_changed;                ///< Tracking was queued or a dead letter put back.
  std::function<void()> inbox_changed;                 ///< An event entered the inbox again (replayed, retried).
  std::function<void(const AdminAction&)> audit;       ///< Every state-changing request, once answered.
};

/// The admin API's routes.
class AdminApi {
 public:
  /// Routes over `store`, `inbox` and the `receiver` that writes into it (all of which must
  /// outlive it), reading the time from `clock`.
  AdminApi(FulfillmentStore& store, hookline::ReceiverStore& inbox, const hookline::Receiver& receiver,
           hookline::Clock clock, AdminHooks hooks = {});

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
  /// GET /api/quarantine[?limit=N&cursor=ID]: a page of quarantined deliveries, without bodies.
  [[nodiscard]] hookline::HttpResponse quarantine(const hookline::HttpRequest& request);
  /// GET /api/quarantine/{id}: one quarantined delivery with its headers and raw body.
  [[nodiscard]] hookline::HttpResponse quarantined(const hookline::HttpRequest& request);
  /// POST /api/quarantine/{id}/replay: parse it again; parsed, it enters the inbox once by event id.
  [[nodiscard]] hookline::HttpResponse replay_quarantined(const hookline::HttpRequest& request);
  /// DELETE /api/quarantine/{id}
  [[nodiscard]] hookline::HttpResponse delete_quarantined(const hookline::HttpRequest& request);
  /// GET /api/refused[?limit=N&cursor=ID]: a page of deliveries refused for authentication, without bodies.
  [[nodiscard]] hookline::HttpResponse refused(const hookline::HttpRequest& request);
  /// POST /api/refused/{id}/retry: authenticate it again with the secrets configured now.
  [[nodiscard]] hookline::HttpResponse retry_refused(const hookline::HttpRequest& request);

 private:
  FulfillmentStore& store_;
  hookline::ReceiverStore& inbox_;
  const hookline::Receiver& receiver_;
  hookline::Clock clock_;
  AdminHooks hooks_;
};

/// A fulfillment as the admin API shows it (without history).
[[nodiscard]] std::string fulfillment_json(const Fulfillment& fulfillment);

}  // namespace fulfillment
