#include "storage/postgres_fulfillment_store.hpp"

#include <algorithm>
#include <stdexcept>

#include "hookline/postgres_inbox.hpp"
#include "json.hpp"
#include "toolkit/json_writer.hpp"
#include "storage/store_sql.hpp"
#include "storage/fulfillment_queries.hpp"

namespace fulfillment {

using hookline::fail;
using hookline::Result;
using hookline::Status;
using hookline::postgres::Connection;
using hookline::postgres::Params;
using hookline::postgres::Rows;

namespace {

/// The advisory lock key (bigint) every instance takes to migrate the fulfillment tables.
constexpr const char* migration_lock = "7450791380157067523";

/// The schema, one migration per version: migrations[v - 1] takes a version v - 1 schema to v. Times
/// are bigint seconds (or milliseconds where the column says _ms) since the epoch, as in SQLite. The
/// dashboard's indexes are here too (on SQLite its queries make them).
constexpr const char* migrations[] = {
    R"sql(
CREATE TABLE fulfillments(
  shipment_id BIGINT PRIMARY KEY,
  state TEXT NOT NULL,
  address TEXT,
  items TEXT NOT NULL,
  date_scheduled BIGINT,
  customer_id BIGINT,
  order_id BIGINT,
  tracking_number TEXT,
  carrier_id BIGINT,
  shipped_at BIGINT,
  tracking_source TEXT,
  attention TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  work_until_ms BIGINT NOT NULL DEFAULT 0);
CREATE INDEX fulfillments_by_state ON fulfillments(state, date_scheduled);
CREATE TABLE shipment_views(
  shipment_id BIGINT PRIMARY KEY,
  view TEXT NOT NULL);
CREATE TABLE history(
  id BIGSERIAL PRIMARY KEY,
  shipment_id BIGINT NOT NULL,
  at BIGINT NOT NULL,
  kind TEXT NOT NULL,
  event_id TEXT NOT NULL,
  event_type TEXT NOT NULL,
  decision TEXT NOT NULL,
  from_state TEXT NOT NULL,
  to_state TEXT NOT NULL,
  detail TEXT NOT NULL);
CREATE INDEX history_by_shipment ON history(shipment_id, id);
CREATE TABLE event_log(
  seq BIGSERIAL PRIMARY KEY,
  event_id TEXT NOT NULL UNIQUE,
  event_type TEXT NOT NULL,
  shipment_id BIGINT,
  event_date BIGINT NOT NULL,
  handled_at BIGINT NOT NULL,
  decision TEXT NOT NULL,
  explanation TEXT NOT NULL,
  body TEXT NOT NULL);
CREATE INDEX event_log_by_shipment ON event_log(shipment_id, seq);
CREATE INDEX event_log_held ON event_log(shipment_id, handled_at) WHERE decision = 'hold';
CREATE TABLE tracking_outbox(
  shipment_id BIGINT PRIMARY KEY,
  idempotency_key TEXT NOT NULL,
  tracking_number TEXT NOT NULL,
  carrier_id BIGINT NOT NULL,
  date_complete TEXT NOT NULL,
  state TEXT NOT NULL,
  attempts BIGINT NOT NULL DEFAULT 0,
  next_attempt_ms BIGINT NOT NULL,
  last_error TEXT NOT NULL DEFAULT '',
  created_ms BIGINT NOT NULL,
  sent_ms BIGINT,
  claimed_until_ms BIGINT NOT NULL DEFAULT 0);
CREATE INDEX tracking_outbox_due ON tracking_outbox(state, next_attempt_ms);
CREATE TABLE tracking_attempts(
  id BIGSERIAL PRIMARY KEY,
  shipment_id BIGINT NOT NULL,
  attempt BIGINT NOT NULL,
  at_ms BIGINT NOT NULL,
  outcome TEXT NOT NULL,
  http_status BIGINT NOT NULL,
  detail TEXT NOT NULL);
CREATE INDEX tracking_attempts_by_shipment ON tracking_attempts(shipment_id, id);
CREATE TABLE platform_checks(
  shipment_id BIGINT PRIMARY KEY,
  failures BIGINT NOT NULL,
  retry_at_ms BIGINT NOT NULL,
  read_at_ms BIGINT);
CREATE INDEX fulfillments_newest ON fulfillments(created_at, shipment_id);
CREATE INDEX fulfillments_newest_by_state ON fulfillments(state, created_at, shipment_id);
CREATE INDEX fulfillments_by_order ON fulfillments(order_id);
CREATE INDEX fulfillments_by_customer ON fulfillments(customer_id);
CREATE INDEX fulfillments_by_tracking ON fulfillments(tracking_number);
CREATE INDEX history_conflicts ON history(shipment_id, id) WHERE kind = 'conflict';
CREATE INDEX history_dismissals ON history(shipment_id, id) WHERE decision = 'dismissed';
CREATE INDEX event_log_by_type ON event_log(event_type, seq);
CREATE INDEX event_log_by_decision ON event_log(decision, seq);
CREATE INDEX event_log_by_handled ON event_log(handled_at);
)sql",
    // A shipment's logged event is its line in the shipment's history, after the lines there were
    // when it was logged; NULL in rows logged before, whose events have their line in the history table.
    R"sql(
ALTER TABLE event_log ADD COLUMN history_after BIGINT;
)sql",
};
static_assert(std::size(migrations) == postgres_fulfillment_schema_version);


StoreError store_error(const hookline::StoreError& error) { return StoreError{error.message}; }

/// Runs one statement of a transaction; throws its error (the transaction is then rolled back).
Rows exec(Connection& db, const std::string& sql, const Params& params = {}) {
  return rows_or_throw(db.exec("fulfillment store", sql, params));
}

/// Runs statements without parameters; throws their error.
void must_run(Connection& db, std::string_view doing, const char* sql) {
  if (auto done = db.run(doing, sql); !done) throw std::runtime_error(done.error().message);
}

