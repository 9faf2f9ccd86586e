#pragma once
// Where a fulfillment test keeps its store: the fulfillment suites are the store's contract, and run
// on both backends. By default an SQLite file in a temporary folder; when the suite runs with
// HOOKLINE_TEST_STORE=postgres (ctest registers each such suite a second time so), a fresh schema of
// the throwaway PostgreSQL cluster the process starts on first use.

#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "fulfillment_events.hpp"
#include "postgres_cluster.hpp"
#include "storage/fulfillment_store.hpp"

namespace fulfillment_test {

/// True when this run's stores are on PostgreSQL.
inline bool on_postgres() {
  const char* backend = std::getenv("HOOKLINE_TEST_STORE");
  return backend != nullptr && std::string_view(backend) == "postgres";
}

/// A test precondition: what it checks is SQLite's own (its files, its journals).
inline boost::test_tools::assertion_result sqlite_only(boost::unit_test::test_unit_id) {
  boost::test_tools::assertion_result result(!on_postgres());
  result.message() << "checks SQLite's own behaviour";
  return result;
}

/// A database of its own for one test: opened as often as the test likes (a restart reopens it).
class StoreLocation {
 public:
  StoreLocation()
      : database_(on_postgres() ? hookline::test::PostgresCluster::shared().fresh_schema_uri()
                                : (dir_.path() / "fulfillment.db").string()) {}

  /// The --db value: the SQLite file's path or the PostgreSQL URI.
  [[nodiscard]] const std::string& database() const noexcept { return database_; }

  /// Opens the store, which must open.
  [[nodiscard]] std::unique_ptr<fulfillment::FulfillmentStore> open(
      hookline::TimeZone zone = hookline::TimeZone::utc()) const {
    fulfillment::StoreOptions options;
    options.zone = zone;
    auto opened = fulfillment::open_fulfillment_store(database_, options);
    BOOST_TEST_REQUIRE(opened.ok(), (opened.ok() ? "" : opened.error().message));
    return std::move(*opened);
  }

 private:
  TempDir dir_;
  std::string database_;
};

}  // namespace fulfillment_test
