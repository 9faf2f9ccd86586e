#include "hookline/postgres_inbox.hpp"

#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <exception>
#include <limits>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>
#include <utility>

#include "connection.hpp"
#include "detail/field_list.hpp"
#include "hookline/threads.hpp"

namespace hookline {
namespace {

using postgres::Connection;
using postgres::Params;
using postgres::Rows;

// Entry states as stored. An entry in flight is stored pending with its owner and lease (every
// instance sees it), so that taking it changes no indexed column: the take is a HOT update, which
// writes no index entry, when the row's page has room for the new version (the table's fillfactor
// leaves it). entry_columns reads the state an entry is in.
constexpr std::int64_t pending_state = 0;
constexpr std::int64_t in_flight_state = 1;  // as read (stored by schema version 2 only)
constexpr std::int64_t handled_state = 2;
constexpr std::int64_t dead_state = 3;

// Advisory lock keys (bigint), the same in every instance: migrations, and takes of due entries.
constexpr const char* migration_lock = "7450791380157067521";
constexpr const char* take_lock = "7450791380157067522";

/// The schema, one migration per version: migrations[v - 1] takes a version v - 1 schema to v.
/// Strings are bytea (bodies, headers, ids and messages may hold any byte, NUL included).
constexpr const char* migrations[] = {
    R"sql(
CREATE TABLE hookline_inbox (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  platform         text   NOT NULL,
  event_id         bytea  NOT NULL,
  type             bytea  NOT NULL,
  occurred_at      bigint NOT NULL,
  entity           bytea  NOT NULL,
  body             bytea  NOT NULL,
  received_at      bigint NOT NULL,
  state            bigint NOT NULL,
  attempts         bigint NOT NULL DEFAULT 0,
  next_attempt_at  bigint NOT NULL,
  last_error       bytea  NOT NULL DEFAULT '',
  owner            text,
  lease_expires_at bigint,
  UNIQUE (platform, event_id)
);
CREATE INDEX hookline_inbox_unfinished ON hookline_inbox (id) WHERE state IN (0, 1);
CREATE INDEX hookline_inbox_unfinished_by_entity ON hookline_inbox (entity, id) WHERE state IN (0, 1);
CREATE INDEX hookline_inbox_dead ON hookline_inbox (id) WHERE state = 3;
CREATE TABLE hookline_quarantine (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  platform       text   NOT NULL,
  key            bytea  NOT NULL,
  body           bytea  NOT NULL,
  headers        bytea  NOT NULL,
  received_at    bigint NOT NULL,
  error_path     bytea  NOT NULL,
  error_message  bytea  NOT NULL,
  failed_replays bigint NOT NULL DEFAULT 0,
  UNIQUE (platform, key)
);
CREATE TABLE hookline_refused (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  platform    text   NOT NULL,
  path        bytea  NOT NULL,
  peer        bytea  NOT NULL,
  reason      bytea  NOT NULL,
  message     bytea  NOT NULL,
  headers     bytea  NOT NULL,
  query       bytea  NOT NULL,
  body        bytea  NOT NULL,
  received_at bigint NOT NULL,
  bytes       bigint NOT NULL
);
CREATE TABLE hookline_refused_totals (
  only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
  entries  bigint  NOT NULL,
  bytes    bigint  NOT NULL
);
INSERT INTO hookline_refused_totals (entries, bytes) VALUES (0, 0);
)sql",
    // 2: the generic store admin platform is stored by its name "store_admin" (it was "store").
    R"sql(
UPDATE hookline_inbox SET platform = 'store_admin' WHERE platform = 'store';
UPDATE hookline_quarantine SET platform = 'store_admin' WHERE platform = 'store';
UPDATE hookline_refused SET platform = 'store_admin' WHERE platform = 'store';
)sql",
    // 3: an entry in flight is pending with an owner (taking it is then a HOT update), and pages keep
    // room for the new versions of their rows (fillfactor: new pages only).
    R"sql(
UPDATE hookline_inbox SET state = 0 WHERE state = 1;
DROP INDEX hookline_inbox_unfinished;
DROP INDEX hookline_inbox_unfinished_by_entity;
CREATE INDEX hookline_inbox_unfinished ON hookline_inbox (id) WHERE state = 0;
CREATE INDEX hookline_inbox_unfinished_by_entity ON hookline_inbox (entity, id) WHERE state = 0;
ALTER TABLE hookline_inbox SET (fillfactor = 50);
)sql",
};
static_assert(std::size(migrations) == PostgresInbox::schema_version);

/// A statement takes at most 65535 parameters, and a claim is 7 of them.
constexpr std::size_t most_claims_per_batch = 65535 / 7;

/// An entry's columns, its state as read (in flight when pending with an owner).
constexpr const char* entry_columns =
    "id, platform, event_id, type, occurred_at, entity, body, received_at, CASE WHEN owner IS NULL THEN state ELSE 1 "
    "END, attempts, next_attempt_at, last_error";

constexpr const char* quarantine_columns =
    "id, platform, key, body, headers, received_at, error_path, error_message, failed_replays";

constexpr const char* refused_columns = "id, platform, path, peer, reason, message, headers, query, body, received_at";

