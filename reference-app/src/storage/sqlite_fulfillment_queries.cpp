#include "storage/sqlite_fulfillment_queries.hpp"

#include "storage/fulfillment_queries.hpp"
#include "storage/store_sql.hpp"

#include <SQLiteCpp/SQLiteCpp.h>


namespace fulfillment {
namespace {

using hookline::fail;
using hookline::Result;

constexpr const char* indexes = R"sql(
CREATE INDEX IF NOT EXISTS fulfillments_newest ON fulfillments(created_at, shipment_id);
CREATE INDEX IF NOT EXISTS fulfillments_newest_by_state ON fulfillments(state, created_at, shipment_id);
CREATE INDEX IF NOT EXISTS fulfillments_by_order ON fulfillments(order_id);
CREATE INDEX IF NOT EXISTS fulfillments_by_customer ON fulfillments(customer_id);
CREATE INDEX IF NOT EXISTS fulfillments_by_tracking ON fulfillments(tracking_number);
CREATE INDEX IF NOT EXISTS history_conflicts ON history(shipment_id, id) WHERE kind = 'conflict';
CREATE INDEX IF NOT EXISTS history_dismissals ON history(shipment_id, id) WHERE decision = 'dismissed';
CREATE INDEX IF NOT EXISTS event_log_by_type ON event_log(event_type, seq);
CREATE INDEX IF NOT EXISTS event_log_by_decision ON event_log(decision, seq);
CREATE INDEX IF NOT EXISTS event_log_by_handled ON event_log(handled_at);
)sql";



std::int64_t count_of(SQLite::Statement& query) {
  return query.executeStep() ? query.getColumn(0).getInt64() : 0;
}

/// The dashboard's queries over an SQLite fulfillment store, on its connection under its lock.
class SqliteFulfillmentQueries final : public FulfillmentQueries {
 public:
  explicit SqliteFulfillmentQueries(SqliteFulfillmentStore& store) : store_(store) {}

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
  SqliteFulfillmentStore& store_;
};

}  // namespace

Result<std::unique_ptr<FulfillmentQueries>, StoreError> open_sqlite_queries(SqliteFulfillmentStore& store) {
  // The indexes are schema, created once like the store's own tables (IF NOT EXISTS).
  auto created = store.read([](StatementCache& statements) {
    const std::string_view all = indexes;
    std::size_t start = 0;
    while (start < all.size()) {
      const auto end = all.find(';', start);
      if (end == std::string_view::npos) break;
      const auto sql = all.substr(start, end - start);
      if (sql.find_first_not_of(" \n") != std::string_view::npos) statements.prepare(sql).exec();
      start = end + 1;
    }
  });
  if (!created) return fail(created.error());
  return std::unique_ptr<FulfillmentQueries>(std::make_unique<SqliteFulfillmentQueries>(store));
}

