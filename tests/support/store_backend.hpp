#pragma once
// Which backend a store-using suite runs on. Such a suite is its store's contract and runs on both:
// by default on SQLite files in temporary folders; when it runs with HOOKLINE_TEST_STORE=postgres
// (ctest registers each such suite a second time so, as NAME.postgres), on fresh schemas of the
// throwaway PostgreSQL cluster the process starts on first use.

#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

#include "postgres_cluster.hpp"

namespace hookline::test {

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

/// A test precondition: what it checks needs several connections on one database at once.
inline boost::test_tools::assertion_result postgres_only(boost::unit_test::test_unit_id) {
  boost::test_tools::assertion_result result(on_postgres());
  result.message() << "needs several connections on one database (the .postgres run)";
  return result;
}

/// A database of its own, as a --db value: `file` (an SQLite path), or on PostgreSQL a URI of a
/// fresh schema of the shared cluster.
inline std::string fresh_database(const std::filesystem::path& file) {
  return on_postgres() ? PostgresCluster::shared().fresh_schema_uri() : file.string();
}

}  // namespace hookline::test
