// A flood of forged deliveries many times the refused record's caps, in count and in bytes, through
// a Receiver on a SqliteInbox with the default limits (1,000 entries, 16 MiB): the record, its
// database on disk and the process's resident memory stay within bounds, and the record keeps the
// latest deliveries, while genuine claims made meanwhile are all stored. Bounds only; the figures
// are measured by tests/bench/refused_flood_bench.cpp.

#include <boost/test/unit_test.hpp>

#include <SQLiteCpp/SQLiteCpp.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "forged_flood.hpp"
#include "hookline/parse.hpp"
#include "hookline/receiver.hpp"
#include "hookline/sqlite_inbox.hpp"
#include "inbox_test_support.hpp"

namespace {

constexpr std::size_t mib = std::size_t{1} << 20;
const std::chrono::sys_seconds now{std::chrono::seconds{1774189800}};

hookline::Verifier verifier() {
  const std::vector<hookline::Secret> secrets{hookline::Secret("the only real secret")};
  auto created = hookline::Verifier::create(hookline::Scheme::vrio, secrets);
  BOOST_TEST_REQUIRE(created.has_value());
  return std::move(*created);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(refused_flood)

BOOST_AUTO_TEST_CASE(a_flood_of_forged_deliveries_stays_within_the_record_disk_and_memory_bounds) {
  const hookline::test::TempDir dir;
  const auto database = dir.path() / "inbox.db";
  auto inbox = hookline::test::open_sqlite(database);
  const hookline::RefusedLimits limits;  // the defaults: 1,000 entries, 16 MiB
  const hookline::Receiver receiver(verifier(), hookline::meta_parser(hookline::Platform::vrio), *inbox);
  const std::size_t resident_before = hookline::flood::process_status_bytes("VmRSS");
  hookline::flood::reset_peak_resident();

  // Genuine claims go on meanwhile, and each is stored.
  std::atomic<bool> flooding{true};
  std::size_t claimed = 0;
  std::size_t failed = 0;
  std::thread genuine([&] {
    hookline::EventMeta event{hookline::Platform::vrio, "shipment_scheduled", "", now, ""};
    while (flooding) {
      event.id = "genuine-" + std::to_string(claimed + failed);
      ++(inbox->claim(event, "{}", now) ? claimed : failed);
    }
  });
  // Ten times the count cap in small deliveries, then ten times the byte cap in large ones.
  hookline::flood::send_forged(receiver, 10 * limits.max_entries, 512, 2, now);
  const auto after_count = inbox->refused_counts();
  BOOST_TEST_REQUIRE(after_count.has_value());
  BOOST_TEST(after_count->entries == limits.max_entries);
  const std::size_t large = mib - 4096;
  hookline::flood::send_forged(receiver, 10 * limits.max_bytes / large, large, 2, now);
  flooding = false;
  genuine.join();
  BOOST_TEST(claimed > 0U);
  BOOST_TEST(failed == 0U);
  BOOST_TEST(inbox->counts()->pending == claimed);

  const auto counts = inbox->refused_counts();
  BOOST_TEST_REQUIRE(counts.has_value());
  BOOST_TEST(counts->entries <= limits.max_entries);
  BOOST_TEST(counts->bytes <= limits.max_bytes);
  BOOST_TEST(counts->entries >= limits.max_bytes / mib - 1);  // full: the cap was reached, not the store emptied
  const auto page = inbox->list_refused({limits.max_entries + 1, std::nullopt});
  BOOST_TEST_REQUIRE(page.has_value());
  BOOST_TEST(page->entries.size() == counts->entries);
  BOOST_TEST(page->entries.back().delivery.body.size() == large);  // the latest are the ones kept

  // The rows on disk are the ones counted, and the files stay near the cap: 16 MiB of rows and their
  // pages, and a write-ahead log cut back to 8 MiB when it starts over.
  {
    SQLite::Database reader(database.string(), SQLite::OPEN_READONLY);
    BOOST_TEST(static_cast<std::size_t>(reader.execAndGet("SELECT COUNT(*) FROM refused").getInt64()) == counts->entries);
    BOOST_TEST(static_cast<std::size_t>(reader.execAndGet("SELECT IFNULL(SUM(bytes), 0) FROM refused").getInt64()) ==
               counts->bytes);
  }
  const auto disk = hookline::flood::database_bytes(database);
  BOOST_TEST(disk <= limits.max_bytes + 16 * mib, "database files: " << disk << " bytes");

  // 10,000 + 160 requests and 160 MiB of bodies went through; memory grew by a few copies of one.
  const std::size_t peak = hookline::flood::process_status_bytes("VmHWM");
  BOOST_TEST(peak <= resident_before + 48 * mib, "peak resident " << peak << " bytes, " << resident_before << " before");
  BOOST_TEST_MESSAGE("refused flood: " << counts->entries << " entries, " << counts->bytes << " bytes kept; database "
                                       << disk << " bytes (" << std::filesystem::file_size(database) << " + -wal "
                                       << std::filesystem::file_size(database.string() + "-wal") << "); resident "
                                       << resident_before << " -> peak " << peak << "; " << claimed
                                       << " genuine claims meanwhile");
}

BOOST_AUTO_TEST_SUITE_END()
