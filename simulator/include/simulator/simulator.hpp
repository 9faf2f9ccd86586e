#pragma once
/// @file
/// The platform simulator behind `hookline simulate`: it queues events, delivers them in batches the
/// way the platform of its mode does, logs every attempt, and serves the platform API a fulfillment
/// server posts tracking to.
///
/// Delivery rules per mode:
/// - vrio: a destination URL per webhook type; each event attempted once, 2 s timeout; campaign
///   filters and an active switch decide what is sent at all.
/// - vero: one target URL; each event attempted once, 5 s timeout.
/// - ordergroove: one target URL; a failed delivery is retried at later batches with exponential
///   backoff (about 1 minute first, at most 10 minutes apart) until it succeeds or reaches the limit.
/// Within a batch, events are delivered concurrently (bounded); events of one entity (a shipment, an
/// order...) go one after another in queue order, so a scenario's out-of-order cases are exact.
///
/// Time comes from an injected hookline::Clock; the library never reads the system clock itself.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "hookline/clock.hpp"
#include "hookline/receiver.hpp"
#include "hookline/result.hpp"
#include "hookline/secret.hpp"
#include "hookline/verify.hpp"

namespace hookline {
class WebhookServer;
}

namespace hookline::simulator {

/// Which platform is simulated.
enum class Mode { vrio, ordergroove, vero };
/// "vrio", "ordergroove" or "vero".
[[nodiscard]] std::string_view to_string(Mode mode) noexcept;
/// The mode of this name, if it is one.
[[nodiscard]] std::optional<Mode> mode_from_string(std::string_view name) noexcept;

/// VRIO's per-type destination URLs; an empty URL means that type is not sent.
struct VrioUrls {
  std::string transaction;  ///< Transaction Webhook URL.
  std::string order;        ///< Order Webhook URL.
  std::string order_offer;  ///< Order Offer Webhook URL.
  std::string shipment;     ///< Shipment Webhook URL.
};

/// Ordergroove's retries: attempt n+1 waits min(first_delay × 2^(n-1), max_delay) after attempt n.
struct RetryPolicy {
  int max_attempts = 60;                   ///< Attempts before the delivery is marked failed.
  std::chrono::seconds first_delay{60};    ///< Wait before the first retry.
  std::chrono::seconds max_delay{600};     ///< Longest wait between attempts.
};

/// How the simulator is set up.
struct Config {
  Mode mode = Mode::vrio;                 ///< The platform simulated.
  std::string db_path = ":memory:";       ///< Its own SQLite database.
  std::chrono::seconds batch_interval{300};  ///< How often delivery runs (the platforms: 5 minutes).
  VrioUrls vrio_urls;                     ///< vrio mode: destinations per type.
  std::string target_url;                 ///< ordergroove and vero modes: the one target.
  std::vector<Secret> secrets;            ///< Signing secrets; none means unsigned bodies.
  std::optional<Scheme> scheme;           ///< Signature scheme; default vrio / ordergroove / standard per mode.
  std::set<std::int64_t> campaigns;       ///< vrio: only these campaigns are sent; empty means all.
  bool active = true;                     ///< vrio: the connection's Active checkbox.
  std::size_t concurrency = 8;            ///< Deliveries in flight at once within a batch.
  RetryPolicy retry;                      ///< ordergroove only.
  std::optional<std::chrono::milliseconds> timeout;  ///< Default 2 s (vrio), 5 s (vero), 10 s (ordergroove).
  /// Share of batch deliveries not sent at all, each logged as a failed attempt (error "dropped"), as
  /// if the receiver had been unreachable; 0 to 1. Which events are dropped depends on drop_seed and
  /// the event id only, so a run drops the same ones whatever the concurrency.
  double drop_rate = 0;
  std::uint64_t drop_seed = 1;  ///< Chooses the dropped deliveries.
  /// The key the platform API (`/shipments/...`) requires in `api_key_header`; none requires nothing.
  std::optional<Secret> platform_api_key;
  std::string api_key_header = "X-Api-Key";  ///< The header that carries platform_api_key.
};

/// Where an event stands.
enum class EventStatus {
  pending,         ///< queued, not attempted yet
  retrying,        ///< ordergroove: failed, another attempt is scheduled
  succeeded,       ///< the destination answered 2xx
  failed,          ///< not delivered: the one attempt failed, or the retry limit was reached
  filtered,        ///< vrio: its campaign is not among the campaign filters; never sent
  inactive,        ///< vrio: queued while the connection was not active; never sent
  no_destination,  ///< vrio: no URL configured for its webhook type; never sent
};
/// The status's name, e.g. "no_destination".
[[nodiscard]] std::string_view to_string(EventStatus status) noexcept;
/// The status of this name, if it is one.
[[nodiscard]] std::optional<EventStatus> event_status_from_string(std::string_view name) noexcept;

/// An event in the simulator's queue, and where its delivery stands.
struct QueuedEvent {
  std::int64_t sequence = 0;               ///< Queue order.
  std::string event_id;                    ///< The platform's event id (assigned when missing).
  std::string type;                        ///< vrio: webhook_type; the others: the event type.
  std::string name;                        ///< The event name, e.g. "shipment_scheduled".
  std::string entity;                      ///< e.g. "shipment:251606"; empty when none.
  std::optional<std::int64_t> campaign_id; ///< vrio: the campaign, when the payload names one.
  std::string body;                        ///< The payload, as it is sent.
  EventStatus status = EventStatus::pending;  ///< Where it stands.
  int attempts = 0;                        ///< Attempts so far.
  std::chrono::sys_seconds queued_at{};    ///< When it was queued.
  std::chrono::sys_seconds next_attempt_at{};  ///< Not sent before this.
};

/// One logged delivery attempt (an entry of the platform's webhook log, plus the simulator's bookkeeping).
struct DeliveryRecord {
  std::int64_t id = 0;                  ///< Log order.
  std::string event_id;                 ///< Event ID.
  std::string event_name;               ///< e.g. "shipment_scheduled".
  int attempt = 1;                      ///< 1 for the first attempt of this event.
  std::string url;                      ///< Request URL.
  std::string request_body;             ///< Request Payload.
  int response_code = 0;                ///< Response Code; 0 when none came.
  std::string response_body;            ///< Response Body.
  std::optional<std::string> error;     ///< e.g. "timeout", "connection_refused".
  std::string error_detail;             ///< The error for people, e.g. "connection refused to 127.0.0.1:9090".
  std::chrono::sys_seconds sent_at{};   ///< Timestamp.
  std::int64_t duration_us = 0;         ///< How long the attempt took.
  EventStatus status = EventStatus::failed;  ///< The event's status after this attempt.
  bool test = false;                    ///< Sent by the Test action, not by a batch.
};

/// Which log entries to list; empty fields match all.
struct DeliveryFilter {
  std::optional<std::string> event_id;   ///< Only this event's attempts.
  std::optional<EventStatus> status;     ///< Only attempts that left their event in this status.
};

/// A shipment as the platform holds it (from the shipment events queued and the control calls that
/// changed it) and the tracking posted to it.
struct ShipmentRecord {
  std::int64_t shipment_id = 0;                            ///< VRIO's shipment id.
  std::string status;                                      ///< "Pending Post", "Cancelled", "Skipped", "Shipped".
  std::optional<std::chrono::sys_seconds> date_scheduled;  ///< When it is due.
  std::optional<std::chrono::sys_seconds> date_cancel;     ///< When it was cancelled.
  std::optional<std::int64_t> campaign_id;                 ///< Its campaign, when known.
  std::optional<std::int64_t> customer_id;                 ///< The customer, when known.
  std::optional<std::int64_t> order_id;                    ///< The order, when known.
  std::optional<std::string> items;                        ///< shipment_items now, as JSON text.
  std::optional<std::string> address;                      ///< customer_address_shipping now, as JSON text.
  std::optional<std::string> tracking_id;                  ///< shipment_tracking_id posted.
  std::optional<std::int64_t> carrier_id;                  ///< carrier_id posted.
  std::optional<std::string> date_complete;                ///< date_complete posted (or defaulted).
  int tracking_calls = 0;                                  ///< POST /shipments/{id}/track calls received.
  int tracking_effective = 0;                              ///< Of those, how many changed it.
};

/// One POST /shipments/{id}/track call, as the platform API recorded it.
struct TrackingCall {
  std::int64_t shipment_id = 0;                ///< The shipment in the path (0 when not a number).
  std::optional<std::string> idempotency_key;  ///< The Idempotency-Key header, if sent.
  std::string request_body;                    ///< The body as received.
  int response_code = 0;                       ///< The status answered.
  std::string response_body;                   ///< The body answered.
  bool effective = false;                      ///< True when the call changed the shipment.
  std::chrono::sys_seconds received_at{};      ///< When it came.
};

/// What one batch did.
struct BatchReport {
  std::size_t attempted = 0;  ///< Attempts made.
  std::size_t succeeded = 0;  ///< Of those, 2xx answers.
  std::size_t retrying = 0;   ///< ordergroove: failed attempts with a retry scheduled.
  std::size_t failed = 0;     ///< Failed attempts that end their event.
};

/// A refusal of an API call: the HTTP status and a machine-readable code with a message.
struct ApiError {
  int status = 400;            ///< e.g. 400, 404, 409, 422.
  std::string code;            ///< e.g. "missing_field".
  std::string message;         ///< For humans.
  std::string field;           ///< The field concerned, if any.
};

/// The simulator: queue, delivery engine, log, platform state. Thread-safe.
class Simulator {
 public:
  /// Opens (or creates) the database at config.db_path; throws std::runtime_error when it cannot.
  Simulator(Config config, hookline::Clock clock);
  Simulator(const Simulator&) = delete;
  Simulator& operator=(const Simulator&) = delete;
  ~Simulator();

