#pragma once
// Private: the simulator's SQLite database (events, the delivery log, shipments, tracking calls and
// idempotency keys). One connection guarded by a mutex; every method is one statement or one
// transaction, its statements compiled once (sqlite_layer/statement_cache.hpp).

#include <SQLiteCpp/SQLiteCpp.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "payload.hpp"
#include "simulator/simulator.hpp"
#include "sqlite_layer/statement_cache.hpp"

namespace hookline::simulator {

/// An answer kept under an Idempotency-Key.
struct StoredAnswer {
  std::string fingerprint;  ///< What the first request was (method, path and body).
  int status = 0;           ///< The status answered.
  std::string body;         ///< The body answered.
};

class Store {
 public:
  /// Opens or creates the database and its tables, its files mode 0600 (hookline/sqlite_files.hpp).
  explicit Store(const std::string& path);

  /// Inserts `event` and sets its sequence.
  void insert_event(QueuedEvent& event);
  /// Events pending, or retrying with next_attempt_at <= now, in queue order.
  [[nodiscard]] std::vector<QueuedEvent> due_events(std::chrono::sys_seconds now);
  /// Records an attempt in one transaction: the event's new status and `delivery` appended to the
  /// log (its id set).
  void record_attempt(const QueuedEvent& event, DeliveryRecord& delivery);
  /// At most `limit` events with a sequence above `after`, in queue order (-1: no limit).
  [[nodiscard]] std::vector<QueuedEvent> events(std::int64_t after = 0, std::int64_t limit = -1);
  /// One past the largest all-digit event id (at least `floor`).
  [[nodiscard]] std::int64_t next_event_id(std::int64_t floor);

  /// At most `limit` log entries with an id above `after` that match `filter`, oldest first (-1: no limit).
  [[nodiscard]] std::vector<DeliveryRecord> deliveries(const DeliveryFilter& filter, std::int64_t after = 0,
                                                       std::int64_t limit = -1);

  /// Applies a change to the platform's shipment (from an event or a control call): creates it when
  /// new; moves "Pending Post" to a terminal status ("Cancelled", "Skipped", "Shipped") when the change
  /// says so (terminal statuses stay); sets the schedule, items and address when the change is newer
  /// than the one that set them; records the campaign, customer and order given.
  void apply_shipment_change(const ShipmentChange& change);
  /// One shipment.
  [[nodiscard]] std::optional<ShipmentRecord> shipment(std::int64_t shipment_id);
  /// Every shipment by id.
  [[nodiscard]] std::vector<ShipmentRecord> shipments();
  /// One past the largest shipment id (at least `floor`).
  [[nodiscard]] std::int64_t next_shipment_id(std::int64_t floor);
  /// Marks a shipment Shipped with its tracking.
  void mark_shipped(std::int64_t shipment_id, const std::string& tracking_id, std::optional<std::int64_t> carrier_id,
                    const std::string& date_complete);

  /// Records a tracking call (and counts it on its shipment, when the shipment exists).
  void record_tracking_call(const TrackingCall& call);
  /// Every tracking call, oldest first; only those of one shipment when given.
  [[nodiscard]] std::vector<TrackingCall> tracking_calls(std::optional<std::int64_t> shipment_id);
  /// The answer kept under `key`, if any.
  [[nodiscard]] std::optional<StoredAnswer> answer_for(const std::string& key);
  /// Keeps the answer to a request under `key`.
  void keep_answer(const std::string& key, const StoredAnswer& answer);

 private:
  std::mutex mutex_;  // guards db_ and statements_
  std::unique_ptr<SQLite::Database> db_;
  std::unique_ptr<sqlite::StatementCache> statements_;
  // A shipment is read on a connection of its own (WAL lets it read while the other writes), so the
  // platform API's reads never wait behind a batch recording its deliveries; an in-memory database
  // has only the one connection, and its shipments are read under mutex_ with statements_.
  std::mutex read_mutex_;  // guards read_db_ and read_statements_
  std::unique_ptr<SQLite::Database> read_db_;
  std::unique_ptr<sqlite::StatementCache> read_statements_;
};

}  // namespace hookline::simulator
