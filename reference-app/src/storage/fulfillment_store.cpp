#include "storage/fulfillment_store.hpp"

#include <date/tz.h>

#include <stdexcept>

#include "hookline/postgres_inbox.hpp"
#include "json.hpp"
#include "storage/postgres_fulfillment_store.hpp"
#include "storage/sqlite_fulfillment_store.hpp"
#include "toolkit/dates.hpp"
#include "toolkit/name_table.hpp"

namespace fulfillment {

namespace {
constexpr auto outbox_state_names = hookline::toolkit::name_table<OutboxState>({
    {OutboxState::pending, "pending"},
    {OutboxState::sent, "sent"},
    {OutboxState::dead, "dead"},
});
}  // namespace

std::string_view to_string(OutboxState state) noexcept {
  return hookline::toolkit::name_of(outbox_state_names, state, "pending");
}

std::string tracking_idempotency_key(std::int64_t shipment_id) {
  return "hookline-track-" + std::to_string(shipment_id);
}

std::string vrio_local_date(std::chrono::sys_seconds when, const hookline::TimeZone& zone) {
  if (zone == hookline::TimeZone::utc()) return hookline::toolkit::format_date_time_utc(when);
  const auto local = date::locate_zone(std::string(zone.name()))->to_local(when);
  return hookline::toolkit::format_date_time(std::chrono::local_seconds{local.time_since_epoch()});
}

HistoryEntry attempt_history(const TrackingAttempt& attempt) {
  HistoryEntry entry;
  entry.shipment_id = attempt.shipment_id;
  entry.at = std::chrono::time_point_cast<std::chrono::seconds>(attempt.at);
  entry.kind = HistoryKind::tracking;
  entry.decision = attempt.outcome;
  entry.detail = "attempt " + std::to_string(attempt.attempt) + ": " + attempt.detail;
  return entry;
}

HistoryEntry dead_letter_retry_history(std::int64_t shipment_id, Millis now) {
  HistoryEntry entry;
  entry.shipment_id = shipment_id;
  entry.at = std::chrono::time_point_cast<std::chrono::seconds>(now);
  entry.kind = HistoryKind::tracking;
  entry.decision = "retry";
  entry.detail = "dead letter put back in the outbox by an operator";
  return entry;
}

void StoreTx::transition(Fulfillment& f, State to, std::chrono::sys_seconds now, std::string_view reason) {
  const State from = f.state;
  f.state = to;
  f.updated_at = now;
  save(f);
  HistoryEntry entry;
  entry.shipment_id = f.shipment_id;
  entry.at = now;
  entry.kind = HistoryKind::transition;
  entry.from_state = std::string(to_string(from));
  entry.to_state = std::string(to_string(to));
  entry.detail = std::string(reason);
  add_history(entry);
}

ShipmentRows StoreTx::load_shipment(std::int64_t shipment_id, std::string_view event_id) {
  StoredShipment rows = stored_shipment(shipment_id, event_id);
  ShipmentRows loaded{{}, std::move(rows.fulfillment), rows.event_logged};
  if (!rows.view || loaded.event_logged) return loaded;
  auto stored = json::decode_view(*rows.view);
  if (!stored) throw std::runtime_error("stored view of shipment " + std::to_string(shipment_id) + ": " + stored.error());
  hookline::vrio::ShipmentView& view = loaded.view;
  view = std::move(stored->view);
  const hookline::ParseOptions options{zone_};
  for (const auto& held_id : stored->held_ids) {
    const auto body = event_body(held_id);
    if (!body) throw std::runtime_error("held event " + held_id + " is missing from the event log");
    auto event = hookline::vrio::parse(*body, options);
    if (!event) throw std::runtime_error("held event " + held_id + ": " + event.error().to_string());
    view.held.push_back({hookline::vrio::order_key(*event), std::move(*event)});
  }
  return loaded;
}

hookline::Result<std::unique_ptr<FulfillmentStore>, StoreError> open_fulfillment_store(std::string_view database,
                                                                                      const StoreOptions& options) {
  if (hookline::is_postgres_uri(database)) {
    auto opened = PostgresFulfillmentStore::open(database, options.zone, options.timeout, options.max_connections);
    if (!opened) return hookline::fail(opened.error());
    return std::unique_ptr<FulfillmentStore>(std::move(*opened));
  }
  auto opened = SqliteFulfillmentStore::open(std::filesystem::path(database), options.zone, options.warn);
  if (!opened) return hookline::fail(opened.error());
  return std::unique_ptr<FulfillmentStore>(std::move(*opened));
}

}  // namespace fulfillment
