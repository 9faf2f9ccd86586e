#include "hookline/sqlite_inbox.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <exception>
#include <limits>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

#include "detail/field_list.hpp"
#include "hookline/sqlite_files.hpp"
#include "hookline/threads.hpp"
#include "sqlite_layer/durable_connection.hpp"
#include "sqlite_layer/group_sync.hpp"
#include "sqlite_layer/statement_cache.hpp"
#include "sqlite_layer/write_ahead_log.hpp"

namespace hookline {
namespace {

using detail::decode_headers;
using detail::decode_pairs;
using detail::encode_headers;
using detail::encode_query;

// The states stored in the file. "In flight" is not one of them: it lives in memory only, since an
// entry in flight when the process ends is pending again anyway.
constexpr int pending_state = 0;
constexpr int handled_state = 2;
constexpr int dead_state = 3;

constexpr const char* schema = R"sql(
CREATE TABLE IF NOT EXISTS inbox_entries (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  platform        TEXT    NOT NULL,
  event_id        TEXT    NOT NULL,
  type            TEXT    NOT NULL,
  occurred_at     INTEGER NOT NULL,
  entity          TEXT    NOT NULL,
  body            BLOB    NOT NULL,
  received_at     INTEGER NOT NULL,
  state           INTEGER NOT NULL,
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  last_error      TEXT    NOT NULL DEFAULT '',
  UNIQUE (platform, event_id)
);
CREATE INDEX IF NOT EXISTS inbox_pending_by_entity ON inbox_entries (entity, id) WHERE state = 0;
CREATE INDEX IF NOT EXISTS inbox_pending ON inbox_entries (id) WHERE state = 0;
CREATE INDEX IF NOT EXISTS inbox_dead ON inbox_entries (id) WHERE state = 3;
CREATE TABLE IF NOT EXISTS quarantine (
  id             INTEGER PRIMARY KEY AUTOINCREMENT,
  platform       TEXT    NOT NULL,
  key            TEXT    NOT NULL,
  body           BLOB    NOT NULL,
  headers        BLOB    NOT NULL,
  received_at    INTEGER NOT NULL,
  error_path     TEXT    NOT NULL,
  error_message  TEXT    NOT NULL,
  failed_replays INTEGER NOT NULL DEFAULT 0,
  UNIQUE (platform, key)
);
CREATE TABLE IF NOT EXISTS refused (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  platform    TEXT    NOT NULL,
  path        TEXT    NOT NULL,
  peer        TEXT    NOT NULL,
  reason      TEXT    NOT NULL,
  message     TEXT    NOT NULL,
  headers     BLOB    NOT NULL,
  query       BLOB    NOT NULL,
  body        BLOB    NOT NULL,
  received_at INTEGER NOT NULL,
  bytes       INTEGER NOT NULL
);
)sql";

/// The changes to a file of an older hookline, one per version: migrations[v] takes a file of
/// version v (PRAGMA user_version; 0 in files written before it was kept) to v + 1. The tables
/// themselves are made by `schema`, in the shape every version has.
constexpr const char* migrations[] = {
    // 1: the generic store admin platform is stored by its name "store_admin" (it was "store").
    R"sql(
UPDATE inbox_entries SET platform = 'store_admin' WHERE platform = 'store';
UPDATE quarantine SET platform = 'store_admin' WHERE platform = 'store';
UPDATE refused SET platform = 'store_admin' WHERE platform = 'store';
)sql",
};
static_assert(std::size(migrations) == SqliteInbox::schema_version);

constexpr const char* quarantine_columns =
    "id, platform, key, body, headers, received_at, error_path, error_message, failed_replays";

constexpr const char* refused_columns =
    "id, platform, path, peer, reason, message, headers, query, body, received_at";

constexpr const char* entry_columns =
    "id, platform, event_id, type, occurred_at, entity, body, received_at, state, attempts, next_attempt_at, "
    "last_error";

std::int64_t to_unix(std::chrono::sys_seconds time) { return time.time_since_epoch().count(); }
std::chrono::sys_seconds from_unix(std::int64_t seconds) { return std::chrono::sys_seconds{std::chrono::seconds{seconds}}; }

EntryState state_from_column(int state) {
  switch (state) {
    case handled_state:
      return EntryState::handled;
    case dead_state:
      return EntryState::dead;
    default:
      return EntryState::pending;
  }
}

/// Reads a row selected with entry_columns.
InboxEntry read_entry(SQLite::Statement& row) {
  InboxEntry entry;
  entry.id = row.getColumn(0).getInt64();
  entry.meta.platform = platform_from_string(row.getColumn(1).getString()).value_or(Platform::vrio);
  entry.meta.id = row.getColumn(2).getString();
  entry.meta.type = row.getColumn(3).getString();
  entry.meta.occurred_at = from_unix(row.getColumn(4).getInt64());
  entry.meta.entity = row.getColumn(5).getString();
  const auto body = row.getColumn(6);
  entry.body.assign(static_cast<const char*>(body.getBlob()), static_cast<std::size_t>(body.getBytes()));
  entry.received_at = from_unix(row.getColumn(7).getInt64());
  entry.state = state_from_column(row.getColumn(8).getInt());
  entry.attempts = row.getColumn(9).getInt();
  entry.next_attempt_at = from_unix(row.getColumn(10).getInt64());
  entry.last_error = row.getColumn(11).getString();
  return entry;
}

/// A blob column as bytes.
std::string blob_of(const SQLite::Column& column) {
  return std::string(static_cast<const char*>(column.getBlob()), static_cast<std::size_t>(column.getBytes()));
}

