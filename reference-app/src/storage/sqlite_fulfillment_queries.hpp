#pragma once
// The dashboard's queries in SQL for an SQLite fulfillment store.

#include <memory>

#include "storage/fulfillment_queries.hpp"
#include "storage/sqlite_fulfillment_store.hpp"

namespace fulfillment {

/// The dashboard's queries over `store` (which must outlive them); creates the indexes they need.
[[nodiscard]] hookline::Result<std::unique_ptr<FulfillmentQueries>, StoreError> open_sqlite_queries(
    SqliteFulfillmentStore& store);

}  // namespace fulfillment
