#pragma once
/// @file
/// The fulfillment server's own database, as an interface with two backends (SQLite for one machine,
/// PostgreSQL for several instances): fulfillments, shipment views, history, the event log (which is
/// also the record of applied event ids), the tracking outbox with its attempts and dead letters, the
/// platform reads. Changes go through write(), one durable transaction each.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fulfillment.hpp"
#include "hookline/result.hpp"
#include "hookline/time_zone.hpp"
#include "hookline/vrio_shipment.hpp"

namespace fulfillment {

/// Milliseconds since the epoch: the outbox schedules retries below one second.
using Millis = std::chrono::sys_time<std::chrono::milliseconds>;

/// Why the store failed.
struct StoreError {
  std::string message;  ///< What failed.
};

/// One line of the event log: every event the server handled, and what became of it.
struct EventLogEntry {
  std::string event_id;                 ///< webhook_event_id.
  std::string event_type;               ///< webhook_event.
  std::optional<std::int64_t> shipment_id;  ///< The shipment, for shipment events.
  std::chrono::sys_seconds event_date{};    ///< webhook_event_date (the epoch when absent).
  std::chrono::sys_seconds handled_at{};    ///< When it was handled.
  std::string decision;                 ///< apply, stale, hold, duplicate, ignore, too_late, conflict, recorded.
  std::string explanation;              ///< Why.
  std::string body;                     ///< The raw body as received.
};

/// Which events to list.
struct EventQuery {
  std::optional<std::int64_t> shipment_id;  ///< Only this shipment's.
  std::optional<std::string> event_type;    ///< Only this type.
  std::size_t limit = 100;                  ///< At most this many, newest first.
};

/// Where a tracking post is.
enum class OutboxState { pending, sent, dead };
/// "pending", "sent" or "dead".
[[nodiscard]] std::string_view to_string(OutboxState state) noexcept;

/// A tracking post to make, exactly once per shipment.
struct OutboxEntry {
  std::int64_t shipment_id = 0;       ///< The shipment.
  std::string idempotency_key;        ///< Sent as Idempotency-Key on every attempt.
  std::string tracking_number;        ///< shipment_tracking_id.
  std::int64_t carrier_id = 0;        ///< carrier_id.
  std::string date_complete;          ///< "YYYY-MM-DD HH:MM:SS" in the platform's zone.
  OutboxState state = OutboxState::pending;  ///< Where it is.
  int attempts = 0;                   ///< Attempts made.
  Millis next_attempt_at{};           ///< Not tried before this.
  std::string last_error;             ///< The last failure, if any.
};

/// One attempt to post tracking.
struct TrackingAttempt {
  std::int64_t shipment_id = 0;  ///< The shipment.
  int attempt = 0;               ///< 1 for the first.
  Millis at{};                   ///< When it finished.
  std::string outcome;           ///< "sent", "retry" or "dead".
  int http_status = 0;           ///< The answer's status; 0 when there was none.
  std::string detail;            ///< What happened, e.g. "timeout", "HTTP 503, retry in 1.2 s".
};

/// Outbox totals, for metrics.
struct OutboxCounts {
  std::size_t pending = 0;        ///< Waiting to be posted (the depth).
  std::size_t sent = 0;           ///< Posted.
  std::size_t dead = 0;           ///< Dead letters.
  std::uint64_t attempts = 0;     ///< Attempts made in all.
};

/// A shipment's reads from the platform (checks before release, reconciliation, held-events lookups).
struct CheckState {
  int failures = 0;               ///< Reads in a row that got no usable answer.
  Millis retry_at{};              ///< Not read again before this; the epoch when nothing holds it back.
  std::optional<Millis> read_at;  ///< When it was last read with an answer.
  bool operator==(const CheckState&) const = default;
};

/// What StoreTx::load_shipment() reads of a shipment: its view and its fulfillment.
struct ShipmentRows {
  hookline::vrio::ShipmentView view;       ///< The shipment's view.
  std::optional<Fulfillment> fulfillment;  ///< Its fulfillment, if there is one.
  bool event_logged = false;               ///< The event id asked about is in the event log (handled before).
};

/// The changes of one transaction; only valid inside FulfillmentStore::write().
class StoreTx {
 public:
  StoreTx(const StoreTx&) = delete;
  StoreTx& operator=(const StoreTx&) = delete;
  virtual ~StoreTx() = default;

