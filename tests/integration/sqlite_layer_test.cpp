// The SQLite layer the durable stores share (sdk/sqlite/include/sqlite_layer/): the write-ahead log
// handle and its group sync (concurrent waiters share one fdatasync; a failed sync is reported and
// leaves its commits to the next), and the statement cache (one statement per SQL text, reset when
// its scope ends so that no read snapshot keeps the log from being checkpointed).

#include <boost/test/unit_test.hpp>

#include <SQLiteCpp/SQLiteCpp.h>

#include <cstdint>
#include <filesystem>
#include <latch>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "inbox_test_support.hpp"
#include "sqlite_layer/durable_connection.hpp"
#include "sqlite_layer/group_sync.hpp"
#include "sqlite_layer/statement_cache.hpp"
#include "sqlite_layer/write_ahead_log.hpp"

namespace {

using hookline::sqlite::ConnectionSettings;
using hookline::sqlite::GroupSync;
using hookline::sqlite::open_durable_connection;
using hookline::sqlite::StatementCache;
using hookline::sqlite::WriteAheadLog;

/// The write-ahead log of `database`, which must open.
WriteAheadLog log_of(const std::filesystem::path& database) {
  auto log = WriteAheadLog::open(database);
  BOOST_TEST_REQUIRE(static_cast<bool>(log), (log ? std::string() : log.error()));
  return std::move(*log);
}

/// A connection that never waits for another's lock: a checkpoint that meets a reader says so at once.
std::unique_ptr<SQLite::Database> impatient_connection(const std::filesystem::path& database) {
  ConnectionSettings settings;
  settings.busy_timeout = std::chrono::milliseconds(0);
  return open_durable_connection(database, settings);
}

/// Runs PRAGMA wal_checkpoint(TRUNCATE): whether a reader kept it from finishing.
bool truncating_checkpoint_is_busy(SQLite::Database& db) {
  SQLite::Statement checkpoint(db, "PRAGMA wal_checkpoint(TRUNCATE)");
  BOOST_TEST_REQUIRE(checkpoint.executeStep());
  return checkpoint.getColumn(0).getInt() != 0;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(sqlite_layer)

BOOST_AUTO_TEST_CASE(a_durable_connection_is_in_wal_mode_with_synchronous_normal) {
  const hookline::test::TempDir dir;
  const auto db = open_durable_connection(dir.path() / "store.db", {});
  BOOST_TEST(db->execAndGet("PRAGMA journal_mode").getString() == "wal");
  BOOST_TEST(db->execAndGet("PRAGMA synchronous").getInt() == 1);  // NORMAL
  BOOST_TEST(db->execAndGet("PRAGMA journal_size_limit").getInt64() == hookline::sqlite::write_ahead_log_limit);
  BOOST_TEST(db->execAndGet("PRAGMA foreign_keys").getInt() == 0);
  ConnectionSettings settings;
  settings.foreign_keys = true;
  settings.temp_store_in_memory = true;
  const auto strict = open_durable_connection(dir.path() / "store.db", settings);
  BOOST_TEST(strict->execAndGet("PRAGMA foreign_keys").getInt() == 1);
  BOOST_TEST(strict->execAndGet("PRAGMA temp_store").getInt() == 2);  // MEMORY
}

BOOST_AUTO_TEST_CASE(concurrent_waiters_share_one_sync) {
  const hookline::test::TempDir dir;
  const auto path = dir.path() / "store.db";
  const auto db = open_durable_connection(path, {});
  db->exec("CREATE TABLE writes (thread INTEGER NOT NULL)");
  GroupSync sync(log_of(path));
  BOOST_TEST(sync.sync_count() == 0U);

  // Every writer commits, then all wait for their commits at once: the first sync covers them all.
  constexpr int writers = 8;
  std::mutex db_mutex;
  std::latch all_committed(writers);
  std::vector<std::string> errors(writers);
  std::vector<std::thread> threads;
  for (int writer = 0; writer < writers; ++writer) {
    threads.emplace_back([&, writer] {
      std::uint64_t commit = 0;
      {
        const std::lock_guard lock(db_mutex);
        db->exec("INSERT INTO writes VALUES (" + std::to_string(writer) + ")");
        commit = sync.committed();
      }
      all_committed.arrive_and_wait();
      if (auto synced = sync.sync_through(commit); !synced) errors[writer] = synced.error();
    });
  }
  for (auto& thread : threads) thread.join();
  for (const auto& error : errors) BOOST_TEST(error.empty(), error);
  BOOST_TEST(sync.sync_count() == 1U);  // 8 commits, one fdatasync

  // A commit after that sync needs a sync of its own; one already covered needs none.
  db->exec("INSERT INTO writes VALUES (-1)");
  const auto later = sync.committed();
  BOOST_TEST(later == static_cast<std::uint64_t>(writers) + 1);
  BOOST_TEST(static_cast<bool>(sync.sync_through(later)));
  BOOST_TEST(sync.sync_count() == 2U);
  BOOST_TEST(static_cast<bool>(sync.sync_through(later)));
  BOOST_TEST(static_cast<bool>(sync.sync_through(1)));
  BOOST_TEST(sync.sync_count() == 2U);
}

BOOST_AUTO_TEST_CASE(a_failed_sync_is_reported_and_leaves_its_commits_unsynced) {
  // A "log" that cannot be synced: fdatasync of /dev/null fails with EINVAL.
  const hookline::test::TempDir dir;
  const auto path = dir.path() / "store.db";
  std::filesystem::create_symlink("/dev/null", path.string() + "-wal");
  const auto log = log_of(path);
  const auto failed = log.sync();
  BOOST_TEST_REQUIRE(!failed);
  BOOST_TEST(failed.error() == "syncing the write-ahead log failed: Invalid argument");

  GroupSync sync(log_of(path));
  const auto commit = sync.committed();
  const auto first = sync.sync_through(commit);
  BOOST_TEST_REQUIRE(!first);
  BOOST_TEST(first.error() == "syncing the write-ahead log failed: Invalid argument");
  BOOST_TEST(!sync.sync_through(commit));  // still unsynced: tried again, and failed again
  BOOST_TEST(sync.sync_count() == 2U);
}

BOOST_AUTO_TEST_CASE(a_missing_log_is_an_error_that_names_it) {
  const hookline::test::TempDir dir;
  const auto path = dir.path() / "store.db";
  const auto log = WriteAheadLog::open(path);
  BOOST_TEST_REQUIRE(!log);
  BOOST_TEST(log.error() == "opening " + path.string() + "-wal to sync it: No such file or directory");
}

BOOST_AUTO_TEST_CASE(the_cache_keeps_one_statement_per_sql_text) {
  const hookline::test::TempDir dir;
  const auto db = open_durable_connection(dir.path() / "store.db", {});
  StatementCache cache(*db);
  SQLite::Statement* first = nullptr;
  {
    const StatementCache::Scope scope(cache);
    first = &cache.prepare("SELECT ?");
    first->bind(1, 7);
    BOOST_TEST_REQUIRE(first->executeStep());
    BOOST_TEST(first->getColumn(0).getInt() == 7);
  }
  const StatementCache::Scope scope(cache);
  auto& again = cache.prepare("SELECT ?");
  BOOST_TEST(&again == first);
  BOOST_TEST_REQUIRE(again.executeStep());
  BOOST_TEST(again.getColumn(0).isNull());  // prepared without the last use's bindings
  BOOST_TEST(&cache.prepare("SELECT ? + 1") != first);
}

BOOST_AUTO_TEST_CASE(a_scope_resets_its_statements_so_a_checkpoint_can_truncate_the_log) {
  const hookline::test::TempDir dir;
  const auto path = dir.path() / "store.db";
  const auto writer = impatient_connection(path);
  writer->exec("CREATE TABLE rows (n INTEGER NOT NULL)");
  writer->exec("INSERT INTO rows VALUES (1), (2), (3)");
  const auto reader = open_durable_connection(path, {});
  StatementCache cache(*reader);
  {
    const StatementCache::Scope scope(cache);
    auto& select = cache.prepare("SELECT n FROM rows ORDER BY n");
    BOOST_TEST_REQUIRE(select.executeStep());  // a row read, the rest not: the read snapshot is open
    writer->exec("INSERT INTO rows VALUES (4)");
    BOOST_TEST(truncating_checkpoint_is_busy(*writer));
    BOOST_TEST(std::filesystem::file_size(path.string() + "-wal") > 0U);
  }
  BOOST_TEST(!truncating_checkpoint_is_busy(*writer));
  BOOST_TEST(std::filesystem::file_size(path.string() + "-wal") == 0U);
}

BOOST_AUTO_TEST_SUITE_END()
