#pragma once
// The fulfillment store in one SQLite file, for one process (WAL; a write returns once synced,
// concurrent writers sharing syncs), and the pieces its queries share with it.

#include <atomic>
#include <filesystem>
#include <mutex>
#include <optional>
#include <thread>

#include "hookline/sqlite_files.hpp"
#include "sqlite_layer/group_sync.hpp"
#include "sqlite_layer/statement_cache.hpp"
#include "storage/fulfillment_store.hpp"

namespace fulfillment {

using hookline::sqlite::StatementCache;

/// The fulfillment database in SQLite; every method is thread-safe (one connection behind a mutex).
/// Turns off SQLite's memory statistics in this process: they take a process-wide lock around every
/// allocation SQLite makes, and Debian's SQLite (built without its lookaside allocator) makes several
/// per statement, so the store's connection and the inbox's receiving threads queue on one lock.
/// Takes effect only when called before the process opens its first SQLite connection; false after.
bool configure_sqlite_for_this_process() noexcept;

/// A write returns once it is on disk (what synchronous=FULL gives) but concurrent writers share the
/// sync of the write-ahead log: each commits without one, then waits for a sync that began after its
/// commit. Claims (of warehouse work, of outbox entries) are committed without waiting for a sync:
/// the process is alone on its file, so open() gives back every claim a previous run left.
class SqliteFulfillmentStore final : public FulfillmentStore {
 public:
  /// Opens (creating if needed) the database at `path` for this process alone: fails when another
  /// process holds it (hookline::DatabaseLock), creates its files mode 0600 and narrows wider ones,
  /// telling `warn`. `zone` reads held events and writes date_complete.
  [[nodiscard]] static hookline::Result<std::unique_ptr<SqliteFulfillmentStore>, StoreError> open(
      const std::filesystem::path& path, hookline::TimeZone zone,
      const std::function<void(std::string_view)>& warn = {});
  ~SqliteFulfillmentStore() override;

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

  /// Runs `query` on the store's connection under its lock, for the dashboard's queries kept in their
  /// own file: reads, and the indexes they need (created IF NOT EXISTS, so one lost in a crash is made
  /// again at the next start). Never for data: changes go through write(). An exception `query`
  /// throws becomes the StoreError.
  [[nodiscard]] hookline::Status<StoreError> read(const std::function<void(StatementCache&)>& query);

 private:
  SqliteFulfillmentStore(std::unique_ptr<SQLite::Database> database, hookline::TimeZone zone);

  template <class F>
  auto guarded(F&& read) -> decltype(read());
  /// guarded() for `commit`, a function that commits a transaction, then waits until it is synced.
  template <class F>
  auto guarded_durable(F&& commit) -> decltype(commit());
  /// Runs `change` on the open transaction or savepoint (under mutex_).
  void apply(const std::function<void(StoreTx&)>& change);
  /// Runs `change` in one transaction (under mutex_).
  hookline::Status<StoreError> transact(const std::function<void(StoreTx&)>& change);
  /// How the writes of a batch share its transaction.
  enum class BatchMode {
    shared,               ///< as they are: one that throws undoes the batch
    savepoint_per_write,  ///< each in a savepoint: one that throws undoes only its own changes
  };
  /// Runs `writes` in one transaction and commits it, unless a write threw in a shared batch: then
  /// false, and nothing of it stays (under mutex_).
  bool run_batch(const std::function<void()>& writes, BatchMode mode);
  /// Runs `change` in the batch open on this thread (under mutex_).
  hookline::Status<StoreError> write_in_batch(const std::function<void(StoreTx&)>& change);

  std::optional<hookline::DatabaseLock> lock_;  // declared first: released after the database is closed
  std::mutex mutex_;
  std::unique_ptr<SQLite::Database> db_;
  std::unique_ptr<StatementCache> statements_;  // db_'s, used under mutex_
  hookline::TimeZone zone_;
  std::optional<hookline::sqlite::GroupSync> sync_;  // the -wal file's, for the commits of write()
  std::atomic<std::thread::id> batch_thread_{};  // the thread inside write_batch(), if any
  /// The batch open inside write_batch() (under mutex_).
  struct Batch {
    BatchMode mode = BatchMode::shared;
    bool undone = false;  // a write of a shared batch threw
    bool failed = false;  // a write of the batch could not be undone alone
    std::string error;
  } batch_;
};

/// The columns of the fulfillments table that fulfillment_from_row() reads, in its order.
extern const char* const fulfillment_columns;
/// The fulfillment in the current row of a SELECT of fulfillment_columns (first); throws when a
/// stored address or item list does not read back.
[[nodiscard]] Fulfillment fulfillment_from_row(SQLite::Statement& row);

}  // namespace fulfillment