/// The first column of every row: the shipment ids a query lists.
std::vector<std::int64_t> ids_of(const Rows& rows) {
  std::vector<std::int64_t> ids;
  ids.reserve(static_cast<std::size_t>(rows.count()));
  for (int row = 0; row < rows.count(); ++row) ids.push_back(rows.int64(row, 0));
  return ids;
}

OutboxState outbox_state_from(std::string_view name) {
  if (name == "sent") return OutboxState::sent;
  if (name == "dead") return OutboxState::dead;
  return OutboxState::pending;
}

void insert_history(Connection& db, const HistoryEntry& entry) {
  Params params;
  params.int64(entry.shipment_id)
      .int64(seconds_of(entry.at))
      .text(to_string(entry.kind))
      .text(entry.event_id)
      .text(entry.event_type)
      .text(entry.decision)
      .text(entry.from_state)
      .text(entry.to_state)
      .text(entry.detail);
  exec(db,
       "INSERT INTO history(shipment_id, at, kind, event_id, event_type, decision, from_state, to_state, detail) "
       "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
       params);
}

/// The earliest value of the first column, if any row had one.
std::optional<std::int64_t> optional_first(const Rows& rows) {
  if (rows.count() == 0) return std::nullopt;
  return rows.optional_int64(0, 0);
}

/// Applies the migrations the database lacks, under the migration lock; refuses a newer schema.
Status<hookline::StoreError> migrate(Connection& db) {
  constexpr std::string_view doing = "migrating the fulfillment schema";
  const std::string begin = std::string("BEGIN; SELECT pg_advisory_xact_lock(") + migration_lock +
                            "); SET LOCAL statement_timeout TO 0; CREATE TABLE IF NOT EXISTS "
                            "hookline_fulfillment_migrations (version BIGINT PRIMARY KEY, applied_at TIMESTAMPTZ "
                            "NOT NULL DEFAULT now())";
  if (auto begun = db.run(doing, begin.c_str()); !begun) {
    if (!db.broken()) (void)db.run(doing, "ROLLBACK");
    return fail(begun.error());
  }
  const auto failed = [&](hookline::StoreError error) -> Status<hookline::StoreError> {
    if (!db.broken()) (void)db.run(doing, "ROLLBACK");
    return fail(std::move(error));
  };
  auto current = db.exec(doing, "SELECT COALESCE(MAX(version), 0)::bigint FROM hookline_fulfillment_migrations", {});
  if (!current) return failed(current.error());
  const auto version = current->int64(0, 0);
  if (version > postgres_fulfillment_schema_version) {
    return failed(hookline::StoreError{
        "the database's fulfillment schema is version " + std::to_string(version) + ", newer than this hookline knows (" +
        std::to_string(postgres_fulfillment_schema_version) + "): run a hookline at least as new as the one that migrated it"});
  }
  for (auto next = version + 1; next <= postgres_fulfillment_schema_version; ++next) {
    if (auto applied = db.run(doing, migrations[next - 1]); !applied) return failed(applied.error());
    Params params;
    params.int64(next);
    if (auto noted = db.exec(doing, "INSERT INTO hookline_fulfillment_migrations (version) VALUES ($1)", params); !noted) {
      return failed(noted.error());
    }
  }
  return db.run(doing, "COMMIT");
}

/// The changes of one transaction on the store's connection.
class PostgresStoreTx final : public StoreTx {
 public:
  PostgresStoreTx(Connection& db, const hookline::TimeZone& zone) : StoreTx(zone), db_(db) {}

  bool lock_if_idle(std::int64_t shipment_id) override {
    Params params;
    params.int64(shipment_id);
    for (const char* table : {"shipment_views", "fulfillments"}) {
      const std::string locked = std::string("SELECT 1 FROM ") + table + " WHERE shipment_id = $1 FOR UPDATE SKIP LOCKED";
      if (exec(db_, locked, params).count() == 1) continue;
      // Not taken: either there is no such row, or another transaction holds it.
      if (exec(db_, std::string("SELECT 1 FROM ") + table + " WHERE shipment_id = $1", params).count() == 1) return false;
    }
    return true;
  }

  std::optional<Fulfillment> find(std::int64_t shipment_id) override {
    // Locked until the transaction ends: another instance's write of the row waits, then sees this one's.
    Params params;
    params.int64(shipment_id);
    const Rows rows = exec(db_, std::string("SELECT ") + postgres_fulfillment_columns +
                                    " FROM fulfillments WHERE shipment_id = $1 FOR UPDATE",
                           params);
    if (rows.count() == 0) return std::nullopt;
    return postgres_fulfillment_from_row(rows, 0);
  }

