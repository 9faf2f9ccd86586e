// The dashboard's queries in SQL for a PostgreSQL fulfillment store: the same pages as on SQLite,
// with PostgreSQL's numbered parameters and its case-insensitive ILIKE.

#include <deque>

#include "storage/fulfillment_queries.hpp"
#include "storage/store_sql.hpp"
#include "storage/postgres_fulfillment_store.hpp"

namespace fulfillment {
namespace {

using hookline::fail;
using hookline::Result;
using hookline::postgres::Connection;
using hookline::postgres::Params;
using hookline::postgres::Rows;



/// A statement's parameters, numbered as they are added: each call returns its placeholder ($1, $2, ...).
class Bound {
 public:
  std::string operator()(std::int64_t value) {
    params_.int64(value);
    return next();
  }
  std::string operator()(std::string text) {
    params_.text(texts_.emplace_back(std::move(text)));
    return next();
  }
  [[nodiscard]] const Params& params() const noexcept { return params_; }

 private:
  std::string next() { return "$" + std::to_string(params_.size()); }
  std::deque<std::string> texts_;  // a deque keeps the addresses the parameters point at
  Params params_;
};

std::int64_t count_of(const Rows& rows) { return rows.count() > 0 ? rows.int64(0, 0) : 0; }

Rows run(Connection& db, const std::string& sql, const Params& params = {}) {
  return rows_or_throw(db.exec("dashboard query", sql, params));
}

/// The dashboard's queries over a PostgreSQL fulfillment store, on its connection under its lock.
class PostgresFulfillmentQueries final : public FulfillmentQueries {
 public:
  explicit PostgresFulfillmentQueries(PostgresFulfillmentStore& store) : store_(store) {}

  Result<QueryPage<ListedFulfillment>, StoreError> fulfillments(const FulfillmentFilter& filter) override;
  Result<bool, StoreError> has_open_conflict(std::int64_t shipment_id) override;
  Result<QueryPage<LoggedEvent>, StoreError> events(const EventFilter& filter) override;
  Result<QueryPage<OpenConflict>, StoreError> conflicts(std::size_t limit, std::optional<std::int64_t> cursor) override;
  Result<QueryPage<HeldShipment>, StoreError> held(std::chrono::sys_seconds held_before, std::size_t limit,
                                                   std::optional<std::int64_t> cursor) override;
  Result<QueryPage<OutboxEntry>, StoreError> outbox_dead_letters(std::size_t limit,
                                                                 std::optional<std::int64_t> cursor) override;
  Result<AttentionCounts, StoreError> attention(std::chrono::sys_seconds held_before) override;
  Result<std::vector<MinuteCount>, StoreError> events_per_minute(std::chrono::sys_seconds since) override;
  Result<std::optional<std::chrono::sys_seconds>, StoreError> last_handled() override;