std::int64_t to_unix(std::chrono::sys_seconds time) { return time.time_since_epoch().count(); }
std::chrono::sys_seconds from_unix(std::int64_t seconds) { return std::chrono::sys_seconds{std::chrono::seconds{seconds}}; }

Platform platform_of(const Rows& rows, int row, int column) {
  return platform_from_string(rows.view(row, column)).value_or(Platform::vrio);
}

EntryState state_of(std::int64_t state) {
  switch (state) {
    case in_flight_state:
      return EntryState::in_flight;
    case handled_state:
      return EntryState::handled;
    case dead_state:
      return EntryState::dead;
    default:
      return EntryState::pending;
  }
}

/// Reads a row selected with entry_columns.
InboxEntry read_entry(const Rows& rows, int row) {
  InboxEntry entry;
  entry.id = rows.int64(row, 0);
  entry.meta.platform = platform_of(rows, row, 1);
  entry.meta.id = rows.bytes(row, 2);
  entry.meta.type = rows.bytes(row, 3);
  entry.meta.occurred_at = from_unix(rows.int64(row, 4));
  entry.meta.entity = rows.bytes(row, 5);
  entry.body = rows.bytes(row, 6);
  entry.received_at = from_unix(rows.int64(row, 7));
  entry.state = state_of(rows.int64(row, 8));
  entry.attempts = static_cast<int>(rows.int64(row, 9));
  entry.next_attempt_at = from_unix(rows.int64(row, 10));
  entry.last_error = rows.bytes(row, 11);
  return entry;
}

/// Reads a row selected with quarantine_columns.
QuarantineEntry read_quarantined(const Rows& rows, int row) {
  QuarantineEntry entry;
  entry.id = rows.int64(row, 0);
  entry.delivery.platform = platform_of(rows, row, 1);
  entry.delivery.key = rows.bytes(row, 2);
  entry.delivery.body = rows.bytes(row, 3);
  entry.delivery.headers = detail::decode_headers(rows.view(row, 4));
  entry.delivery.received_at = from_unix(rows.int64(row, 5));
  entry.delivery.error = ParseError{rows.bytes(row, 6), rows.bytes(row, 7)};
  entry.failed_replays = static_cast<int>(rows.int64(row, 8));
  return entry;
}

/// Reads a row selected with refused_columns.
RefusedEntry read_refused(const Rows& rows, int row) {
  RefusedEntry entry;
  entry.id = rows.int64(row, 0);
  RefusedDelivery& delivery = entry.delivery;
  delivery.platform = platform_of(rows, row, 1);
  delivery.path = rows.bytes(row, 2);
  delivery.peer = rows.bytes(row, 3);
  delivery.reason = rows.bytes(row, 4);
  delivery.message = rows.bytes(row, 5);
  delivery.headers = detail::decode_headers(rows.view(row, 6));
  delivery.query = detail::decode_pairs(rows.view(row, 7));
  delivery.body = rows.bytes(row, 8);
  delivery.received_at = from_unix(rows.int64(row, 9));
  return entry;
}

/// Reads the page `request` asks for with `select`, whose $1 is the cursor and $2 the limit + 1.
template <class Entry, class ReadRow>
Result<Page<Entry>, StoreError> read_page(Connection& db, std::string_view doing, const std::string& select,
                                          const PageRequest& request, ReadRow read_row) {
  constexpr std::size_t most = std::numeric_limits<std::int64_t>::max() - 1;
  Params params;
  params.int64(request.cursor.value_or(0)).int64(static_cast<std::int64_t>(std::min(request.limit, most)) + 1);
  auto rows = db.exec(doing, select, params);
  if (!rows) {
    return fail(rows.error());
  }
  Page<Entry> page;
  for (int row = 0; row < rows->count(); ++row) {
    if (page.entries.size() == request.limit) {
      if (!page.entries.empty()) {
        page.next_cursor = page.entries.back().id;
      }
      break;
    }
    page.entries.push_back(read_row(*rows, row));
  }
  return page;
}

/// Runs `body` between BEGIN (followed by `begin_more`, statements without parameters) and COMMIT;
/// rolls back when it fails.
template <class T, class Body>
Result<T, StoreError> in_transaction(Connection& db, std::string_view doing, const std::string& begin_more,
                                     Body body) {
  const std::string begin = "BEGIN" + (begin_more.empty() ? std::string() : "; " + begin_more);
  if (auto begun = db.run(doing, begin.c_str()); !begun) {
    if (!db.broken()) {
      (void)db.run(doing, "ROLLBACK");
    }
    return fail(begun.error());
  }
  Result<T, StoreError> done = body();
  if (!done) {
    if (!db.broken()) {
      (void)db.run(doing, "ROLLBACK");
    }
    return done;
  }
  if (auto committed = db.run(doing, "COMMIT"); !committed) {
    return fail(committed.error());
  }
  return done;
}

/// This instance's owner name: host, process id and a random part (a restarted process is a new owner).
std::string make_owner() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) {
    host[0] = '\0';
  }
  std::random_device random;
  const auto part = (static_cast<std::uint64_t>(random()) << 32) | random();
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(part));
  return std::string(host) + "/" + std::to_string(::getpid()) + "/" + hex;
}