  /// Queues a full payload for the next batch. vrio: a missing webhook_event_id / webhook_event_date
  /// is assigned; a shipment event also updates the platform's shipment. Refuses what is not a JSON
  /// object or lacks the mode's event name.
  [[nodiscard]] Result<QueuedEvent, ApiError> enqueue(std::string_view body);

  /// Delivers every event that is due now (pending, or retrying with its time come).
  BatchReport run_batch();

  /// The Test link: sends a sample payload to `destination` at once ("transaction", "order",
  /// "order_offer" or "shipment" in vrio mode; "target" in the others) and logs it as a test.
  [[nodiscard]] Result<DeliveryRecord, ApiError> send_test(std::string_view destination);

  /// The delivery log, oldest first.
  [[nodiscard]] std::vector<DeliveryRecord> deliveries(const DeliveryFilter& filter = {}) const;
  /// Every queued event, in queue order.
  [[nodiscard]] std::vector<QueuedEvent> events() const;
  /// Every shipment known, by id.
  [[nodiscard]] std::vector<ShipmentRecord> shipments() const;
  /// One shipment, if known.
  [[nodiscard]] std::optional<ShipmentRecord> shipment(std::int64_t shipment_id) const;

  /// Every tracking post received, oldest first; only those of one shipment when given.
  [[nodiscard]] std::vector<TrackingCall> tracking_calls(std::optional<std::int64_t> shipment_id = std::nullopt) const;

