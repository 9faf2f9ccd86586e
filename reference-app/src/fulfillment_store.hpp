#pragma once
/// @file
/// The fulfillment server's own SQLite database (WAL; a write returns once synced, concurrent writers
/// sharing syncs): fulfillments, shipment views, history, the event log (which is also the record of
/// applied event ids), the tracking outbox with its attempts and dead letters. Changes go through
/// write(), one transaction each.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "fulfillment.hpp"
#include "hookline/result.hpp"
#include "hookline/sqlite_files.hpp"
#include "hookline/time_zone.hpp"
#include "hookline/vrio_shipment.hpp"
#include "statement_cache.hpp"

namespace SQLite {
class Database;
class Statement;
}  // namespace SQLite

namespace fulfillment {

/// Milliseconds since the epoch: the outbox schedules retries below one second.
using Millis = std::chrono::sys_time<std::chrono::milliseconds>;

/// Why the store failed.
struct StoreError {
  std::string message;  ///< What failed.
};

/// One line of the event log: every event the server handled, and what became of it.
struct EventRecord {
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

/// The changes of one transaction; only valid inside FulfillmentStore::write().
class StoreTx {
 public:
  StoreTx(const StoreTx&) = delete;
  StoreTx& operator=(const StoreTx&) = delete;

  /// The fulfillment of this shipment, if there is one.
  [[nodiscard]] std::optional<Fulfillment> find(std::int64_t shipment_id);
  /// Inserts or replaces a fulfillment.
  void save(const Fulfillment& fulfillment);
  /// Moves a fulfillment to `to`, saves it and records the transition with `reason`.
  void transition(Fulfillment& fulfillment, State to, std::chrono::sys_seconds now, std::string_view reason);

  /// The shipment's view (held events re-read from the event log), or an empty view.
  [[nodiscard]] hookline::vrio::ShipmentView load_view(std::int64_t shipment_id);
  /// Stores the shipment's view.
  void save_view(const hookline::vrio::ShipmentView& view);

  /// True when this event id is in the event log (it was handled before).
  [[nodiscard]] bool has_event(std::string_view event_id);
  /// Adds an event to the log.
  void record_event(const EventRecord& record);
  /// Adds a line to a shipment's history.
  void add_history(const HistoryEntry& entry);

  /// Queues the tracking post of a shipped fulfillment (once per shipment; later calls change nothing).
  void enqueue_tracking(const Fulfillment& shipped, Millis now);

  /// The shipment's check state (the default state when it was never read).
  [[nodiscard]] CheckState check_state(std::int64_t shipment_id);
  /// Stores the shipment's check state.
  void save_check_state(std::int64_t shipment_id, const CheckState& state);

 private:
  friend class FulfillmentStore;
  StoreTx(StatementCache& statements, const hookline::TimeZone& zone) : statements_(statements), zone_(zone) {}
  StatementCache& statements_;
  const hookline::TimeZone& zone_;
};

/// One of several senders' share of the outbox: the shipments whose id modulo `of` is `index`.
struct OutboxShard {
  std::size_t index = 0;  ///< This sender, in [0, of).
  std::size_t of = 1;     ///< How many senders share the outbox.
};

/// The fulfillment database; every method is thread-safe (one connection behind a mutex). A write
/// returns once it is on disk (what synchronous=FULL gives) but concurrent writers share the sync of
/// the write-ahead log: each commits without one, then waits for a sync that began after its commit.
class FulfillmentStore {
 public:
  /// Opens (creating if needed) the database at `path` for this process alone: fails when another
  /// process holds it (hookline::DatabaseLock), creates its files mode 0600 and narrows wider ones,
  /// telling `warn`. `zone` reads held events and writes date_complete.
  [[nodiscard]] static hookline::Result<std::unique_ptr<FulfillmentStore>, StoreError> open(
      const std::filesystem::path& path, hookline::TimeZone zone,
      const std::function<void(std::string_view)>& warn = {});
  ~FulfillmentStore();
  FulfillmentStore(const FulfillmentStore&) = delete;
  FulfillmentStore& operator=(const FulfillmentStore&) = delete;