/// Applies the migrations the database lacks, under the migration lock; refuses a newer schema.
Status<StoreError> migrate(Connection& db) {
  constexpr std::string_view doing = "migrating the database schema";
  auto migrated = in_transaction<bool>(
      db, doing,
      // The lock is waited for within lock_timeout; a migration, once it holds it, may take its time.
      std::string("SELECT pg_advisory_xact_lock(") + migration_lock +
          "); SET LOCAL statement_timeout TO 0; CREATE TABLE IF NOT EXISTS hookline_inbox_migrations ("
          "version bigint PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())",
      [&]() -> Result<bool, StoreError> {
        auto current = db.exec(doing, "SELECT COALESCE(MAX(version), 0)::bigint FROM hookline_inbox_migrations", {});
        if (!current) {
          return fail(current.error());
        }
        const std::int64_t version = current->int64(0, 0);
        if (version > PostgresInbox::schema_version) {
          return fail(StoreError{"the database schema is version " + std::to_string(version) +
                                 ", newer than this hookline knows (" + std::to_string(PostgresInbox::schema_version) +
                                 "): run a hookline at least as new as the one that migrated it"});
        }
        for (auto next = version + 1; next <= PostgresInbox::schema_version; ++next) {
          if (auto applied = db.run(doing, migrations[next - 1]); !applied) {
            return fail(applied.error());
          }
          Params params;
          params.int64(next);
          if (auto noted = db.exec(doing, "INSERT INTO hookline_inbox_migrations (version) VALUES ($1)", params);
              !noted) {
            return fail(noted.error());
          }
        }
        return true;
      });
  if (!migrated) {
    return fail(migrated.error());
  }
  return {};
}

}  // namespace

bool is_postgres_uri(std::string_view db) noexcept {
  return db.starts_with("postgresql://") || db.starts_with("postgres://");
}

Status<StoreError> check_postgres_uri(std::string_view uri) {
  if (!is_postgres_uri(uri)) {
    return fail(StoreError{"not a PostgreSQL connection URI (postgresql://user@host:port/dbname): " + std::string(uri)});
  }
  return postgres::check_uri(uri);
}

struct PostgresInbox::Impl {
  /// One claim waiting for the committer.
  struct Claim {
    const EventMeta* meta = nullptr;
    std::string_view body;
    std::chrono::sys_seconds now{};
    std::optional<Result<ClaimOutcome, StoreError>> answer;
  };

  postgres::ConnectSettings settings;
  PostgresInboxOptions options;
  std::string owner;

  // The pool for everything but claims.
  std::mutex pool_mutex;
  std::condition_variable pool_free;
  std::vector<std::unique_ptr<Connection>> idle;
  std::size_t open_connections = 0;  // idle or lent

  // The committer's queue.
  mutable std::mutex queue_mutex;  // guards everything below
  std::condition_variable work_ready;
  std::condition_variable answered;
  std::deque<Claim*> queue;
  bool closing = false;
  PostgresCommitStats stats;
  std::unique_ptr<Connection> committer_db;  // the committer thread's only
  std::thread committer;

  /// Runs `work` on a pooled connection (connecting one if none is idle and fewer than
  /// max_connections are open); a connection found broken afterwards is closed, not pooled.
  template <class T, class Work>
  Result<T, StoreError> with_connection(std::string_view doing, Work work) {
    std::unique_ptr<Connection> db;
    {
      std::unique_lock lock(pool_mutex);
      const bool free = pool_free.wait_for(lock, options.timeout, [this] {
        return !idle.empty() || open_connections < std::max<std::size_t>(options.max_connections, 1);
      });
      if (!free) {
        return fail(StoreError{std::string(doing) + ": no database connection came free in time"});
      }
      if (!idle.empty()) {
        db = std::move(idle.back());
        idle.pop_back();
      } else {
        ++open_connections;
      }
    }
    if (!db) {
      auto opened = Connection::open(settings);
      if (!opened) {
        give_back(nullptr);
        return fail(StoreError{std::string(doing) + ": " + opened.error().message});
      }
      db = std::move(*opened);
    }
    Result<T, StoreError> done = [&]() -> Result<T, StoreError> {
      try {
        return work(*db);
      } catch (const std::exception& error) {  // a stored list of fields that does not decode
        return fail(StoreError{std::string(doing) + ": " + error.what()});
      }
    }();
    if (db->broken()) {
      // The server went away (a restart ends every session): the idle connections are lost too, and
      // are closed now rather than failing one call each.
      std::vector<std::unique_ptr<Connection>> lost;
      {
        const std::lock_guard lock(pool_mutex);
        lost.swap(idle);
        open_connections -= lost.size();
      }
      give_back(nullptr);
    } else {
      give_back(std::move(db));
    }
    return done;
  }

  /// Returns a lent connection to the pool, or (none) frees its place.
  void give_back(std::unique_ptr<Connection> db) {
    {
      const std::lock_guard lock(pool_mutex);
      if (db) {
        idle.push_back(std::move(db));
      } else {
        --open_connections;
      }
    }
    pool_free.notify_all();
  }

