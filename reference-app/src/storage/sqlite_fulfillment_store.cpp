#include "storage/sqlite_fulfillment_store.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>

#include <algorithm>
#include <stdexcept>
#include <thread>

#include "json.hpp"
#include "sqlite_layer/durable_connection.hpp"
#include "toolkit/json_writer.hpp"
#include "storage/store_sql.hpp"
#include "storage/sqlite_fulfillment_queries.hpp"

namespace fulfillment {
namespace {

using hookline::fail;
using hookline::Result;
using hookline::Status;

constexpr const char* schema = R"sql(
CREATE TABLE IF NOT EXISTS fulfillments(
  shipment_id INTEGER PRIMARY KEY,
  state TEXT NOT NULL,
  address TEXT,
  items TEXT NOT NULL,
  date_scheduled INTEGER,
  customer_id INTEGER,
  order_id INTEGER,
  tracking_number TEXT,
  carrier_id INTEGER,
  shipped_at INTEGER,
  tracking_source TEXT,
  attention TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  work_until_ms INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS fulfillments_by_state ON fulfillments(state, date_scheduled);
CREATE TABLE IF NOT EXISTS shipment_views(
  shipment_id INTEGER PRIMARY KEY,
  view TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS history(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  shipment_id INTEGER NOT NULL,
  at INTEGER NOT NULL,
  kind TEXT NOT NULL,
  event_id TEXT NOT NULL,
  event_type TEXT NOT NULL,
  decision TEXT NOT NULL,
  from_state TEXT NOT NULL,
  to_state TEXT NOT NULL,
  detail TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS history_by_shipment ON history(shipment_id, id);
CREATE TABLE IF NOT EXISTS event_log(
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  event_id TEXT NOT NULL UNIQUE,
  event_type TEXT NOT NULL,
  shipment_id INTEGER,
  event_date INTEGER NOT NULL,
  handled_at INTEGER NOT NULL,
  decision TEXT NOT NULL,
  explanation TEXT NOT NULL,
  body TEXT NOT NULL,
  history_after INTEGER);
CREATE INDEX IF NOT EXISTS event_log_by_shipment ON event_log(shipment_id, seq);
CREATE TABLE IF NOT EXISTS tracking_outbox(
  shipment_id INTEGER PRIMARY KEY,
  idempotency_key TEXT NOT NULL,
  tracking_number TEXT NOT NULL,
  carrier_id INTEGER NOT NULL,
  date_complete TEXT NOT NULL,
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_ms INTEGER NOT NULL,
  last_error TEXT NOT NULL DEFAULT '',
  created_ms INTEGER NOT NULL,
  sent_ms INTEGER,
  claimed_until_ms INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS tracking_outbox_due ON tracking_outbox(state, next_attempt_ms);
CREATE TABLE IF NOT EXISTS tracking_attempts(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  shipment_id INTEGER NOT NULL,
  attempt INTEGER NOT NULL,
  at_ms INTEGER NOT NULL,
  outcome TEXT NOT NULL,
  http_status INTEGER NOT NULL,
  detail TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS tracking_attempts_by_shipment ON tracking_attempts(shipment_id, id);
CREATE INDEX IF NOT EXISTS event_log_held ON event_log(shipment_id, handled_at) WHERE decision = 'hold';
CREATE TABLE IF NOT EXISTS platform_checks(
  shipment_id INTEGER PRIMARY KEY,
  failures INTEGER NOT NULL,
  retry_at_ms INTEGER NOT NULL,
  read_at_ms INTEGER);
)sql";

/// Columns added since the first release, each with the statement that adds it to an older file.
struct AddedColumn {
  const char* table;
  const char* column;
  const char* add;
};
constexpr AddedColumn added_columns[] = {
    {"fulfillments", "work_until_ms", "ALTER TABLE fulfillments ADD COLUMN work_until_ms INTEGER NOT NULL DEFAULT 0"},
    {"tracking_outbox", "claimed_until_ms",
     "ALTER TABLE tracking_outbox ADD COLUMN claimed_until_ms INTEGER NOT NULL DEFAULT 0"},
    // NULL in the rows of older files, whose events have their line in the history table.
    {"event_log", "history_after", "ALTER TABLE event_log ADD COLUMN history_after INTEGER"},
};

/// Adds to a file made by an older version the columns it lacks.
void add_missing_columns(SQLite::Database& database) {
  for (const auto& added : added_columns) {
    SQLite::Statement columns(database, std::string("SELECT 1 FROM pragma_table_info('") + added.table +
                                            "') WHERE name = '" + added.column + "'");
    if (!columns.executeStep()) database.exec(added.add);
  }
}

}  // namespace

const char* const fulfillment_columns =
    "shipment_id, state, address, items, date_scheduled, customer_id, order_id, tracking_number, carrier_id, "
    "shipped_at, tracking_source, attention, created_at, updated_at";

namespace {


std::optional<std::int64_t> optional_int(const SQLite::Column& column) {
  if (column.isNull()) return std::nullopt;
  return column.getInt64();
}

void bind_optional(SQLite::Statement& statement, int index, const std::optional<std::int64_t>& value) {
  if (value) {
    statement.bind(index, *value);
  } else {
    statement.bind(index);
  }
}

}  // namespace

Fulfillment fulfillment_from_row(SQLite::Statement& row) {
  Fulfillment f;
  f.shipment_id = row.getColumn(0).getInt64();
  f.state = state_from_string(row.getColumn(1).getString()).value_or(State::error);
  if (!row.getColumn(2).isNull()) {
    auto address = json::read_address(row.getColumn(2).getString());
    if (!address) throw std::runtime_error("stored address: " + address.error());
    f.address = std::move(*address);
  }
  auto items = json::read_items(row.getColumn(3).getString());
  if (!items) throw std::runtime_error("stored items: " + items.error());
  f.items = std::move(*items);
  if (const auto scheduled = optional_int(row.getColumn(4))) f.date_scheduled = time_of(*scheduled);
  f.customer_id = optional_int(row.getColumn(5));
  f.order_id = optional_int(row.getColumn(6));
  if (!row.getColumn(7).isNull()) {
    Tracking tracking;
    tracking.tracking_number = row.getColumn(7).getString();
    tracking.carrier_id = row.getColumn(8).getInt64();
    tracking.shipped_at = time_of(row.getColumn(9).getInt64());
    tracking.source = row.getColumn(10).getString();
    f.tracking = std::move(tracking);
  }
  f.attention = row.getColumn(11).getString();
  f.created_at = time_of(row.getColumn(12).getInt64());
  f.updated_at = time_of(row.getColumn(13).getInt64());
  return f;
}

namespace {

OutboxState outbox_state_from(const std::string& name) {
  if (name == "sent") return OutboxState::sent;
  if (name == "dead") return OutboxState::dead;
  return OutboxState::pending;
}

constexpr const char* outbox_columns =
    "shipment_id, idempotency_key, tracking_number, carrier_id, date_complete, state, attempts, next_attempt_ms, "
    "last_error";

OutboxEntry outbox_from_row(SQLite::Statement& row) {
  OutboxEntry entry;
  entry.shipment_id = row.getColumn(0).getInt64();
  entry.idempotency_key = row.getColumn(1).getString();
  entry.tracking_number = row.getColumn(2).getString();
  entry.carrier_id = row.getColumn(3).getInt64();
  entry.date_complete = row.getColumn(4).getString();
  entry.state = outbox_state_from(row.getColumn(5).getString());
  entry.attempts = row.getColumn(6).getInt();
  entry.next_attempt_at = millis_time_of(row.getColumn(7).getInt64());
  entry.last_error = row.getColumn(8).getString();
  return entry;
}

/// The first column of every row of `query`: the shipment ids it lists.
std::vector<std::int64_t> ids_of(SQLite::Statement& query) {
  std::vector<std::int64_t> ids;
  while (query.executeStep()) ids.push_back(query.getColumn(0).getInt64());
  return ids;
}

/// A shipment's history (?1): its lines, and its logged events, each after the lines that were there
/// when it was logged (history_after) and before the lines its handling added.
constexpr const char* history_lines =
    "SELECT at, kind, event_id, event_type, decision, from_state, to_state, detail, id AS place, 0 AS logged, 0 AS seq "
    "FROM history WHERE shipment_id = ?1 "
    "UNION ALL SELECT handled_at, 'event', event_id, event_type, decision, '', '', explanation, history_after, 1, seq "
    "FROM event_log WHERE shipment_id = ?1 AND history_after IS NOT NULL ORDER BY place, logged, seq";

void insert_history(StatementCache& statements, const HistoryEntry& entry) {
  SQLite::Statement& insert = statements.prepare(
      "INSERT INTO history(shipment_id, at, kind, event_id, event_type, decision, from_state, "
      "to_state, detail) VALUES (?,?,?,?,?,?,?,?,?)");
  insert.bind(1, entry.shipment_id);
  insert.bind(2, seconds_of(entry.at));
  insert.bind(3, std::string(to_string(entry.kind)));
  insert.bind(4, entry.event_id);
  insert.bind(5, entry.event_type);
  insert.bind(6, entry.decision);
  insert.bind(7, entry.from_state);
  insert.bind(8, entry.to_state);
  insert.bind(9, entry.detail);
  insert.exec();
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// StoreTx

namespace {

/// The changes of one transaction on the store's connection.
class SqliteStoreTx final : public StoreTx {
 public:
  SqliteStoreTx(StatementCache& statements, const hookline::TimeZone& zone) : StoreTx(zone), statements_(statements) {}

  bool lock_if_idle(std::int64_t) override { return true; }  // one writer: the transaction holds the file
  std::optional<Fulfillment> find(std::int64_t shipment_id) override;
  void save(const Fulfillment& fulfillment) override;
  void save_view(const hookline::vrio::ShipmentView& view) override;
  bool has_event(std::string_view event_id) override;
  void record_event(const EventLogEntry& record) override;
  void add_history(const HistoryEntry& entry) override;
  void enqueue_tracking(const Fulfillment& shipped, Millis now) override;
  CheckState check_state(std::int64_t shipment_id) override;
  void save_check_state(std::int64_t shipment_id, const CheckState& state) override;

 private:
  StoredShipment stored_shipment(std::int64_t shipment_id, std::string_view event_id) override;
  std::optional<std::string> event_body(std::string_view event_id) override;

  StatementCache& statements_;
};

std::optional<Fulfillment> SqliteStoreTx::find(std::int64_t shipment_id) {
  SQLite::Statement& query =
      statements_.prepare(std::string("SELECT ") + fulfillment_columns + " FROM fulfillments WHERE shipment_id = ?");
  query.bind(1, shipment_id);
  if (!query.executeStep()) return std::nullopt;
  return fulfillment_from_row(query);
}

void SqliteStoreTx::save(const Fulfillment& f) {
  // An upsert updates the row in place (INSERT OR REPLACE deletes and inserts it, and both index entries).
  SQLite::Statement& upsert = statements_.prepare(
      std::string("INSERT INTO fulfillments(") + fulfillment_columns +
      ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(shipment_id) DO UPDATE SET state = excluded.state, "
      "address = excluded.address, items = excluded.items, date_scheduled = excluded.date_scheduled, "
      "customer_id = excluded.customer_id, order_id = excluded.order_id, tracking_number = excluded.tracking_number, "
      "carrier_id = excluded.carrier_id, shipped_at = excluded.shipped_at, tracking_source = excluded.tracking_source, "
      "attention = excluded.attention, created_at = excluded.created_at, updated_at = excluded.updated_at, "
      "work_until_ms = CASE WHEN excluded.state IN ('picking', 'packing') THEN fulfillments.work_until_ms ELSE 0 END");
  upsert.bind(1, f.shipment_id);
  upsert.bind(2, std::string(to_string(f.state)));
  if (f.address) {
    hookline::toolkit::JsonWriter address;
    json::write_address(address, *f.address);
    upsert.bind(3, address.text());
  } else {
    upsert.bind(3);
  }
  hookline::toolkit::JsonWriter items;
  json::write_items(items, f.items);
  upsert.bind(4, items.text());
  bind_optional(upsert, 5,
                f.date_scheduled ? std::optional<std::int64_t>(seconds_of(*f.date_scheduled)) : std::nullopt);
  bind_optional(upsert, 6, f.customer_id);
  bind_optional(upsert, 7, f.order_id);
  if (f.tracking) {
    upsert.bind(8, f.tracking->tracking_number);
    upsert.bind(9, f.tracking->carrier_id);
    upsert.bind(10, seconds_of(f.tracking->shipped_at));
    upsert.bind(11, f.tracking->source);
  } else {
    upsert.bind(8);
    upsert.bind(9);
    upsert.bind(10);
    upsert.bind(11);
  }
  upsert.bind(12, f.attention);
  upsert.bind(13, seconds_of(f.created_at));
  upsert.bind(14, seconds_of(f.updated_at));
  upsert.exec();
}

StoreTx::StoredShipment SqliteStoreTx::stored_shipment(std::int64_t shipment_id, std::string_view event_id) {
  // One row whether or not either exists; "f." names the one column both tables have.
  SQLite::Statement& query = statements_.prepare(
      std::string("SELECT f.") + fulfillment_columns +
      ", v.view, EXISTS(SELECT 1 FROM event_log WHERE event_id = ?2) FROM (SELECT ?1 AS id) s "
      "LEFT JOIN fulfillments f ON f.shipment_id = s.id LEFT JOIN shipment_views v ON v.shipment_id = s.id");
  query.bind(1, shipment_id);
  query.bind(2, std::string(event_id));
  StoredShipment stored;
  if (!query.executeStep()) return stored;
  if (!query.getColumn(0).isNull()) stored.fulfillment = fulfillment_from_row(query);
  if (!query.getColumn(14).isNull()) stored.view = query.getColumn(14).getString();
  stored.event_logged = query.getColumn(15).getInt() != 0;
  return stored;
}

std::optional<std::string> SqliteStoreTx::event_body(std::string_view event_id) {
  SQLite::Statement& body = statements_.prepare("SELECT body FROM event_log WHERE event_id = ?");
  body.bind(1, std::string(event_id));
  if (!body.executeStep()) return std::nullopt;
  return body.getColumn(0).getString();
}

void SqliteStoreTx::save_view(const hookline::vrio::ShipmentView& view) {
  SQLite::Statement& upsert =
      statements_.prepare("INSERT INTO shipment_views(shipment_id, view) VALUES (?, ?) "
                          "ON CONFLICT(shipment_id) DO UPDATE SET view = excluded.view");
  upsert.bind(1, view.shipment_id);
  upsert.bind(2, json::encode_view(view));
  upsert.exec();
}

bool SqliteStoreTx::has_event(std::string_view event_id) {
  SQLite::Statement& query = statements_.prepare("SELECT 1 FROM event_log WHERE event_id = ?");
  query.bind(1, std::string(event_id));
  return query.executeStep();
}

void SqliteStoreTx::record_event(const EventLogEntry& record) {
  SQLite::Statement& insert = statements_.prepare(
      "INSERT INTO event_log(event_id, event_type, shipment_id, event_date, handled_at, decision, explanation, body, "
      "history_after) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,"
      "(SELECT COALESCE(MAX(id), 0) FROM history WHERE shipment_id = ?3))");
  insert.bind(1, record.event_id);
  insert.bind(2, record.event_type);
  bind_optional(insert, 3, record.shipment_id);
  insert.bind(4, seconds_of(record.event_date));
  insert.bind(5, seconds_of(record.handled_at));
  insert.bind(6, record.decision);
  insert.bind(7, record.explanation);
  insert.bind(8, record.body);
  insert.exec();
}

void SqliteStoreTx::add_history(const HistoryEntry& entry) { insert_history(statements_, entry); }

void SqliteStoreTx::enqueue_tracking(const Fulfillment& shipped, Millis now) {
  if (!shipped.tracking) throw std::logic_error("enqueue_tracking: the fulfillment has no tracking");
  SQLite::Statement& insert = statements_.prepare(
      "INSERT OR IGNORE INTO tracking_outbox(shipment_id, idempotency_key, tracking_number, "
      "carrier_id, date_complete, state, next_attempt_ms, created_ms) VALUES "
      "(?,?,?,?,?,'pending',?,?)");
  insert.bind(1, shipped.shipment_id);
  insert.bind(2, tracking_idempotency_key(shipped.shipment_id));
  insert.bind(3, shipped.tracking->tracking_number);
  insert.bind(4, shipped.tracking->carrier_id);
  insert.bind(5, vrio_local_date(shipped.tracking->shipped_at, zone()));
  insert.bind(6, millis_of(now));
  insert.bind(7, millis_of(now));
  insert.exec();
}

CheckState SqliteStoreTx::check_state(std::int64_t shipment_id) {
  SQLite::Statement& query =
      statements_.prepare("SELECT failures, retry_at_ms, read_at_ms FROM platform_checks WHERE shipment_id = ?");
  query.bind(1, shipment_id);
  CheckState state;
  if (!query.executeStep()) return state;
  state.failures = query.getColumn(0).getInt();
  state.retry_at = millis_time_of(query.getColumn(1).getInt64());
  if (const auto read_at = optional_int(query.getColumn(2))) state.read_at = millis_time_of(*read_at);
  return state;
}

void SqliteStoreTx::save_check_state(std::int64_t shipment_id, const CheckState& state) {
  SQLite::Statement& upsert = statements_.prepare(
      "INSERT OR REPLACE INTO platform_checks(shipment_id, failures, retry_at_ms, read_at_ms) VALUES (?,?,?,?)");
  upsert.bind(1, shipment_id);
  upsert.bind(2, state.failures);
  upsert.bind(3, millis_of(state.retry_at));
  bind_optional(upsert, 4, state.read_at ? std::optional<std::int64_t>(millis_of(*state.read_at)) : std::nullopt);
  upsert.exec();
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// SqliteFulfillmentStore

bool configure_sqlite_for_this_process() noexcept {
  return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) == SQLITE_OK;
}


SqliteFulfillmentStore::SqliteFulfillmentStore(std::unique_ptr<SQLite::Database> database, hookline::TimeZone zone)
    : db_(std::move(database)), statements_(std::make_unique<StatementCache>(*db_)), zone_(zone) {}

SqliteFulfillmentStore::~SqliteFulfillmentStore() = default;

Result<std::unique_ptr<SqliteFulfillmentStore>, StoreError> SqliteFulfillmentStore::open(
    const std::filesystem::path& path, hookline::TimeZone zone, const std::function<void(std::string_view)>& warn) {
  try {
    if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
    auto lock = hookline::DatabaseLock::acquire(path);
    if (!lock) return fail(StoreError{lock.error()});
    const auto notes = hookline::make_database_private(path);
    if (!notes) return fail(StoreError{notes.error()});
    for (const auto& note : *notes) {
      if (warn) warn(note);
    }
    hookline::sqlite::ConnectionSettings settings;  // commits synced by sync_->sync_through(), shared by writers
    settings.busy_timeout = std::chrono::seconds(5);
    settings.foreign_keys = true;
    // Statement and savepoint journals (one per write of a batch) in memory: otherwise SQLite spills
    // one past 64 KiB to a deleted file in the temporary directory (SQLITE_TMPDIR, TMPDIR or
    // /var/tmp) and from then on writes every journaled page there.
    settings.temp_store_in_memory = true;
    auto database = hookline::sqlite::open_durable_connection(path, settings);
    database->exec(schema);
    add_missing_columns(*database);
    // The process is alone on the file: claims a previous run left (it crashed, say) are nobody's.
    database->exec("UPDATE fulfillments SET work_until_ms = 0 WHERE work_until_ms <> 0");
    database->exec("UPDATE tracking_outbox SET claimed_until_ms = 0 WHERE claimed_until_ms <> 0");
    std::unique_ptr<SqliteFulfillmentStore> store(new SqliteFulfillmentStore(std::move(database), zone));
    store->lock_ = std::move(*lock);
    auto log = hookline::sqlite::WriteAheadLog::open(path);
    if (!log) return fail(StoreError{"cannot open " + path.string() + ": " + log.error()});
    store->sync_.emplace(std::move(*log));
    return store;
  } catch (const std::exception& error) {
    return fail(StoreError{"cannot open " + path.string() + ": " + error.what()});
  }
}

template <class F>
auto SqliteFulfillmentStore::guarded(F&& read) -> decltype(read()) {
  const std::lock_guard lock(mutex_);
  const StatementCache::Scope scope(*statements_);
  try {
    return read();
  } catch (const std::exception& error) {
    return fail(StoreError{error.what()});
  }
}

template <class F>
auto SqliteFulfillmentStore::guarded_durable(F&& commit) -> decltype(commit()) {
  std::uint64_t number = 0;
  auto committed = guarded([&]() -> decltype(commit()) {
    auto result = commit();
    number = sync_->committed();
    return result;
  });
  if (!committed) return committed;
  if (auto synced = sync_->sync_through(number); !synced) return fail(StoreError{synced.error()});
  return committed;
}

Result<std::unique_ptr<FulfillmentQueries>, StoreError> SqliteFulfillmentStore::open_queries() {
  return open_sqlite_queries(*this);
}

std::uint64_t SqliteFulfillmentStore::sync_count() { return sync_->sync_count(); }

void SqliteFulfillmentStore::apply(const std::function<void(StoreTx&)>& change) {
  const StatementCache::Scope scope(*statements_);  // every statement reset before a commit
  SqliteStoreTx tx(*statements_, zone_);
  change(tx);
}

Status<StoreError> SqliteFulfillmentStore::transact(const std::function<void(StoreTx&)>& change) {
  SQLite::Transaction transaction(*db_);
  apply(change);
  transaction.commit();
  return {};
}

Status<StoreError> SqliteFulfillmentStore::write(const std::function<void(StoreTx&)>& change) {
  if (batch_thread_.load() == std::this_thread::get_id()) return write_in_batch(change);
  return guarded_durable([&] { return transact(change); });
}

Status<StoreError> SqliteFulfillmentStore::write_batch(const std::function<void()>& writes) {
  return guarded_durable([&]() -> Status<StoreError> {
    // First the writes share the transaction as they are: a savepoint per write would journal
    // every page the batch changed before it, which cost a handled event more than its own writes.
    // A write that throws undoes the batch, and the batch runs again with a savepoint per write.
    if (run_batch(writes, BatchMode::shared)) return {};
    run_batch(writes, BatchMode::savepoint_per_write);
    return {};
  });
}

bool SqliteFulfillmentStore::run_batch(const std::function<void()>& writes, BatchMode mode) {
  SQLite::Transaction transaction(*db_);
  batch_ = Batch{};
  batch_.mode = mode;
  batch_thread_ = std::this_thread::get_id();
  struct EndBatch {
    std::atomic<std::thread::id>& thread;
    ~EndBatch() { thread = std::thread::id(); }
  } end_batch{batch_thread_};
  writes();
  if (batch_.undone) return false;  // rolled back by the transaction's destructor
  // SQLite undoes a whole transaction after some errors (a full disk, say), savepoints and all.
  if (batch_.failed) throw std::runtime_error("a write of the batch could not be undone alone: " + batch_.error);
  transaction.commit();
  return true;
}

Status<StoreError> SqliteFulfillmentStore::write_in_batch(const std::function<void(StoreTx&)>& change) {
  // Under mutex_, held by write_batch on this thread.
  if (batch_.mode == BatchMode::shared) {
    if (batch_.undone) return fail(StoreError{"undone with its batch, which runs again"});
    try {
      apply(change);
      return {};
    } catch (const std::exception& error) {
      batch_.undone = true;
      return fail(StoreError{error.what()});
    }
  }
  // A savepoint per write: one that throws undoes its own changes and leaves the batch's others.
  // The savepoint statements are prepared once, like every other (compiling them cost more than running them).
  const auto run = [this](std::string_view sql) { statements_->prepare(sql).exec(); };
  try {
    run("SAVEPOINT batch_write");
    apply(change);
    run("RELEASE batch_write");
    return {};
  } catch (const std::exception& error) {
    try {
      run("ROLLBACK TO batch_write");
      run("RELEASE batch_write");
    } catch (const std::exception& undo) {
      batch_.failed = true;
      batch_.error = undo.what();
    }
    return fail(StoreError{error.what()});
  }
}

Result<std::optional<Fulfillment>, StoreError> SqliteFulfillmentStore::get(std::int64_t shipment_id) {
  return guarded([&]() -> Result<std::optional<Fulfillment>, StoreError> {
    SqliteStoreTx tx(*statements_, zone_);
    return tx.find(shipment_id);
  });
}

Result<std::vector<Fulfillment>, StoreError> SqliteFulfillmentStore::list(std::optional<State> state, std::size_t limit) {
  return guarded([&]() -> Result<std::vector<Fulfillment>, StoreError> {
    SQLite::Statement& query =
        statements_->prepare(std::string("SELECT ") + fulfillment_columns + " FROM fulfillments" +
                             (state ? " WHERE state = ?" : "") + " ORDER BY shipment_id LIMIT ?");
    int index = 1;
    if (state) query.bind(index++, std::string(to_string(*state)));
    query.bind(index, static_cast<std::int64_t>(limit));
    std::vector<Fulfillment> found;
    while (query.executeStep()) found.push_back(fulfillment_from_row(query));
    return found;
  });
}

Result<std::vector<std::int64_t>, StoreError> SqliteFulfillmentStore::due(std::chrono::sys_seconds now, std::size_t limit) {
  return guarded([&]() -> Result<std::vector<std::int64_t>, StoreError> {
    SQLite::Statement& query = statements_->prepare(
        "SELECT f.shipment_id FROM fulfillments f LEFT JOIN platform_checks c ON c.shipment_id = f.shipment_id "
        "WHERE f.state = 'waiting' AND (f.date_scheduled IS NULL OR f.date_scheduled <= ?) "
        "AND (c.retry_at_ms IS NULL OR c.retry_at_ms <= ?) ORDER BY f.date_scheduled, f.shipment_id LIMIT ?");
    query.bind(1, seconds_of(now));
    query.bind(2, seconds_of(now) * 1000);
    query.bind(3, static_cast<std::int64_t>(limit));
    return ids_of(query);
  });
}

Result<std::optional<Millis>, StoreError> SqliteFulfillmentStore::next_check_retry(Millis now) {
  return guarded([&]() -> Result<std::optional<Millis>, StoreError> {
    SQLite::Statement& query = statements_->prepare(
        "SELECT MIN(c.retry_at_ms) FROM platform_checks c JOIN fulfillments f ON f.shipment_id = c.shipment_id "
        "WHERE f.state = 'waiting' AND c.retry_at_ms > ?");
    query.bind(1, millis_of(now));
    if (!query.executeStep() || query.getColumn(0).isNull()) return std::optional<Millis>{};
    return std::optional<Millis>{millis_time_of(query.getColumn(0).getInt64())};
  });
}

Result<std::vector<std::int64_t>, StoreError> SqliteFulfillmentStore::reconcile_due(Millis now, Millis read_before,
                                                                             std::size_t limit) {
  return guarded([&]() -> Result<std::vector<std::int64_t>, StoreError> {
    SQLite::Statement& query = statements_->prepare(
        "SELECT f.shipment_id FROM fulfillments f LEFT JOIN platform_checks c ON c.shipment_id = f.shipment_id "
        "WHERE f.state IN ('waiting', 'picking', 'packing') AND (c.retry_at_ms IS NULL OR c.retry_at_ms <= ?) "
        "AND (c.read_at_ms IS NULL OR c.read_at_ms < ?) ORDER BY f.date_scheduled, f.shipment_id LIMIT ?");
    query.bind(1, millis_of(now));
    query.bind(2, millis_of(read_before));
    query.bind(3, static_cast<std::int64_t>(limit));
    return ids_of(query);
  });
}

Result<std::vector<std::int64_t>, StoreError> SqliteFulfillmentStore::held_due(std::chrono::sys_seconds held_before, Millis now,
                                                                        std::size_t limit) {
  return guarded([&]() -> Result<std::vector<std::int64_t>, StoreError> {
    // A held event is logged with the decision "hold" and listed in its view, which does not exist
    // (json_extract of "exists") until a shipment_scheduled applies.
    SQLite::Statement& query = statements_->prepare(
        "SELECT e.shipment_id, MIN(e.handled_at) AS since FROM event_log e "
        "JOIN shipment_views v ON v.shipment_id = e.shipment_id "
        "LEFT JOIN fulfillments f ON f.shipment_id = e.shipment_id "
        "LEFT JOIN platform_checks c ON c.shipment_id = e.shipment_id "
        "WHERE e.decision = 'hold' AND f.shipment_id IS NULL AND json_extract(v.view, '$.exists') = 0 "
        "AND (c.retry_at_ms IS NULL OR c.retry_at_ms <= ?) "
        "GROUP BY e.shipment_id HAVING since <= ? ORDER BY since, e.shipment_id LIMIT ?");
    query.bind(1, millis_of(now));
    query.bind(2, seconds_of(held_before));
    query.bind(3, static_cast<std::int64_t>(limit));
    return ids_of(query);
  });
}

Result<std::size_t, StoreError> SqliteFulfillmentStore::releases_held() {
  return guarded([&]() -> Result<std::size_t, StoreError> {
    SQLite::Statement& query = statements_->prepare(
        "SELECT COUNT(*) FROM platform_checks c JOIN fulfillments f ON f.shipment_id = c.shipment_id "
        "WHERE f.state = 'waiting' AND c.failures > 0");
    query.executeStep();
    return static_cast<std::size_t>(query.getColumn(0).getInt64());
  });
}

Result<std::optional<std::chrono::sys_seconds>, StoreError> SqliteFulfillmentStore::next_due_after(
    std::chrono::sys_seconds now) {
  return guarded([&]() -> Result<std::optional<std::chrono::sys_seconds>, StoreError> {
    SQLite::Statement& query = statements_->prepare(
        "SELECT MIN(date_scheduled) FROM fulfillments WHERE state = 'waiting' AND "
        "date_scheduled > ?");
    query.bind(1, seconds_of(now));
    if (!query.executeStep() || query.getColumn(0).isNull()) return std::optional<std::chrono::sys_seconds>{};
    return std::optional<std::chrono::sys_seconds>{time_of(query.getColumn(0).getInt64())};
  });
}

Result<std::vector<std::int64_t>, StoreError> SqliteFulfillmentStore::in_progress(Millis now) {
  return guarded([&]() -> Result<std::vector<std::int64_t>, StoreError> {
    SQLite::Statement& query = statements_->prepare(
        "SELECT shipment_id FROM fulfillments WHERE state IN ('picking', 'packing') AND work_until_ms <= ? "
        "ORDER BY shipment_id");
    query.bind(1, millis_of(now));
    return ids_of(query);
  });
}

Result<std::optional<Fulfillment>, StoreError> SqliteFulfillmentStore::claim_work(std::int64_t shipment_id, Millis now,
                                                                              std::chrono::milliseconds lease) {
  return guarded([&]() -> Result<std::optional<Fulfillment>, StoreError> {
    // Autocommit, no sync awaited: open() gives back what a crash leaves.
    SQLite::Statement& claim = statements_->prepare(
        std::string("UPDATE fulfillments SET work_until_ms = ? WHERE shipment_id = ? AND state IN ('picking', "
                    "'packing') AND work_until_ms <= ? RETURNING ") +
        fulfillment_columns);
    claim.bind(1, millis_of(now + lease));
    claim.bind(2, shipment_id);
    claim.bind(3, millis_of(now));
    if (!claim.executeStep()) return std::optional<Fulfillment>{};
    return std::optional<Fulfillment>{fulfillment_from_row(claim)};
  });
}

Status<StoreError> SqliteFulfillmentStore::release_work(std::int64_t shipment_id) {
  return guarded([&]() -> Status<StoreError> {
    SQLite::Statement& release = statements_->prepare("UPDATE fulfillments SET work_until_ms = 0 WHERE shipment_id = ?");
    release.bind(1, shipment_id);
    release.exec();
    return {};
  });
}

Status<StoreError> SqliteFulfillmentStore::read(const std::function<void(StatementCache&)>& query) {
  return guarded([&]() -> Status<StoreError> {
    query(*statements_);
    return {};
  });
}

Status<StoreError> SqliteFulfillmentStore::ping() {
  return guarded([&]() -> Status<StoreError> {
    statements_->prepare("SELECT 1").executeStep();
    return {};
  });
}

Result<std::map<State, std::size_t>, StoreError> SqliteFulfillmentStore::counts_by_state() {
  return guarded([&]() -> Result<std::map<State, std::size_t>, StoreError> {
    std::map<State, std::size_t> counts;
    for (const State state : all_states()) counts[state] = 0;
    SQLite::Statement& query = statements_->prepare("SELECT state, COUNT(*) FROM fulfillments GROUP BY state");
    while (query.executeStep()) {
      if (const auto state = state_from_string(query.getColumn(0).getString())) {
        counts[*state] = static_cast<std::size_t>(query.getColumn(1).getInt64());
      }
    }
    return counts;
  });
}

Result<std::vector<HistoryEntry>, StoreError> SqliteFulfillmentStore::history(std::int64_t shipment_id) {
  return guarded([&]() -> Result<std::vector<HistoryEntry>, StoreError> {
    SQLite::Statement& query = statements_->prepare(history_lines);
    query.bind(1, shipment_id);
    std::vector<HistoryEntry> entries;
    while (query.executeStep()) {
      HistoryEntry entry;
      entry.shipment_id = shipment_id;
      entry.at = time_of(query.getColumn(0).getInt64());
      entry.kind = history_kind_from_string(query.getColumn(1).getString()).value_or(HistoryKind::note);
      entry.event_id = query.getColumn(2).getString();
      entry.event_type = query.getColumn(3).getString();
      entry.decision = query.getColumn(4).getString();
      entry.from_state = query.getColumn(5).getString();
      entry.to_state = query.getColumn(6).getString();
      entry.detail = query.getColumn(7).getString();
      entries.push_back(std::move(entry));
    }
    return entries;
  });
}

Result<std::vector<EventLogEntry>, StoreError> SqliteFulfillmentStore::events(const EventQuery& filter) {
  return guarded([&]() -> Result<std::vector<EventLogEntry>, StoreError> {
    std::string sql =
        "SELECT event_id, event_type, shipment_id, event_date, handled_at, decision, explanation, body FROM "
        "event_log WHERE 1=1";
    if (filter.shipment_id) sql += " AND shipment_id = ?";
    if (filter.event_type) sql += " AND event_type = ?";
    sql += " ORDER BY seq DESC LIMIT ?";
    SQLite::Statement& query = statements_->prepare(sql);
    int index = 1;
    if (filter.shipment_id) query.bind(index++, *filter.shipment_id);
    if (filter.event_type) query.bind(index++, *filter.event_type);
    query.bind(index, static_cast<std::int64_t>(filter.limit));
    std::vector<EventLogEntry> records;
    while (query.executeStep()) {
      EventLogEntry record;
      record.event_id = query.getColumn(0).getString();
      record.event_type = query.getColumn(1).getString();
      record.shipment_id = optional_int(query.getColumn(2));
      record.event_date = time_of(query.getColumn(3).getInt64());
      record.handled_at = time_of(query.getColumn(4).getInt64());
      record.decision = query.getColumn(5).getString();
      record.explanation = query.getColumn(6).getString();
      record.body = query.getColumn(7).getString();
      records.push_back(std::move(record));
    }
    return records;
  });
}

Result<std::vector<OutboxEntry>, StoreError> SqliteFulfillmentStore::claim_outbox_due(Millis now, std::size_t limit,
                                                                                std::chrono::milliseconds lease) {
  return guarded([&]() -> Result<std::vector<OutboxEntry>, StoreError> {
    // No sync awaited: open() gives back the claims a crash leaves.
    SQLite::Transaction transaction(*db_);
    SQLite::Statement& query = statements_->prepare(
        std::string("SELECT ") + outbox_columns +
        " FROM tracking_outbox WHERE state = 'pending' AND next_attempt_ms <= ? AND claimed_until_ms <= ? "
        "ORDER BY next_attempt_ms, shipment_id LIMIT ?");
    query.bind(1, millis_of(now));
    query.bind(2, millis_of(now));
    query.bind(3, static_cast<std::int64_t>(limit));
    std::vector<OutboxEntry> entries;
    while (query.executeStep()) entries.push_back(outbox_from_row(query));
    query.tryReset();
    SQLite::Statement& claim =
        statements_->prepare("UPDATE tracking_outbox SET claimed_until_ms = ? WHERE shipment_id = ?");
    for (const auto& entry : entries) {
      claim.bind(1, millis_of(now + lease));
      claim.bind(2, entry.shipment_id);
      claim.exec();
      claim.reset();
    }
    transaction.commit();
    return entries;
  });
}

Result<std::optional<Millis>, StoreError> SqliteFulfillmentStore::outbox_next_attempt() {
  return guarded([&]() -> Result<std::optional<Millis>, StoreError> {
    SQLite::Statement& query = statements_->prepare(
        "SELECT MIN(MAX(next_attempt_ms, claimed_until_ms)) FROM tracking_outbox WHERE state = 'pending'");
    if (!query.executeStep() || query.getColumn(0).isNull()) return std::optional<Millis>{};
    return std::optional<Millis>{millis_time_of(query.getColumn(0).getInt64())};
  });
}

Result<std::optional<OutboxEntry>, StoreError> SqliteFulfillmentStore::outbox_entry(std::int64_t shipment_id) {
  return guarded([&]() -> Result<std::optional<OutboxEntry>, StoreError> {
    SQLite::Statement& query =
        statements_->prepare(std::string("SELECT ") + outbox_columns + " FROM tracking_outbox WHERE shipment_id = ?");
    query.bind(1, shipment_id);
    if (!query.executeStep()) return std::optional<OutboxEntry>{};
    return std::optional<OutboxEntry>{outbox_from_row(query)};
  });
}

Result<bool, StoreError> SqliteFulfillmentStore::record_attempt(const TrackingAttempt& attempt, OutboxState state,
                                                              Millis next_attempt_at) {
  return guarded_durable([&]() -> Result<bool, StoreError> {
    SQLite::Transaction transaction(*db_);
    SQLite::Statement& update = statements_->prepare(
        "UPDATE tracking_outbox SET state = ?, attempts = ?, next_attempt_ms = ?, last_error = ?, "
        "sent_ms = CASE WHEN ? = 'sent' THEN ? ELSE sent_ms END, claimed_until_ms = 0 "
        "WHERE shipment_id = ? AND state = 'pending' AND attempts = ?");
    const std::string state_name(to_string(state));
    update.bind(1, state_name);
    update.bind(2, attempt.attempt);
    update.bind(3, millis_of(next_attempt_at));
    update.bind(4, state == OutboxState::sent ? std::string() : attempt.detail);
    update.bind(5, state_name);
    update.bind(6, millis_of(attempt.at));
    update.bind(7, attempt.shipment_id);
    update.bind(8, attempt.attempt - 1);
    if (update.exec() != 1) return false;  // recorded already: nothing to commit
    SQLite::Statement& insert = statements_->prepare(
        "INSERT INTO tracking_attempts(shipment_id, attempt, at_ms, outcome, http_status, detail) "
        "VALUES (?,?,?,?,?,?)");
    insert.bind(1, attempt.shipment_id);
    insert.bind(2, attempt.attempt);
    insert.bind(3, millis_of(attempt.at));
    insert.bind(4, attempt.outcome);
    insert.bind(5, attempt.http_status);
    insert.bind(6, attempt.detail);
    insert.exec();
    insert_history(*statements_, attempt_history(attempt));
    transaction.commit();
    return true;
  });
}

Result<std::vector<OutboxEntry>, StoreError> SqliteFulfillmentStore::outbox_dead_letters(std::size_t limit) {
  return guarded([&]() -> Result<std::vector<OutboxEntry>, StoreError> {
    SQLite::Statement& query = statements_->prepare(std::string("SELECT ") + outbox_columns +
                                                    " FROM tracking_outbox WHERE state = 'dead' "
                                                    "ORDER BY shipment_id LIMIT ?");
    query.bind(1, static_cast<std::int64_t>(limit));
    std::vector<OutboxEntry> entries;
    while (query.executeStep()) entries.push_back(outbox_from_row(query));
    return entries;
  });
}

Result<bool, StoreError> SqliteFulfillmentStore::retry_dead_letter(std::int64_t shipment_id, Millis now) {
  return guarded_durable([&]() -> Result<bool, StoreError> {
    SQLite::Transaction transaction(*db_);
    SQLite::Statement& update = statements_->prepare(
        "UPDATE tracking_outbox SET state = 'pending', next_attempt_ms = ? WHERE shipment_id = ? "
        "AND state = 'dead'");
    update.bind(1, millis_of(now));
    update.bind(2, shipment_id);
    const bool changed = update.exec() == 1;
    if (changed) {
      insert_history(*statements_, dead_letter_retry_history(shipment_id, now));
    }
    transaction.commit();
    return changed;
  });
}

Result<std::vector<TrackingAttempt>, StoreError> SqliteFulfillmentStore::attempts(std::int64_t shipment_id) {
  return guarded([&]() -> Result<std::vector<TrackingAttempt>, StoreError> {
    SQLite::Statement& query = statements_->prepare(
        "SELECT attempt, at_ms, outcome, http_status, detail FROM tracking_attempts WHERE "
        "shipment_id = ? ORDER BY id");
    query.bind(1, shipment_id);
    std::vector<TrackingAttempt> found;
    while (query.executeStep()) {
      TrackingAttempt attempt;
      attempt.shipment_id = shipment_id;
      attempt.attempt = query.getColumn(0).getInt();
      attempt.at = millis_time_of(query.getColumn(1).getInt64());
      attempt.outcome = query.getColumn(2).getString();
      attempt.http_status = query.getColumn(3).getInt();
      attempt.detail = query.getColumn(4).getString();
      found.push_back(std::move(attempt));
    }
    return found;
  });
}

Result<OutboxCounts, StoreError> SqliteFulfillmentStore::outbox_counts() {
  return guarded([&]() -> Result<OutboxCounts, StoreError> {
    OutboxCounts counts;
    SQLite::Statement& query =
        statements_->prepare("SELECT state, COUNT(*), SUM(attempts) FROM tracking_outbox GROUP BY state");
    while (query.executeStep()) {
      const auto count = static_cast<std::size_t>(query.getColumn(1).getInt64());
      counts.attempts += static_cast<std::uint64_t>(query.getColumn(2).getInt64());
      switch (outbox_state_from(query.getColumn(0).getString())) {
        case OutboxState::pending: counts.pending = count; break;
        case OutboxState::sent: counts.sent = count; break;
        case OutboxState::dead: counts.dead = count; break;
      }
    }
    return counts;
  });
}

}  // namespace fulfillment