Result<QueryPage<ListedFulfillment>, StoreError> SqliteFulfillmentQueries::fulfillments(const FulfillmentFilter& filter) {
  QueryPage<ListedFulfillment> page;
  std::string where = " WHERE 1=1";
  if (filter.state) where += " AND f.state = ?";
  if (filter.needs_attention) {
    where += std::string(" AND (f.state = 'error' OR EXISTS (SELECT 1 FROM history h WHERE h.shipment_id = f.shipment_id "
                         "AND h.kind = 'conflict' AND ") + conflict_is_open + "))";
  }
  const auto id = filter.search ? whole_number(*filter.search) : std::nullopt;
  if (filter.search && id) {
    // A number: an id or a tracking number, each from its index.
    where += " AND (f.shipment_id = ? OR f.order_id = ? OR f.customer_id = ? OR f.tracking_number = ?)";
  } else if (filter.search) {
    // LIKE: case-insensitive for ASCII without lowering each row (several times faster than lower()).
    where += " AND (f.tracking_number = ? OR f.address LIKE ? ESCAPE '\\' OR f.items LIKE ? ESCAPE '\\')";
  }
  const auto bind_filter = [&](SQLite::Statement& query) {
    int index = 1;
    if (filter.state) query.bind(index++, std::string(to_string(*filter.state)));
    if (filter.search && id) {
      for (int i = 0; i < 3; ++i) query.bind(index++, *id);
      query.bind(index++, *filter.search);
    } else if (filter.search) {
      const std::string pattern = like_escaped(json_escaped(*filter.search));
      query.bind(index++, *filter.search);
      query.bind(index++, "%" + pattern + "%");
      query.bind(index++, "%\"item_sku\":\"" + pattern + "%");
    }
    return index;
  };
  auto read = store_.read([&](StatementCache& statements) {
    const std::string sql =
        std::string("SELECT ") + "f.shipment_id, f.state, f.address, f.items, f.date_scheduled, f.customer_id, "
        "f.order_id, f.tracking_number, f.carrier_id, f.shipped_at, f.tracking_source, f.attention, f.created_at, "
        "f.updated_at, EXISTS (SELECT 1 FROM history h WHERE h.shipment_id = f.shipment_id AND h.kind = 'conflict' AND " +
        conflict_is_open + ") FROM fulfillments f" + where +
        (filter.cursor ? " AND (f.created_at, f.shipment_id) < ((SELECT created_at FROM fulfillments WHERE shipment_id = ?), ?)"
                       : "") +
        " ORDER BY f.created_at DESC, f.shipment_id DESC LIMIT ?";
    SQLite::Statement& query = statements.prepare(sql);
    int index = bind_filter(query);
    if (filter.cursor) {
      query.bind(index++, *filter.cursor);
      query.bind(index++, *filter.cursor);
    }
    query.bind(index, static_cast<std::int64_t>(filter.limit + 1));
    while (query.executeStep()) {
      if (page.entries.size() == filter.limit) {
        page.next_cursor = page.entries.back().fulfillment.shipment_id;
        break;
      }
      page.entries.push_back(ListedFulfillment{fulfillment_from_row(query), query.getColumn(14).getInt() != 0});
    }
    // Counting a search would read every row; a state (or nothing) is counted from an index.
    if (!filter.search) {
      SQLite::Statement& count = statements.prepare("SELECT COUNT(*) FROM fulfillments f" + where);
      bind_filter(count);
      page.total = count_of(count);
    }
  });
  if (!read) return fail(read.error());
  return page;
}

Result<bool, StoreError> SqliteFulfillmentQueries::has_open_conflict(std::int64_t shipment_id) {
  bool open = false;
  auto read = store_.read([&](StatementCache& statements) {
    SQLite::Statement& query = statements.prepare(
        std::string("SELECT EXISTS (SELECT 1 FROM history h WHERE h.shipment_id = ? AND h.kind = 'conflict' AND ") +
        conflict_is_open + ")");
    query.bind(1, shipment_id);
    open = count_of(query) != 0;
  });
  if (!read) return fail(read.error());
  return open;
}

Result<QueryPage<LoggedEvent>, StoreError> SqliteFulfillmentQueries::events(const EventFilter& filter) {
  QueryPage<LoggedEvent> page;
  std::string where = " WHERE 1=1";
  if (filter.event_id) where += " AND event_id = ?";
  if (filter.event_type) where += " AND event_type = ?";
  if (filter.decision) where += " AND decision = ?";
  if (filter.shipment_id) where += " AND shipment_id = ?";
  const auto bind_filter = [&](SQLite::Statement& query) {
    int index = 1;
    if (filter.event_id) query.bind(index++, *filter.event_id);
    if (filter.event_type) query.bind(index++, *filter.event_type);
    if (filter.decision) query.bind(index++, *filter.decision);
    if (filter.shipment_id) query.bind(index++, *filter.shipment_id);
    return index;
  };
  auto read = store_.read([&](StatementCache& statements) {
    SQLite::Statement& query = statements.prepare(
        std::string("SELECT seq, event_id, event_type, shipment_id, event_date, handled_at, decision, explanation, ") +
        (filter.with_payload ? "body" : "''") + " FROM event_log" + where + (filter.cursor ? " AND seq < ?" : "") +
        " ORDER BY seq DESC LIMIT ?");
    int index = bind_filter(query);
    if (filter.cursor) query.bind(index++, *filter.cursor);
    query.bind(index, static_cast<std::int64_t>(filter.limit + 1));
    while (query.executeStep()) {
      if (page.entries.size() == filter.limit) {
        page.next_cursor = page.entries.back().seq;
        break;
      }
      LoggedEvent logged;
      logged.seq = query.getColumn(0).getInt64();
      logged.record.event_id = query.getColumn(1).getString();
      logged.record.event_type = query.getColumn(2).getString();
      if (!query.getColumn(3).isNull()) logged.record.shipment_id = query.getColumn(3).getInt64();
      logged.record.event_date = time_of(query.getColumn(4).getInt64());
      logged.record.handled_at = time_of(query.getColumn(5).getInt64());
      logged.record.decision = query.getColumn(6).getString();
      logged.record.explanation = query.getColumn(7).getString();
      logged.record.body = query.getColumn(8).getString();
      page.entries.push_back(std::move(logged));
    }
    SQLite::Statement& count = statements.prepare("SELECT COUNT(*) FROM event_log" + where);
    bind_filter(count);
    page.total = count_of(count);
  });
  if (!read) return fail(read.error());
  return page;
}