  /// Queues a claim and waits for the committer to answer it.
  Result<ClaimOutcome, StoreError> submit(Claim& claim) {
    std::unique_lock lock(queue_mutex);
    if (closing) {
      return fail(StoreError{"the inbox is closing"});
    }
    queue.push_back(&claim);
    work_ready.notify_one();
    answered.wait(lock, [&claim] { return claim.answer.has_value(); });
    return std::move(*claim.answer);
  }

  /// Writes whatever is queued, one multi-row INSERT (one transaction) per batch: claims that arrive
  /// while a batch commits share the next one.
  void run_committer() {
    std::vector<Claim*> batch;
    std::unique_lock lock(queue_mutex);
    for (;;) {
      work_ready.wait(lock, [this] { return closing || !queue.empty(); });
      if (queue.empty()) {
        return;  // closing, and every claim was answered
      }
      batch.clear();
      while (!queue.empty() && batch.size() < std::clamp<std::size_t>(options.max_batch, 1, most_claims_per_batch)) {
        batch.push_back(queue.front());
        queue.pop_front();
      }
      lock.unlock();
      auto outcomes = write_claims(batch);
      lock.lock();
      ++stats.batches;
      if (outcomes) {
        stats.claims += batch.size();
      }
      for (std::size_t i = 0; i < batch.size(); ++i) {
        batch[i]->answer = outcomes ? Result<ClaimOutcome, StoreError>((*outcomes)[i])
                                    : Result<ClaimOutcome, StoreError>(fail(outcomes.error()));
      }
      answered.notify_all();
    }
  }

  /// Inserts a batch of claims in one statement; what each claim turned out to be, in batch order.
  Result<std::vector<ClaimOutcome>, StoreError> write_claims(const std::vector<Claim*>& batch) {
    constexpr std::string_view doing = "claiming events";
    if (!committer_db || committer_db->broken()) {
      committer_db.reset();
      auto opened = Connection::open(settings);
      if (!opened) {
        return fail(StoreError{std::string(doing) + ": " + opened.error().message});
      }
      committer_db = std::move(*opened);
    }
    std::string sql =
        "INSERT INTO hookline_inbox (platform, event_id, type, occurred_at, entity, body, received_at, state, "
        "next_attempt_at) VALUES ";
    // Rows in key order: two instances inserting overlapping batches lock their keys in the same
    // order, so one waits for the other instead of both deadlocking. Concurrent claims have no
    // arrival order among themselves to keep.
    std::vector<const Claim*> in_key_order(batch.begin(), batch.end());
    std::stable_sort(in_key_order.begin(), in_key_order.end(), [](const Claim* a, const Claim* b) {
      return std::pair(to_string(a->meta->platform), std::string_view(a->meta->id)) <
             std::pair(to_string(b->meta->platform), std::string_view(b->meta->id));
    });
    Params params;
    for (std::size_t i = 0; i < in_key_order.size(); ++i) {
      const Claim& claim = *in_key_order[i];
      const auto n = [i](int column) { return "$" + std::to_string(i * 7 + static_cast<std::size_t>(column)); };
      sql += (i == 0 ? "(" : ", (") + n(1) + ", " + n(2) + ", " + n(3) + ", " + n(4) + ", " + n(5) + ", " + n(6) +
             ", " + n(7) + ", 0, " + n(7) + ")";
      params.text(to_string(claim.meta->platform))  // a name with static storage
          .bytes(claim.meta->id)
          .bytes(claim.meta->type)
          .int64(to_unix(claim.meta->occurred_at))
          .bytes(claim.meta->entity)
          .bytes(claim.body)
          .int64(to_unix(claim.now));
    }
    sql += " ON CONFLICT (platform, event_id) DO NOTHING RETURNING platform, event_id";
    auto inserted = committer_db->exec(doing, sql, params);
    if (!inserted) {
      return fail(inserted.error());
    }
    // Each inserted (platform, event id) accepts the first claim of it in the batch; the rest are duplicates.
    std::set<std::pair<std::string, std::string>, std::less<>> accepted;
    for (int row = 0; row < inserted->count(); ++row) {
      accepted.emplace(inserted->bytes(row, 0), inserted->bytes(row, 1));
    }
    std::vector<ClaimOutcome> outcomes;
    outcomes.reserve(batch.size());
    for (const Claim* claim : batch) {
      const auto found = accepted.find(std::pair<std::string, std::string>(to_string(claim->meta->platform), claim->meta->id));
      if (found != accepted.end()) {
        accepted.erase(found);
        outcomes.push_back(ClaimOutcome::accepted);
      } else {
        outcomes.push_back(ClaimOutcome::duplicate);
      }
    }
    return outcomes;
  }

  /// Selects entries by the `where` clause, whose $1 is `parameter` (an id or a limit).
  Result<std::vector<InboxEntry>, StoreError> select_entries(std::string_view doing, const std::string& where,
                                                             std::int64_t parameter) {
    return with_connection<std::vector<InboxEntry>>(doing, [&](Connection& db) -> Result<std::vector<InboxEntry>, StoreError> {
      Params params;
      params.int64(parameter);
      auto rows = db.exec(doing, std::string("SELECT ") + entry_columns + " FROM hookline_inbox " + where, params);
      if (!rows) {
        return fail(rows.error());
      }
      std::vector<InboxEntry> entries;
      for (int row = 0; row < rows->count(); ++row) {
        entries.push_back(read_entry(*rows, row));
      }
      return entries;
    });
  }

