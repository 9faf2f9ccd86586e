// The InboxStore contract, run against every store: MemoryInbox, SqliteInbox on a temporary file
// and PostgresInbox on a throwaway PostgreSQL cluster.

#include <boost/mpl/list.hpp>
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "hookline/inbox.hpp"
#include "hookline/sqlite_inbox.hpp"
#include "inbox_test_support.hpp"
#include "postgres_cluster.hpp"
#include "printing.hpp"

using namespace std::chrono_literals;
using hookline::ClaimOutcome;
using hookline::EntryState;
using hookline::test::at;
using hookline::test::ids_of;
using hookline::test::meta;

namespace {

using Stores = boost::mpl::list<hookline::test::MemoryStore, hookline::test::SqliteStore, hookline::test::PostgresStore>;

/// Claims an event that must be new, and returns its entry id (found through take_due later).
void claim_new(hookline::InboxStore& store, const hookline::EventMeta& event, std::chrono::sys_seconds now,
               std::string_view body = "{}") {
  auto outcome = store.claim(event, body, now);
  BOOST_TEST_REQUIRE(outcome.has_value());
  BOOST_TEST_REQUIRE(*outcome == ClaimOutcome::accepted);
}

std::vector<hookline::InboxEntry> take(hookline::InboxStore& store, std::size_t limit, std::chrono::sys_seconds now) {
  auto taken = store.take_due(limit, now);
  BOOST_TEST_REQUIRE(taken.has_value());
  return *taken;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(inbox_store)

BOOST_AUTO_TEST_CASE_TEMPLATE(a_second_claim_of_the_same_id_is_a_duplicate, Store, Stores) {
  Store fixture;
  auto& store = *fixture.store;
  claim_new(store, meta("1001"), at(0));
  auto again = store.claim(meta("1001", "shipment_cancelled"), "other body", at(5));
  BOOST_TEST_REQUIRE(again.has_value());
  BOOST_TEST((*again == ClaimOutcome::duplicate));
  auto other_platform = meta("1001");
  other_platform.platform = hookline::Platform::vero;
  auto separate = store.claim(other_platform, "{}", at(5));
  BOOST_TEST_REQUIRE(separate.has_value());
  BOOST_TEST((*separate == ClaimOutcome::accepted));
  auto counts = store.counts();
  BOOST_TEST_REQUIRE(counts.has_value());
  BOOST_TEST(counts->pending == 2u);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(taken_entries_keep_every_byte_and_are_in_flight, Store, Stores) {
  Store fixture;
  auto& store = *fixture.store;
  const std::string body("{\"a\":\"\0\xff\"}", 10);
  auto event = meta("7", "shipment_scheduled", "shipment:1");
  event.occurred_at = at(-60);
  claim_new(store, event, at(0), body);
  auto taken = take(store, 10, at(0));
  BOOST_TEST_REQUIRE(taken.size() == 1u);
  const auto& entry = taken.front();
  BOOST_TEST(entry.body == body);
  BOOST_TEST(entry.meta.id == "7");
  BOOST_TEST(entry.meta.type == "shipment_scheduled");
  BOOST_TEST(entry.meta.entity == "shipment:1");
  BOOST_TEST(entry.meta.platform == hookline::Platform::vrio);
  BOOST_TEST((entry.meta.occurred_at == at(-60)));
  BOOST_TEST((entry.received_at == at(0)));
  BOOST_TEST((entry.state == EntryState::in_flight));
  BOOST_TEST(entry.attempts == 0);
  BOOST_TEST(take(store, 10, at(0)).empty());
  auto counts = store.counts();
  BOOST_TEST_REQUIRE(counts.has_value());
  BOOST_TEST(counts->in_flight == 1u);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(one_entry_per_entity_at_a_time_in_arrival_order, Store, Stores) {
  Store fixture;
  auto& store = *fixture.store;
  claim_new(store, meta("a1", "t", "shipment:a"), at(0));
  claim_new(store, meta("a2", "t", "shipment:a"), at(1));
  claim_new(store, meta("b1", "t", "shipment:b"), at(2));
  claim_new(store, meta("n1", "t", ""), at(3));
  claim_new(store, meta("n2", "t", ""), at(4));
  auto first = take(store, 10, at(10));
  BOOST_TEST(ids_of(first) == (std::vector<std::string>{"a1", "b1", "n1", "n2"}));
  BOOST_TEST(take(store, 10, at(10)).empty());
  BOOST_TEST_REQUIRE(store.mark_handled(first[0].id).has_value());
  BOOST_TEST(ids_of(take(store, 10, at(11))) == (std::vector<std::string>{"a2"}));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(a_failed_entry_waits_for_its_retry_time_and_holds_its_entity, Store, Stores) {
  Store fixture;
  auto& store = *fixture.store;
  claim_new(store, meta("a1", "t", "shipment:a"), at(0));
  claim_new(store, meta("a2", "t", "shipment:a"), at(1));
  auto first = take(store, 10, at(0));
  BOOST_TEST_REQUIRE(first.size() == 1u);
  BOOST_TEST_REQUIRE(store.mark_failed(first[0].id, "warehouse down", at(30)).has_value());
  BOOST_TEST(take(store, 10, at(29)).empty());  // a2 may not overtake a1
  auto retried = take(store, 10, at(30));
  BOOST_TEST_REQUIRE(retried.size() == 1u);
  BOOST_TEST(retried[0].meta.id == "a1");
  BOOST_TEST(retried[0].attempts == 1);
  BOOST_TEST(retried[0].last_error == "warehouse down");
  BOOST_TEST((retried[0].next_attempt_at == at(30)));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(dead_letters_are_listed_and_replayed, Store, Stores) {
  Store fixture;
  auto& store = *fixture.store;
  claim_new(store, meta("a1", "t", "shipment:a"), at(0));
  claim_new(store, meta("a2", "t", "shipment:a"), at(1));
  auto first = take(store, 1, at(0));
  BOOST_TEST_REQUIRE(first.size() == 1u);
  BOOST_TEST_REQUIRE(store.mark_dead(first[0].id, "gave up").has_value());
  auto dead = store.dead_letters(10);
  BOOST_TEST_REQUIRE(dead.has_value());
  BOOST_TEST_REQUIRE(dead->size() == 1u);
  BOOST_TEST(dead->front().meta.id == "a1");
  BOOST_TEST(dead->front().last_error == "gave up");
  BOOST_TEST(dead->front().attempts == 1);
  BOOST_TEST((dead->front().state == EntryState::dead));

  // A dead letter no longer holds its entity back.
  auto second = take(store, 10, at(3));
  BOOST_TEST_REQUIRE(ids_of(second) == (std::vector<std::string>{"a2"}));

  // Replayed while a2 is in flight: it waits for a2, then goes.
  auto replayed = store.replay(first[0].id, at(4));
  BOOST_TEST_REQUIRE(replayed.has_value());
  BOOST_TEST(*replayed);
  BOOST_TEST(take(store, 10, at(4)).empty());
  BOOST_TEST_REQUIRE(store.mark_handled(second[0].id).has_value());
  auto again = take(store, 10, at(5));
  BOOST_TEST_REQUIRE(ids_of(again) == (std::vector<std::string>{"a1"}));
  BOOST_TEST(again[0].attempts == 0);

  auto not_dead = store.replay(second[0].id, at(6));
  BOOST_TEST_REQUIRE(not_dead.has_value());
  BOOST_TEST(!*not_dead);
  auto unknown = store.replay(9999, at(6));
  BOOST_TEST_REQUIRE(unknown.has_value());
  BOOST_TEST(!*unknown);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(only_in_flight_entries_can_be_finished, Store, Stores) {
  Store fixture;
  auto& store = *fixture.store;
  claim_new(store, meta("1"), at(0));
  auto found = store.find(1);
  BOOST_TEST_REQUIRE(found.has_value());
  BOOST_TEST_REQUIRE(found->has_value());
  const auto id = (*found)->id;
  BOOST_TEST(!store.mark_handled(id).has_value());  // still pending
  BOOST_TEST(!store.mark_failed(id, "x", at(1)).has_value());
  BOOST_TEST(!store.mark_dead(id, "x").has_value());
  BOOST_TEST(!store.mark_handled(12345).has_value());
  auto taken = take(store, 1, at(1));
  BOOST_TEST_REQUIRE(taken.size() == 1u);
  BOOST_TEST(store.mark_handled(id).has_value());
  BOOST_TEST(!store.mark_handled(id).has_value());  // already handled
  auto handled = store.find(id);
  BOOST_TEST_REQUIRE(handled.has_value());
  BOOST_TEST(((*handled)->state == EntryState::handled));
  BOOST_TEST((*handled)->attempts == 1);
  auto missing = store.find(12345);
  BOOST_TEST_REQUIRE(missing.has_value());
  BOOST_TEST(!missing->has_value());
}

BOOST_AUTO_TEST_CASE_TEMPLATE(handled_entries_are_pruned_after_the_retention_window, Store, Stores) {
  Store fixture;
  auto& store = *fixture.store;
  claim_new(store, meta("old-handled"), at(0));
  claim_new(store, meta("old-pending"), at(0));
  claim_new(store, meta("new-handled"), at(0) + hookline::default_retention);
  for (const auto& entry : take(store, 1, at(0))) {
    BOOST_TEST_REQUIRE(store.mark_handled(entry.id).has_value());
  }
  for (const auto& entry : take(store, 10, at(0) + hookline::default_retention)) {
    if (entry.meta.id == "new-handled") {
      BOOST_TEST_REQUIRE(store.mark_handled(entry.id).has_value());
    }
  }
  const auto now = at(0) + hookline::default_retention + 1s;
  auto pruned = store.prune_handled(now, hookline::default_retention);
  BOOST_TEST_REQUIRE(pruned.has_value());
  BOOST_TEST(*pruned == 1u);
  auto counts = store.counts();
  BOOST_TEST_REQUIRE(counts.has_value());
  BOOST_TEST(counts->handled == 1u);
  BOOST_TEST(counts->in_flight == 1u);  // old-pending was taken above and is still in flight
  // Once pruned, an id is forgotten: a redelivery after the window is new again.
  auto redelivered = store.claim(meta("old-handled"), "{}", now);
  BOOST_TEST_REQUIRE(redelivered.has_value());
  BOOST_TEST((*redelivered == ClaimOutcome::accepted));
  auto kept = store.claim(meta("new-handled"), "{}", now);
  BOOST_TEST_REQUIRE(kept.has_value());
  BOOST_TEST((*kept == ClaimOutcome::duplicate));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(in_flight_entries_are_recovered_as_pending, Store, Stores) {
  Store fixture;
  auto& store = *fixture.store;
  claim_new(store, meta("1", "t", "shipment:1"), at(0));
  claim_new(store, meta("2", "t", "shipment:1"), at(0));
  BOOST_TEST_REQUIRE(take(store, 10, at(0)).size() == 1u);
  auto recovered = store.recover_in_flight();
  BOOST_TEST_REQUIRE(recovered.has_value());
  BOOST_TEST(*recovered == 1u);
  BOOST_TEST(ids_of(take(store, 10, at(0))) == (std::vector<std::string>{"1"}));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(the_listener_hears_accepted_claims_only, Store, Stores) {
  Store fixture;
  auto& store = *fixture.store;
  std::atomic<int> heard{0};
  store.set_accepted_listener([&heard] { ++heard; });
  claim_new(store, meta("1"), at(0));
  BOOST_TEST_REQUIRE(store.claim(meta("1"), "{}", at(0)).has_value());
  BOOST_TEST(heard.load() == 1);
  store.set_accepted_listener({});
  claim_new(store, meta("2"), at(0));
  BOOST_TEST(heard.load() == 1);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(fifty_simultaneous_copies_are_one_entry, Store, Stores) {
  Store fixture;
  auto& store = *fixture.store;
  constexpr int copies = 50;
  std::atomic<int> ready{0};
  std::atomic<int> accepted{0};
  std::atomic<int> duplicates{0};
  std::atomic<int> errors{0};
  std::vector<std::thread> senders;
  for (int i = 0; i < copies; ++i) {
    senders.emplace_back([&] {
      ++ready;
      while (ready.load() < copies) {
        std::this_thread::yield();
      }
      auto outcome = store.claim(meta("10001", "shipment_scheduled", "shipment:251606"), "{}", at(0));
      if (!outcome) {
        ++errors;
      } else if (*outcome == ClaimOutcome::accepted) {
        ++accepted;
      } else {
        ++duplicates;
      }
    });
  }
  for (auto& sender : senders) {
    sender.join();
  }
  BOOST_TEST(accepted.load() == 1);
  BOOST_TEST(duplicates.load() == copies - 1);
  BOOST_TEST(errors.load() == 0);
  auto counts = store.counts();
  BOOST_TEST_REQUIRE(counts.has_value());
  BOOST_TEST(counts->pending == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