  void save(const Fulfillment& f) override {
    std::string address;
    if (f.address) {
      hookline::toolkit::JsonWriter writer;
      json::write_address(writer, *f.address);
      address = writer.text();
    }
    hookline::toolkit::JsonWriter items;
    json::write_items(items, f.items);
    Params params;
    params.int64(f.shipment_id).text(to_string(f.state));
    if (f.address) {
      params.text(address);
    } else {
      params.null_text();
    }
    params.text(items.text())
        .int64(f.date_scheduled ? std::optional<std::int64_t>(seconds_of(*f.date_scheduled)) : std::nullopt)
        .int64(f.customer_id)
        .int64(f.order_id);
    if (f.tracking) {
      params.text(f.tracking->tracking_number)
          .int64(f.tracking->carrier_id)
          .int64(seconds_of(f.tracking->shipped_at))
          .text(f.tracking->source);
    } else {
      params.null_text().null_int64().null_int64().null_text();
    }
    params.text(f.attention).int64(seconds_of(f.created_at)).int64(seconds_of(f.updated_at));
    exec(db_,
         std::string("INSERT INTO fulfillments(") + postgres_fulfillment_columns +
             ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) "
             "ON CONFLICT (shipment_id) DO UPDATE SET state = excluded.state, address = excluded.address, "
             "items = excluded.items, date_scheduled = excluded.date_scheduled, customer_id = excluded.customer_id, "
             "order_id = excluded.order_id, tracking_number = excluded.tracking_number, "
             "carrier_id = excluded.carrier_id, shipped_at = excluded.shipped_at, "
             "tracking_source = excluded.tracking_source, attention = excluded.attention, "
             "created_at = excluded.created_at, updated_at = excluded.updated_at, work_until_ms = CASE WHEN "
             "excluded.state IN ('picking', 'packing') THEN fulfillments.work_until_ms ELSE 0 END",
         params);
  }

  void save_view(const hookline::vrio::ShipmentView& view) override {
    const std::string encoded = json::encode_view(view);
    Params params;
    params.int64(view.shipment_id).text(encoded);
    exec(db_,
         "INSERT INTO shipment_views(shipment_id, view) VALUES ($1, $2) "
         "ON CONFLICT (shipment_id) DO UPDATE SET view = excluded.view",
         params);
  }

  bool has_event(std::string_view event_id) override {
    Params params;
    params.text(event_id);
    return exec(db_, "SELECT 1 FROM event_log WHERE event_id = $1", params).count() > 0;
  }

  void record_event(const EventLogEntry& record) override {
    Params params;
    params.text(record.event_id)
        .text(record.event_type)
        .int64(record.shipment_id)
        .int64(seconds_of(record.event_date))
        .int64(seconds_of(record.handled_at))
        .text(record.decision)
        .text(record.explanation)
        .text(record.body);
    exec(db_,
         "INSERT INTO event_log(event_id, event_type, shipment_id, event_date, handled_at, decision, explanation, body, "
         "history_after) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, "
         "(SELECT COALESCE(MAX(id), 0) FROM history WHERE shipment_id = $3))",
         params);
  }

  void add_history(const HistoryEntry& entry) override { insert_history(db_, entry); }

  void enqueue_tracking(const Fulfillment& shipped, Millis now) override {
    if (!shipped.tracking) throw std::logic_error("enqueue_tracking: the fulfillment has no tracking");
    const std::string key = tracking_idempotency_key(shipped.shipment_id);
    const std::string date_complete = vrio_local_date(shipped.tracking->shipped_at, zone());
    Params params;
    params.int64(shipped.shipment_id)
        .text(key)
        .text(shipped.tracking->tracking_number)
        .int64(shipped.tracking->carrier_id)
        .text(date_complete)
        .int64(millis_of(now));
    exec(db_,
         "INSERT INTO tracking_outbox(shipment_id, idempotency_key, tracking_number, carrier_id, date_complete, state, "
         "next_attempt_ms, created_ms) VALUES ($1, $2, $3, $4, $5, 'pending', $6, $6) "
         "ON CONFLICT (shipment_id) DO NOTHING",
         params);
  }

  CheckState check_state(std::int64_t shipment_id) override {
    Params params;
    params.int64(shipment_id);
    const Rows rows = exec(db_,
                           "SELECT failures, retry_at_ms, read_at_ms FROM platform_checks WHERE shipment_id = $1 "
                           "FOR UPDATE",
                           params);
    CheckState state;
    if (rows.count() == 0) return state;
    state.failures = static_cast<int>(rows.int64(0, 0));
    state.retry_at = millis_time_of(rows.int64(0, 1));
    if (const auto read_at = rows.optional_int64(0, 2)) state.read_at = millis_time_of(*read_at);
    return state;
  }

  void save_check_state(std::int64_t shipment_id, const CheckState& state) override {
    Params params;
    params.int64(shipment_id)
        .int64(state.failures)
        .int64(millis_of(state.retry_at))
        .int64(state.read_at ? std::optional<std::int64_t>(millis_of(*state.read_at)) : std::nullopt);
    exec(db_,
         "INSERT INTO platform_checks(shipment_id, failures, retry_at_ms, read_at_ms) VALUES ($1, $2, $3, $4) "
         "ON CONFLICT (shipment_id) DO UPDATE SET failures = excluded.failures, retry_at_ms = excluded.retry_at_ms, "
         "read_at_ms = excluded.read_at_ms",
         params);
  }

 private:
  StoredShipment stored_shipment(std::int64_t shipment_id, std::string_view event_id) override {
    Params params;
    params.int64(shipment_id).text(event_id);
    StoredShipment stored;
    // One row whether or not the view exists: the locking read is a sub-select.
    const Rows rows = exec(db_,
                           "SELECT (SELECT view FROM shipment_views WHERE shipment_id = $1 FOR UPDATE), "
                           "(SELECT count(*) FROM event_log WHERE event_id = $2)",
                           params);
    if (!rows.is_null(0, 0)) stored.view = rows.bytes(0, 0);
    stored.event_logged = rows.int64(0, 1) > 0;
    stored.fulfillment = find(shipment_id);  // after the view, as every write takes them
    return stored;
  }

  std::optional<std::string> event_body(std::string_view event_id) override {
    Params params;
    params.text(event_id);
    const Rows body = exec(db_, "SELECT body FROM event_log WHERE event_id = $1", params);
    if (body.count() == 0) return std::nullopt;
    return body.bytes(0, 0);
  }

  Connection& db_;
};

}  // namespace

const char* const postgres_fulfillment_columns =
    "shipment_id, state, address, items, date_scheduled, customer_id, order_id, tracking_number, carrier_id, "
    "shipped_at, tracking_source, attention, created_at, updated_at";

const char* const postgres_outbox_columns =
    "shipment_id, idempotency_key, tracking_number, carrier_id, date_complete, state, attempts, next_attempt_ms, "
    "last_error";

Rows rows_or_throw(Result<Rows, hookline::StoreError> done) {
  if (!done) throw std::runtime_error(done.error().message);
  return std::move(*done);
}