  /// Runs one statement on a pooled connection and returns how many rows it changed.
  Result<std::size_t, StoreError> change(std::string_view doing, const std::string& sql, const Params& params) {
    return with_connection<std::size_t>(doing, [&](Connection& db) -> Result<std::size_t, StoreError> {
      auto done = db.exec(doing, sql, params);
      if (!done) {
        return fail(done.error());
      }
      return done->affected();
    });
  }
};

Result<std::unique_ptr<PostgresInbox>, StoreError> PostgresInbox::open(std::string_view uri,
                                                                       PostgresInboxOptions options) {
  if (auto checked = check_postgres_uri(uri); !checked) {
    return fail(checked.error());
  }
  auto impl = std::make_unique<Impl>();
  impl->settings.uri = std::string(uri);
  impl->settings.timeout = options.timeout;
  impl->options = options;
  impl->owner = make_owner();
  auto db = Connection::open(impl->settings);
  if (!db) {
    return fail(db.error());
  }
  if (auto migrated = migrate(**db); !migrated) {
    return fail(migrated.error());
  }
  impl->committer_db = std::move(*db);
  Impl* raw = impl.get();
  impl->committer = std::thread([raw] {
    name_this_thread("hl-pg-commit");
    raw->run_committer();
  });
  return std::unique_ptr<PostgresInbox>(new PostgresInbox(std::move(impl)));
}

PostgresInbox::PostgresInbox(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

PostgresInbox::~PostgresInbox() {
  {
    const std::lock_guard lock(impl_->queue_mutex);
    impl_->closing = true;
  }
  impl_->work_ready.notify_one();
  impl_->committer.join();
}

const std::string& PostgresInbox::owner() const noexcept { return impl_->owner; }

PostgresCommitStats PostgresInbox::commit_stats() const {
  const std::lock_guard lock(impl_->queue_mutex);
  return impl_->stats;
}

Result<ClaimOutcome, StoreError> PostgresInbox::claim(const EventMeta& meta, std::string_view body,
                                                      std::chrono::sys_seconds now) {
  Impl::Claim claim;
  claim.meta = &meta;
  claim.body = body;
  claim.now = now;
  auto outcome = impl_->submit(claim);
  if (outcome && *outcome == ClaimOutcome::accepted) {
    notify_accepted();
  }
  return outcome;
}

Result<std::vector<InboxEntry>, StoreError> PostgresInbox::take_due(std::size_t limit, std::chrono::sys_seconds now) {
  constexpr std::string_view doing = "taking due inbox entries";
  if (limit == 0) {
    return std::vector<InboxEntry>{};
  }
  return impl_->with_connection<std::vector<InboxEntry>>(doing, [&](Connection& db) {
    // The take lock orders takes across instances, so that each sees what the one before took (an
    // entity's next entry is taken only once its last one is seen finished); rows locked by a
    // record() or replay() under way are skipped rather than waited for. A take lost in a crash
    // only leaves its entries pending: no sync is waited for.
    // No bitmap scan: it reads every unfinished entry (and every index entry of a row handled since
    // the last vacuum) to sort them, at each take, where the scan of the unfinished index in id order
    // stops at the limit and marks the dead entries it passes, so that the next take skips them.
    return in_transaction<std::vector<InboxEntry>>(
        db, doing,
        std::string("SET LOCAL synchronous_commit TO off; SET LOCAL enable_bitmapscan TO off; SELECT pg_advisory_xact_lock(") +
            take_lock + ")",
        [&]() -> Result<std::vector<InboxEntry>, StoreError> {
          // Due: unfinished (state 0) and either without owner and due, or in flight with an expired
          // lease. An entity's entry goes only when no other unfinished entry of the entity is older,
          // nor in flight under a live lease (one probe of the entity's unfinished entries). The take
          // sets only the owner and the lease: no indexed column, so a HOT update.
          const std::string take = std::string(R"sql(
WITH due AS (
  SELECT e.id FROM hookline_inbox AS e
  WHERE e.state = 0
    AND ((e.owner IS NULL AND e.next_attempt_at <= $1) OR (e.owner IS NOT NULL AND e.lease_expires_at <= $1))
    AND (e.entity = ''::bytea OR NOT EXISTS (
      SELECT 1 FROM hookline_inbox AS o
      WHERE o.entity = e.entity AND o.state = 0 AND o.id <> e.id
        AND (o.id < e.id OR (o.owner IS NOT NULL AND o.lease_expires_at > $1))))
  ORDER BY e.id
  LIMIT $2
  FOR UPDATE SKIP LOCKED)
UPDATE hookline_inbox AS t SET owner = $3, lease_expires_at = $4
FROM due WHERE t.id = due.id
RETURNING )sql") + "t.id, t.platform, t.event_id, t.type, t.occurred_at, t.entity, t.body, t.received_at, 1::bigint, "
                                     "t.attempts, t.next_attempt_at, t.last_error";
          constexpr std::size_t most = std::numeric_limits<std::int64_t>::max();
          Params params;
          params.int64(to_unix(now))
              .int64(static_cast<std::int64_t>(std::min(limit, most)))
              .text(impl_->owner)
              .int64(to_unix(now + impl_->options.lease));
          auto rows = db.exec(doing, take, params);
          if (!rows) {
            return fail(rows.error());
          }
          std::vector<InboxEntry> taken;
          for (int row = 0; row < rows->count(); ++row) {
            taken.push_back(read_entry(*rows, row));
          }
          std::sort(taken.begin(), taken.end(), [](const InboxEntry& a, const InboxEntry& b) { return a.id < b.id; });
          return taken;
        });
  });
}

Result<std::size_t, StoreError> PostgresInbox::record(std::span<const HandlingOutcome> outcomes) {
  if (outcomes.empty()) {
    return std::size_t{0};
  }
  // One statement, so one transaction: only this instance's in-flight entries are changed (an
  // entry whose lease expired and that another instance took is left to it). Only an entry in
  // flight has an owner, so the owner alone says it: with no condition on the state, the rows are
  // found by id in the primary key, never by a scan of every unfinished entry for this owner (the
  // plan a backlog larger than the statistics knew would otherwise get).
  std::string sql = "UPDATE hookline_inbox AS t SET state = v.state, attempts = t.attempts + 1, "
                    "last_error = CASE WHEN v.state = 2 THEN t.last_error ELSE v.error END, "
                    "next_attempt_at = CASE WHEN v.state = 0 THEN v.next ELSE t.next_attempt_at END, "
                    "owner = NULL, lease_expires_at = NULL FROM (VALUES ";
  Params params;
  params.text(impl_->owner);
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    const HandlingOutcome& outcome = outcomes[i];
    const auto n = [i](int column) { return "$" + std::to_string(2 + i * 4 + static_cast<std::size_t>(column)); };
    sql += (i == 0 ? "(" : ", (") + n(0) + ", " + n(1) + ", " + n(2) + ", " + n(3) + ")";
    std::int64_t state = handled_state;
    if (outcome.kind == HandlingOutcome::Kind::retry) {
      state = pending_state;
    } else if (outcome.kind == HandlingOutcome::Kind::dead) {
      state = dead_state;
    }
    params.int64(outcome.id).int64(state).bytes(outcome.error).int64(to_unix(outcome.next_attempt_at));
  }
  sql += ") AS v (id, state, error, next) WHERE t.id = v.id AND t.owner = $1";
  return impl_->change("recording handling outcomes", sql, params);
}

