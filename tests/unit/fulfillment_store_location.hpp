#pragma once
// Where a fulfillment test keeps its store: the fulfillment suites are the store's contract, and run
// on both backends (see store_backend.hpp).

#include <boost/test/unit_test.hpp>

#include <memory>
#include <string>

#include "fulfillment_events.hpp"
#include "store_backend.hpp"
#include "storage/fulfillment_store.hpp"

namespace fulfillment_test {

using hookline::test::on_postgres;
using hookline::test::sqlite_only;

/// A database of its own for one test: opened as often as the test likes (a restart reopens it).
class StoreLocation {
 public:
  StoreLocation()
      : database_(hookline::test::fresh_database(dir_.path() / "fulfillment.db")) {}

  /// The --db value: the SQLite file's path or the PostgreSQL URI.
  [[nodiscard]] const std::string& database() const noexcept { return database_; }

  /// Opens the store, which must open.
  [[nodiscard]] std::unique_ptr<fulfillment::FulfillmentStore> open(
      hookline::TimeZone zone = hookline::TimeZone::utc()) const {
    fulfillment::StoreOptions options;
    options.zone = zone;
    auto opened = fulfillment::open_fulfillment_store(database_, options);
    BOOST_TEST_REQUIRE(opened.has_value(), (opened.has_value() ? "" : opened.error().message));
    return std::move(*opened);
  }

 private:
  TempDir dir_;
  std::string database_;
};

}  // namespace fulfillment_test
