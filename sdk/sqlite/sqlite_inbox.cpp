#include "hookline/sqlite_inbox.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

#include <condition_variable>
#include <deque>
#include <exception>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

namespace hookline {
namespace {

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
)sql";

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

StoreError store_error(std::string_view doing, const std::exception& error) {
  return StoreError{std::string(doing) + ": " + error.what()};
}

/// How much a connection's commits are worth waiting for.
enum class Sync {
  full,    ///< fsync at every commit: claims, which the sender is told are safe
  normal,  ///< fsync at checkpoints: handling records, which survive a process crash, and whose loss
           ///< in a power cut only means an entry is handled again (at least once)
};

/// Opens one connection in WAL mode.
std::unique_ptr<SQLite::Database> connect(const std::filesystem::path& path, const SqliteInboxOptions& options,
                                          Sync sync) {
  auto db = std::make_unique<SQLite::Database>(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE,
                                               static_cast<int>(options.busy_timeout.count()));
  db->exec("PRAGMA journal_mode=WAL");
  db->exec(sync == Sync::full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
  return db;
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

}  // namespace

struct SqliteInbox::Impl {
  /// One caller's claim, waiting on its own stack until the committer answers it.
  struct Claim {
    const EventMeta* meta;
    std::string_view body;
    std::chrono::sys_seconds now;
    std::optional<Result<ClaimOutcome, StoreError>> answer;
  };

  SqliteInboxOptions options;
  std::unique_ptr<SQLite::Database> writer;  // used by the committer thread only
  std::unique_ptr<SQLite::Statement> insert;
  std::mutex reader_mutex;  // guards `reader` and `statements`, used by every other operation
  std::unique_ptr<SQLite::Database> reader;
  std::map<std::string, std::unique_ptr<SQLite::Statement>, std::less<>> statements;  // reader's, by SQL
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

  /// The reader connection for one operation: statements prepared once, reset when the operation ends.
  class Reader {
   public:
    explicit Reader(Impl& impl) : impl_(impl) {}
    Reader(const Reader&) = delete;
    Reader& operator=(const Reader&) = delete;
    ~Reader() {
      for (auto* statement : used_) {
        statement->tryReset();
      }
    }
    /// The statement for `sql`, ready to bind.
    SQLite::Statement& prepare(const std::string& sql) {
      auto& slot = impl_.statements[sql];
      if (!slot) {
        slot = std::make_unique<SQLite::Statement>(*impl_.reader, sql);
      }
      slot->tryReset();
      used_.push_back(slot.get());
      return *slot;
    }
    /// The connection itself, for transactions and one-off statements.
    SQLite::Database& database() { return *impl_.reader; }

   private:
    Impl& impl_;
    std::vector<SQLite::Statement*> used_;
  };

  std::mutex queue_mutex;
  std::condition_variable work_ready;
  std::condition_variable answered;
  std::deque<Claim*> queue;
  bool closing = false;
  CommitStats stats;
  std::thread committer;

  void run_committer() {
    std::vector<Claim*> batch;
    std::unique_lock lock(queue_mutex);
    for (;;) {
      work_ready.wait(lock, [this] { return closing || !queue.empty(); });
      if (queue.empty()) {
        return;  // closing, and every claim was answered
      }
      batch.clear();
      while (!queue.empty() && batch.size() < options.max_batch) {
        batch.push_back(queue.front());
        queue.pop_front();
      }
      lock.unlock();
      auto outcomes = write_batch(batch);
      lock.lock();
      for (std::size_t i = 0; i < batch.size(); ++i) {
        batch[i]->answer = std::move(outcomes[i]);
      }
      ++stats.batches;
      stats.claims += batch.size();
      answered.notify_all();
    }
  }

  /// Writes a batch in one transaction: every claim's outcome, or the same error for all.
  std::vector<Result<ClaimOutcome, StoreError>> write_batch(const std::vector<Claim*>& batch) {
    std::vector<Result<ClaimOutcome, StoreError>> outcomes;
    outcomes.reserve(batch.size());
    try {
      SQLite::Transaction transaction(*writer, SQLite::TransactionBehavior::IMMEDIATE);
      for (const Claim* claim : batch) {
        const EventMeta& meta = *claim->meta;
        insert->bindNoCopy(1, to_string(meta.platform).data(), static_cast<int>(to_string(meta.platform).size()));
        insert->bindNoCopy(2, meta.id);
        insert->bindNoCopy(3, meta.type);
        insert->bind(4, to_unix(meta.occurred_at));
        insert->bindNoCopy(5, meta.entity);
        insert->bindNoCopy(6, claim->body.data(), static_cast<int>(claim->body.size()));
        insert->bind(7, to_unix(claim->now));
        insert->bind(8, to_unix(claim->now));
        const int changes = insert->exec();
        insert->reset();
        outcomes.emplace_back(changes == 1 ? ClaimOutcome::accepted : ClaimOutcome::duplicate);
      }
      transaction.commit();
    } catch (const std::exception& error) {
      insert->tryReset();
      outcomes.clear();
      for (std::size_t i = 0; i < batch.size(); ++i) {
        outcomes.emplace_back(fail(store_error("commit failed", error)));
      }
    }
    return outcomes;
  }

  /// Runs `work` on the reader connection under its mutex, turning exceptions into StoreErrors.
  template <class T, class Work>
  Result<T, StoreError> with_reader(std::string_view doing, Work&& work) {
    const std::lock_guard lock(reader_mutex);
    try {
      Reader connection(*this);
      return work(connection);
    } catch (const std::exception& error) {
      return fail(store_error(doing, error));
    }
  }

  /// Moves one in-flight entry on; a StoreError when it is not in flight.
  Status<StoreError> finish(EntryId id, const std::string& assignments,
                            const std::function<void(SQLite::Statement&)>& bind_values) {
    auto changed = with_reader<bool>("updating an inbox entry", [&](Impl::Reader& db) {
      if (in_flight.count(id) == 0) {
        return false;
      }
      auto& update = db.prepare("UPDATE inbox_entries SET attempts = attempts + 1, " + assignments +
                                " WHERE id = :id AND state = " + std::to_string(pending_state));
      update.bind(":id", static_cast<std::int64_t>(id));
      bind_values(update);
      if (update.exec() != 1) {
        return false;
      }
      release(id);
      return true;
    });
    if (!changed) {
      return fail(changed.error());
    }
    if (!*changed) {
      return fail(StoreError{"inbox entry " + std::to_string(id) + " is not in flight"});
    }
    return {};
  }
};

SqliteInbox::SqliteInbox(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {
  impl_->committer = std::thread([impl = impl_.get()] { impl->run_committer(); });
}

Result<std::unique_ptr<SqliteInbox>, StoreError> SqliteInbox::open(const std::filesystem::path& path,
                                                                    SqliteInboxOptions options) {
  auto impl = std::make_unique<Impl>();
  if (options.max_batch == 0) {
    options.max_batch = 1;
  }
  impl->options = options;
  try {
    impl->writer = connect(path, options, Sync::full);
    impl->writer->exec(schema);
    apply_size_cap(*impl->writer, options);
    impl->insert = std::make_unique<SQLite::Statement>(
        *impl->writer,
        "INSERT OR IGNORE INTO inbox_entries (platform, event_id, type, occurred_at, entity, body, received_at, "
        "state, next_attempt_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 0, ?8)");
    impl->reader = connect(path, options, Sync::normal);
    apply_size_cap(*impl->reader, options);
  } catch (const std::exception& error) {
    return fail(store_error("opening " + path.string(), error));
  }
  return std::unique_ptr<SqliteInbox>(new SqliteInbox(std::move(impl)));
}

SqliteInbox::~SqliteInbox() {
  {
    const std::lock_guard lock(impl_->queue_mutex);
    impl_->closing = true;
  }
  impl_->work_ready.notify_one();
  impl_->committer.join();
}

Result<ClaimOutcome, StoreError> SqliteInbox::claim(const EventMeta& meta, std::string_view body,
                                                    std::chrono::sys_seconds now) {
  Impl::Claim claim{&meta, body, now, std::nullopt};
  {
    std::unique_lock lock(impl_->queue_mutex);
    if (impl_->closing) {
      return fail(StoreError{"the inbox is closing"});
    }
    impl_->queue.push_back(&claim);
    impl_->work_ready.notify_one();
    impl_->answered.wait(lock, [&claim] { return claim.answer.has_value(); });
  }
  if (claim.answer->ok() && **claim.answer == ClaimOutcome::accepted) {
    notify_accepted();
  }
  return std::move(*claim.answer);
}

Result<std::vector<InboxEntry>, StoreError> SqliteInbox::take_due(std::size_t limit, std::chrono::sys_seconds now) {
  return impl_->with_reader<std::vector<InboxEntry>>("taking due inbox entries", [&](Impl::Reader& db) {
    // The oldest pending entry of each entity, if due. An entry in flight is still pending in the file,
    // so it holds back the rest of its entity; it, and an older entry of a busy entity (a replayed
    // dead letter), are skipped here: at most two rows per entry in flight.
    auto& select = db.prepare(std::string("SELECT ") + entry_columns + R"sql(
        FROM inbox_entries AS e
        WHERE e.state = 0 AND e.next_attempt_at <= :now
          AND (e.entity = '' OR NOT EXISTS (
                SELECT 1 FROM inbox_entries AS o WHERE o.entity = e.entity AND o.state = 0 AND o.id < e.id))
        ORDER BY e.id LIMIT :limit)sql");
    select.bind(":now", to_unix(now));
    select.bind(":limit", static_cast<std::int64_t>(limit + 2 * impl_->in_flight.size()));
    std::vector<InboxEntry> taken;
    while (taken.size() < limit && select.executeStep()) {
      auto entry = read_entry(select);
      if (impl_->in_flight.count(entry.id) != 0 || impl_->busy_entities.count(entry.meta.entity) != 0) {
        continue;
      }
      entry.state = EntryState::in_flight;
      impl_->hold(entry);
      taken.push_back(std::move(entry));
    }
    return taken;
  });
}

Status<StoreError> SqliteInbox::mark_handled(EntryId id, std::chrono::sys_seconds /*now*/) {
  return impl_->finish(id, "state = 2", [](SQLite::Statement&) {});
}

Status<StoreError> SqliteInbox::mark_failed(EntryId id, std::string_view error,
                                            std::chrono::sys_seconds next_attempt_at) {
  return impl_->finish(id, "state = 0, next_attempt_at = :next, last_error = :error",
                       [&](SQLite::Statement& update) {
                         update.bind(":next", to_unix(next_attempt_at));
                         update.bind(":error", std::string(error));
                       });
}

Status<StoreError> SqliteInbox::mark_dead(EntryId id, std::string_view error, std::chrono::sys_seconds /*now*/) {
  return impl_->finish(id, "state = 3, last_error = :error",
                       [&](SQLite::Statement& update) { update.bind(":error", std::string(error)); });
}

Result<std::vector<InboxEntry>, StoreError> SqliteInbox::dead_letters(std::size_t limit) {
  return impl_->with_reader<std::vector<InboxEntry>>("listing dead letters", [&](Impl::Reader& db) {
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
  return impl_->with_reader<std::optional<InboxEntry>>("finding an inbox entry", [&](Impl::Reader& db) {
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
  auto replayed = impl_->with_reader<bool>("replaying a dead letter", [&](Impl::Reader& db) {
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
  return impl_->with_reader<std::size_t>("pruning handled entries", [&](Impl::Reader& db) {
    auto& prune = db.prepare("DELETE FROM inbox_entries WHERE state = 2 AND received_at < ?");
    prune.bind(1, to_unix(now - retention));
    return static_cast<std::size_t>(prune.exec());
  });
}

Result<InboxCounts, StoreError> SqliteInbox::counts() {
  return impl_->with_reader<InboxCounts>("counting inbox entries", [this](Impl::Reader& db) {
    auto& select = db.prepare("SELECT state, COUNT(*) FROM inbox_entries GROUP BY state");
    InboxCounts counts;
    while (select.executeStep()) {
      const auto count = static_cast<std::size_t>(select.getColumn(1).getInt64());
      switch (state_from_column(select.getColumn(0).getInt())) {
        case EntryState::pending:
          counts.pending = count;
          break;
        case EntryState::in_flight:
          break;  // never stored
        case EntryState::handled:
          counts.handled = count;
          break;
        case EntryState::dead:
          counts.dead = count;
          break;
      }
    }
    counts.in_flight = impl_->in_flight.size();
    counts.pending -= counts.in_flight;  // in flight entries are pending in the file
    return counts;
  });
}

Result<std::size_t, StoreError> SqliteInbox::recover_in_flight() {
  auto recovered = impl_->with_reader<std::size_t>("recovering in-flight entries", [this](Impl::Reader&) {
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

CommitStats SqliteInbox::commit_stats() const {
  const std::lock_guard lock(impl_->queue_mutex);
  return impl_->stats;
}

}  // namespace hookline