Result<std::vector<InboxEntry>, StoreError> PostgresInbox::dead_letters(std::size_t limit) {
  constexpr std::size_t most = std::numeric_limits<std::int64_t>::max();
  return impl_->select_entries("listing dead letters", "WHERE state = 3 ORDER BY id LIMIT $1",
                               static_cast<std::int64_t>(std::min(limit, most)));
}

Result<std::optional<InboxEntry>, StoreError> PostgresInbox::find(EntryId id) {
  auto found = impl_->select_entries("finding an inbox entry", "WHERE id = $1", id);
  if (!found) {
    return fail(found.error());
  }
  if (found->empty()) {
    return std::optional<InboxEntry>{};
  }
  return std::optional<InboxEntry>(std::move(found->front()));
}

Result<bool, StoreError> PostgresInbox::replay(EntryId id, std::chrono::sys_seconds now) {
  Params params;
  params.int64(to_unix(now)).int64(id);
  auto replayed = impl_->change("replaying a dead letter",
                                "UPDATE hookline_inbox SET state = 0, attempts = 0, next_attempt_at = $1 "
                                "WHERE id = $2 AND state = 3",
                                params);
  if (!replayed) {
    return fail(replayed.error());
  }
  if (*replayed == 1) {
    notify_accepted();
  }
  return *replayed == 1;
}

Result<std::size_t, StoreError> PostgresInbox::prune_handled(std::chrono::sys_seconds now,
                                                             std::chrono::seconds retention) {
  Params params;
  params.int64(to_unix(now - retention));
  return impl_->change("pruning handled entries", "DELETE FROM hookline_inbox WHERE state = 2 AND received_at < $1",
                       params);
}

Result<InboxCounts, StoreError> PostgresInbox::counts() {
  constexpr std::string_view doing = "counting inbox entries";
  return impl_->with_connection<InboxCounts>(doing, [&](Connection& db) -> Result<InboxCounts, StoreError> {
    auto rows = db.exec(doing,
                        "SELECT COUNT(*) FILTER (WHERE state = 0 AND owner IS NULL), "
                        "COUNT(*) FILTER (WHERE state = 0 AND owner IS NOT NULL), COUNT(*) FILTER (WHERE state = 2), "
                        "COUNT(*) FILTER (WHERE state = 3) FROM hookline_inbox",
                        {});
    if (!rows) {
      return fail(rows.error());
    }
    InboxCounts counts;
    counts.pending = static_cast<std::size_t>(rows->int64(0, 0));
    counts.in_flight = static_cast<std::size_t>(rows->int64(0, 1));
    counts.handled = static_cast<std::size_t>(rows->int64(0, 2));
    counts.dead = static_cast<std::size_t>(rows->int64(0, 3));
    return counts;
  });
}