  /// Takes the shipment's rows for this transaction (its view, then its fulfillment: the order every
  /// write takes them in) unless another transaction holds one of them: false then, and a pass over
  /// many shipments leaves this one to its next round instead of waiting (which could deadlock with
  /// a batch of handled events holding the same rows in another order).
  [[nodiscard]] virtual bool lock_if_idle(std::int64_t shipment_id) = 0;
  /// The fulfillment of this shipment, if there is one.
  [[nodiscard]] virtual std::optional<Fulfillment> find(std::int64_t shipment_id) = 0;
  /// Inserts or replaces a fulfillment.
  virtual void save(const Fulfillment& fulfillment) = 0;
  /// Moves a fulfillment to `to`, saves it and records the transition with `reason`.
  void transition(Fulfillment& fulfillment, State to, std::chrono::sys_seconds now, std::string_view reason);

  /// The shipment's view (held events re-read from the event log; an empty view when none is
  /// stored), its fulfillment (as find() reads it) and whether `event_id` (when not empty) is in
  /// the event log, in one read. A logged event's rows are left unread.
  [[nodiscard]] ShipmentRows load_shipment(std::int64_t shipment_id, std::string_view event_id = {});
  /// Stores the shipment's view.
  virtual void save_view(const hookline::vrio::ShipmentView& view) = 0;

  /// True when this event id is in the event log (it was handled before).
  [[nodiscard]] virtual bool has_event(std::string_view event_id) = 0;
  /// Adds an event to the log. An event of a shipment is also the shipment's history line of kind
  /// event (its decision, the explanation as detail, at handled_at), after the lines added so far.
  virtual void record_event(const EventLogEntry& record) = 0;
  /// Adds a line to a shipment's history.
  virtual void add_history(const HistoryEntry& entry) = 0;

  /// Queues the tracking post of a shipped fulfillment (once per shipment; later calls change nothing).
  virtual void enqueue_tracking(const Fulfillment& shipped, Millis now) = 0;

  /// The shipment's check state (the default state when it was never read).
  [[nodiscard]] virtual CheckState check_state(std::int64_t shipment_id) = 0;
  /// Stores the shipment's check state.
  virtual void save_check_state(std::int64_t shipment_id, const CheckState& state) = 0;

 protected:
  /// The stored JSON of a shipment's view (encode_view's) and its fulfillment.
  struct StoredShipment {
    std::optional<std::string> view;         ///< The view's JSON, if one is stored.
    std::optional<Fulfillment> fulfillment;  ///< The fulfillment, if there is one.
    bool event_logged = false;               ///< The event id asked about is in the event log.
  };
  /// `zone` reads the held events load_shipment() parses again.
  explicit StoreTx(const hookline::TimeZone& zone) : zone_(zone) {}
  /// The shipment's stored view and its fulfillment, both under a lock until the transaction ends
  /// (the view's first, the order every write takes them in), and whether `event_id` is logged.
  [[nodiscard]] virtual StoredShipment stored_shipment(std::int64_t shipment_id, std::string_view event_id) = 0;
  /// The raw body of a logged event.
  [[nodiscard]] virtual std::optional<std::string> event_body(std::string_view event_id) = 0;
  /// The platform's zone, for the dates the store writes.
  [[nodiscard]] const hookline::TimeZone& zone() const noexcept { return zone_; }

 private:
  const hookline::TimeZone& zone_;
};

class FulfillmentQueries;

/// The fulfillment database. Every method is thread-safe, and every write is durable when it returns.
/// Several instances may share one database (the PostgreSQL backend): a write that changes what
/// another instance may change at once (a release, a warehouse step, an outbox claim) reads the row
/// under a lock first, so that the second instance sees the first one's change.
class FulfillmentStore {
 public:
  FulfillmentStore(const FulfillmentStore&) = delete;
  FulfillmentStore& operator=(const FulfillmentStore&) = delete;
  virtual ~FulfillmentStore() = default;