Fulfillment postgres_fulfillment_from_row(const Rows& rows, int row) {
  Fulfillment f;
  f.shipment_id = rows.int64(row, 0);
  f.state = state_from_string(rows.view(row, 1)).value_or(State::error);
  if (!rows.is_null(row, 2)) {
    auto address = json::read_address(rows.bytes(row, 2));
    if (!address) throw std::runtime_error("stored address: " + address.error());
    f.address = std::move(*address);
  }
  auto items = json::read_items(rows.bytes(row, 3));
  if (!items) throw std::runtime_error("stored items: " + items.error());
  f.items = std::move(*items);
  if (const auto scheduled = rows.optional_int64(row, 4)) f.date_scheduled = time_of(*scheduled);
  f.customer_id = rows.optional_int64(row, 5);
  f.order_id = rows.optional_int64(row, 6);
  if (!rows.is_null(row, 7)) {
    Tracking tracking;
    tracking.tracking_number = rows.bytes(row, 7);
    tracking.carrier_id = rows.int64(row, 8);
    tracking.shipped_at = time_of(rows.int64(row, 9));
    tracking.source = rows.bytes(row, 10);
    f.tracking = std::move(tracking);
  }
  f.attention = rows.bytes(row, 11);
  f.created_at = time_of(rows.int64(row, 12));
  f.updated_at = time_of(rows.int64(row, 13));
  return f;
}

OutboxEntry postgres_outbox_from_row(const Rows& rows, int row) {
  OutboxEntry entry;
  entry.shipment_id = rows.int64(row, 0);
  entry.idempotency_key = rows.bytes(row, 1);
  entry.tracking_number = rows.bytes(row, 2);
  entry.carrier_id = rows.int64(row, 3);
  entry.date_complete = rows.bytes(row, 4);
  entry.state = outbox_state_from(rows.view(row, 5));
  entry.attempts = static_cast<int>(rows.int64(row, 6));
  entry.next_attempt_at = millis_time_of(rows.int64(row, 7));
  entry.last_error = rows.bytes(row, 8);
  return entry;
}

// ---------------------------------------------------------------------------------------------
// PostgresFulfillmentStore

PostgresFulfillmentStore::PostgresFulfillmentStore(std::unique_ptr<Connection> connection,
                                                   hookline::postgres::ConnectSettings settings,
                                                   hookline::TimeZone zone, std::size_t max_connections)
    : settings_(std::move(settings)), zone_(zone), max_connections_(std::max<std::size_t>(max_connections, 1)) {
  idle_.push_back(std::move(connection));
  open_connections_ = 1;
}

PostgresFulfillmentStore::~PostgresFulfillmentStore() = default;

Result<std::unique_ptr<PostgresFulfillmentStore>, StoreError> PostgresFulfillmentStore::open(
    std::string_view uri, hookline::TimeZone zone, std::chrono::seconds timeout, std::size_t max_connections) {
  if (auto checked = hookline::check_postgres_uri(uri); !checked) return fail(store_error(checked.error()));
  hookline::postgres::ConnectSettings settings{std::string(uri), timeout};
  auto connection = Connection::open(settings);
  if (!connection) return fail(store_error(connection.error()));
  if (auto migrated = migrate(**connection); !migrated) return fail(store_error(migrated.error()));
  return std::unique_ptr<PostgresFulfillmentStore>(
      new PostgresFulfillmentStore(std::move(*connection), std::move(settings), zone, max_connections));
}

Result<std::unique_ptr<Connection>, StoreError> PostgresFulfillmentStore::take_connection() {
  std::unique_lock lock(pool_mutex_);
  const auto deadline = std::chrono::steady_clock::now() + settings_.timeout;
  while (idle_.empty() && open_connections_ >= max_connections_) {
    if (connection_freed_.wait_until(lock, deadline) == std::cv_status::timeout &&
        idle_.empty() && open_connections_ >= max_connections_) {
      return fail(StoreError{"no free database connection within " + std::to_string(settings_.timeout.count()) + " s"});
    }
  }
  if (!idle_.empty()) {
    auto connection = std::move(idle_.back());
    idle_.pop_back();
    if (!connection->broken()) return connection;
    --open_connections_;  // lost with the server: replaced below
  }
  ++open_connections_;
  lock.unlock();
  auto opened = Connection::open(settings_);
  if (!opened) {
    lock.lock();
    --open_connections_;
    connection_freed_.notify_one();
    return fail(store_error(opened.error()));
  }
  return std::move(*opened);
}

void PostgresFulfillmentStore::give_back(std::unique_ptr<Connection> connection) {
  {
    const std::lock_guard lock(pool_mutex_);
    if (connection->broken()) {
      --open_connections_;
    } else {
      idle_.push_back(std::move(connection));
    }
  }
  connection_freed_.notify_one();
}

namespace {

/// The batch a thread has open inside write_batch(): its writes join it.
struct OpenBatch {
  const PostgresFulfillmentStore* store = nullptr;
  Connection* db = nullptr;
  bool savepoint_per_write = false;  // else the writes share the transaction as they are
  bool undone = false;               // a write of a shared batch threw
};
thread_local OpenBatch open_batch;

}  // namespace

template <class F>
auto PostgresFulfillmentStore::guarded(F&& body) -> decltype(body(std::declval<Connection&>())) {
  using Answer = decltype(body(std::declval<Connection&>()));
  auto taken = take_connection();
  if (!taken) return fail(taken.error());
  std::unique_ptr<Connection> db = std::move(*taken);
  Answer answer = [&]() -> Answer {
    try {
      return body(*db);
    } catch (const std::exception& error) {
      // A statement that failed inside a transaction leaves it aborted: roll it back for the next call.
      if (!db->broken() && !db->idle()) (void)db->run("rolling back", "ROLLBACK");
      return fail(StoreError{error.what()});
    }
  }();
  give_back(std::move(db));
  return answer;
}