Result<std::size_t, StoreError> PostgresInbox::recover_in_flight() {
  // Only this instance's: another's are its own to finish, or anyone's once their lease expires.
  Params params;
  params.text(impl_->owner);
  auto recovered = impl_->change("recovering in-flight entries",
                                 "UPDATE hookline_inbox SET owner = NULL, lease_expires_at = NULL "
                                 "WHERE state = 0 AND owner = $1",
                                 params);
  if (recovered && *recovered > 0) {
    notify_accepted();
  }
  return recovered;
}

Result<QuarantineOutcome, StoreError> PostgresInbox::quarantine(const QuarantinedDelivery& delivery) {
  const std::string headers = detail::encode_headers(delivery.headers);
  const auto platform = to_string(delivery.platform);
  Params params;
  params.text(platform)
      .bytes(delivery.key)
      .bytes(delivery.body)
      .bytes(headers)
      .int64(to_unix(delivery.received_at))
      .bytes(delivery.error.path)
      .bytes(delivery.error.message);
  auto stored = impl_->change("quarantining a delivery",
                              "INSERT INTO hookline_quarantine (platform, key, body, headers, received_at, error_path, "
                              "error_message) VALUES ($1, $2, $3, $4, $5, $6, $7) "
                              "ON CONFLICT (platform, key) DO NOTHING",
                              params);
  if (!stored) {
    return fail(stored.error());
  }
  return *stored == 1 ? QuarantineOutcome::stored : QuarantineOutcome::already_stored;
}

Result<Page<QuarantineEntry>, StoreError> PostgresInbox::list_quarantined(const PageRequest& request) {
  constexpr std::string_view doing = "listing the quarantine";
  return impl_->with_connection<Page<QuarantineEntry>>(doing, [&](Connection& db) {
    return read_page<QuarantineEntry>(db, doing,
                                      std::string("SELECT ") + quarantine_columns +
                                          " FROM hookline_quarantine WHERE id > $1 ORDER BY id LIMIT $2",
                                      request, read_quarantined);
  });
}

Result<std::optional<QuarantineEntry>, StoreError> PostgresInbox::find_quarantined(QuarantineId id) {
  constexpr std::string_view doing = "finding a quarantined delivery";
  return impl_->with_connection<std::optional<QuarantineEntry>>(
      doing, [&](Connection& db) -> Result<std::optional<QuarantineEntry>, StoreError> {
        Params params;
        params.int64(id);
        auto rows = db.exec(doing, std::string("SELECT ") + quarantine_columns + " FROM hookline_quarantine WHERE id = $1",
                            params);
        if (!rows) {
          return fail(rows.error());
        }
        if (rows->count() == 0) {
          return std::optional<QuarantineEntry>{};
        }
        return std::optional<QuarantineEntry>(read_quarantined(*rows, 0));
      });
}

Result<bool, StoreError> PostgresInbox::record_replay_failure(QuarantineId id, const ParseError& error) {
  Params params;
  params.bytes(error.path).bytes(error.message).int64(id);
  auto updated = impl_->change("recording a failed replay",
                               "UPDATE hookline_quarantine SET error_path = $1, error_message = $2, "
                               "failed_replays = failed_replays + 1 WHERE id = $3",
                               params);
  if (!updated) {
    return fail(updated.error());
  }
  return *updated == 1;
}

Result<bool, StoreError> PostgresInbox::remove_quarantined(QuarantineId id) {
  Params params;
  params.int64(id);
  auto removed = impl_->change("removing a quarantined delivery", "DELETE FROM hookline_quarantine WHERE id = $1", params);
  if (!removed) {
    return fail(removed.error());
  }
  return *removed == 1;
}

Result<std::size_t, StoreError> PostgresInbox::quarantine_depth() {
  constexpr std::string_view doing = "counting the quarantine";
  return impl_->with_connection<std::size_t>(doing, [&](Connection& db) -> Result<std::size_t, StoreError> {
    auto rows = db.exec(doing, "SELECT COUNT(*) FROM hookline_quarantine", {});
    if (!rows) {
      return fail(rows.error());
    }
    return static_cast<std::size_t>(rows->int64(0, 0));
  });
}