/// Reads a row selected with quarantine_columns.
QuarantineEntry read_quarantined(SQLite::Statement& row) {
  QuarantineEntry entry;
  entry.id = row.getColumn(0).getInt64();
  entry.delivery.platform = platform_from_string(row.getColumn(1).getString()).value_or(Platform::vrio);
  entry.delivery.key = row.getColumn(2).getString();
  entry.delivery.body = blob_of(row.getColumn(3));
  entry.delivery.headers = decode_headers(blob_of(row.getColumn(4)));
  entry.delivery.received_at = from_unix(row.getColumn(5).getInt64());
  entry.delivery.error = ParseError{row.getColumn(6).getString(), row.getColumn(7).getString()};
  entry.failed_replays = row.getColumn(8).getInt();
  return entry;
}

/// Reads a row selected with refused_columns.
RefusedEntry read_refused(SQLite::Statement& row) {
  RefusedEntry entry;
  entry.id = row.getColumn(0).getInt64();
  RefusedDelivery& delivery = entry.delivery;
  delivery.platform = platform_from_string(row.getColumn(1).getString()).value_or(Platform::vrio);
  delivery.path = row.getColumn(2).getString();
  delivery.peer = row.getColumn(3).getString();
  delivery.reason = row.getColumn(4).getString();
  delivery.message = row.getColumn(5).getString();
  delivery.headers = decode_headers(blob_of(row.getColumn(6)));
  delivery.query = decode_pairs(blob_of(row.getColumn(7)));
  delivery.body = blob_of(row.getColumn(8));
  delivery.received_at = from_unix(row.getColumn(9).getInt64());
  return entry;
}

/// Reads the page `request` asks for with `select` (bound to the cursor as ?1 and limit + 1 as ?2).
template <class Entry, class ReadRow>
Page<Entry> read_page(SQLite::Statement& select, const PageRequest& request, ReadRow read_row) {
  select.bind(1, request.cursor.value_or(0));
  constexpr std::size_t most = std::numeric_limits<std::int64_t>::max() - 1;
  select.bind(2, static_cast<std::int64_t>(std::min(request.limit, most)) + 1);
  Page<Entry> page;
  while (select.executeStep()) {
    if (page.entries.size() == request.limit) {
      if (!page.entries.empty()) {
        page.next_cursor = page.entries.back().id;
      }
      break;
    }
    page.entries.push_back(read_row(select));
  }
  return page;
}

StoreError store_error(std::string_view doing, const std::exception& error) {
  return StoreError{std::string(doing) + ": " + error.what()};
}

/// Opens one connection (sqlite_layer/durable_connection.hpp): a commit survives a process crash at
/// once, and a power cut once the write-ahead log is synced (by the syncer thread, for claims).
std::unique_ptr<SQLite::Database> connect(const std::filesystem::path& path, const SqliteInboxOptions& options) {
  sqlite::ConnectionSettings settings;
  settings.busy_timeout = options.busy_timeout;
  return sqlite::open_durable_connection(path, settings);
}

/// Makes the tables if needed and applies, in one transaction, the migrations the file lacks;
/// refuses a file of a newer hookline, which this one would misread.
Status<StoreError> migrate(SQLite::Database& db) {
  SQLite::Transaction transaction(db, SQLite::TransactionBehavior::IMMEDIATE);
  db.exec(schema);
  const auto version = db.execAndGet("PRAGMA user_version").getInt64();
  if (version > SqliteInbox::schema_version) {
    return fail(StoreError{"the database schema is version " + std::to_string(version) + ", newer than this hookline knows (" +
                           std::to_string(SqliteInbox::schema_version) +
                           "): run a hookline at least as new as the one that wrote it"});
  }
  for (auto applied = version; applied < SqliteInbox::schema_version; ++applied) {
    db.exec(migrations[applied]);
  }
  db.exec("PRAGMA user_version = " + std::to_string(SqliteInbox::schema_version));
  transaction.commit();
  return {};
}

/// Caps the database size on this connection (SQLite keeps the cap per connection).
void apply_size_cap(SQLite::Database& db, const SqliteInboxOptions& options) {
  if (!options.max_size_bytes) {
    return;
  }
  const auto page_size = db.execAndGet("PRAGMA page_size").getInt64();
  const auto pages = static_cast<std::int64_t>(*options.max_size_bytes) / page_size;
  db.execAndGet("PRAGMA max_page_count=" + std::to_string(pages));
}

/// SQLite lets one connection write at a time, and a connection that finds another writing sleeps
/// in its busy handler for 1, 2, 5, 10 ms and more before it tries again: under a flood of refused
/// deliveries the committer slept so, and claims waited 130 ms. In this process the writers take
/// turns here instead, woken as soon as the other is done, and the committer (whose claims senders
/// wait for) goes first whenever it waits.
class WriteGate {
 public:
  /// Waits for the gate ahead of every refused-record writer.
  void enter_first() {
    std::unique_lock lock(mutex_);
    ++first_waiting_;
    free_.wait(lock, [this] { return !held_; });
    --first_waiting_;
    held_ = true;
  }
  /// Waits for the gate and for no first writer to be waiting.
  void enter_after() {
    std::unique_lock lock(mutex_);
    free_.wait(lock, [this] { return !held_ && first_waiting_ == 0; });
    held_ = true;
  }
  void leave() {
    {
      const std::lock_guard lock(mutex_);
      held_ = false;
    }
    free_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable free_;
  bool held_ = false;
  int first_waiting_ = 0;
};

/// The write-ahead log's size, in pages, past which the refused record's connection checkpoints:
/// SQLite's own automatic checkpoint's.
constexpr int refused_checkpoint_pages = 1000;

/// sqlite3_wal_hook callback: notes how many pages the write-ahead log holds after a commit. Set,
/// it replaces the automatic checkpoint that SQLite would run right there.
int note_wal_pages(void* pages, sqlite3* /*db*/, const char* /*name*/, int frames) {
  *static_cast<int*>(pages) = frames;
  return SQLITE_OK;
}

/// Holds a WriteGate for a scope.
class GateTurn {
 public:
  GateTurn(WriteGate& gate, bool first) : gate_(gate) { first ? gate.enter_first() : gate.enter_after(); }
  GateTurn(const GateTurn&) = delete;
  GateTurn& operator=(const GateTurn&) = delete;
  ~GateTurn() { gate_.leave(); }