Result<QueryPage<OpenConflict>, StoreError> SqliteFulfillmentQueries::conflicts(std::size_t limit,
                                                                        std::optional<std::int64_t> cursor) {
  QueryPage<OpenConflict> page;
  auto read = store_.read([&](StatementCache& statements) {
    SQLite::Statement& query = statements.prepare(
        std::string("SELECT h.id, h.shipment_id, h.at, h.event_id, h.event_type, h.decision, h.detail, "
                    "COALESCE(f.state, '') FROM history h LEFT JOIN fulfillments f ON f.shipment_id = h.shipment_id "
                    "WHERE h.kind = 'conflict' AND ") +
        conflict_is_open + (cursor ? " AND h.id < ?" : "") + " ORDER BY h.id DESC LIMIT ?");
    int index = 1;
    if (cursor) query.bind(index++, *cursor);
    query.bind(index, static_cast<std::int64_t>(limit + 1));
    while (query.executeStep()) {
      if (page.entries.size() == limit) {
        page.next_cursor = page.entries.back().history_id;
        break;
      }
      OpenConflict conflict;
      conflict.history_id = query.getColumn(0).getInt64();
      conflict.entry.shipment_id = query.getColumn(1).getInt64();
      conflict.entry.at = time_of(query.getColumn(2).getInt64());
      conflict.entry.kind = HistoryKind::conflict;
      conflict.entry.event_id = query.getColumn(3).getString();
      conflict.entry.event_type = query.getColumn(4).getString();
      conflict.entry.decision = query.getColumn(5).getString();
      conflict.entry.detail = query.getColumn(6).getString();
      conflict.state = query.getColumn(7).getString();
      page.entries.push_back(std::move(conflict));
    }
    SQLite::Statement& count =
        statements.prepare(std::string("SELECT COUNT(*) FROM history h WHERE h.kind = 'conflict' AND ") + conflict_is_open);
    page.total = count_of(count);
  });
  if (!read) return fail(read.error());
  return page;
}

Result<QueryPage<HeldShipment>, StoreError> SqliteFulfillmentQueries::held(std::chrono::sys_seconds held_before, std::size_t limit,
                                                                   std::optional<std::int64_t> cursor) {
  QueryPage<HeldShipment> page;
  auto read = store_.read([&](StatementCache& statements) {
    SQLite::Statement& query = statements.prepare(
        std::string("SELECT e.shipment_id, COUNT(*), MIN(e.handled_at), MAX(e.handled_at) FROM event_log e WHERE ") +
        held_too_long("?") + (cursor ? " AND e.shipment_id > ?" : "") + " GROUP BY e.shipment_id ORDER BY e.shipment_id LIMIT ?");
    int index = 1;
    query.bind(index++, seconds_of(held_before));
    if (cursor) query.bind(index++, *cursor);
    query.bind(index, static_cast<std::int64_t>(limit + 1));
    while (query.executeStep()) {
      if (page.entries.size() == limit) {
        page.next_cursor = page.entries.back().shipment_id;
        break;
      }
      HeldShipment held;
      held.shipment_id = query.getColumn(0).getInt64();
      held.events = static_cast<std::size_t>(query.getColumn(1).getInt64());
      held.first_held_at = time_of(query.getColumn(2).getInt64());
      held.last_held_at = time_of(query.getColumn(3).getInt64());
      page.entries.push_back(held);
    }
    SQLite::Statement& count = statements.prepare(
        std::string("SELECT COUNT(DISTINCT e.shipment_id) FROM event_log e WHERE ") + held_too_long("?"));
    count.bind(1, seconds_of(held_before));
    page.total = count_of(count);
  });
  if (!read) return fail(read.error());
  return page;
}