  /// The next event id that enqueue() would assign (one past the largest numeric id queued).
  [[nodiscard]] std::int64_t next_event_id() const;
  /// One past the largest shipment id known (a first id for generated shipments).
  [[nodiscard]] std::int64_t next_shipment_id() const;

  /// Changes a shipment at the platform without sending a webhook, as the merchant's support team
  /// does by phone: `body` as read_shipment_change takes it (`POST /api/shipments/{id}`). Refuses an
  /// unknown shipment (404) and a change of one that is no longer Pending Post (409).
  [[nodiscard]] Result<ShipmentRecord, ApiError> change_shipment(std::int64_t shipment_id, std::string_view body);

  /// The control API and the platform API as a pure function of the request (no network needed),
  /// answered as add_routes() serves them over HTTP:
  /// POST /api/events[?deliver=now], POST /api/batches, GET /api/events, GET /api/deliveries
  /// [?event_id=…&status=…] (both paged: ?limit=1..1000 (100)&cursor=<next_cursor>, answering
  /// {"events"|"deliveries":[…],"next_cursor":N|null}), POST /api/test?destination=…,
  /// GET /api/shipments, POST /api/shipments/{id} (change_shipment), GET /api/tracking-calls
  /// [?shipment_id=…], POST /shipments/{id}/track (honours Idempotency-Key), GET /shipments/{id}
  /// (the shipment as the platform holds it, under VRIO's field names). GET routes serve HEAD too,
  /// without the body. With a platform_api_key, every request to a /shipments/{id}[/track] path
  /// without it is a 401, whatever its method. A path served with other methods is a 405 with
  /// `Allow`; any other request a 404 "no route METHOD PATH". Every refusal is a
  /// hookline::error_response().
  [[nodiscard]] HttpResponse handle(const HttpRequest& request);

  /// The configuration.
  [[nodiscard]] const Config& config() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;

  friend void add_routes(WebhookServer& server, Simulator& simulator);
};

/// Serves the routes of simulator.handle() on `server`, each as a route of its own, and answers every
/// other request (but a mounted receiver's) as handle() does, its 404 and 405 included; a method the
/// server routes none of (OPTIONS, TRACE) gets the server's own 405. Call before start() and after
/// the server's own routes (one added later is never reached); `simulator` must outlive the server.
void add_routes(WebhookServer& server, Simulator& simulator);

}  // namespace hookline::simulator