template <class F>
auto PostgresFulfillmentStore::transaction(F&& body) -> decltype(body(std::declval<Connection&>())) {
  return guarded([&](Connection& db) -> decltype(body(db)) {
    must_run(db, "beginning a transaction", "BEGIN");
    auto done = body(db);  // what it throws is rolled back by guarded()
    if (!done) {
      if (!db.broken()) (void)db.run("rolling back", "ROLLBACK");
      return done;
    }
    must_run(db, "committing", "COMMIT");
    ++commits_;
    return done;
  });
}

Status<StoreError> PostgresFulfillmentStore::write(const std::function<void(StoreTx&)>& change) {
  if (open_batch.store == this) return write_in_batch(*open_batch.db, change);
  return transaction([&](Connection& db) -> Status<StoreError> {
    PostgresStoreTx tx(db, zone_);
    change(tx);
    return {};
  });
}

Status<StoreError> PostgresFulfillmentStore::write_batch(const std::function<void()>& writes) {
  return guarded([&](Connection& db) -> Status<StoreError> {
    struct EndBatch {
      ~EndBatch() { open_batch = OpenBatch{}; }
    } end_batch;
    // First the writes share the transaction as they are (a savepoint per write costs two more
    // statements each). A write that throws undoes the batch, which runs again with a savepoint per
    // write. What throws here is rolled back by guarded().
    for (const bool savepoint_per_write : {false, true}) {
      must_run(db, "beginning a transaction", "BEGIN");
      open_batch = OpenBatch{this, &db, savepoint_per_write, false};
      writes();
      if (!open_batch.undone) break;
      must_run(db, "undoing a batch", "ROLLBACK");
    }
    must_run(db, "committing", "COMMIT");
    ++commits_;
    return {};
  });
}

Status<StoreError> PostgresFulfillmentStore::write_in_batch(Connection& db, const std::function<void(StoreTx&)>& change) {
  if (!open_batch.savepoint_per_write) {
    if (open_batch.undone) return fail(StoreError{"undone with its batch, which runs again"});
    try {
      PostgresStoreTx tx(db, zone_);
      change(tx);
      return {};
    } catch (const std::exception& error) {
      open_batch.undone = true;
      return fail(StoreError{error.what()});
    }
  }
  // A savepoint per write, so that one that throws undoes its own changes and leaves the batch's others.
  try {
    must_run(db, "a write of a batch", "SAVEPOINT batch_write");
    PostgresStoreTx tx(db, zone_);
    change(tx);
    must_run(db, "a write of a batch", "RELEASE SAVEPOINT batch_write");
    return {};
  } catch (const std::exception& error) {
    // When the undo fails too (the connection is lost), the batch's COMMIT fails and nothing is stored.
    (void)db.run("undoing a write of a batch", "ROLLBACK TO SAVEPOINT batch_write; RELEASE SAVEPOINT batch_write");
    return fail(StoreError{error.what()});
  }
}

Result<std::optional<Fulfillment>, StoreError> PostgresFulfillmentStore::get(std::int64_t shipment_id) {
  return guarded([&](Connection& db) -> Result<std::optional<Fulfillment>, StoreError> {
    Params params;
    params.int64(shipment_id);
    const Rows rows =
        exec(db, std::string("SELECT ") + postgres_fulfillment_columns + " FROM fulfillments WHERE shipment_id = $1",
             params);
    if (rows.count() == 0) return std::optional<Fulfillment>{};
    return std::optional<Fulfillment>{postgres_fulfillment_from_row(rows, 0)};
  });
}

Result<std::vector<Fulfillment>, StoreError> PostgresFulfillmentStore::list(std::optional<State> state,
                                                                            std::size_t limit) {
  return guarded([&](Connection& db) -> Result<std::vector<Fulfillment>, StoreError> {
    Params params;
    params.int64(static_cast<std::int64_t>(limit));
    if (state) params.text(to_string(*state));
    const Rows rows = exec(db,
                           std::string("SELECT ") + postgres_fulfillment_columns + " FROM fulfillments" +
                               (state ? " WHERE state = $2" : "") + " ORDER BY shipment_id LIMIT $1",
                           params);
    std::vector<Fulfillment> found;
    for (int row = 0; row < rows.count(); ++row) found.push_back(postgres_fulfillment_from_row(rows, row));
    return found;
  });
}

Result<std::vector<std::int64_t>, StoreError> PostgresFulfillmentStore::due(std::chrono::sys_seconds now,
                                                                            std::size_t limit) {
  return guarded([&](Connection& db) -> Result<std::vector<std::int64_t>, StoreError> {
    Params params;
    params.int64(seconds_of(now)).int64(seconds_of(now) * 1000).int64(static_cast<std::int64_t>(limit));
    return ids_of(exec(db,
                       "SELECT f.shipment_id FROM fulfillments f LEFT JOIN platform_checks c ON c.shipment_id = "
                       "f.shipment_id WHERE f.state = 'waiting' AND (f.date_scheduled IS NULL OR f.date_scheduled <= "
                       "$1) AND (c.retry_at_ms IS NULL OR c.retry_at_ms <= $2) "
                       "ORDER BY f.date_scheduled NULLS FIRST, f.shipment_id LIMIT $3",
                       params));
  });
}

Result<std::optional<Millis>, StoreError> PostgresFulfillmentStore::next_check_retry(Millis now) {
  return guarded([&](Connection& db) -> Result<std::optional<Millis>, StoreError> {
    Params params;
    params.int64(millis_of(now));
    const auto first = optional_first(exec(db,
                                           "SELECT MIN(c.retry_at_ms) FROM platform_checks c JOIN fulfillments f ON "
                                           "f.shipment_id = c.shipment_id WHERE f.state = 'waiting' AND "
                                           "c.retry_at_ms > $1",
                                           params));
    if (!first) return std::optional<Millis>{};
    return std::optional<Millis>{millis_time_of(*first)};
  });
}