  /// Runs `change` in one transaction: committed and on disk when it returns, rolled back when it
  /// throws. Inside write_batch() on the same thread, it joins the batch's transaction instead.
  [[nodiscard]] virtual hookline::Status<StoreError> write(const std::function<void(StoreTx&)>& change) = 0;
  /// Runs `writes`, whose write() calls on this thread share one transaction, then commits and syncs
  /// it: one commit and one sync for a batch of handled events. When one of them throws, the batch
  /// is undone and `writes` runs once more, each write in a savepoint, so that the one that throws
  /// undoes only its own changes: called again, `writes` must make every write again. The store is
  /// held meanwhile: `writes` must call no other store method, and on failure none of the batch's
  /// writes is stored.
  [[nodiscard]] virtual hookline::Status<StoreError> write_batch(const std::function<void()>& writes) = 0;

  /// The fulfillment of this shipment, if there is one.
  [[nodiscard]] virtual hookline::Result<std::optional<Fulfillment>, StoreError> get(std::int64_t shipment_id) = 0;
  /// Fulfillments, optionally only in one state, by shipment id, at most `limit`.
  [[nodiscard]] virtual hookline::Result<std::vector<Fulfillment>, StoreError> list(std::optional<State> state,
                                                                           std::size_t limit) = 0;
  /// Ids of waiting fulfillments whose date_scheduled is at or before `now` (or absent), oldest first,
  /// but none whose check before release waits for a retry after `now`.
  [[nodiscard]] virtual hookline::Result<std::vector<std::int64_t>, StoreError> due(std::chrono::sys_seconds now,
                                                                           std::size_t limit) = 0;
  /// The earliest retry after `now` of a waiting fulfillment's check.
  [[nodiscard]] virtual hookline::Result<std::optional<Millis>, StoreError> next_check_retry(Millis now) = 0;
  /// Ids of fulfillments waiting, picking or packing that reconciliation should read at `now`: not read
  /// since `read_before`, no retry pending after `now`; oldest date_scheduled first (none first).
  [[nodiscard]] virtual hookline::Result<std::vector<std::int64_t>, StoreError> reconcile_due(Millis now, Millis read_before,
                                                                                     std::size_t limit) = 0;
  /// Ids of shipments with events held since `held_before` or earlier (never scheduled here, no
  /// fulfillment) and no retry pending after `now`; longest held first.
  [[nodiscard]] virtual hookline::Result<std::vector<std::int64_t>, StoreError> held_due(std::chrono::sys_seconds held_before,
                                                                                Millis now, std::size_t limit) = 0;
  /// How many waiting fulfillments have a release held because the platform could not be read.
  [[nodiscard]] virtual hookline::Result<std::size_t, StoreError> releases_held() = 0;
  /// The earliest date_scheduled of a waiting fulfillment not yet due at `now`.
  [[nodiscard]] virtual hookline::Result<std::optional<std::chrono::sys_seconds>, StoreError> next_due_after(
      std::chrono::sys_seconds now) = 0;
  /// Ids of fulfillments picking or packing that no worker holds at `now` (see claim_work()): work a
  /// crash or a failed write left, to take up again.
  [[nodiscard]] virtual hookline::Result<std::vector<std::int64_t>, StoreError> in_progress(Millis now) = 0;
  /// Takes the warehouse's work on a fulfillment picking or packing for `lease` from `now`, and returns
  /// the fulfillment as claimed; none when it is in neither state or a worker (of this instance or
  /// another) holds it. A claim whose lease ended is free again, so the work of an instance that died
  /// passes to the others; a save that moves the fulfillment out of picking and packing ends it.
  [[nodiscard]] virtual hookline::Result<std::optional<Fulfillment>, StoreError> claim_work(
      std::int64_t shipment_id, Millis now, std::chrono::milliseconds lease) = 0;
  /// Gives back the work claimed on a fulfillment still picking or packing: any worker may take it at once.
  [[nodiscard]] virtual hookline::Status<StoreError> release_work(std::int64_t shipment_id) = 0;
  /// Whether the database answers: one cheap round trip, for a load balancer's readiness check.
  [[nodiscard]] virtual hookline::Status<StoreError> ping() = 0;
  /// How many fulfillments are in each state.
  [[nodiscard]] virtual hookline::Result<std::map<State, std::size_t>, StoreError> counts_by_state() = 0;

  /// A shipment's history, oldest first: the lines add_history() added and its logged events (see
  /// StoreTx::record_event()).
  [[nodiscard]] virtual hookline::Result<std::vector<HistoryEntry>, StoreError> history(std::int64_t shipment_id) = 0;
  /// The event log, newest first.
  [[nodiscard]] virtual hookline::Result<std::vector<EventLogEntry>, StoreError> events(const EventQuery& query) = 0;

