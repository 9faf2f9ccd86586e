// The files of an SQLite database: created and kept mode 0600 whatever the umask (with the -wal and
// -shm files SQLite creates), wider ones narrowed with a note, and one process per database, held by
// an advisory lock that a second opener meets with a clear message and that closing releases.

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "hookline/sqlite_files.hpp"
#include "hookline/sqlite_inbox.hpp"
#include "inbox_test_support.hpp"

namespace {

using hookline::test::at;
using hookline::test::meta;
using hookline::test::open_sqlite;

/// The permission bits of a file.
mode_t mode_of(const std::filesystem::path& path) {
  struct stat status {};
  BOOST_TEST_REQUIRE(::stat(path.c_str(), &status) == 0, path);
  return status.st_mode & 07777;
}

/// Sets the process's umask for a scope.
class UmaskScope {
 public:
  explicit UmaskScope(mode_t mask) : previous_(::umask(mask)) {}
  UmaskScope(const UmaskScope&) = delete;
  UmaskScope& operator=(const UmaskScope&) = delete;
  ~UmaskScope() { ::umask(previous_); }

 private:
  mode_t previous_;
};

/// The database and every file beside it that SQLite and hookline create.
std::vector<std::filesystem::path> files_of(const std::filesystem::path& database) {
  return {database, database.string() + "-wal", database.string() + "-shm", database.string() + ".lock"};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(sqlite_files)

BOOST_DATA_TEST_CASE(an_inbox_creates_its_files_0600_whatever_the_umask, boost::unit_test::data::make({0000, 0022, 0077}),
                     mask) {
  const hookline::test::TempDir dir;
  const auto database = dir.path() / "inbox.db";
  {
    const UmaskScope scope(static_cast<mode_t>(mask));
    auto inbox = open_sqlite(database);
    BOOST_TEST_REQUIRE(inbox->claim(meta("1"), "{}", at(0)).has_value());  // writes the -wal and -shm files
    for (const auto& file : files_of(database)) {
      BOOST_TEST(mode_of(file) == 0600U, file << " under umask " << mask);
    }
  }
}

BOOST_AUTO_TEST_CASE(wider_files_are_narrowed_with_a_note_per_file) {
  const hookline::test::TempDir dir;
  const auto database = dir.path() / "inbox.db";
  { auto inbox = open_sqlite(database); }
  ::chmod(database.c_str(), 0644);
  std::ofstream(database.string() + "-wal").flush();
  ::chmod((database.string() + "-wal").c_str(), 0666);
  std::vector<std::string> notes;
  hookline::SqliteInboxOptions options;
  options.warn = [&notes](std::string_view note) { notes.emplace_back(note); };
  auto inbox = open_sqlite(database, options);
  BOOST_TEST(mode_of(database) == 0600U);
  BOOST_TEST(mode_of(database.string() + "-wal") == 0600U);
  BOOST_TEST_REQUIRE(notes.size() == 2U);
  BOOST_TEST(notes[0] == database.string() + " was mode 0644, readable by others: narrowed to 0600");
  BOOST_TEST(notes[1].find("-wal was mode 0666") != std::string::npos, notes[1]);
}

BOOST_AUTO_TEST_CASE(make_database_private_leaves_memory_databases_alone) {
  const auto notes = hookline::make_database_private(":memory:");
  BOOST_TEST_REQUIRE(notes.has_value());
  BOOST_TEST(notes->empty());
  BOOST_TEST(!std::filesystem::exists(":memory:"));
}

BOOST_AUTO_TEST_CASE(a_second_opener_is_refused_while_the_first_holds_the_database) {
  const hookline::test::TempDir dir;
  const auto database = dir.path() / "inbox.db";
  auto first = open_sqlite(database);
  const auto second = hookline::SqliteInbox::open(database);
  BOOST_TEST_REQUIRE(!second.has_value());
  BOOST_TEST(second.error().message == database.string() + " is in use by another process (pid " +
                                           std::to_string(::getpid()) +
                                           "): one process per SQLite database; stop it first or give this one "
                                           "another database (its lock: " +
                                           database.string() + ".lock)");
  // The refusal touched nothing: the first still works.
  BOOST_TEST(first->claim(meta("1"), "{}", at(0)).has_value());
}

BOOST_AUTO_TEST_CASE(another_process_is_refused_too) {
  const hookline::test::TempDir dir;
  const auto database = dir.path() / "inbox.db";
  auto first = open_sqlite(database);
  const pid_t child = ::fork();
  if (child == 0) {
    // Only the lock is tried here, as a second process would before it opens anything.
    const auto lock = hookline::DatabaseLock::acquire(database);
    ::_exit(!lock.has_value() && lock.error().find("in use by another process (pid ") != std::string::npos ? 0 : 1);
  }
  int status = 0;
  BOOST_TEST_REQUIRE(::waitpid(child, &status, 0) == child);
  BOOST_TEST(WIFEXITED(status));
  BOOST_TEST(WEXITSTATUS(status) == 0);
}

BOOST_AUTO_TEST_CASE(closing_releases_the_lock) {
  const hookline::test::TempDir dir;
  const auto database = dir.path() / "inbox.db";
  {
    auto first = open_sqlite(database);
    BOOST_TEST_REQUIRE(first->claim(meta("1"), "{}", at(0)).has_value());
  }
  auto reopened = open_sqlite(database);
  BOOST_TEST(reopened->counts()->pending == 1U);
  auto lock = hookline::DatabaseLock::acquire(dir.path() / "other.db");
  BOOST_TEST_REQUIRE(lock.has_value());
  BOOST_TEST(!hookline::DatabaseLock::acquire(dir.path() / "other.db").has_value());
  { const auto released = std::move(*lock); }
  BOOST_TEST(hookline::DatabaseLock::acquire(dir.path() / "other.db").has_value());
}

BOOST_AUTO_TEST_SUITE_END()