Result<std::vector<std::int64_t>, StoreError> PostgresFulfillmentStore::reconcile_due(Millis now, Millis read_before,
                                                                                      std::size_t limit) {
  return guarded([&](Connection& db) -> Result<std::vector<std::int64_t>, StoreError> {
    Params params;
    params.int64(millis_of(now)).int64(millis_of(read_before)).int64(static_cast<std::int64_t>(limit));
    return ids_of(exec(db,
                       "SELECT f.shipment_id FROM fulfillments f LEFT JOIN platform_checks c ON c.shipment_id = "
                       "f.shipment_id WHERE f.state IN ('waiting', 'picking', 'packing') AND (c.retry_at_ms IS NULL OR "
                       "c.retry_at_ms <= $1) AND (c.read_at_ms IS NULL OR c.read_at_ms < $2) "
                       "ORDER BY f.date_scheduled NULLS FIRST, f.shipment_id LIMIT $3",
                       params));
  });
}

Result<std::vector<std::int64_t>, StoreError> PostgresFulfillmentStore::held_due(std::chrono::sys_seconds held_before,
                                                                                 Millis now, std::size_t limit) {
  return guarded([&](Connection& db) -> Result<std::vector<std::int64_t>, StoreError> {
    // A held event is logged with the decision "hold" and listed in its view, which does not exist
    // ("exists": false) until a shipment_scheduled applies.
    Params params;
    params.int64(millis_of(now)).int64(seconds_of(held_before)).int64(static_cast<std::int64_t>(limit));
    return ids_of(exec(db,
                       "SELECT e.shipment_id, MIN(e.handled_at) AS since FROM event_log e "
                       "JOIN shipment_views v ON v.shipment_id = e.shipment_id "
                       "LEFT JOIN fulfillments f ON f.shipment_id = e.shipment_id "
                       "LEFT JOIN platform_checks c ON c.shipment_id = e.shipment_id "
                       "WHERE e.decision = 'hold' AND f.shipment_id IS NULL "
                       "AND (v.view::jsonb -> 'exists') = 'false'::jsonb "
                       "AND (c.retry_at_ms IS NULL OR c.retry_at_ms <= $1) "
                       "GROUP BY e.shipment_id HAVING MIN(e.handled_at) <= $2 ORDER BY since, e.shipment_id LIMIT $3",
                       params));
  });
}

Result<std::size_t, StoreError> PostgresFulfillmentStore::releases_held() {
  return guarded([&](Connection& db) -> Result<std::size_t, StoreError> {
    const Rows rows = exec(db,
                           "SELECT COUNT(*) FROM platform_checks c JOIN fulfillments f ON f.shipment_id = c.shipment_id "
                           "WHERE f.state = 'waiting' AND c.failures > 0");
    return static_cast<std::size_t>(rows.int64(0, 0));
  });
}

Result<std::optional<std::chrono::sys_seconds>, StoreError> PostgresFulfillmentStore::next_due_after(
    std::chrono::sys_seconds now) {
  return guarded([&](Connection& db) -> Result<std::optional<std::chrono::sys_seconds>, StoreError> {
    Params params;
    params.int64(seconds_of(now));
    const auto first = optional_first(
        exec(db, "SELECT MIN(date_scheduled) FROM fulfillments WHERE state = 'waiting' AND date_scheduled > $1", params));
    if (!first) return std::optional<std::chrono::sys_seconds>{};
    return std::optional<std::chrono::sys_seconds>{time_of(*first)};
  });
}

Result<std::vector<std::int64_t>, StoreError> PostgresFulfillmentStore::in_progress(Millis now) {
  return guarded([&](Connection& db) -> Result<std::vector<std::int64_t>, StoreError> {
    Params params;
    params.int64(millis_of(now));
    return ids_of(exec(db,
                       "SELECT shipment_id FROM fulfillments WHERE state IN ('picking', 'packing') AND "
                       "work_until_ms <= $1 ORDER BY shipment_id",
                       params));
  });
}

Result<std::optional<Fulfillment>, StoreError> PostgresFulfillmentStore::claim_work(std::int64_t shipment_id,
                                                                                Millis now,
                                                                                std::chrono::milliseconds lease) {
  return guarded([&](Connection& db) -> Result<std::optional<Fulfillment>, StoreError> {
    // One statement, committed with synchronous_commit on: a claim a crash of the database lost could
    // let a second instance take the same work. A row another transaction holds (another instance's
    // claim or step, an event's batch) is skipped, not waited for: the work is not claimable now, and
    // the next pass tries again.
    Params params;
    params.int64(shipment_id).int64(millis_of(now + lease)).int64(millis_of(now));
    const Rows claimed = exec(db,
                              std::string("UPDATE fulfillments SET work_until_ms = $2 WHERE shipment_id = "
                                          "(SELECT shipment_id FROM fulfillments WHERE shipment_id = $1 AND state "
                                          "IN ('picking', 'packing') AND work_until_ms <= $3 FOR UPDATE SKIP LOCKED) "
                                          "RETURNING ") +
                                  postgres_fulfillment_columns,
                              params);
    ++commits_;
    if (claimed.count() == 0) return std::optional<Fulfillment>{};
    return std::optional<Fulfillment>{postgres_fulfillment_from_row(claimed, 0)};
  });
}

Status<StoreError> PostgresFulfillmentStore::release_work(std::int64_t shipment_id) {
  return guarded([&](Connection& db) -> Status<StoreError> {
    // Not awaited on the disk: a release a crash lost only waits for the claim's lease.
    Params params;
    params.int64(shipment_id);
    must_run(db, "releasing work", "BEGIN; SET LOCAL synchronous_commit TO off");
    (void)exec(db, "UPDATE fulfillments SET work_until_ms = 0 WHERE shipment_id = $1", params);
    must_run(db, "releasing work", "COMMIT");
    return {};
  });
}