  /// Runs `change` in one transaction: committed and on disk when it returns, rolled back when it
  /// throws. Inside write_batch() on the same thread, it joins the batch's transaction instead.
  [[nodiscard]] hookline::Status<StoreError> write(const std::function<void(StoreTx&)>& change);
  /// Runs `writes`, whose write() calls on this thread share one transaction (each in a savepoint, so
  /// one that throws undoes only its own changes), then commits and syncs it: one commit and one
  /// sync for a batch of handled events. The store is held meanwhile: `writes` must call no other
  /// store method, and on failure none of the batch's writes is stored.
  [[nodiscard]] hookline::Status<StoreError> write_batch(const std::function<void()>& writes);

  /// The fulfillment of this shipment, if there is one.
  [[nodiscard]] hookline::Result<std::optional<Fulfillment>, StoreError> get(std::int64_t shipment_id);
  /// Fulfillments, optionally only in one state, by shipment id, at most `limit`.
  [[nodiscard]] hookline::Result<std::vector<Fulfillment>, StoreError> list(std::optional<State> state,
                                                                           std::size_t limit);
  /// Ids of waiting fulfillments whose date_scheduled is at or before `now` (or absent), oldest first,
  /// but none whose check before release waits for a retry after `now`.
  [[nodiscard]] hookline::Result<std::vector<std::int64_t>, StoreError> due(std::chrono::sys_seconds now,
                                                                           std::size_t limit);
  /// The earliest retry after `now` of a waiting fulfillment's check.
  [[nodiscard]] hookline::Result<std::optional<Millis>, StoreError> next_check_retry(Millis now);
  /// Ids of fulfillments waiting, picking or packing that reconciliation should read at `now`: not read
  /// since `read_before`, no retry pending after `now`; oldest date_scheduled first (none first).
  [[nodiscard]] hookline::Result<std::vector<std::int64_t>, StoreError> reconcile_due(Millis now, Millis read_before,
                                                                                     std::size_t limit);
  /// Ids of shipments with events held since `held_before` or earlier (never scheduled here, no
  /// fulfillment) and no retry pending after `now`; longest held first.
  [[nodiscard]] hookline::Result<std::vector<std::int64_t>, StoreError> held_due(std::chrono::sys_seconds held_before,
                                                                                Millis now, std::size_t limit);
  /// How many waiting fulfillments have a release held because the platform could not be read.
  [[nodiscard]] hookline::Result<std::size_t, StoreError> releases_held();
  /// The earliest date_scheduled of a waiting fulfillment not yet due at `now`.
  [[nodiscard]] hookline::Result<std::optional<std::chrono::sys_seconds>, StoreError> next_due_after(
      std::chrono::sys_seconds now);
  /// Ids of fulfillments the warehouse was working on (picking, packing): to resume after a restart.
  [[nodiscard]] hookline::Result<std::vector<std::int64_t>, StoreError> in_progress();
  /// How many fulfillments are in each state.
  [[nodiscard]] hookline::Result<std::map<State, std::size_t>, StoreError> counts_by_state();

  /// A shipment's history, oldest first.
  [[nodiscard]] hookline::Result<std::vector<HistoryEntry>, StoreError> history(std::int64_t shipment_id);
  /// The event log, newest first.
  [[nodiscard]] hookline::Result<std::vector<EventRecord>, StoreError> events(const EventQuery& query);