 private:
  PostgresFulfillmentStore& store_;
};

/// The WHERE clause of a fulfillments page and its parameters (bound into `bound`).
std::string fulfillment_filter(const FulfillmentFilter& filter, Bound& bound) {
  std::string where = " WHERE true";
  if (filter.state) where += " AND f.state = " + bound(std::string(to_string(*filter.state)));
  if (filter.needs_attention) {
    where += std::string(" AND (f.state = 'error' OR EXISTS (SELECT 1 FROM history h WHERE h.shipment_id = f.shipment_id "
                         "AND h.kind = 'conflict' AND ") + conflict_is_open + "))";
  }
  const auto id = filter.search ? whole_number(*filter.search) : std::nullopt;
  if (filter.search && id) {
    // A number: an id or a tracking number, each from its index.
    const auto number = bound(*id);
    where += " AND (f.shipment_id = " + number + " OR f.order_id = " + number + " OR f.customer_id = " + number +
             " OR f.tracking_number = " + bound(*filter.search) + ")";
  } else if (filter.search) {
    const std::string pattern = like_escaped(json_escaped(*filter.search));
    where += " AND (f.tracking_number = " + bound(*filter.search) + " OR f.address ILIKE " + bound("%" + pattern + "%") +
             " ESCAPE '\\' OR f.items ILIKE " + bound("%\"item_sku\":\"" + pattern + "%") + " ESCAPE '\\')";
  }
  return where;
}

Result<QueryPage<ListedFulfillment>, StoreError> PostgresFulfillmentQueries::fulfillments(const FulfillmentFilter& filter) {
  QueryPage<ListedFulfillment> page;
  auto read = store_.read([&](Connection& db) {
    Bound bound;
    std::string sql = std::string("SELECT ") +
                      "f.shipment_id, f.state, f.address, f.items, f.date_scheduled, f.customer_id, "
                      "f.order_id, f.tracking_number, f.carrier_id, f.shipped_at, f.tracking_source, f.attention, "
                      "f.created_at, f.updated_at, (EXISTS (SELECT 1 FROM history h WHERE h.shipment_id = "
                      "f.shipment_id AND h.kind = 'conflict' AND " +
                      conflict_is_open + "))::int::bigint FROM fulfillments f" + fulfillment_filter(filter, bound);
    if (filter.cursor) {
      const auto cursor = bound(*filter.cursor);
      sql += " AND (f.created_at, f.shipment_id) < ((SELECT created_at FROM fulfillments WHERE shipment_id = " + cursor +
             "), " + cursor + ")";
    }
    sql += " ORDER BY f.created_at DESC, f.shipment_id DESC LIMIT " +
           bound(static_cast<std::int64_t>(filter.limit + 1));
    const Rows rows = run(db, sql, bound.params());
    for (int row = 0; row < rows.count(); ++row) {
      if (page.entries.size() == filter.limit) {
        page.next_cursor = page.entries.back().fulfillment.shipment_id;
        break;
      }
      page.entries.push_back(ListedFulfillment{postgres_fulfillment_from_row(rows, row), rows.int64(row, 14) != 0});
    }
    // Counting a search would read every row; a state (or nothing) is counted from an index.
    if (!filter.search) {
      Bound counted;
      const std::string where = fulfillment_filter(filter, counted);
      page.total = count_of(run(db, "SELECT COUNT(*) FROM fulfillments f" + where, counted.params()));
    }
  });
  if (!read) return fail(read.error());
  return page;
}

Result<bool, StoreError> PostgresFulfillmentQueries::has_open_conflict(std::int64_t shipment_id) {
  bool open = false;
  auto read = store_.read([&](Connection& db) {
    Bound bound;
    const std::string sql = "SELECT (EXISTS (SELECT 1 FROM history h WHERE h.shipment_id = " + bound(shipment_id) +
                            " AND h.kind = 'conflict' AND " + conflict_is_open + "))::int::bigint";
    open = count_of(run(db, sql, bound.params())) != 0;
  });
  if (!read) return fail(read.error());
  return open;
}

/// The WHERE clause of an event log page and its parameters (bound into `bound`).
std::string event_filter(const EventFilter& filter, Bound& bound) {
  std::string where = " WHERE true";
  if (filter.event_id) where += " AND event_id = " + bound(*filter.event_id);
  if (filter.event_type) where += " AND event_type = " + bound(*filter.event_type);
  if (filter.decision) where += " AND decision = " + bound(*filter.decision);
  if (filter.shipment_id) where += " AND shipment_id = " + bound(*filter.shipment_id);
  return where;
}

Result<QueryPage<LoggedEvent>, StoreError> PostgresFulfillmentQueries::events(const EventFilter& filter) {
  QueryPage<LoggedEvent> page;
  auto read = store_.read([&](Connection& db) {
    Bound bound;
    std::string sql =
        std::string("SELECT seq, event_id, event_type, shipment_id, event_date, handled_at, decision, explanation, ") +
        (filter.with_payload ? "body" : "''::text") + " FROM event_log" + event_filter(filter, bound);
    if (filter.cursor) sql += " AND seq < " + bound(*filter.cursor);
    sql += " ORDER BY seq DESC LIMIT " + bound(static_cast<std::int64_t>(filter.limit + 1));
    const Rows rows = run(db, sql, bound.params());
    for (int row = 0; row < rows.count(); ++row) {
      if (page.entries.size() == filter.limit) {
        page.next_cursor = page.entries.back().seq;
        break;
      }
      LoggedEvent logged;
      logged.seq = rows.int64(row, 0);
      logged.record.event_id = rows.bytes(row, 1);
      logged.record.event_type = rows.bytes(row, 2);
      logged.record.shipment_id = rows.optional_int64(row, 3);
      logged.record.event_date = time_of(rows.int64(row, 4));
      logged.record.handled_at = time_of(rows.int64(row, 5));
      logged.record.decision = rows.bytes(row, 6);
      logged.record.explanation = rows.bytes(row, 7);
      logged.record.body = rows.bytes(row, 8);
      page.entries.push_back(std::move(logged));
    }
    Bound counted;
    const std::string where = event_filter(filter, counted);
    page.total = count_of(run(db, "SELECT COUNT(*) FROM event_log" + where, counted.params()));
  });
  if (!read) return fail(read.error());
  return page;
}

Result<QueryPage<OpenConflict>, StoreError> PostgresFulfillmentQueries::conflicts(std::size_t limit,
                                                                                std::optional<std::int64_t> cursor) {
  QueryPage<OpenConflict> page;
  auto read = store_.read([&](Connection& db) {
    Bound bound;
    std::string sql = std::string("SELECT h.id, h.shipment_id, h.at, h.event_id, h.event_type, h.decision, h.detail, "
                                  "COALESCE(f.state, '') FROM history h LEFT JOIN fulfillments f ON f.shipment_id = "
                                  "h.shipment_id WHERE h.kind = 'conflict' AND ") +
                      conflict_is_open;
    if (cursor) sql += " AND h.id < " + bound(*cursor);
    sql += " ORDER BY h.id DESC LIMIT " + bound(static_cast<std::int64_t>(limit + 1));
    const Rows rows = run(db, sql, bound.params());
    for (int row = 0; row < rows.count(); ++row) {
      if (page.entries.size() == limit) {
        page.next_cursor = page.entries.back().history_id;
        break;
      }
      OpenConflict conflict;
      conflict.history_id = rows.int64(row, 0);
      conflict.entry.shipment_id = rows.int64(row, 1);
      conflict.entry.at = time_of(rows.int64(row, 2));
      conflict.entry.kind = HistoryKind::conflict;
      conflict.entry.event_id = rows.bytes(row, 3);
      conflict.entry.event_type = rows.bytes(row, 4);
      conflict.entry.decision = rows.bytes(row, 5);
      conflict.entry.detail = rows.bytes(row, 6);
      conflict.state = rows.bytes(row, 7);
      page.entries.push_back(std::move(conflict));
    }
    page.total =
        count_of(run(db, std::string("SELECT COUNT(*) FROM history h WHERE h.kind = 'conflict' AND ") + conflict_is_open));
  });
  if (!read) return fail(read.error());
  return page;
}

Result<QueryPage<HeldShipment>, StoreError> PostgresFulfillmentQueries::held(std::chrono::sys_seconds held_before,
                                                                           std::size_t limit,
                                                                           std::optional<std::int64_t> cursor) {
  QueryPage<HeldShipment> page;
  auto read = store_.read([&](Connection& db) {
    Bound bound;
    std::string sql = "SELECT e.shipment_id, COUNT(*), MIN(e.handled_at), MAX(e.handled_at) FROM event_log e WHERE " +
                      held_too_long(bound(seconds_of(held_before)));
    if (cursor) sql += " AND e.shipment_id > " + bound(*cursor);
    sql += " GROUP BY e.shipment_id ORDER BY e.shipment_id LIMIT " + bound(static_cast<std::int64_t>(limit + 1));
    const Rows rows = run(db, sql, bound.params());
    for (int row = 0; row < rows.count(); ++row) {
      if (page.entries.size() == limit) {
        page.next_cursor = page.entries.back().shipment_id;
        break;
      }
      HeldShipment held;
      held.shipment_id = rows.int64(row, 0);
      held.events = static_cast<std::size_t>(rows.int64(row, 1));
      held.first_held_at = time_of(rows.int64(row, 2));
      held.last_held_at = time_of(rows.int64(row, 3));
      page.entries.push_back(held);
    }
    Bound counted;
    const std::string count_sql =
        "SELECT COUNT(DISTINCT e.shipment_id) FROM event_log e WHERE " + held_too_long(counted(seconds_of(held_before)));
    page.total = count_of(run(db, count_sql, counted.params()));
  });
  if (!read) return fail(read.error());
  return page;
}

Result<QueryPage<OutboxEntry>, StoreError> PostgresFulfillmentQueries::outbox_dead_letters(
    std::size_t limit, std::optional<std::int64_t> cursor) {
  QueryPage<OutboxEntry> page;
  auto read = store_.read([&](Connection& db) {
    Bound bound;
    std::string sql = std::string("SELECT ") + postgres_outbox_columns + " FROM tracking_outbox WHERE state = 'dead'";
    if (cursor) sql += " AND shipment_id > " + bound(*cursor);
    sql += " ORDER BY shipment_id LIMIT " + bound(static_cast<std::int64_t>(limit + 1));
    const Rows rows = run(db, sql, bound.params());
    for (int row = 0; row < rows.count(); ++row) {
      if (page.entries.size() == limit) {
        page.next_cursor = page.entries.back().shipment_id;
        break;
      }
      page.entries.push_back(postgres_outbox_from_row(rows, row));
    }
    page.total = count_of(run(db, "SELECT COUNT(*) FROM tracking_outbox WHERE state = 'dead'"));
  });
  if (!read) return fail(read.error());
  return page;
}

Result<AttentionCounts, StoreError> PostgresFulfillmentQueries::attention(std::chrono::sys_seconds held_before) {
  AttentionCounts counts;
  auto read = store_.read([&](Connection& db) {
    counts.errors = static_cast<std::size_t>(count_of(run(db, "SELECT COUNT(*) FROM fulfillments WHERE state = 'error'")));
    counts.conflicts = static_cast<std::size_t>(
        count_of(run(db, std::string("SELECT COUNT(*) FROM history h WHERE h.kind = 'conflict' AND ") + conflict_is_open)));
    Bound bound;
    const std::string sql =
        "SELECT COUNT(DISTINCT e.shipment_id) FROM event_log e WHERE " + held_too_long(bound(seconds_of(held_before)));
    counts.held = static_cast<std::size_t>(count_of(run(db, sql, bound.params())));
  });
  if (!read) return fail(read.error());
  return counts;
}

Result<std::vector<MinuteCount>, StoreError> PostgresFulfillmentQueries::events_per_minute(std::chrono::sys_seconds since) {
  std::vector<MinuteCount> minutes;
  auto read = store_.read([&](Connection& db) {
    Bound bound;
    const std::string sql = "SELECT handled_at / 60, COUNT(*) FROM event_log WHERE handled_at >= " +
                            bound(seconds_of(since)) + " GROUP BY handled_at / 60 ORDER BY 1";
    const Rows rows = run(db, sql, bound.params());
    for (int row = 0; row < rows.count(); ++row) {
      minutes.push_back(MinuteCount{time_of(rows.int64(row, 0) * 60), static_cast<std::size_t>(rows.int64(row, 1))});
    }
  });
  if (!read) return fail(read.error());
  return minutes;
}

Result<std::optional<std::chrono::sys_seconds>, StoreError> PostgresFulfillmentQueries::last_handled() {
  std::optional<std::chrono::sys_seconds> last;
  auto read = store_.read([&](Connection& db) {
    const Rows rows = run(db, "SELECT MAX(handled_at) FROM event_log");
    if (rows.count() > 0 && !rows.is_null(0, 0)) last = time_of(rows.int64(0, 0));
  });
  if (!read) return fail(read.error());
  return last;
}

}  // namespace

Result<std::unique_ptr<FulfillmentQueries>, StoreError> open_postgres_queries(PostgresFulfillmentStore& store) {
  // Their indexes are in the store's schema migrations: made once, by the first instance.
  return std::unique_ptr<FulfillmentQueries>(std::make_unique<PostgresFulfillmentQueries>(store));
}

}  // namespace fulfillment
