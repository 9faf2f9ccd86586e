// What only the SQLite inbox has: a file that outlives the process, group commit, and a store that
// can fail.

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include <SQLiteCpp/SQLiteCpp.h>

#include "hookline/sqlite_inbox.hpp"
#include "inbox_test_support.hpp"
#include "printing.hpp"

using hookline::ClaimOutcome;
using hookline::EntryState;
using hookline::test::at;
using hookline::test::ids_of;
using hookline::test::meta;
using hookline::test::open_sqlite;

namespace {

struct ConcurrentTally {
  std::atomic<int> accepted{0};
  std::atomic<int> duplicates{0};
  std::atomic<int> errors{0};
};

/// `threads` threads each claim `per_thread` events named by `id_of(thread, i)`, all released at once.
template <class IdOf>
void claim_concurrently(hookline::InboxStore& store, int threads, int per_thread, IdOf id_of,
                        ConcurrentTally& tally, const std::string& body = std::string(1024, 'x')) {
  std::atomic<int> ready{0};
  std::vector<std::thread> claimers;
  for (int t = 0; t < threads; ++t) {
    claimers.emplace_back([&, t] {
      ++ready;
      while (ready.load() < threads) {
        std::this_thread::yield();
      }
      for (int i = 0; i < per_thread; ++i) {
        auto outcome = store.claim(meta(id_of(t, i)), body, at(0));
        if (!outcome) {
          ++tally.errors;
        } else if (*outcome == ClaimOutcome::accepted) {
          ++tally.accepted;
        } else {
          ++tally.duplicates;
        }
      }
    });
  }
  for (auto& claimer : claimers) {
    claimer.join();
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(inbox_sqlite)

BOOST_AUTO_TEST_CASE(entries_survive_a_restart_and_in_flight_ones_come_back_pending) {
  hookline::test::TempDir dir;
  const auto file = dir.path() / "inbox.db";
  hookline::EntryId handled_id = 0;
  {
    auto inbox = open_sqlite(file);
    for (const char* id : {"1", "2", "3"}) {
      BOOST_TEST_REQUIRE(inbox->claim(meta(id, "shipment_scheduled", std::string("shipment:") + id), id, at(0)).has_value());
    }
    auto taken = inbox->take_due(2, at(0));
    BOOST_TEST_REQUIRE(taken.has_value());
    BOOST_TEST_REQUIRE(taken->size() == 2u);
    handled_id = (*taken)[0].id;
    BOOST_TEST_REQUIRE(inbox->mark_handled(handled_id).has_value());
    // (*taken)[1] stays in flight: the process "dies" with it.
  }
  auto reopened = open_sqlite(file);
  auto counts = reopened->counts();
  BOOST_TEST_REQUIRE(counts.has_value());
  BOOST_TEST(counts->handled == 1u);
  BOOST_TEST(counts->pending == 2u);
  BOOST_TEST(counts->in_flight == 0u);
  auto again = reopened->take_due(10, at(2));
  BOOST_TEST_REQUIRE(again.has_value());
  BOOST_TEST(ids_of(*again) == (std::vector<std::string>{"2", "3"}));
  BOOST_TEST((*again)[0].body == "2");
  auto duplicate = reopened->claim(meta("1"), "1", at(3));
  BOOST_TEST_REQUIRE(duplicate.has_value());
  BOOST_TEST((*duplicate == ClaimOutcome::duplicate));
}

BOOST_AUTO_TEST_CASE(entries_from_before_a_restart_stay_due_after_a_duplicate_claim) {
  hookline::test::TempDir dir;
  const auto file = dir.path() / "inbox.db";
  {
    auto inbox = open_sqlite(file);
    BOOST_TEST_REQUIRE(inbox->claim(meta("1", "shipment_scheduled", "shipment:1"), "1", at(0)).has_value());
    BOOST_TEST_REQUIRE(inbox->claim(meta("2", "shipment_scheduled", "shipment:2"), "2", at(0)).has_value());
  }
  auto reopened = open_sqlite(file);
  // A claim that inserts nothing is synced and answered too; what was stored before stays takeable.
  auto duplicate = reopened->claim(meta("1", "shipment_scheduled", "shipment:1"), "1", at(1));
  BOOST_TEST_REQUIRE(duplicate.has_value());
  BOOST_TEST((*duplicate == ClaimOutcome::duplicate));
  auto taken = reopened->take_due(10, at(1));
  BOOST_TEST_REQUIRE(taken.has_value());
  BOOST_TEST(ids_of(*taken) == (std::vector<std::string>{"1", "2"}));
}

BOOST_AUTO_TEST_CASE(outcomes_of_a_batch_are_recorded_in_one_transaction) {
  hookline::test::TempDir dir;
  auto inbox = open_sqlite(dir.path() / "inbox.db");
  for (const char* id : {"1", "2", "3"}) {
    BOOST_TEST_REQUIRE(inbox->claim(meta(id, "shipment_scheduled", std::string("shipment:") + id), id, at(0)).has_value());
  }
  auto taken = inbox->take_due(10, at(0));
  BOOST_TEST_REQUIRE(taken.has_value());
  BOOST_TEST_REQUIRE(taken->size() == 3u);
  const auto batches_before = inbox->commit_stats().batches;
  const std::vector<hookline::HandlingOutcome> outcomes{
      {(*taken)[0].id, hookline::HandlingOutcome::Kind::handled, {}, {}},
      {(*taken)[1].id, hookline::HandlingOutcome::Kind::retry, "warehouse down", at(60)},
      {(*taken)[2].id, hookline::HandlingOutcome::Kind::dead, "no such sku", {}},
      {(*taken)[0].id, hookline::HandlingOutcome::Kind::dead, "twice", {}},  // no longer in flight: left out
  };
  auto recorded = inbox->record(outcomes);
  BOOST_TEST_REQUIRE(recorded.has_value());
  BOOST_TEST(*recorded == 3u);
  BOOST_TEST(inbox->commit_stats().batches == batches_before + 1);
  const auto state_of = [&](std::size_t i) { return (*inbox->find((*taken)[i].id))->state; };
  BOOST_TEST((state_of(0) == EntryState::handled));
  BOOST_TEST((state_of(1) == EntryState::pending));
  BOOST_TEST((state_of(2) == EntryState::dead));
  const auto retried = *inbox->find((*taken)[1].id);
  BOOST_TEST(retried->attempts == 1);
  BOOST_TEST(retried->last_error == "warehouse down");
  BOOST_TEST((retried->next_attempt_at == at(60)));
  BOOST_TEST(ids_of(*inbox->take_due(10, at(59))).empty());
  BOOST_TEST(ids_of(*inbox->take_due(10, at(60))) == (std::vector<std::string>{"2"}));
}

BOOST_AUTO_TEST_CASE(concurrent_claims_share_commits) {
  hookline::test::TempDir dir;
  auto inbox = open_sqlite(dir.path() / "inbox.db");
  constexpr int threads = 32;
  constexpr int per_thread = 25;
  ConcurrentTally tally;
  claim_concurrently(*inbox, threads, per_thread,
                     [](int t, int i) { return std::to_string(t) + "-" + std::to_string(i); }, tally);
  BOOST_TEST(tally.accepted.load() == threads * per_thread);
  BOOST_TEST(tally.errors.load() == 0);
  const auto stats = inbox->commit_stats();
  BOOST_TEST(stats.claims == static_cast<std::uint64_t>(threads * per_thread));
  BOOST_TEST(stats.batches < stats.claims);
  BOOST_TEST(stats.syncs >= 1u);
  // A batch is committed only once the syncer has taken the one before it: claims that arrive while
  // a batch waits for its sync join the next batch rather than make a transaction of their own. One
  // sync covers every batch committed before it began: the one the syncer took, and the next when it
  // was committed before the sync began, which then needs no sync of its own.
  BOOST_TEST(stats.syncs <= stats.batches);
  BOOST_TEST_MESSAGE("group commit: " << stats.claims << " claims in " << stats.batches << " transactions, "
                                      << stats.syncs << " syncs");
  auto counts = inbox->counts();
  BOOST_TEST_REQUIRE(counts.has_value());
  BOOST_TEST(counts->pending == static_cast<std::size_t>(threads * per_thread));
}

BOOST_AUTO_TEST_CASE(duplicates_are_found_within_and_across_batches) {
  hookline::test::TempDir dir;
  auto inbox = open_sqlite(dir.path() / "inbox.db");
  ConcurrentTally tally;
  // 16 threads each claim the same 20 ids: every id is accepted exactly once.
  claim_concurrently(*inbox, 16, 20, [](int, int i) { return "id-" + std::to_string(i); }, tally);
  BOOST_TEST(tally.accepted.load() == 20);
  BOOST_TEST(tally.duplicates.load() == 16 * 20 - 20);
  BOOST_TEST(tally.errors.load() == 0);
}

BOOST_AUTO_TEST_CASE(one_commit_per_claim_when_batches_are_one) {
  hookline::test::TempDir dir;
  hookline::SqliteInboxOptions one_per_commit;
  one_per_commit.max_batch = 1;
  auto inbox = open_sqlite(dir.path() / "inbox.db", one_per_commit);
  ConcurrentTally tally;
  claim_concurrently(*inbox, 4, 5, [](int t, int i) { return std::to_string(t) + "-" + std::to_string(i); }, tally);
  BOOST_TEST(tally.accepted.load() == 20);
  BOOST_TEST(inbox->commit_stats().batches == 20u);
}

BOOST_AUTO_TEST_CASE(a_full_database_fails_every_claim_of_the_batch_and_keeps_working_after) {
  hookline::test::TempDir dir;
  hookline::SqliteInboxOptions capped;
  capped.max_size_bytes = 96 * 1024;
  auto inbox = open_sqlite(dir.path() / "inbox.db", capped);
  ConcurrentTally tally;
  // 8 threads x 10 claims of 4 KiB cannot fit in 96 KiB: some claims must fail, none may hang.
  claim_concurrently(*inbox, 8, 10, [](int t, int i) { return std::to_string(t) + "-" + std::to_string(i); }, tally,
                     std::string(4096, 'y'));
  BOOST_TEST(tally.errors.load() > 0);
  BOOST_TEST(tally.accepted.load() + tally.errors.load() == 80);
  auto counts = inbox->counts();
  BOOST_TEST_REQUIRE(counts.has_value());
  BOOST_TEST(counts->pending == static_cast<std::size_t>(tally.accepted.load()));

  auto refused = inbox->claim(meta("one-more"), std::string(64 * 1024, 'z'), at(0));
  BOOST_TEST_REQUIRE(!refused.has_value());
  BOOST_TEST(refused.error().message.find("full") != std::string::npos, refused.error().message);
  // The failed transaction was rolled back: the id was not stored and small claims still work.
  auto small = inbox->claim(meta("one-more"), "{}", at(0));
  BOOST_TEST_REQUIRE(small.has_value(), (small.has_value() ? "" : small.error().message));
  BOOST_TEST((*small == ClaimOutcome::accepted));
}

BOOST_AUTO_TEST_CASE(an_unopenable_file_is_a_store_error) {
  hookline::test::TempDir dir;
  auto missing_directory = hookline::SqliteInbox::open(dir.path() / "no-such-dir" / "inbox.db");
  BOOST_TEST_REQUIRE(!missing_directory.has_value());
  BOOST_TEST(missing_directory.error().message.find("no-such-dir") != std::string::npos);
  auto a_directory = hookline::SqliteInbox::open(dir.path());
  BOOST_TEST_REQUIRE(!a_directory.has_value());
  BOOST_TEST(a_directory.error().message == dir.path().string() + " is a directory, not a database");
  BOOST_TEST(!std::filesystem::exists(dir.path().string() + ".lock"));  // nothing is left beside it
}

BOOST_AUTO_TEST_CASE(a_file_of_the_previous_version_is_migrated_to_the_store_admin_name) {
  hookline::test::TempDir dir;
  const auto file = dir.path() / "inbox.db";
  open_sqlite(file).reset();
  {
    // What the previous version left: user_version 0 and the platform stored as "store".
    SQLite::Database old(file, SQLite::OPEN_READWRITE);
    old.exec("PRAGMA user_version = 0");
    old.exec("INSERT INTO inbox_entries (platform, event_id, type, occurred_at, entity, body, received_at, state, "
             "next_attempt_at) VALUES ('store', 'evt_1', 'order.created', 0, 'order:1', X'7B7D', 0, 0, 0)");
    old.exec("INSERT INTO quarantine (platform, key, body, headers, received_at, error_path, error_message) "
             "VALUES ('store', 'evt_2', X'7B', X'', 0, '', 'cut short')");
    old.exec("INSERT INTO refused (platform, path, peer, reason, message, headers, query, body, received_at, bytes) "
             "VALUES ('store', '/webhooks/store', '127.0.0.1', 'missing_header', 'no token', X'', X'', X'', 0, 0)");
  }
  auto migrated = open_sqlite(file);
  auto taken = migrated->take_due(10, at(0));
  BOOST_TEST_REQUIRE(taken.has_value());
  BOOST_TEST_REQUIRE(taken->size() == 1u);
  BOOST_TEST(((*taken)[0].meta.platform == hookline::Platform::store_admin));
  auto quarantined = migrated->list_quarantined({});
  BOOST_TEST_REQUIRE(quarantined.has_value());
  BOOST_TEST_REQUIRE(quarantined->entries.size() == 1u);
  BOOST_TEST((quarantined->entries[0].delivery.platform == hookline::Platform::store_admin));
  auto refused = migrated->list_refused({});
  BOOST_TEST_REQUIRE(refused.has_value());
  BOOST_TEST_REQUIRE(refused->entries.size() == 1u);
  BOOST_TEST((refused->entries[0].delivery.platform == hookline::Platform::store_admin));
  migrated.reset();
  SQLite::Database reopened(file, SQLite::OPEN_READONLY);
  BOOST_TEST(reopened.execAndGet("PRAGMA user_version").getInt64() == hookline::SqliteInbox::schema_version);
}

BOOST_AUTO_TEST_CASE(a_file_of_a_newer_version_is_refused) {
  hookline::test::TempDir dir;
  const auto file = dir.path() / "inbox.db";
  open_sqlite(file).reset();
  {
    SQLite::Database newer(file, SQLite::OPEN_READWRITE);
    newer.exec("PRAGMA user_version = " + std::to_string(hookline::SqliteInbox::schema_version + 1));
  }
  const auto refused = hookline::SqliteInbox::open(file);
  BOOST_TEST_REQUIRE(!refused.has_value());
  BOOST_TEST(refused.error().message.find("newer than this hookline knows") != std::string::npos, refused.error().message);
}

BOOST_AUTO_TEST_SUITE_END()