Status<StoreError> PostgresFulfillmentStore::ping() {
  return guarded([&](Connection& db) -> Status<StoreError> {
    (void)exec(db, "SELECT 1");
    return {};
  });
}

Result<std::map<State, std::size_t>, StoreError> PostgresFulfillmentStore::counts_by_state() {
  return guarded([&](Connection& db) -> Result<std::map<State, std::size_t>, StoreError> {
    std::map<State, std::size_t> counts;
    for (const State state : all_states()) counts[state] = 0;
    const Rows rows = exec(db, "SELECT state, COUNT(*) FROM fulfillments GROUP BY state");
    for (int row = 0; row < rows.count(); ++row) {
      if (const auto state = state_from_string(rows.view(row, 0))) {
        counts[*state] = static_cast<std::size_t>(rows.int64(row, 1));
      }
    }
    return counts;
  });
}

Result<std::vector<HistoryEntry>, StoreError> PostgresFulfillmentStore::history(std::int64_t shipment_id) {
  return guarded([&](Connection& db) -> Result<std::vector<HistoryEntry>, StoreError> {
    Params params;
    params.int64(shipment_id);
    const Rows rows = exec(db,
                           "SELECT at, kind, event_id, event_type, decision, from_state, to_state, detail, id AS place, "
                           "0 AS logged, 0::bigint AS seq FROM history WHERE shipment_id = $1 "
                           "UNION ALL SELECT handled_at, 'event', event_id, event_type, decision, '', '', explanation, "
                           "history_after, 1, seq FROM event_log WHERE shipment_id = $1 AND history_after IS NOT NULL "
                           "ORDER BY place, logged, seq",
                           params);
    std::vector<HistoryEntry> entries;
    for (int row = 0; row < rows.count(); ++row) {
      HistoryEntry entry;
      entry.shipment_id = shipment_id;
      entry.at = time_of(rows.int64(row, 0));
      entry.kind = history_kind_from_string(rows.view(row, 1)).value_or(HistoryKind::note);
      entry.event_id = rows.bytes(row, 2);
      entry.event_type = rows.bytes(row, 3);
      entry.decision = rows.bytes(row, 4);
      entry.from_state = rows.bytes(row, 5);
      entry.to_state = rows.bytes(row, 6);
      entry.detail = rows.bytes(row, 7);
      entries.push_back(std::move(entry));
    }
    return entries;
  });
}

Result<std::vector<EventLogEntry>, StoreError> PostgresFulfillmentStore::events(const EventQuery& filter) {
  return guarded([&](Connection& db) -> Result<std::vector<EventLogEntry>, StoreError> {
    Params params;
    params.int64(static_cast<std::int64_t>(filter.limit));
    std::string sql =
        "SELECT event_id, event_type, shipment_id, event_date, handled_at, decision, explanation, body FROM event_log "
        "WHERE true";
    int next = 2;
    if (filter.shipment_id) {
      sql += " AND shipment_id = $" + std::to_string(next++);
      params.int64(*filter.shipment_id);
    }
    if (filter.event_type) {
      sql += " AND event_type = $" + std::to_string(next++);
      params.text(*filter.event_type);
    }
    sql += " ORDER BY seq DESC LIMIT $1";
    const Rows rows = exec(db, sql, params);
    std::vector<EventLogEntry> records;
    for (int row = 0; row < rows.count(); ++row) {
      EventLogEntry record;
      record.event_id = rows.bytes(row, 0);
      record.event_type = rows.bytes(row, 1);
      record.shipment_id = rows.optional_int64(row, 2);
      record.event_date = time_of(rows.int64(row, 3));
      record.handled_at = time_of(rows.int64(row, 4));
      record.decision = rows.bytes(row, 5);
      record.explanation = rows.bytes(row, 6);
      record.body = rows.bytes(row, 7);
      records.push_back(std::move(record));
    }
    return records;
  });
}

Result<std::vector<OutboxEntry>, StoreError> PostgresFulfillmentStore::claim_outbox_due(Millis now, std::size_t limit,
                                                                                        std::chrono::milliseconds lease) {
  return guarded([&](Connection& db) -> Result<std::vector<OutboxEntry>, StoreError> {
    // Not awaited on the disk: a claim a crash lost makes the entry due again, and a second post of it
    // carries the same Idempotency-Key.
    Params params;
    params.int64(millis_of(now)).int64(millis_of(now + lease)).int64(static_cast<std::int64_t>(limit));
    must_run(db, "claiming tracking posts", "BEGIN; SET LOCAL synchronous_commit TO off");
    const Rows rows = exec(db,
                           std::string("UPDATE tracking_outbox SET claimed_until_ms = $2 WHERE shipment_id IN ("
                                       "SELECT shipment_id FROM tracking_outbox WHERE state = 'pending' AND "
                                       "next_attempt_ms <= $1 AND claimed_until_ms <= $1 ORDER BY next_attempt_ms, "
                                       "shipment_id LIMIT $3 FOR UPDATE SKIP LOCKED) RETURNING ") +
                               postgres_outbox_columns,
                           params);
    must_run(db, "claiming tracking posts", "COMMIT");
    std::vector<OutboxEntry> entries;
    for (int row = 0; row < rows.count(); ++row) entries.push_back(postgres_outbox_from_row(rows, row));
    return entries;
  });
}

Result<std::optional<Millis>, StoreError> PostgresFulfillmentStore::outbox_next_attempt() {
  return guarded([&](Connection& db) -> Result<std::optional<Millis>, StoreError> {
    const auto first = optional_first(
        exec(db, "SELECT MIN(GREATEST(next_attempt_ms, claimed_until_ms)) FROM tracking_outbox WHERE state = 'pending'"));
    if (!first) return std::optional<Millis>{};
    return std::optional<Millis>{millis_time_of(*first)};
  });
}