  /// Pending tracking posts of `shard`'s shipments due at `now`, oldest first.
  [[nodiscard]] hookline::Result<std::vector<OutboxEntry>, StoreError> outbox_due(Millis now, std::size_t limit,
                                                                                 OutboxShard shard = {});
  /// The earliest next attempt of a pending post.
  [[nodiscard]] hookline::Result<std::optional<Millis>, StoreError> outbox_next_attempt();
  /// The outbox entry of a shipment.
  [[nodiscard]] hookline::Result<std::optional<OutboxEntry>, StoreError> outbox_entry(std::int64_t shipment_id);
  /// Records an attempt and moves the entry to `state` (pending again with `next_attempt_at` for a
  /// retry), with a history line, in one transaction.
  [[nodiscard]] hookline::Status<StoreError> record_attempt(const TrackingAttempt& attempt, OutboxState state,
                                                            Millis next_attempt_at);
  /// Outbox dead letters, oldest first.
  [[nodiscard]] hookline::Result<std::vector<OutboxEntry>, StoreError> outbox_dead_letters(std::size_t limit);
  /// Puts a dead letter back to pending, due at `now`; false when it is not a dead letter.
  [[nodiscard]] hookline::Result<bool, StoreError> retry_dead_letter(std::int64_t shipment_id, Millis now);
  /// The attempts to post a shipment's tracking, oldest first.
  [[nodiscard]] hookline::Result<std::vector<TrackingAttempt>, StoreError> attempts(std::int64_t shipment_id);
  /// Outbox totals.
  [[nodiscard]] hookline::Result<OutboxCounts, StoreError> outbox_counts();

  /// Runs `query` on the store's connection under its lock, for queries kept in their own files (the
  /// admin API's, fulfillment_queries): reads, and the indexes they need (created IF NOT EXISTS, so
  /// one lost in a crash is made again at the next start). Never for data: changes go through
  /// write(). An exception `query` throws becomes the StoreError.
  [[nodiscard]] hookline::Status<StoreError> read(const std::function<void(StatementCache&)>& query);

  /// How many syncs of the write-ahead log the writes so far needed.
  [[nodiscard]] std::uint64_t sync_count();

 private:
  FulfillmentStore(std::unique_ptr<SQLite::Database> database, hookline::TimeZone zone);

  template <class F>
  auto guarded(F&& read) -> decltype(read());
  /// guarded() for `commit`, a function that commits a transaction, then waits until it is synced.
  template <class F>
  auto guarded_durable(F&& commit) -> decltype(commit());
  /// Runs `change` on the open transaction or savepoint (under mutex_).
  void apply(const std::function<void(StoreTx&)>& change);
  /// Runs `change` in one transaction (under mutex_).
  hookline::Status<StoreError> transact(const std::function<void(StoreTx&)>& change);
  /// Runs `change` in a savepoint of the batch open on this thread (under mutex_).
  hookline::Status<StoreError> write_in_batch(const std::function<void(StoreTx&)>& change);
  /// Waits until commit number `commit` is synced, syncing the write-ahead log if nobody is.
  [[nodiscard]] hookline::Status<StoreError> sync_through(std::uint64_t commit);

  std::optional<hookline::DatabaseLock> lock_;  // declared first: released after the database is closed
  std::mutex mutex_;
  std::unique_ptr<SQLite::Database> db_;
  std::unique_ptr<StatementCache> statements_;  // db_'s, used under mutex_
  hookline::TimeZone zone_;
  int write_ahead_log_ = -1;             // the -wal file, for fdatasync
  std::atomic<std::uint64_t> commits_{0};  // transactions committed (counted under mutex_)
  std::atomic<std::thread::id> batch_thread_{};  // the thread inside write_batch(), if any
  bool batch_failed_ = false;  // a write of the batch could not be undone alone (under mutex_)
  std::string batch_error_;
  std::mutex sync_mutex_;                // guards the three below
  std::condition_variable sync_ended_;
  std::uint64_t synced_through_ = 0;  // every commit up to this number is on disk
  bool syncing_ = false;
  std::uint64_t syncs_ = 0;
};

/// The columns of the fulfillments table that fulfillment_from_row() reads, in its order.
extern const char* const fulfillment_columns;
/// The fulfillment in the current row of a SELECT of fulfillment_columns (first); throws when a
/// stored address or item list does not read back.
[[nodiscard]] Fulfillment fulfillment_from_row(SQLite::Statement& row);

/// The Idempotency-Key of a shipment's tracking post: "hookline-track-<shipment_id>".
[[nodiscard]] std::string tracking_idempotency_key(std::int64_t shipment_id);

/// A time as VRIO writes it, "YYYY-MM-DD HH:MM:SS", in `zone`.
[[nodiscard]] std::string vrio_local_date(std::chrono::sys_seconds when, const hookline::TimeZone& zone);

}  // namespace fulfillment