 private:
  WriteGate& gate_;
};

}  // namespace

struct SqliteInbox::Impl {
  /// One caller's claim or handling outcomes, waiting on its own stack until answered: outcomes once
  /// their transaction commits, a claim once the write-ahead log holding it is synced too.
  struct Write {
    const EventMeta* meta = nullptr;  // a claim of this event...
    std::string_view body;
    std::chrono::sys_seconds now{};
    const QuarantinedDelivery* quarantined = nullptr;  // ...or this delivery to quarantine...
    std::vector<const HandlingOutcome*> outcomes;      // ...or these outcomes of in-flight entries
    std::vector<bool> recorded;                    // per outcome: whether its entry changed
    std::size_t rows = 0;                          // rows written by the committed transaction
    std::mutex answer_mutex;  // its own, so that answering a batch wakes each caller without a shared lock
    std::condition_variable answered;
    std::optional<Result<std::size_t, StoreError>> answer;

    /// Sets the answer and wakes the caller. The last touch of a Write by any thread but its caller's.
    void answer_with(Result<std::size_t, StoreError> result) {
      const std::lock_guard lock(answer_mutex);
      answer = std::move(result);
      answered.notify_one();
    }

    /// Waits for answer_with().
    Result<std::size_t, StoreError> wait_for_answer() {
      std::unique_lock lock(answer_mutex);
      answered.wait(lock, [this] { return answer.has_value(); });
      return std::move(*answer);
    }

    /// Claims and quarantined deliveries are answered once synced, outcomes once committed.
    [[nodiscard]] bool waits_for_sync() const noexcept { return meta != nullptr || quarantined != nullptr; }
  };

  /// The refused record: its own connection and mutex, so that a flood of forged requests contends
  /// with nothing but itself (and SQLite's one writer at a time), and the id and size of every
  /// entry kept in memory (at most max_entries of them), so that an insert knows without a query
  /// which of the oldest entries to drop.
  struct RefusedTable {
    std::mutex mutex;  // guards everything below
    RefusedLimits limits;
    std::unique_ptr<SQLite::Database> db;
    std::unique_ptr<SQLite::Statement> insert;
    std::unique_ptr<SQLite::Statement> drop_through;
    std::deque<std::pair<RefusedId, std::size_t>> kept;  // oldest first
    std::size_t bytes = 0;
    int wal_pages = 0;  // the write-ahead log's pages after this connection's last commit (note_wal_pages)
  };

  std::optional<DatabaseLock> database_lock;  // first member: released after every connection is closed
  SqliteInboxOptions options;
  WriteGate write_gate;  // taken by the committer's and the refused record's transactions
  std::unique_ptr<SQLite::Database> writer;  // used by the committer thread only, like its statements
  std::unique_ptr<SQLite::Statement> insert;
  std::unique_ptr<SQLite::Statement> insert_quarantined;
  std::unique_ptr<SQLite::Statement> set_handled;
  std::unique_ptr<SQLite::Statement> set_retry;
  std::unique_ptr<SQLite::Statement> set_dead;
  std::optional<sqlite::GroupSync> log_sync;  // the write-ahead log, synced by the syncer thread
  std::atomic<EntryId> durable_through{0};  // every entry up to this id is synced: take_due's horizon
  std::mutex reader_mutex;  // guards `reader` and `reader_statements`, used by every other operation
  std::unique_ptr<SQLite::Database> reader;
  std::unique_ptr<sqlite::StatementCache> reader_statements;
  std::map<EntryId, std::string> in_flight;               // taken, not finished (pending in the file) -> entity
  std::map<std::string, int, std::less<>> busy_entities;  // entity -> how many of its entries are in flight

  /// Marks an entry in flight (under reader_mutex).
  void hold(const InboxEntry& entry) {
    in_flight.emplace(entry.id, entry.meta.entity);
    if (!entry.meta.entity.empty()) {
      ++busy_entities[entry.meta.entity];
    }
  }

  /// Ends an entry's flight (under reader_mutex).
  void release(EntryId id) {
    const auto found = in_flight.find(id);
    if (found == in_flight.end()) {
      return;
    }
    if (const auto busy = busy_entities.find(found->second); busy != busy_entities.end() && --busy->second == 0) {
      busy_entities.erase(busy);
    }
    in_flight.erase(found);
  }

  std::mutex queue_mutex;  // guards everything below
  std::condition_variable work_ready;
  std::condition_variable sync_ready;
  std::deque<Write*> queue;     // waiting for the committer
  std::vector<Write*> unsynced;  // claims committed, waiting for the syncer
  EntryId committed_through = 0;  // the highest entry id committed
  std::uint64_t last_commit = 0;   // the number log_sync gave the last batch committed
  bool closing = false;
  bool committer_done = false;
  CommitStats stats;
  std::thread committer;
  std::thread syncer;