Result<bool, StoreError> PostgresInbox::record_refused(const RefusedDelivery& delivery) {
  constexpr std::string_view doing = "recording a refused delivery";
  const RefusedLimits& limits = impl_->options.refused;
  const std::size_t bytes = recorded_bytes(delivery);
  if (bytes > limits.max_bytes || limits.max_entries == 0) {
    return false;
  }
  const std::string headers = detail::encode_headers(delivery.headers);
  const std::string query = detail::encode_query(delivery.query);
  const auto platform = to_string(delivery.platform);
  return impl_->with_connection<bool>(doing, [&](Connection& db) {
    // The totals row, locked first, orders refused-record writers across instances; the record is
    // written without waiting for a sync (a forged flood must stay cheap), and each call deletes
    // only the oldest entries that the new one pushes over the limits.
    return in_transaction<bool>(db, doing, "SET LOCAL synchronous_commit TO off", [&]() -> Result<bool, StoreError> {
      Params added;
      added.int64(static_cast<std::int64_t>(bytes));
      auto totals = db.exec(doing,
                            "UPDATE hookline_refused_totals SET entries = entries + 1, bytes = bytes + $1 "
                            "RETURNING entries, bytes",
                            added);
      if (!totals) {
        return fail(totals.error());
      }
      auto entries = static_cast<std::size_t>(totals->int64(0, 0));
      auto kept_bytes = static_cast<std::size_t>(totals->int64(0, 1));
      Params row;
      row.text(platform)
          .bytes(delivery.path)
          .bytes(delivery.peer)
          .bytes(delivery.reason)
          .bytes(delivery.message)
          .bytes(headers)
          .bytes(query)
          .bytes(delivery.body)
          .int64(to_unix(delivery.received_at))
          .int64(static_cast<std::int64_t>(bytes));
      if (auto inserted = db.exec(doing,
                                  "INSERT INTO hookline_refused (platform, path, peer, reason, message, headers, query, "
                                  "body, received_at, bytes) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                                  row);
          !inserted) {
        return fail(inserted.error());
      }
      bool dropped = false;
      while (entries > limits.max_entries || kept_bytes > limits.max_bytes) {
        auto oldest = db.exec(doing,
                              "DELETE FROM hookline_refused WHERE id = (SELECT MIN(id) FROM hookline_refused) "
                              "RETURNING bytes",
                              {});
        if (!oldest) {
          return fail(oldest.error());
        }
        if (oldest->count() == 0) {
          break;
        }
        --entries;
        kept_bytes -= std::min(kept_bytes, static_cast<std::size_t>(oldest->int64(0, 0)));
        dropped = true;
      }
      if (dropped) {
        Params now_kept;
        now_kept.int64(static_cast<std::int64_t>(entries)).int64(static_cast<std::int64_t>(kept_bytes));
        if (auto set = db.exec(doing, "UPDATE hookline_refused_totals SET entries = $1, bytes = $2", now_kept); !set) {
          return fail(set.error());
        }
      }
      return true;
    });
  });
}

Result<Page<RefusedEntry>, StoreError> PostgresInbox::list_refused(const PageRequest& request) {
  constexpr std::string_view doing = "listing refused deliveries";
  return impl_->with_connection<Page<RefusedEntry>>(doing, [&](Connection& db) {
    return read_page<RefusedEntry>(
        db, doing, std::string("SELECT ") + refused_columns + " FROM hookline_refused WHERE id > $1 ORDER BY id LIMIT $2",
        request, read_refused);
  });
}

Result<std::optional<RefusedEntry>, StoreError> PostgresInbox::find_refused(RefusedId id) {
  constexpr std::string_view doing = "finding a refused delivery";
  return impl_->with_connection<std::optional<RefusedEntry>>(
      doing, [&](Connection& db) -> Result<std::optional<RefusedEntry>, StoreError> {
        Params params;
        params.int64(id);
        auto rows =
            db.exec(doing, std::string("SELECT ") + refused_columns + " FROM hookline_refused WHERE id = $1", params);
        if (!rows) {
          return fail(rows.error());
        }
        if (rows->count() == 0) {
          return std::optional<RefusedEntry>{};
        }
        return std::optional<RefusedEntry>(read_refused(*rows, 0));
      });
}

Result<bool, StoreError> PostgresInbox::remove_refused(RefusedId id) {
  constexpr std::string_view doing = "removing a refused delivery";
  return impl_->with_connection<bool>(doing, [&](Connection& db) {
    // The totals row first, as record_refused() locks it, so that the two never wait for each other in turn.
    return in_transaction<bool>(db, doing, "SELECT 1 FROM hookline_refused_totals FOR UPDATE",
                                [&]() -> Result<bool, StoreError> {
                                  Params params;
                                  params.int64(id);
                                  auto gone = db.exec(doing, "DELETE FROM hookline_refused WHERE id = $1 RETURNING bytes",
                                                      params);
                                  if (!gone) {
                                    return fail(gone.error());
                                  }
                                  if (gone->count() == 0) {
                                    return false;
                                  }
                                  Params freed;
                                  freed.int64(gone->int64(0, 0));
                                  if (auto set = db.exec(doing,
                                                         "UPDATE hookline_refused_totals SET entries = entries - 1, "
                                                         "bytes = bytes - $1",
                                                         freed);
                                      !set) {
                                    return fail(set.error());
                                  }
                                  return true;
                                });
  });
}

Result<RefusedCounts, StoreError> PostgresInbox::refused_counts() {
  constexpr std::string_view doing = "counting refused deliveries";
  return impl_->with_connection<RefusedCounts>(doing, [&](Connection& db) -> Result<RefusedCounts, StoreError> {
    auto rows = db.exec(doing, "SELECT entries, bytes FROM hookline_refused_totals", {});
    if (!rows) {
      return fail(rows.error());
    }
    return RefusedCounts{static_cast<std::size_t>(rows->int64(0, 0)), static_cast<std::size_t>(rows->int64(0, 1))};
  });
}

}  // namespace hookline
