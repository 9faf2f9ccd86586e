#pragma once
/// @file
/// The read side of the operator's dashboard and admin API over the fulfillment database: pages of
/// fulfillments (filtered, searched, newest first), of the event log, of conflicts and of events held
/// for shipments never scheduled, what needs attention, and deliveries per minute. Every list is a
/// keyset page (limit, cursor, next cursor), so a page costs the same on the first page as on the
/// thousandth; the indexes it needs are created by FulfillmentStore::open_queries().

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "storage/fulfillment_store.hpp"

namespace fulfillment {

/// Which fulfillments to list.
struct FulfillmentFilter {
  std::optional<State> state;    ///< Only this state.
  /// Only matches: a number is looked up as a shipment id, order id, customer id or tracking number
  /// (from indexes); other text as a tracking number, in the address (the customer's name included)
  /// or as the start of an item's SKU, case-insensitive for ASCII letters (a scan of the table).
  std::optional<std::string> search;
  bool needs_attention = false;  ///< Only those in error or with a conflict not dismissed.
  std::size_t limit = 50;        ///< At most this many.
  /// A previous page's next_cursor: the shipment id of its last fulfillment (which is never deleted).
  std::optional<std::int64_t> cursor;
};

/// A fulfillment in a list, and whether it has a conflict nobody dismissed.
struct ListedFulfillment {
  Fulfillment fulfillment;     ///< The fulfillment.
  bool open_conflict = false;  ///< A cancel or change arrived after it shipped, not dismissed yet.
};

/// One page of a list; `total` is the count of every match when it was cheap to count.
template <class Entry>
struct QueryPage {
  std::vector<Entry> entries;              ///< This page.
  std::optional<std::int64_t> next_cursor;  ///< The cursor of the next page (the last entry's key); none at the end.
  std::optional<std::int64_t> total;       ///< How many match in all, when counted.
};

/// Which events of the log to list, newest first.
struct EventFilter {
  std::optional<std::string> event_id;      ///< Only this event.
  std::optional<std::string> event_type;    ///< Only this type.
  std::optional<std::string> decision;      ///< Only this decision (apply, conflict, hold, ...).
  std::optional<std::int64_t> shipment_id;  ///< Only this shipment's.
  bool with_payload = false;                ///< Include each raw body.
  std::size_t limit = 50;                   ///< At most this many.
  std::optional<std::int64_t> cursor;       ///< A previous page's next_cursor (a log position).
};

/// One line of the event log with its position in it.
struct LoggedEvent {
  std::int64_t seq = 0;  ///< Its position in the log.
  EventLogEntry record;    ///< The event (its body only when asked for).
};

/// A conflict nobody dismissed: an event that contradicts what already happened to a shipment.
struct OpenConflict {
  std::int64_t history_id = 0;  ///< Its line in the shipment's history.
  HistoryEntry entry;           ///< What it says.
  std::string state;            ///< The fulfillment's state now.
};

/// A shipment never scheduled here whose events have been held for a while.
struct HeldShipment {
  std::int64_t shipment_id = 0;               ///< The shipment.
  std::size_t events = 0;                     ///< How many of its events are held.
  std::chrono::sys_seconds first_held_at{};   ///< When the oldest was held.
  std::chrono::sys_seconds last_held_at{};    ///< When the newest was held.
};

/// How many things of each kind the fulfillment database has for a person to act on.
struct AttentionCounts {
  std::size_t errors = 0;     ///< Fulfillments in error.
  std::size_t conflicts = 0;  ///< Conflicts not dismissed.
  std::size_t held = 0;       ///< Shipments never scheduled with events held too long.
};

/// Events handled in one minute.
struct MinuteCount {
  std::chrono::sys_seconds minute{};  ///< The minute's start.
  std::size_t events = 0;             ///< Events handled in it.
};

/// The decision a dismissal is recorded under in a shipment's history.
inline constexpr std::string_view dismissed_decision = "dismissed";

/// The dashboard's queries over one FulfillmentStore (which must outlive them), made by its
/// open_queries(); thread-safe.
class FulfillmentQueries {
 public:
  FulfillmentQueries(const FulfillmentQueries&) = delete;
  FulfillmentQueries& operator=(const FulfillmentQueries&) = delete;
  virtual ~FulfillmentQueries() = default;

  /// A page of fulfillments, newest first; total when not searching.
  [[nodiscard]] virtual hookline::Result<QueryPage<ListedFulfillment>, StoreError> fulfillments(const FulfillmentFilter& filter) = 0;
  /// True when the shipment has a conflict nobody dismissed.
  [[nodiscard]] virtual hookline::Result<bool, StoreError> has_open_conflict(std::int64_t shipment_id) = 0;
  /// A page of the event log, newest first, with its total.
  [[nodiscard]] virtual hookline::Result<QueryPage<LoggedEvent>, StoreError> events(const EventFilter& filter) = 0;
  /// A page of conflicts nobody dismissed, newest first.
  [[nodiscard]] virtual hookline::Result<QueryPage<OpenConflict>, StoreError> conflicts(std::size_t limit,
                                                                               std::optional<std::int64_t> cursor) = 0;
  /// A page of shipments never scheduled whose events were held at or before `held_before` and not
  /// dismissed since, by shipment id.
  [[nodiscard]] virtual hookline::Result<QueryPage<HeldShipment>, StoreError> held(std::chrono::sys_seconds held_before,
                                                                          std::size_t limit,
                                                                          std::optional<std::int64_t> cursor) = 0;
  /// A page of tracking posts that gave up (outbox dead letters), by shipment id.
  [[nodiscard]] virtual hookline::Result<QueryPage<OutboxEntry>, StoreError> outbox_dead_letters(std::size_t limit,
                                                                                        std::optional<std::int64_t> cursor) = 0;
  /// What needs attention in the fulfillment database (held: as held() counts them).
  [[nodiscard]] virtual hookline::Result<AttentionCounts, StoreError> attention(std::chrono::sys_seconds held_before) = 0;
  /// Events handled per minute from `since` (minutes without events are left out), oldest first.
  [[nodiscard]] virtual hookline::Result<std::vector<MinuteCount>, StoreError> events_per_minute(std::chrono::sys_seconds since) = 0;
  /// When the newest event of the log was handled, if any.
  [[nodiscard]] virtual hookline::Result<std::optional<std::chrono::sys_seconds>, StoreError> last_handled() = 0;

 protected:
  FulfillmentQueries() = default;
};

}  // namespace fulfillment