  /// Queues a write and waits for its answer.
  Result<std::size_t, StoreError> submit(Write& write) {
    std::unique_lock lock(queue_mutex);
    if (closing) {
      return fail(StoreError{"the inbox is closing"});
    }
    queue.push_back(&write);
    if (queue.size() == 1) {
      work_ready.notify_one();  // later writes join this one's batch: the committer is awake for it
    }
    lock.unlock();
    return write.wait_for_answer();
  }

  /// Commits whatever is queued, one transaction per batch, while the syncer syncs earlier batches:
  /// the next batch is written while the disk flushes the last one.
  void run_committer() {
    std::vector<Write*> batch;
    std::unique_lock lock(queue_mutex);
    for (;;) {
      // A commit waits while the previous one waits for the syncer: writes that arrive meanwhile join it.
      work_ready.wait(lock, [this] { return closing || (!queue.empty() && unsynced.empty()); });
      if (queue.empty()) {
        committer_done = true;  // closing, and every write was committed or answered
        sync_ready.notify_one();
        return;
      }
      batch.clear();
      while (!queue.empty() && batch.size() < options.max_batch) {
        batch.push_back(queue.front());
        queue.pop_front();
      }
      lock.unlock();
      const auto written = write_batch(batch);
      // Outcomes, and every write of a failed batch, are answered now; claims and quarantined
      // deliveries once synced.
      const auto claims = std::partition(batch.begin(), batch.end(), [&written](const Write* write) {
        return !written || !write->waits_for_sync();
      });
      lock.lock();
      ++stats.batches;
      if (written) {
        unsynced.insert(unsynced.end(), claims, batch.end());
        committed_through = std::max(committed_through, *written);
        last_commit = log_sync->committed();
        sync_ready.notify_one();
      }
      lock.unlock();
      for (auto write = batch.begin(); write != claims; ++write) {
        (*write)->answer_with(written ? Result<std::size_t, StoreError>((*write)->rows) : fail(written.error()));
      }
      lock.lock();
    }
  }

  /// Syncs the write-ahead log after commits, then answers the claims that those commits hold.
  void run_syncer() {
    std::vector<Write*> claims;
    std::unique_lock lock(queue_mutex);
    for (;;) {
      sync_ready.wait(lock, [this] { return committer_done || !unsynced.empty(); });
      if (unsynced.empty()) {
        return;
      }
      claims.swap(unsynced);
      const EntryId through = committed_through;
      const std::uint64_t commit = last_commit;
      work_ready.notify_one();
      lock.unlock();
      const auto synced = log_sync->sync_through(commit);
      lock.lock();
      if (synced) {
        durable_through = through;
        stats.claims += claims.size();
      }
      lock.unlock();
      for (Write* claim : claims) {
        claim->answer_with(synced ? Result<std::size_t, StoreError>(claim->rows) : fail(StoreError{synced.error()}));
      }
      claims.clear();
      lock.lock();
    }
  }

  /// Writes a batch in one transaction and sets each write's rows; the highest entry id committed so
  /// far, or the error that undid the whole transaction.
  Result<EntryId, StoreError> write_batch(const std::vector<Write*>& batch) {
    EntryId through = 0;
    const GateTurn turn(write_gate, true);
    try {
      SQLite::Transaction transaction(*writer, SQLite::TransactionBehavior::IMMEDIATE);
      for (Write* write : batch) {
        if (write->meta != nullptr) {
          write->rows = write_claim(*write);
          if (write->rows == 1) {
            through = writer->getLastInsertRowid();
          }
        } else if (write->quarantined != nullptr) {
          write->rows = write_quarantined(*write->quarantined);
        } else {
          write->rows = write_outcomes(*write);
        }
      }
      transaction.commit();
    } catch (const std::exception& error) {
      for (auto* statement : {insert.get(), insert_quarantined.get(), set_handled.get(), set_retry.get(), set_dead.get()}) {
        statement->tryReset();
      }
      return fail(store_error("commit failed", error));
    }
    return through;
  }

  /// Inserts a claim unless its (platform, event id) is stored; 1 when inserted.
  std::size_t write_claim(const Write& claim) {
    const EventMeta& meta = *claim.meta;
    const auto platform = to_string(meta.platform);
    insert->bindNoCopy(1, platform.data(), static_cast<int>(platform.size()));
    insert->bindNoCopy(2, meta.id);
    insert->bindNoCopy(3, meta.type);
    insert->bind(4, to_unix(meta.occurred_at));
    insert->bindNoCopy(5, meta.entity);
    insert->bindNoCopy(6, claim.body.data(), static_cast<int>(claim.body.size()));
    insert->bind(7, to_unix(claim.now));
    insert->bind(8, to_unix(claim.now));
    const int changes = insert->exec();
    insert->reset();
    return static_cast<std::size_t>(changes);
  }

  /// Inserts a delivery into the quarantine unless its (platform, key) is there; 1 when inserted.
  std::size_t write_quarantined(const QuarantinedDelivery& delivery) {
    auto& statement = *insert_quarantined;
    statement.bind(1, std::string(to_string(delivery.platform)));
    statement.bindNoCopy(2, delivery.key);
    statement.bindNoCopy(3, delivery.body.data(), static_cast<int>(delivery.body.size()));
    const std::string headers = encode_headers(delivery.headers);
    statement.bindNoCopy(4, headers.data(), static_cast<int>(headers.size()));
    statement.bind(5, to_unix(delivery.received_at));
    statement.bindNoCopy(6, delivery.error.path);
    statement.bindNoCopy(7, delivery.error.message);
    const int changes = statement.exec();
    statement.reset();
    return static_cast<std::size_t>(changes);
  }

