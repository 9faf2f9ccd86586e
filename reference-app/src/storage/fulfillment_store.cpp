#include "storage/fulfillment_store.hpp"

#include <date/tz.h>

#include "hookline/postgres_inbox.hpp"
#include "json.hpp"
#include "storage/postgres_fulfillment_store.hpp"
#include "storage/sqlite_fulfillment_store.hpp"

namespace fulfillment {

std::string_view to_string(OutboxState state) noexcept {
  switch (state) {
    case OutboxState::pending: return "pending";
    case OutboxState::sent: return "sent";
    case OutboxState::dead: return "dead";
  }
  return "pending";
}

std::string tracking_idempotency_key(std::int64_t shipment_id) {
  return "hookline-track-" + std::to_string(shipment_id);
}

std::string vrio_local_date(std::chrono::sys_seconds when, const hookline::TimeZone& zone) {
  if (zone == hookline::TimeZone::utc()) return json::vrio_date(when);
  const auto* tz = date::locate_zone(std::string(zone.name()));
  const auto local = tz->to_local(when);
  return json::vrio_date(std::chrono::sys_seconds{local.time_since_epoch()});
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