Result<std::optional<OutboxEntry>, StoreError> PostgresFulfillmentStore::outbox_entry(std::int64_t shipment_id) {
  return guarded([&](Connection& db) -> Result<std::optional<OutboxEntry>, StoreError> {
    Params params;
    params.int64(shipment_id);
    const Rows rows = exec(
        db, std::string("SELECT ") + postgres_outbox_columns + " FROM tracking_outbox WHERE shipment_id = $1", params);
    if (rows.count() == 0) return std::optional<OutboxEntry>{};
    return std::optional<OutboxEntry>{postgres_outbox_from_row(rows, 0)};
  });
}

Result<bool, StoreError> PostgresFulfillmentStore::record_attempt(const TrackingAttempt& attempt, OutboxState state,
                                                                  Millis next_attempt_at) {
  return transaction([&](Connection& db) -> Result<bool, StoreError> {
    const std::string state_name(to_string(state));
    const std::string last_error = state == OutboxState::sent ? std::string() : attempt.detail;
    Params update;
    update.int64(attempt.shipment_id)
        .text(state_name)
        .int64(attempt.attempt)
        .int64(millis_of(next_attempt_at))
        .text(last_error)
        .int64(millis_of(attempt.at));
    const Rows updated = exec(db,
                              "UPDATE tracking_outbox SET state = $2, attempts = $3, next_attempt_ms = $4, "
                              "last_error = $5, sent_ms = CASE WHEN $2 = 'sent' THEN $6 ELSE sent_ms END, "
                              "claimed_until_ms = 0 WHERE shipment_id = $1 AND state = 'pending' AND attempts = $3 - 1",
                              update);
    if (updated.affected() != 1) return false;  // recorded already: the transaction commits nothing
    Params insert;
    insert.int64(attempt.shipment_id)
        .int64(attempt.attempt)
        .int64(millis_of(attempt.at))
        .text(attempt.outcome)
        .int64(attempt.http_status)
        .text(attempt.detail);
    exec(db,
         "INSERT INTO tracking_attempts(shipment_id, attempt, at_ms, outcome, http_status, detail) "
         "VALUES ($1, $2, $3, $4, $5, $6)",
         insert);
    insert_history(db, attempt_history(attempt));
    return true;
  });
}

Result<std::vector<OutboxEntry>, StoreError> PostgresFulfillmentStore::outbox_dead_letters(std::size_t limit) {
  return guarded([&](Connection& db) -> Result<std::vector<OutboxEntry>, StoreError> {
    Params params;
    params.int64(static_cast<std::int64_t>(limit));
    const Rows rows = exec(db,
                           std::string("SELECT ") + postgres_outbox_columns +
                               " FROM tracking_outbox WHERE state = 'dead' ORDER BY shipment_id LIMIT $1",
                           params);
    std::vector<OutboxEntry> entries;
    for (int row = 0; row < rows.count(); ++row) entries.push_back(postgres_outbox_from_row(rows, row));
    return entries;
  });
}

Result<bool, StoreError> PostgresFulfillmentStore::retry_dead_letter(std::int64_t shipment_id, Millis now) {
  return transaction([&](Connection& db) -> Result<bool, StoreError> {
    Params params;
    params.int64(shipment_id).int64(millis_of(now));
    const Rows updated = exec(db,
                              "UPDATE tracking_outbox SET state = 'pending', next_attempt_ms = $2, claimed_until_ms = 0 "
                              "WHERE shipment_id = $1 AND state = 'dead'",
                              params);
    const bool changed = updated.affected() == 1;
    if (changed) {
      insert_history(db, dead_letter_retry_history(shipment_id, now));
    }
    return changed;
  });
}

Result<std::vector<TrackingAttempt>, StoreError> PostgresFulfillmentStore::attempts(std::int64_t shipment_id) {
  return guarded([&](Connection& db) -> Result<std::vector<TrackingAttempt>, StoreError> {
    Params params;
    params.int64(shipment_id);
    const Rows rows = exec(db,
                           "SELECT attempt, at_ms, outcome, http_status, detail FROM tracking_attempts WHERE "
                           "shipment_id = $1 ORDER BY id",
                           params);
    std::vector<TrackingAttempt> found;
    for (int row = 0; row < rows.count(); ++row) {
      TrackingAttempt attempt;
      attempt.shipment_id = shipment_id;
      attempt.attempt = static_cast<int>(rows.int64(row, 0));
      attempt.at = millis_time_of(rows.int64(row, 1));
      attempt.outcome = rows.bytes(row, 2);
      attempt.http_status = static_cast<int>(rows.int64(row, 3));
      attempt.detail = rows.bytes(row, 4);
      found.push_back(std::move(attempt));
    }
    return found;
  });
}

Result<OutboxCounts, StoreError> PostgresFulfillmentStore::outbox_counts() {
  return guarded([&](Connection& db) -> Result<OutboxCounts, StoreError> {
    OutboxCounts counts;
    const Rows rows = exec(db, "SELECT state, COUNT(*), SUM(attempts)::bigint FROM tracking_outbox GROUP BY state");
    for (int row = 0; row < rows.count(); ++row) {
      const auto count = static_cast<std::size_t>(rows.int64(row, 1));
      counts.attempts += static_cast<std::uint64_t>(rows.optional_int64(row, 2).value_or(0));
      switch (outbox_state_from(rows.view(row, 0))) {
        case OutboxState::pending: counts.pending = count; break;
        case OutboxState::sent: counts.sent = count; break;
        case OutboxState::dead: counts.dead = count; break;
      }
    }
    return counts;
  });
}

Status<StoreError> PostgresFulfillmentStore::read(const std::function<void(Connection&)>& query) {
  return guarded([&](Connection& db) -> Status<StoreError> {
    query(db);
    return {};
  });
}

Result<std::unique_ptr<FulfillmentQueries>, StoreError> PostgresFulfillmentStore::open_queries() {
  return open_postgres_queries(*this);
}

std::uint64_t PostgresFulfillmentStore::sync_count() { return commits_.load(); }

}  // namespace fulfillment