  /// Applies outcomes to pending rows and notes which changed; how many did.
  std::size_t write_outcomes(Write& write) {
    std::size_t changed = 0;
    write.recorded.assign(write.outcomes.size(), false);
    for (std::size_t i = 0; i < write.outcomes.size(); ++i) {
      const HandlingOutcome& outcome = *write.outcomes[i];
      SQLite::Statement& update = outcome.kind == HandlingOutcome::Kind::handled ? *set_handled
                                  : outcome.kind == HandlingOutcome::Kind::retry ? *set_retry
                                                                                 : *set_dead;
      update.bind(1, static_cast<std::int64_t>(outcome.id));
      if (outcome.kind == HandlingOutcome::Kind::retry) {
        update.bind(2, to_unix(outcome.next_attempt_at));
      }
      if (outcome.kind != HandlingOutcome::Kind::handled) {
        update.bindNoCopy(3, outcome.error);
      }
      write.recorded[i] = update.exec() == 1;
      update.reset();
      changed += write.recorded[i] ? 1 : 0;
    }
    return changed;
  }

  /// Runs `work` on the reader connection's statements under its mutex, each reset when `work` ends,
  /// turning exceptions into StoreErrors.
  template <class T, class Work>
  Result<T, StoreError> with_reader(std::string_view doing, Work&& work) {
    const std::lock_guard lock(reader_mutex);
    try {
      const sqlite::StatementCache::Scope scope(*reader_statements);
      return work(*reader_statements);
    } catch (const std::exception& error) {
      return fail(store_error(doing, error));
    }
  }

  RefusedTable refused;

  /// Runs `work` on the refused record's connection under its mutex, turning exceptions into StoreErrors.
  template <class T, class Work>
  Result<T, StoreError> with_refused(std::string_view doing, Work&& work) {
    const std::lock_guard lock(refused.mutex);
    try {
      return work(refused);
    } catch (const std::exception& error) {
      return fail(store_error(doing, error));
    }
  }
};

