#include "store.hpp"

#include <algorithm>
#include <array>
#include <set>
#include <stdexcept>
#include <string_view>
#include <utility>

#include "hookline/sqlite_files.hpp"
#include "sqlite_layer/durable_connection.hpp"

namespace hookline::simulator {

namespace {

constexpr const char* schema = R"sql(
CREATE TABLE IF NOT EXISTS events (
  sequence INTEGER PRIMARY KEY AUTOINCREMENT,
  event_id TEXT NOT NULL,
  type TEXT NOT NULL,
  name TEXT NOT NULL,
  entity TEXT NOT NULL,
  campaign_id INTEGER,
  body TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  queued_at INTEGER NOT NULL,
  next_attempt_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS events_due ON events(status, next_attempt_at);
CREATE TABLE IF NOT EXISTS deliveries (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  event_id TEXT NOT NULL,
  event_name TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  url TEXT NOT NULL,
  request_body TEXT NOT NULL,
  response_code INTEGER NOT NULL,
  response_body TEXT NOT NULL,
  error TEXT,
  error_detail TEXT,
  sent_at INTEGER NOT NULL,
  duration_us INTEGER NOT NULL,
  status TEXT NOT NULL,
  test INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS deliveries_event ON deliveries(event_id);
CREATE TABLE IF NOT EXISTS shipments (
  shipment_id INTEGER PRIMARY KEY,
  status TEXT NOT NULL,
  date_scheduled INTEGER,
  campaign_id INTEGER,
  tracking_id TEXT,
  carrier_id INTEGER,
  date_complete TEXT,
  tracking_calls INTEGER NOT NULL DEFAULT 0,
  tracking_effective INTEGER NOT NULL DEFAULT 0,
  customer_id INTEGER,
  order_id INTEGER,
  date_cancel INTEGER,
  items TEXT,
  address TEXT,
  schedule_at INTEGER,
  items_at INTEGER,
  address_at INTEGER);
CREATE TABLE IF NOT EXISTS tracking_calls (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  shipment_id INTEGER NOT NULL,
  idempotency_key TEXT,
  request_body TEXT NOT NULL,
  response_code INTEGER NOT NULL,
  response_body TEXT NOT NULL,
  effective INTEGER NOT NULL,
  received_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS idempotency_keys (
  key TEXT PRIMARY KEY,
  fingerprint TEXT NOT NULL,
  status INTEGER NOT NULL,
  body TEXT NOT NULL);
)sql";

/// Columns of `shipments` added after its first version: a database made by an older simulator gets them at open.
constexpr std::array<std::pair<std::string_view, std::string_view>, 8> later_shipment_columns{{
    {"customer_id", "INTEGER"},
    {"order_id", "INTEGER"},
    {"date_cancel", "INTEGER"},
    {"items", "TEXT"},
    {"address", "TEXT"},
    {"schedule_at", "INTEGER"},
    {"items_at", "INTEGER"},
    {"address_at", "INTEGER"},
}};

/// Columns of `deliveries` added after its first version.
constexpr std::array<std::pair<std::string_view, std::string_view>, 1> later_delivery_columns{{
    {"error_detail", "TEXT"},
}};

template <std::size_t count>
void add_missing_columns(SQLite::Database& db, std::string_view table,
                         const std::array<std::pair<std::string_view, std::string_view>, count>& later) {
  std::set<std::string, std::less<>> present;
  SQLite::Statement columns(db, "PRAGMA table_info(" + std::string(table) + ")");
  while (columns.executeStep()) present.insert(columns.getColumn(1).getString());
  for (const auto& [name, type] : later) {
    if (!present.contains(name)) {
      db.exec("ALTER TABLE " + std::string(table) + " ADD COLUMN " + std::string(name) + " " + std::string(type));
    }
  }
}

std::int64_t seconds(std::chrono::sys_seconds when) { return when.time_since_epoch().count(); }
std::chrono::sys_seconds from_seconds(std::int64_t count) {
  return std::chrono::sys_seconds{std::chrono::seconds{count}};
}

template <class T>
void bind_optional(SQLite::Statement& statement, int index, const std::optional<T>& value) {
  if (value) {
    statement.bind(index, *value);
  } else {
    statement.bind(index);
  }
}

std::optional<std::int64_t> optional_integer(const SQLite::Column& column) {
  if (column.isNull()) return std::nullopt;
  return column.getInt64();
}

std::optional<std::string> optional_text(const SQLite::Column& column) {
  if (column.isNull()) return std::nullopt;
  return column.getString();
}

QueuedEvent read_event(SQLite::Statement& row) {
  QueuedEvent event;
  event.sequence = row.getColumn(0).getInt64();
  event.event_id = row.getColumn(1).getString();
  event.type = row.getColumn(2).getString();
  event.name = row.getColumn(3).getString();
  event.entity = row.getColumn(4).getString();
  event.campaign_id = optional_integer(row.getColumn(5));
  event.body = row.getColumn(6).getString();
  event.status = event_status_from_string(row.getColumn(7).getString()).value_or(EventStatus::failed);
  event.attempts = row.getColumn(8).getInt();
  event.queued_at = from_seconds(row.getColumn(9).getInt64());
  event.next_attempt_at = from_seconds(row.getColumn(10).getInt64());
  return event;
}

constexpr const char* event_columns =
    "SELECT sequence, event_id, type, name, entity, campaign_id, body, status, attempts, queued_at, next_attempt_at "
    "FROM events ";

ShipmentRecord read_shipment(SQLite::Statement& row) {
  ShipmentRecord shipment;
  shipment.shipment_id = row.getColumn(0).getInt64();
  shipment.status = row.getColumn(1).getString();
  if (const auto date = optional_integer(row.getColumn(2))) shipment.date_scheduled = from_seconds(*date);
  shipment.campaign_id = optional_integer(row.getColumn(3));
  shipment.tracking_id = optional_text(row.getColumn(4));
  shipment.carrier_id = optional_integer(row.getColumn(5));
  shipment.date_complete = optional_text(row.getColumn(6));
  shipment.tracking_calls = row.getColumn(7).getInt();
  shipment.tracking_effective = row.getColumn(8).getInt();
  shipment.customer_id = optional_integer(row.getColumn(9));
  shipment.order_id = optional_integer(row.getColumn(10));
  if (const auto date = optional_integer(row.getColumn(11))) shipment.date_cancel = from_seconds(*date);
  shipment.items = optional_text(row.getColumn(12));
  shipment.address = optional_text(row.getColumn(13));
  return shipment;
}

constexpr const char* shipment_columns =
    "SELECT shipment_id, status, date_scheduled, campaign_id, tracking_id, carrier_id, date_complete, "
    "tracking_calls, tracking_effective, customer_id, order_id, date_cancel, items, address FROM shipments ";

/// `path`, once its files are private (mode 0600; wider ones narrowed); throws when they cannot be.
const std::string& made_private(const std::string& path) {
  if (const auto made = make_database_private(path); !made) throw std::runtime_error(made.error());
  return path;
}

}  // namespace

Store::Store(const std::string& path)
    : db_(sqlite::open_durable_connection(made_private(path), {})),
      statements_(std::make_unique<sqlite::StatementCache>(*db_)) {
  db_->exec(schema);
  add_missing_columns(*db_, "shipments", later_shipment_columns);
  add_missing_columns(*db_, "deliveries", later_delivery_columns);
  if (path != ":memory:" && !path.empty()) {
    read_db_ = sqlite::open_durable_connection(path, {});
    read_statements_ = std::make_unique<sqlite::StatementCache>(*read_db_);
  }
}

void Store::insert_event(QueuedEvent& event) {
  const std::lock_guard lock(mutex_);
  const sqlite::StatementCache::Scope scope(*statements_);
  SQLite::Statement& insert = statements_->prepare(
      "INSERT INTO events (event_id, type, name, entity, campaign_id, body, status, attempts, "
      "queued_at, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  insert.bind(1, event.event_id);
  insert.bind(2, event.type);
  insert.bind(3, event.name);
  insert.bind(4, event.entity);
  bind_optional(insert, 5, event.campaign_id);
  insert.bind(6, event.body);
  insert.bind(7, std::string(to_string(event.status)));
  insert.bind(8, event.attempts);
  insert.bind(9, seconds(event.queued_at));
  insert.bind(10, seconds(event.next_attempt_at));
  insert.exec();
  event.sequence = db_->getLastInsertRowid();
}

std::vector<QueuedEvent> Store::due_events(std::chrono::sys_seconds now) {
  const std::lock_guard lock(mutex_);
  const sqlite::StatementCache::Scope scope(*statements_);
  SQLite::Statement& query = statements_->prepare(std::string(event_columns) +
                                                  "WHERE status IN ('pending', 'retrying') AND next_attempt_at <= ? "
                                                  "ORDER BY sequence");
  query.bind(1, seconds(now));
  std::vector<QueuedEvent> due;
  while (query.executeStep()) due.push_back(read_event(query));
  return due;
}

void Store::record_attempt(const QueuedEvent& event, DeliveryRecord& delivery) {
  const std::lock_guard lock(mutex_);
  const sqlite::StatementCache::Scope scope(*statements_);
  SQLite::Transaction transaction(*db_);
  auto& update =
      statements_->prepare("UPDATE events SET status = ?, attempts = ?, next_attempt_at = ? WHERE sequence = ?");
  update.bind(1, std::string(to_string(event.status)));
  update.bind(2, event.attempts);
  update.bind(3, seconds(event.next_attempt_at));
  update.bind(4, event.sequence);
  update.exec();
  auto& insert = statements_->prepare(
      "INSERT INTO deliveries (event_id, event_name, attempt, url, request_body, response_code, response_body, "
      "error, error_detail, sent_at, duration_us, status, test) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  insert.bind(1, delivery.event_id);
  insert.bind(2, delivery.event_name);
  insert.bind(3, delivery.attempt);
  insert.bind(4, delivery.url);
  insert.bind(5, delivery.request_body);
  insert.bind(6, delivery.response_code);
  insert.bind(7, delivery.response_body);
  bind_optional(insert, 8, delivery.error);
  insert.bind(9, delivery.error_detail);
  insert.bind(10, seconds(delivery.sent_at));
  insert.bind(11, delivery.duration_us);
  insert.bind(12, std::string(to_string(delivery.status)));
  insert.bind(13, delivery.test ? 1 : 0);
  insert.exec();
  delivery.id = db_->getLastInsertRowid();
  transaction.commit();
}

std::vector<QueuedEvent> Store::events(std::int64_t after, std::int64_t limit) {
  const std::lock_guard lock(mutex_);
  const sqlite::StatementCache::Scope scope(*statements_);
  SQLite::Statement& query =
      statements_->prepare(std::string(event_columns) + "WHERE sequence > ? ORDER BY sequence LIMIT ?");
  query.bind(1, after);
  query.bind(2, limit);
  std::vector<QueuedEvent> all;
  while (query.executeStep()) all.push_back(read_event(query));
  return all;
}

std::int64_t Store::next_event_id(std::int64_t floor) {
  const std::lock_guard lock(mutex_);
  const sqlite::StatementCache::Scope scope(*statements_);
  SQLite::Statement& query = statements_->prepare(
      "SELECT MAX(CAST(event_id AS INTEGER)) FROM events WHERE event_id <> '' AND "
      "event_id NOT GLOB '*[^0-9]*' AND length(event_id) < 19");
  std::int64_t next = floor;
  if (query.executeStep() && !query.getColumn(0).isNull()) next = std::max(floor, query.getColumn(0).getInt64() + 1);
  return next;
}

std::vector<DeliveryRecord> Store::deliveries(const DeliveryFilter& filter, std::int64_t after, std::int64_t limit) {
  const std::lock_guard lock(mutex_);
  const sqlite::StatementCache::Scope scope(*statements_);
  SQLite::Statement& query = statements_->prepare(
      "SELECT id, event_id, event_name, attempt, url, request_body, response_code, response_body, "
      "error, sent_at, duration_us, status, test, error_detail FROM deliveries "
      "WHERE (?1 IS NULL OR event_id = ?1) AND (?2 IS NULL OR status = ?2) AND id > ?3 "
      "ORDER BY id LIMIT ?4");
  bind_optional(query, 1, filter.event_id);
  if (filter.status) {
    query.bind(2, std::string(to_string(*filter.status)));
  } else {
    query.bind(2);
  }
  query.bind(3, after);
  query.bind(4, limit);
  std::vector<DeliveryRecord> log;
  while (query.executeStep()) {
    DeliveryRecord delivery;
    delivery.id = query.getColumn(0).getInt64();
    delivery.event_id = query.getColumn(1).getString();
    delivery.event_name = query.getColumn(2).getString();
    delivery.attempt = query.getColumn(3).getInt();
    delivery.url = query.getColumn(4).getString();
    delivery.request_body = query.getColumn(5).getString();
    delivery.response_code = query.getColumn(6).getInt();
    delivery.response_body = query.getColumn(7).getString();
    delivery.error = optional_text(query.getColumn(8));
    delivery.sent_at = from_seconds(query.getColumn(9).getInt64());
    delivery.duration_us = query.getColumn(10).getInt64();
    delivery.status = event_status_from_string(query.getColumn(11).getString()).value_or(EventStatus::failed);
    delivery.test = query.getColumn(12).getInt() != 0;
    delivery.error_detail = query.getColumn(13).isNull() ? std::string() : query.getColumn(13).getString();
    log.push_back(std::move(delivery));
  }
  return log;
}

void Store::apply_shipment_change(const ShipmentChange& change) {
  const std::lock_guard lock(mutex_);
  const sqlite::StatementCache::Scope scope(*statements_);
  SQLite::Transaction transaction(*db_);
  const auto id = change.shipment_id;
  const auto at = seconds(change.at);
  SQLite::Statement& create =
      statements_->prepare("INSERT OR IGNORE INTO shipments (shipment_id, status) VALUES (?, 'Pending Post')");
  create.bind(1, id);
  create.exec();
  // Each aspect keeps the newest value by the time it changed (queue order breaks a tie), whatever
  // order the events were queued in.
  const auto set_if_newer = [&](const char* column, const char* at_column, const auto& value) {
    SQLite::Statement& update =
        statements_->prepare(std::string("UPDATE shipments SET ") + column + " = ?, " + at_column +
                             " = ? WHERE shipment_id = ? AND (" + at_column + " IS NULL OR " + at_column + " <= ?)");
    update.bind(1, value);
    update.bind(2, at);
    update.bind(3, id);
    update.bind(4, at);
    update.exec();
  };
  if (change.date_scheduled) set_if_newer("date_scheduled", "schedule_at", seconds(*change.date_scheduled));
  if (change.items) set_if_newer("items", "items_at", *change.items);
  if (change.address) set_if_newer("address", "address_at", *change.address);
  const auto set_known = [&](const char* column, const std::optional<std::int64_t>& value) {
    if (!value) return;
    SQLite::Statement& update =
        statements_->prepare(std::string("UPDATE shipments SET ") + column + " = ? WHERE shipment_id = ?");
    update.bind(1, *value);
    update.bind(2, id);
    update.exec();
  };
  set_known("campaign_id", change.campaign_id);
  set_known("customer_id", change.customer_id);
  set_known("order_id", change.order_id);
  if (change.new_status) {
    SQLite::Statement& update = statements_->prepare(
        "UPDATE shipments SET status = ?, date_cancel = COALESCE(?, date_cancel) WHERE "
        "shipment_id = ? AND status = 'Pending Post'");
    update.bind(1, *change.new_status);
    const auto date_cancel =
        change.date_cancel ? std::optional<std::int64_t>(seconds(*change.date_cancel)) : std::nullopt;
    bind_optional(update, 2, date_cancel);
    update.bind(3, id);
    update.exec();
  }
  transaction.commit();
}

std::optional<ShipmentRecord> Store::shipment(std::int64_t shipment_id) {
  const std::lock_guard lock(read_db_ ? read_mutex_ : mutex_);
  auto& statements = read_db_ ? *read_statements_ : *statements_;
  const sqlite::StatementCache::Scope scope(statements);  // no read transaction stays open between calls
  auto& query = statements.prepare(std::string(shipment_columns) + "WHERE shipment_id = ?");
  query.bind(1, shipment_id);
  if (!query.executeStep()) return std::nullopt;
  return read_shipment(query);
}

std::vector<ShipmentRecord> Store::shipments() {
  const std::lock_guard lock(mutex_);
  const sqlite::StatementCache::Scope scope(*statements_);
  SQLite::Statement& query = statements_->prepare(std::string(shipment_columns) + "ORDER BY shipment_id");
  std::vector<ShipmentRecord> all;
  while (query.executeStep()) all.push_back(read_shipment(query));
  return all;
}

std::int64_t Store::next_shipment_id(std::int64_t floor) {
  const std::lock_guard lock(mutex_);
  const sqlite::StatementCache::Scope scope(*statements_);
  SQLite::Statement& query = statements_->prepare("SELECT MAX(shipment_id) FROM shipments");
  std::int64_t next = floor;
  if (query.executeStep() && !query.getColumn(0).isNull()) next = std::max(floor, query.getColumn(0).getInt64() + 1);
  return next;
}

void Store::mark_shipped(std::int64_t shipment_id, const std::string& tracking_id,
                         std::optional<std::int64_t> carrier_id, const std::string& date_complete) {
  const std::lock_guard lock(mutex_);
  const sqlite::StatementCache::Scope scope(*statements_);
  SQLite::Statement& update = statements_->prepare(
      "UPDATE shipments SET status = 'Shipped', tracking_id = ?, carrier_id = ?, "
      "date_complete = ? WHERE shipment_id = ?");
  update.bind(1, tracking_id);
  bind_optional(update, 2, carrier_id);
  update.bind(3, date_complete);
  update.bind(4, shipment_id);
  update.exec();
}

void Store::record_tracking_call(const TrackingCall& call) {
  const std::lock_guard lock(mutex_);
  const sqlite::StatementCache::Scope scope(*statements_);
  SQLite::Transaction transaction(*db_);
  SQLite::Statement& insert = statements_->prepare(
      "INSERT INTO tracking_calls (shipment_id, idempotency_key, request_body, response_code, "
      "response_body, effective, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)");
  insert.bind(1, call.shipment_id);
  bind_optional(insert, 2, call.idempotency_key);
  insert.bind(3, call.request_body);
  insert.bind(4, call.response_code);
  insert.bind(5, call.response_body);
  insert.bind(6, call.effective ? 1 : 0);
  insert.bind(7, seconds(call.received_at));
  insert.exec();
  SQLite::Statement& count = statements_->prepare(
      "UPDATE shipments SET tracking_calls = tracking_calls + 1, "
      "tracking_effective = tracking_effective + ? WHERE shipment_id = ?");
  count.bind(1, call.effective ? 1 : 0);
  count.bind(2, call.shipment_id);
  count.exec();
  transaction.commit();
}

std::vector<TrackingCall> Store::tracking_calls(std::optional<std::int64_t> shipment_id) {
  const std::lock_guard lock(mutex_);
  const sqlite::StatementCache::Scope scope(*statements_);
  SQLite::Statement& query = statements_->prepare(
      "SELECT shipment_id, idempotency_key, request_body, response_code, response_body, effective, "
      "received_at FROM tracking_calls WHERE (?1 IS NULL OR shipment_id = ?1) ORDER BY id");
  bind_optional(query, 1, shipment_id);
  std::vector<TrackingCall> calls;
  while (query.executeStep()) {
    TrackingCall call;
    call.shipment_id = query.getColumn(0).getInt64();
    call.idempotency_key = optional_text(query.getColumn(1));
    call.request_body = query.getColumn(2).getString();
    call.response_code = query.getColumn(3).getInt();
    call.response_body = query.getColumn(4).getString();
    call.effective = query.getColumn(5).getInt() != 0;
    call.received_at = from_seconds(query.getColumn(6).getInt64());
    calls.push_back(std::move(call));
  }
  return calls;
}

std::optional<StoredAnswer> Store::answer_for(const std::string& key) {
  const std::lock_guard lock(mutex_);
  const sqlite::StatementCache::Scope scope(*statements_);
  SQLite::Statement& query =
      statements_->prepare("SELECT fingerprint, status, body FROM idempotency_keys WHERE key = ?");
  query.bind(1, key);
  if (!query.executeStep()) return std::nullopt;
  return StoredAnswer{query.getColumn(0).getString(), query.getColumn(1).getInt(), query.getColumn(2).getString()};
}

void Store::keep_answer(const std::string& key, const StoredAnswer& answer) {
  const std::lock_guard lock(mutex_);
  const sqlite::StatementCache::Scope scope(*statements_);
  SQLite::Statement& insert = statements_->prepare(
      "INSERT OR IGNORE INTO idempotency_keys (key, fingerprint, status, body) VALUES (?, ?, ?, ?)");
  insert.bind(1, key);
  insert.bind(2, answer.fingerprint);
  insert.bind(3, answer.status);
  insert.bind(4, answer.body);
  insert.exec();
}

}  // namespace hookline::simulator
