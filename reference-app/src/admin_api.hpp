#pragma once
/// @file
/// The admin API under /api/, which the dashboard's pages use too: the overview, what needs
/// attention, fulfillments (search, detail with history and tracking attempts, manual ship, retry
/// of an error), conflicts and events held for shipments never scheduled (dismiss with a note), inbox
/// and outbox dead letters (list, replay), the quarantine (list, read, replay, delete), the refused
/// record (list, retry), and the event log. Every list is paged the same way: `limit` (1 to 1000),
/// `cursor` (a previous page's `next_cursor`, null on the last page), and `total` where counting is
/// cheap; an unknown or malformed parameter is a 400 that names it. Each route is a pure function
/// of an HttpRequest, so it is tested without a network. It is served on the admin listener only,
/// behind its access check; every route that changes state is told to AdminHooks::audit.

#include <chrono>
#include <functional>
#include <string>
#include <string_view>

#include "storage/fulfillment_queries.hpp"
#include "storage/fulfillment_store.hpp"
#include "hookline/dispatcher.hpp"
#include "hookline/http_server.hpp"
#include "hookline/inbox.hpp"
#include "hookline/receiver.hpp"
#include "metrics.hpp"

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

/// What the overview and the attention queue read besides the stores.
struct AdminViews {
  const Metrics* metrics = nullptr;  ///< Live counters (received, handled, latency, last delivery); none: left out.
  /// Events held this long for a shipment never scheduled need a person (--held-lookup-after-s).
  std::chrono::seconds held_after{std::chrono::hours(1)};
};

/// The admin API's routes.
class AdminApi {
 public:
  /// Routes over `store`, `inbox` and the `receiver` that writes into it (all of which must
  /// outlive it), reading the time from `clock`. Creates the indexes its queries need; throws
  /// std::runtime_error when the store cannot.
  AdminApi(FulfillmentStore& store, hookline::ReceiverStore& inbox, const hookline::Receiver& receiver,
           hookline::Clock clock, AdminHooks hooks = {}, AdminViews views = {});

  /// Adds every route to `server` (before it starts).
  void mount(hookline::WebhookServer& server);

  /// GET /api/overview[?window=hour|day]: counts, deliveries per minute, handler latency, last deliveries.
  [[nodiscard]] hookline::HttpResponse overview(const hookline::HttpRequest& request);
  /// GET /api/attention: how many things of each kind need a person.
  [[nodiscard]] hookline::HttpResponse attention(const hookline::HttpRequest& request);
  /// GET /api/fulfillments[?state=S&q=TEXT&needs_attention=true&limit=N&cursor=C]: newest first.
  [[nodiscard]] hookline::HttpResponse list(const hookline::HttpRequest& request);
  /// GET /api/fulfillments/{shipment_id}
  [[nodiscard]] hookline::HttpResponse detail(const hookline::HttpRequest& request);
  /// POST /api/fulfillments/{shipment_id}/ship with {"tracking": "...", "carrier_id": N}
  [[nodiscard]] hookline::HttpResponse ship(const hookline::HttpRequest& request);
  /// POST /api/fulfillments/{shipment_id}/retry: an error goes back to waiting.
  [[nodiscard]] hookline::HttpResponse retry(const hookline::HttpRequest& request);
  /// GET /api/conflicts[?limit=N&cursor=C]: conflicts nobody dismissed, newest first.
  [[nodiscard]] hookline::HttpResponse conflicts(const hookline::HttpRequest& request);
  /// POST /api/conflicts/{shipment_id}/dismiss with {"note": "..."}: the shipment's conflicts are dealt with.
  [[nodiscard]] hookline::HttpResponse dismiss_conflicts(const hookline::HttpRequest& request);
  /// GET /api/held[?limit=N&cursor=C]: shipments never scheduled whose events are held too long.
  [[nodiscard]] hookline::HttpResponse held(const hookline::HttpRequest& request);
  /// POST /api/held/{shipment_id}/dismiss with {"note": "..."}: its held events need nobody now.
  [[nodiscard]] hookline::HttpResponse dismiss_held(const hookline::HttpRequest& request);
  /// GET /api/dead-letters/inbox[?limit=N&cursor=C]
  [[nodiscard]] hookline::HttpResponse inbox_dead_letters(const hookline::HttpRequest& request);
  /// POST /api/dead-letters/inbox/{entry_id}/replay
  [[nodiscard]] hookline::HttpResponse replay_inbox(const hookline::HttpRequest& request);
  /// GET /api/dead-letters/outbox[?limit=N&cursor=C]
  [[nodiscard]] hookline::HttpResponse outbox_dead_letters(const hookline::HttpRequest& request);
  /// POST /api/dead-letters/outbox/{shipment_id}/retry
  [[nodiscard]] hookline::HttpResponse retry_outbox(const hookline::HttpRequest& request);
  /// GET /api/events[?event_id=E&type=T&decision=D&shipment_id=N&payload=true&limit=N&cursor=C]: newest first.
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
  /// The fulfillment's JSON after a change, with its needs_attention.
  [[nodiscard]] hookline::HttpResponse fulfillment_answer(const Fulfillment& fulfillment);
  /// Records a dismissal with the body's note in the shipment's history.
  [[nodiscard]] hookline::HttpResponse dismiss(const hookline::HttpRequest& request, std::string_view what);

  FulfillmentStore& store_;
  std::unique_ptr<FulfillmentQueries> queries_;
  hookline::ReceiverStore& inbox_;
  const hookline::Receiver& receiver_;
  hookline::Clock clock_;
  AdminHooks hooks_;
  AdminViews views_;
};

/// A fulfillment as the admin API shows it (without history); needs_attention when it is in error
/// or `open_conflict` (a conflict nobody dismissed).
[[nodiscard]] std::string fulfillment_json(const Fulfillment& fulfillment, bool open_conflict = false);

}  // namespace fulfillment