SqliteInbox::SqliteInbox(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {
  impl_->committer = std::thread([impl = impl_.get()] {
    name_this_thread("hl-inbox-commit");
    impl->run_committer();
  });
  impl_->syncer = std::thread([impl = impl_.get()] {
    name_this_thread("hl-inbox-sync");
    impl->run_syncer();
  });
}

Result<std::unique_ptr<SqliteInbox>, StoreError> SqliteInbox::open(const std::filesystem::path& path,
                                                                    SqliteInboxOptions options) {
  auto impl = std::make_unique<Impl>();
  if (options.max_batch == 0) {
    options.max_batch = 1;
  }
  impl->options = options;
  auto lock = DatabaseLock::acquire(path);
  if (!lock) {
    return fail(StoreError{lock.error()});
  }
  impl->database_lock = std::move(*lock);
  auto notes = make_database_private(path);
  if (!notes) {
    return fail(StoreError{notes.error()});
  }
  if (options.warn) {
    for (const auto& note : *notes) {
      options.warn(note);
    }
  }
  try {
    impl->writer = connect(path, options);
    if (auto migrated = migrate(*impl->writer); !migrated) {
      return fail(migrated.error());
    }
    apply_size_cap(*impl->writer, options);
    impl->insert = std::make_unique<SQLite::Statement>(
        *impl->writer,
        "INSERT OR IGNORE INTO inbox_entries (platform, event_id, type, occurred_at, entity, body, received_at, "
        "state, next_attempt_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 0, ?8)");
    impl->insert_quarantined = std::make_unique<SQLite::Statement>(
        *impl->writer,
        "INSERT OR IGNORE INTO quarantine (platform, key, body, headers, received_at, error_path, error_message) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    const std::string update = "UPDATE inbox_entries SET attempts = attempts + 1, ";
    const std::string of_pending = " WHERE id = ?1 AND state = " + std::to_string(pending_state);
    impl->set_handled = std::make_unique<SQLite::Statement>(
        *impl->writer, update + "state = " + std::to_string(handled_state) + of_pending);
    impl->set_retry = std::make_unique<SQLite::Statement>(
        *impl->writer, update + "next_attempt_at = ?2, last_error = ?3" + of_pending);
    impl->set_dead = std::make_unique<SQLite::Statement>(
        *impl->writer, update + "state = " + std::to_string(dead_state) + ", last_error = ?3" + of_pending);
    impl->committed_through = impl->writer->execAndGet("SELECT IFNULL(MAX(id), 0) FROM inbox_entries").getInt64();
    impl->durable_through = impl->committed_through;
    impl->reader = connect(path, options);
    apply_size_cap(*impl->reader, options);
    impl->reader_statements = std::make_unique<sqlite::StatementCache>(*impl->reader);
    auto& refused = impl->refused;
    refused.limits = options.refused;
    refused.db = connect(path, options);
    sqlite3_wal_hook(refused.db->getHandle(), note_wal_pages, &refused.wal_pages);
    apply_size_cap(*refused.db, options);
    refused.insert = std::make_unique<SQLite::Statement>(
        *refused.db,
        "INSERT INTO refused (platform, path, peer, reason, message, headers, query, body, received_at, bytes) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
    refused.drop_through = std::make_unique<SQLite::Statement>(*refused.db, "DELETE FROM refused WHERE id <= ?");
    SQLite::Statement kept(*refused.db, "SELECT id, bytes FROM refused ORDER BY id");
    while (kept.executeStep()) {
      const auto bytes = static_cast<std::size_t>(kept.getColumn(1).getInt64());
      refused.kept.emplace_back(kept.getColumn(0).getInt64(), bytes);
      refused.bytes += bytes;
    }
  } catch (const std::exception& error) {
    return fail(store_error("opening " + path.string(), error));
  }
  // The connections keep the write-ahead log open (and in place) for as long as the inbox is open.
  auto log = sqlite::WriteAheadLog::open(path);
  if (!log) {
    return fail(StoreError{log.error()});
  }
  impl->log_sync.emplace(std::move(*log));
  return std::unique_ptr<SqliteInbox>(new SqliteInbox(std::move(impl)));
}

SqliteInbox::~SqliteInbox() {
  {
    const std::lock_guard lock(impl_->queue_mutex);
    impl_->closing = true;
  }
  impl_->work_ready.notify_one();
  impl_->committer.join();
  impl_->syncer.join();
}

Result<ClaimOutcome, StoreError> SqliteInbox::claim(const EventMeta& meta, std::string_view body,
                                                    std::chrono::sys_seconds now) {
  Impl::Write claim;
  claim.meta = &meta;
  claim.body = body;
  claim.now = now;
  const auto inserted = impl_->submit(claim);
  if (!inserted) {
    return fail(inserted.error());
  }
  if (*inserted == 0) {
    return ClaimOutcome::duplicate;
  }
  notify_accepted();
  return ClaimOutcome::accepted;
}

Result<std::size_t, StoreError> SqliteInbox::record(std::span<const HandlingOutcome> outcomes) {
  Impl::Write write;
  {
    const std::lock_guard lock(impl_->reader_mutex);
    for (const HandlingOutcome& outcome : outcomes) {
      if (impl_->in_flight.count(outcome.id) != 0) {
        write.outcomes.push_back(&outcome);
      }
    }
  }
  if (write.outcomes.empty()) {
    return std::size_t{0};
  }
  auto recorded = impl_->submit(write);
  if (recorded) {
    const std::lock_guard lock(impl_->reader_mutex);
    for (std::size_t i = 0; i < write.outcomes.size(); ++i) {
      if (write.recorded[i]) {
        impl_->release(write.outcomes[i]->id);
      }
    }
  }
  return recorded;
}

Result<std::vector<InboxEntry>, StoreError> SqliteInbox::take_due(std::size_t limit, std::chrono::sys_seconds now) {
  return impl_->with_reader<std::vector<InboxEntry>>("taking due inbox entries", [&](sqlite::StatementCache& db) {
    // The oldest pending entry of each entity, if due. An entry in flight is still pending in the file,
    // so it holds back the rest of its entity; it, and an older entry of a busy entity (a replayed
    // dead letter), are skipped here: at most two rows per entry in flight.
    auto& select = db.prepare(std::string("SELECT ") + entry_columns + R"sql(
        FROM inbox_entries AS e
        WHERE e.state = 0 AND e.next_attempt_at <= :now AND e.id <= :durable
          AND (e.entity = '' OR NOT EXISTS (
                SELECT 1 FROM inbox_entries AS o WHERE o.entity = e.entity AND o.state = 0 AND o.id < e.id))
        ORDER BY e.id LIMIT :limit)sql");
    select.bind(":now", to_unix(now));
    select.bind(":durable", impl_->durable_through.load());
    select.bind(":limit", static_cast<std::int64_t>(limit + 2 * impl_->in_flight.size()));
    std::vector<InboxEntry> taken;
    while (taken.size() < limit && select.executeStep()) {
      // Skipped rows are told apart by id and entity alone, without copying their bodies.
      const EntryId id = select.getColumn(0).getInt64();
      const char* entity = select.getColumn(5).getText();
      if (impl_->in_flight.count(id) != 0 || impl_->busy_entities.count(std::string_view(entity)) != 0) {
        continue;
      }
      auto entry = read_entry(select);
      entry.state = EntryState::in_flight;
      impl_->hold(entry);
      taken.push_back(std::move(entry));
    }
    return taken;
  });
}

Result<std::vector<InboxEntry>, StoreError> SqliteInbox::dead_letters(std::size_t limit) {
  return impl_->with_reader<std::vector<InboxEntry>>("listing dead letters", [&](sqlite::StatementCache& db) {
    auto& select = db.prepare(std::string("SELECT ") + entry_columns +
                                     " FROM inbox_entries WHERE state = 3 ORDER BY id LIMIT ?");
    select.bind(1, static_cast<std::int64_t>(limit));
    std::vector<InboxEntry> dead;
    while (select.executeStep()) {
      dead.push_back(read_entry(select));
    }
    return dead;
  });
}

Result<std::optional<InboxEntry>, StoreError> SqliteInbox::find(EntryId id) {
  return impl_->with_reader<std::optional<InboxEntry>>("finding an inbox entry", [&](sqlite::StatementCache& db) {
    auto& select = db.prepare(std::string("SELECT ") + entry_columns + " FROM inbox_entries WHERE id = ?");
    select.bind(1, static_cast<std::int64_t>(id));
    std::optional<InboxEntry> found;
    if (select.executeStep()) {
      found = read_entry(select);
      if (impl_->in_flight.count(id) != 0) {
        found->state = EntryState::in_flight;
      }
    }
    return found;
  });
}

Result<bool, StoreError> SqliteInbox::replay(EntryId id, std::chrono::sys_seconds now) {
  auto replayed = impl_->with_reader<bool>("replaying a dead letter", [&](sqlite::StatementCache& db) {
    auto& update = db.prepare("UPDATE inbox_entries SET state = 0, attempts = 0, next_attempt_at = ? "
                             "WHERE id = ? AND state = 3");
    update.bind(1, to_unix(now));
    update.bind(2, static_cast<std::int64_t>(id));
    return update.exec() == 1;
  });
  if (replayed && *replayed) {
    notify_accepted();
  }
  return replayed;
}

Result<std::size_t, StoreError> SqliteInbox::prune_handled(std::chrono::sys_seconds now,
                                                           std::chrono::seconds retention) {
  return impl_->with_reader<std::size_t>("pruning handled entries", [&](sqlite::StatementCache& db) {
    auto& prune = db.prepare("DELETE FROM inbox_entries WHERE state = 2 AND received_at < ?");
    prune.bind(1, to_unix(now - retention));
    return static_cast<std::size_t>(prune.exec());
  });
}

Result<InboxCounts, StoreError> SqliteInbox::counts() {
  return impl_->with_reader<InboxCounts>("counting inbox entries", [this](sqlite::StatementCache& db) {
    // Pending and dead entries are counted through their partial indexes and handled ones as the
    // rest of a b-tree count, in one statement (one snapshot): a GROUP BY over the states read every
    // row, tens of milliseconds under a burst, for every scrape of the metrics.
    const std::string count_in = "(SELECT COUNT(*) FROM inbox_entries WHERE state = ";
    auto& select = db.prepare("SELECT (SELECT COUNT(*) FROM inbox_entries), " + count_in +
                              std::to_string(pending_state) + "), " + count_in + std::to_string(dead_state) + ")");
    select.executeStep();
    const auto column = [&select](int index) {
      return static_cast<std::size_t>(select.getColumn(index).getInt64());
    };
    const std::size_t all = column(0);
    const std::size_t pending = column(1);
    InboxCounts counts;
    counts.dead = column(2);
    counts.handled = all - pending - counts.dead;
    counts.in_flight = impl_->in_flight.size();
    // In-flight entries are pending in the file; an outcome just committed may still be counted in flight.
    counts.pending = pending - std::min(pending, counts.in_flight);
    return counts;
  });
}

Result<std::size_t, StoreError> SqliteInbox::recover_in_flight() {
  auto recovered = impl_->with_reader<std::size_t>("recovering in-flight entries", [this](sqlite::StatementCache&) {
    const std::size_t count = impl_->in_flight.size();
    impl_->in_flight.clear();  // they are pending in the file already
    impl_->busy_entities.clear();
    return count;
  });
  if (recovered && *recovered > 0) {
    notify_accepted();
  }
  return recovered;
}

Result<QuarantineOutcome, StoreError> SqliteInbox::quarantine(const QuarantinedDelivery& delivery) {
  Impl::Write write;
  write.quarantined = &delivery;
  const auto inserted = impl_->submit(write);
  if (!inserted) {
    return fail(inserted.error());
  }
  return *inserted == 1 ? QuarantineOutcome::stored : QuarantineOutcome::already_stored;
}

Result<Page<QuarantineEntry>, StoreError> SqliteInbox::list_quarantined(const PageRequest& request) {
  return impl_->with_reader<Page<QuarantineEntry>>("listing the quarantine", [&](sqlite::StatementCache& db) {
    auto& select = db.prepare(std::string("SELECT ") + quarantine_columns +
                              " FROM quarantine WHERE id > ?1 ORDER BY id LIMIT ?2");
    return read_page<QuarantineEntry>(select, request, read_quarantined);
  });
}

Result<std::optional<QuarantineEntry>, StoreError> SqliteInbox::find_quarantined(QuarantineId id) {
  return impl_->with_reader<std::optional<QuarantineEntry>>("finding a quarantined delivery", [&](sqlite::StatementCache& db) {
    auto& select = db.prepare(std::string("SELECT ") + quarantine_columns + " FROM quarantine WHERE id = ?");
    select.bind(1, static_cast<std::int64_t>(id));
    std::optional<QuarantineEntry> found;
    if (select.executeStep()) {
      found = read_quarantined(select);
    }
    return found;
  });
}

Result<bool, StoreError> SqliteInbox::record_replay_failure(QuarantineId id, const ParseError& error) {
  return impl_->with_reader<bool>("recording a failed replay", [&](sqlite::StatementCache& db) {
    auto& update = db.prepare(
        "UPDATE quarantine SET error_path = ?, error_message = ?, failed_replays = failed_replays + 1 WHERE id = ?");
    update.bind(1, error.path);
    update.bind(2, error.message);
    update.bind(3, static_cast<std::int64_t>(id));
    return update.exec() == 1;
  });
}

Result<bool, StoreError> SqliteInbox::remove_quarantined(QuarantineId id) {
  return impl_->with_reader<bool>("removing a quarantined delivery", [&](sqlite::StatementCache& db) {
    auto& remove = db.prepare("DELETE FROM quarantine WHERE id = ?");
    remove.bind(1, static_cast<std::int64_t>(id));
    return remove.exec() == 1;
  });
}

Result<std::size_t, StoreError> SqliteInbox::quarantine_depth() {
  return impl_->with_reader<std::size_t>("counting the quarantine", [](sqlite::StatementCache& db) {
    auto& count = db.prepare("SELECT COUNT(*) FROM quarantine");
    count.executeStep();
    return static_cast<std::size_t>(count.getColumn(0).getInt64());
  });
}

Result<bool, StoreError> SqliteInbox::record_refused(const RefusedDelivery& delivery) {
  const std::size_t bytes = recorded_bytes(delivery);
  const std::string headers = encode_headers(delivery.headers);
  const std::string query = encode_query(delivery.query);
  return impl_->with_refused<bool>("recording a refused delivery", [&](Impl::RefusedTable& refused) {
    if (bytes > refused.limits.max_bytes || refused.limits.max_entries == 0) {
      return false;
    }
    // The oldest entries that must go for this one to fit.
    std::size_t dropped = 0;
    std::size_t bytes_left = refused.bytes;
    while (dropped < refused.kept.size() &&
           (refused.kept.size() - dropped + 1 > refused.limits.max_entries || bytes_left + bytes > refused.limits.max_bytes)) {
      bytes_left -= refused.kept[dropped].second;
      ++dropped;
    }
    RefusedId id = 0;
    try {
      const GateTurn turn(impl_->write_gate, false);
      SQLite::Transaction transaction(*refused.db, SQLite::TransactionBehavior::IMMEDIATE);
      if (dropped > 0) {
        refused.drop_through->bind(1, static_cast<std::int64_t>(refused.kept[dropped - 1].first));
        refused.drop_through->exec();
        refused.drop_through->reset();
      }
      auto& insert = *refused.insert;
      const auto platform = to_string(delivery.platform);
      insert.bindNoCopy(1, platform.data(), static_cast<int>(platform.size()));
      insert.bindNoCopy(2, delivery.path);
      insert.bindNoCopy(3, delivery.peer);
      insert.bindNoCopy(4, delivery.reason);
      insert.bindNoCopy(5, delivery.message);
      insert.bindNoCopy(6, headers.data(), static_cast<int>(headers.size()));
      insert.bindNoCopy(7, query.data(), static_cast<int>(query.size()));
      insert.bindNoCopy(8, delivery.body.data(), static_cast<int>(delivery.body.size()));
      insert.bind(9, to_unix(delivery.received_at));
      insert.bind(10, static_cast<std::int64_t>(bytes));
      insert.exec();
      insert.reset();
      id = refused.db->getLastInsertRowid();
      transaction.commit();
    } catch (...) {
      refused.drop_through->tryReset();
      refused.insert->tryReset();
      throw;
    }
    refused.kept.erase(refused.kept.begin(), refused.kept.begin() + static_cast<std::ptrdiff_t>(dropped));
    refused.kept.emplace_back(id, bytes);
    refused.bytes = bytes_left + bytes;
    // This connection does not checkpoint as it commits (it would hold the gate meanwhile, and the
    // disk syncs of a checkpoint with it): it checkpoints here, letting writers write.
    if (refused.wal_pages >= refused_checkpoint_pages) {
      refused.db->exec("PRAGMA wal_checkpoint(PASSIVE)");
    }
    return true;
  });
}

Result<Page<RefusedEntry>, StoreError> SqliteInbox::list_refused(const PageRequest& request) {
  return impl_->with_refused<Page<RefusedEntry>>("listing refused deliveries", [&](Impl::RefusedTable& refused) {
    SQLite::Statement select(*refused.db, std::string("SELECT ") + refused_columns +
                                              " FROM refused WHERE id > ?1 ORDER BY id LIMIT ?2");
    return read_page<RefusedEntry>(select, request, read_refused);
  });
}

Result<std::optional<RefusedEntry>, StoreError> SqliteInbox::find_refused(RefusedId id) {
  return impl_->with_refused<std::optional<RefusedEntry>>("finding a refused delivery", [&](Impl::RefusedTable& refused) {
    SQLite::Statement select(*refused.db, std::string("SELECT ") + refused_columns + " FROM refused WHERE id = ?");
    select.bind(1, static_cast<std::int64_t>(id));
    std::optional<RefusedEntry> found;
    if (select.executeStep()) {
      found = read_refused(select);
    }
    return found;
  });
}

Result<bool, StoreError> SqliteInbox::remove_refused(RefusedId id) {
  return impl_->with_refused<bool>("removing a refused delivery", [&](Impl::RefusedTable& refused) {
    SQLite::Statement remove(*refused.db, "DELETE FROM refused WHERE id = ?");
    remove.bind(1, static_cast<std::int64_t>(id));
    const GateTurn turn(impl_->write_gate, false);
    if (remove.exec() != 1) {
      return false;
    }
    const auto entry = std::lower_bound(refused.kept.begin(), refused.kept.end(), id,
                                        [](const auto& kept, RefusedId wanted) { return kept.first < wanted; });
    if (entry != refused.kept.end() && entry->first == id) {
      refused.bytes -= entry->second;
      refused.kept.erase(entry);
    }
    return true;
  });
}

Result<RefusedCounts, StoreError> SqliteInbox::refused_counts() {
  return impl_->with_refused<RefusedCounts>("counting refused deliveries", [](Impl::RefusedTable& refused) {
    return RefusedCounts{refused.kept.size(), refused.bytes};
  });
}

CommitStats SqliteInbox::commit_stats() const {
  CommitStats stats;
  {
    const std::lock_guard lock(impl_->queue_mutex);
    stats = impl_->stats;
  }
  stats.syncs = impl_->log_sync->sync_count();
  return stats;
}

}  // namespace hookline