Result<QueryPage<OutboxEntry>, StoreError> SqliteFulfillmentQueries::outbox_dead_letters(std::size_t limit,
                                                                                std::optional<std::int64_t> cursor) {
  QueryPage<OutboxEntry> page;
  auto read = store_.read([&](StatementCache& statements) {
    SQLite::Statement& query = statements.prepare(
        std::string("SELECT shipment_id, idempotency_key, tracking_number, carrier_id, date_complete, attempts, "
                    "next_attempt_ms, last_error FROM tracking_outbox WHERE state = 'dead'") +
        (cursor ? " AND shipment_id > ?" : "") + " ORDER BY shipment_id LIMIT ?");
    int index = 1;
    if (cursor) query.bind(index++, *cursor);
    query.bind(index, static_cast<std::int64_t>(limit + 1));
    while (query.executeStep()) {
      if (page.entries.size() == limit) {
        page.next_cursor = page.entries.back().shipment_id;
        break;
      }
      OutboxEntry entry;
      entry.shipment_id = query.getColumn(0).getInt64();
      entry.idempotency_key = query.getColumn(1).getString();
      entry.tracking_number = query.getColumn(2).getString();
      entry.carrier_id = query.getColumn(3).getInt64();
      entry.date_complete = query.getColumn(4).getString();
      entry.state = OutboxState::dead;
      entry.attempts = query.getColumn(5).getInt();
      entry.next_attempt_at = Millis{std::chrono::milliseconds{query.getColumn(6).getInt64()}};
      entry.last_error = query.getColumn(7).getString();
      page.entries.push_back(std::move(entry));
    }
    SQLite::Statement& count = statements.prepare("SELECT COUNT(*) FROM tracking_outbox WHERE state = 'dead'");
    page.total = count_of(count);
  });
  if (!read) return fail(read.error());
  return page;
}

Result<AttentionCounts, StoreError> SqliteFulfillmentQueries::attention(std::chrono::sys_seconds held_before) {
  AttentionCounts counts;
  auto read = store_.read([&](StatementCache& statements) {
    SQLite::Statement& errors = statements.prepare("SELECT COUNT(*) FROM fulfillments WHERE state = 'error'");
    counts.errors = static_cast<std::size_t>(count_of(errors));
    SQLite::Statement& conflicts =
        statements.prepare(std::string("SELECT COUNT(*) FROM history h WHERE h.kind = 'conflict' AND ") + conflict_is_open);
    counts.conflicts = static_cast<std::size_t>(count_of(conflicts));
    SQLite::Statement& held = statements.prepare(
        std::string("SELECT COUNT(DISTINCT e.shipment_id) FROM event_log e WHERE ") + held_too_long("?"));
    held.bind(1, seconds_of(held_before));
    counts.held = static_cast<std::size_t>(count_of(held));
  });
  if (!read) return fail(read.error());
  return counts;
}

Result<std::vector<MinuteCount>, StoreError> SqliteFulfillmentQueries::events_per_minute(std::chrono::sys_seconds since) {
  std::vector<MinuteCount> minutes;
  auto read = store_.read([&](StatementCache& statements) {
    SQLite::Statement& query = statements.prepare(
        "SELECT handled_at / 60, COUNT(*) FROM event_log WHERE handled_at >= ? GROUP BY handled_at / 60 ORDER BY 1");
    query.bind(1, seconds_of(since));
    while (query.executeStep()) {
      minutes.push_back(MinuteCount{time_of(query.getColumn(0).getInt64() * 60),
                                    static_cast<std::size_t>(query.getColumn(1).getInt64())});
    }
  });
  if (!read) return fail(read.error());
  return minutes;
}

Result<std::optional<std::chrono::sys_seconds>, StoreError> SqliteFulfillmentQueries::last_handled() {
  std::optional<std::chrono::sys_seconds> last;
  auto read = store_.read([&](StatementCache& statements) {
    SQLite::Statement& query = statements.prepare("SELECT MAX(handled_at) FROM event_log");
    if (query.executeStep() && !query.getColumn(0).isNull()) last = time_of(query.getColumn(0).getInt64());
  });
  if (!read) return fail(read.error());
  return last;
}

}  // namespace fulfillment