  /// Pending tracking posts due at `now` claimed for `lease`: each is given to no other sender, of
  /// this instance or another, until the lease ends (then it is due again, so an instance that died
  /// leaves its claims to the others), or until record_attempt() moves it on.
  [[nodiscard]] virtual hookline::Result<std::vector<OutboxEntry>, StoreError> claim_outbox_due(Millis now, std::size_t limit,
                                                                                              std::chrono::milliseconds lease) = 0;

  /// The earliest time a pending post is due (its next attempt, or the end of its claim).
  [[nodiscard]] virtual hookline::Result<std::optional<Millis>, StoreError> outbox_next_attempt() = 0;
  /// The outbox entry of a shipment.
  [[nodiscard]] virtual hookline::Result<std::optional<OutboxEntry>, StoreError> outbox_entry(std::int64_t shipment_id) = 0;
  /// Records attempt number `attempt.attempt`, moves the entry to `state` (pending again with
  /// `next_attempt_at` for a retry) and gives back its claim, with a history line, in one transaction.
  /// False, and nothing recorded, when that attempt was recorded already (by a sender whose claim on
  /// the entry outlived this one's) or the entry is no longer pending.
  [[nodiscard]] virtual hookline::Result<bool, StoreError> record_attempt(const TrackingAttempt& attempt,
                                                                          OutboxState state, Millis next_attempt_at) = 0;
  /// Outbox dead letters, oldest first.
  [[nodiscard]] virtual hookline::Result<std::vector<OutboxEntry>, StoreError> outbox_dead_letters(std::size_t limit) = 0;
  /// Puts a dead letter back to pending, due at `now`; false when it is not a dead letter.
  [[nodiscard]] virtual hookline::Result<bool, StoreError> retry_dead_letter(std::int64_t shipment_id, Millis now) = 0;
  /// The attempts to post a shipment's tracking, oldest first.
  [[nodiscard]] virtual hookline::Result<std::vector<TrackingAttempt>, StoreError> attempts(std::int64_t shipment_id) = 0;
  /// Outbox totals.
  [[nodiscard]] virtual hookline::Result<OutboxCounts, StoreError> outbox_counts() = 0;

  /// The dashboard's reads over this store, which must outlive them; creates the indexes they need.
  [[nodiscard]] virtual hookline::Result<std::unique_ptr<FulfillmentQueries>, StoreError> open_queries() = 0;

  /// How many times writes so far waited for the log to reach the disk: once per commit on
  /// PostgreSQL; once per shared sync of the write-ahead log on SQLite.
  [[nodiscard]] virtual std::uint64_t sync_count() = 0;

 protected:
  FulfillmentStore() = default;
};

/// How open_fulfillment_store() opens a database.
struct StoreOptions {
  hookline::TimeZone zone = hookline::TimeZone::utc();  ///< Reads held events and writes date_complete.
  std::function<void(std::string_view)> warn;           ///< Told what was changed on opening (file modes).
  std::chrono::seconds timeout{10};                     ///< PostgreSQL: the bound on every wait for the database.
  std::size_t max_connections = 12;                     ///< PostgreSQL: most connections open at once.
};

/// Opens the fulfillment database `database` names: a PostgreSQL connection URI (`postgresql://`,
/// password from the environment, never in the URI) or else an SQLite file path (created if needed,
/// for this process alone).
[[nodiscard]] hookline::Result<std::unique_ptr<FulfillmentStore>, StoreError> open_fulfillment_store(
    std::string_view database, const StoreOptions& options);

/// The history line every store writes with a tracking attempt.
[[nodiscard]] HistoryEntry attempt_history(const TrackingAttempt& attempt);
/// The history line every store writes when an operator puts a dead letter back in the outbox at `now`.
[[nodiscard]] HistoryEntry dead_letter_retry_history(std::int64_t shipment_id, Millis now);

/// The Idempotency-Key of a shipment's tracking post: "hookline-track-<shipment_id>".
[[nodiscard]] std::string tracking_idempotency_key(std::int64_t shipment_id);

/// A time as VRIO writes it, "YYYY-MM-DD HH:MM:SS", in `zone`.
[[nodiscard]] std::string vrio_local_date(std::chrono::sys_seconds when, const hookline::TimeZone& zone);

}  // namespace fulfillment
