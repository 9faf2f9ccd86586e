#pragma once
// The fulfillment store in PostgreSQL, shared by every instance on the database, and the pieces its
// queries share with it.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "postgres/connection.hpp"
#include "storage/fulfillment_store.hpp"

namespace fulfillment {

/// The fulfillment database in PostgreSQL; every method is thread-safe, each call on a connection of
/// its own from a pool (so that concurrent commits share the server's flushes of its log). Each write is one transaction committed with synchronous_commit on. Rows that
/// several instances may change at once are read under a row lock (`SELECT ... FOR UPDATE`) in the
/// write that changes them, so that the second of two writers sees the first one's change; claims
/// take rows nobody holds under a lease, skipping rows another instance has locked (`FOR UPDATE SKIP
/// LOCKED`). A lost database answers StoreError within the timeout, and the store connects again on
/// the next call.
class PostgresFulfillmentStore final : public FulfillmentStore {
 public:
  /// Connects to `uri` (`postgresql://user@host:port/dbname`; the password from PGPASSWORD,
  /// PGPASSFILE, ~/.pgpass or HOOKLINE_DB_PASSWORD) and applies the schema migrations this version
  /// knows, one instance at a time (under an advisory lock); refuses a schema newer than it knows.
  /// `zone` reads held events and writes date_complete; `timeout` bounds every wait for the database
  /// (and for a free connection); at most `max_connections` are open at once.
  [[nodiscard]] static hookline::Result<std::unique_ptr<PostgresFulfillmentStore>, StoreError> open(
      std::string_view uri, hookline::TimeZone zone, std::chrono::seconds timeout, std::size_t max_connections);
  ~PostgresFulfillmentStore() override;

  [[nodiscard]] hookline::Status<StoreError> write(const std::function<void(StoreTx&)>& change) override;
  [[nodiscard]] hookline::Status<StoreError> write_batch(const std::function<void()>& writes) override;
  [[nodiscard]] hookline::Result<std::optional<Fulfillment>, StoreError> get(std::int64_t shipment_id) override;
  [[nodiscard]] hookline::Result<std::vector<Fulfillment>, StoreError> list(std::optional<State> state,
                                                                           std::size_t limit) override;
  [[nodiscard]] hookline::Result<std::vector<std::int64_t>, StoreError> due(std::chrono::sys_seconds now,
                                                                           std::size_t limit) override;
  [[nodiscard]] hookline::Result<std::optional<Millis>, StoreError> next_check_retry(Millis now) override;
  [[nodiscard]] hookline::Result<std::vector<std::int64_t>, StoreError> reconcile_due(Millis now, Millis read_before,
                                                                                     std::size_t limit) override;
  [[nodiscard]] hookline::Result<std::vector<std::int64_t>, StoreError> held_due(std::chrono::sys_seconds held_before,
                                                                                Millis now, std::size_t limit) override;
  [[nodiscard]] hookline::Result<std::size_t, StoreError> releases_held() override;
  [[nodiscard]] hookline::Result<std::optional<std::chrono::sys_seconds>, StoreError> next_due_after(
      std::chrono::sys_seconds now) override;
  [[nodiscard]] hookline::Result<std::vector<std::int64_t>, StoreError> in_progress(Millis now) override;
  [[nodiscard]] hookline::Result<std::optional<Fulfillment>, StoreError> claim_work(
      std::int64_t shipment_id, Millis now, std::chrono::milliseconds lease) override;
  [[nodiscard]] hookline::Status<StoreError> release_work(std::int64_t shipment_id) override;
  [[nodiscard]] hookline::Status<StoreError> ping() override;
  [[nodiscard]] hookline::Result<std::map<State, std::size_t>, StoreError> counts_by_state() override;
  [[nodiscard]] hookline::Result<std::vector<HistoryEntry>, StoreError> history(std::int64_t shipment_id) override;
  [[nodiscard]] hookline::Result<std::vector<EventLogEntry>, StoreError> events(const EventQuery& query) override;
  [[nodiscard]] hookline::Result<std::vector<OutboxEntry>, StoreError> claim_outbox_due(
      Millis now, std::size_t limit, std::chrono::milliseconds lease) override;
  [[nodiscard]] hookline::Result<std::optional<Millis>, StoreError> outbox_next_attempt() override;
  [[nodiscard]] hookline::Result<std::optional<OutboxEntry>, StoreError> outbox_entry(std::int64_t shipment_id) override;
  [[nodiscard]] hookline::Result<bool, StoreError> record_attempt(const TrackingAttempt& attempt, OutboxState state,
                                                                  Millis next_attempt_at) override;
  [[nodiscard]] hookline::Result<std::vector<OutboxEntry>, StoreError> outbox_dead_letters(std::size_t limit) override;
  [[nodiscard]] hookline::Result<bool, StoreError> retry_dead_letter(std::int64_t shipment_id, Millis now) override;
  [[nodiscard]] hookline::Result<std::vector<TrackingAttempt>, StoreError> attempts(std::int64_t shipment_id) override;
  [[nodiscard]] hookline::Result<OutboxCounts, StoreError> outbox_counts() override;
  [[nodiscard]] hookline::Result<std::unique_ptr<FulfillmentQueries>, StoreError> open_queries() override;
  [[nodiscard]] std::uint64_t sync_count() override;

  /// Runs `query` on a connection of the pool (connecting again first if it was lost),
  /// for the dashboard's queries kept in their own file: reads, and the indexes they need (created IF
  /// NOT EXISTS). Never for data: changes go through write(). An exception `query` throws becomes the
  /// StoreError.
  [[nodiscard]] hookline::Status<StoreError> read(const std::function<void(hookline::postgres::Connection&)>& query);

 private:
  PostgresFulfillmentStore(std::unique_ptr<hookline::postgres::Connection> connection,
                           hookline::postgres::ConnectSettings settings, hookline::TimeZone zone,
                           std::size_t max_connections);

  /// A free connection of the pool, a new one while fewer than max_connections_ are open, or an
  /// error once settings_.timeout passed without either.
  [[nodiscard]] hookline::Result<std::unique_ptr<hookline::postgres::Connection>, StoreError> take_connection();
  /// Puts a connection back in the pool (closes it when it is broken).
  void give_back(std::unique_ptr<hookline::postgres::Connection> connection);
  /// Runs `body` on a connection of the pool; an exception `body` throws becomes the StoreError (and
  /// rolls back the transaction it left open).
  template <class F>
  auto guarded(F&& body) -> decltype(body(std::declval<hookline::postgres::Connection&>()));
  /// Runs `body` in one transaction on a connection of the pool (BEGIN, `body`, COMMIT); rolled back
  /// when it fails.
  template <class F>
  auto transaction(F&& body) -> decltype(body(std::declval<hookline::postgres::Connection&>()));
  /// Runs `change` in the batch this thread has open on `db`.
  hookline::Status<StoreError> write_in_batch(hookline::postgres::Connection& db,
                                              const std::function<void(StoreTx&)>& change);

  hookline::postgres::ConnectSettings settings_;
  hookline::TimeZone zone_;
  std::size_t max_connections_;
  std::mutex pool_mutex_;                                        // guards the three below
  std::condition_variable connection_freed_;
  std::vector<std::unique_ptr<hookline::postgres::Connection>> idle_;
  std::size_t open_connections_ = 0;                             // idle or in use
  std::atomic<std::uint64_t> commits_{0};                        // durable commits so far
};

/// The newest schema version of the fulfillment tables this version of hookline knows.
inline constexpr long long postgres_fulfillment_schema_version = 2;

/// The columns of the fulfillments table that postgres_fulfillment_from_row() reads, in its order.
extern const char* const postgres_fulfillment_columns;
/// The fulfillment in row `row` of a SELECT of postgres_fulfillment_columns (first) ; throws when a
/// stored address or item list does not read back.
[[nodiscard]] Fulfillment postgres_fulfillment_from_row(const hookline::postgres::Rows& rows, int row);
/// The columns of the tracking_outbox table that postgres_outbox_from_row() reads, in its order.
extern const char* const postgres_outbox_columns;
/// The outbox entry in row `row` of a SELECT of postgres_outbox_columns (first).
[[nodiscard]] OutboxEntry postgres_outbox_from_row(const hookline::postgres::Rows& rows, int row);
/// The result of `done`, or an exception with its message: for statements inside read() and write().
[[nodiscard]] hookline::postgres::Rows rows_or_throw(hookline::Result<hookline::postgres::Rows, hookline::StoreError> done);

/// The dashboard's queries over `store` (which must outlive them); creates the indexes they need.
[[nodiscard]] hookline::Result<std::unique_ptr<FulfillmentQueries>, StoreError> open_postgres_queries(
    PostgresFulfillmentStore& store);

}  // namespace fulfillment
