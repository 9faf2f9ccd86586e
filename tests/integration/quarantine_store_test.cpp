// The QuarantineStore contract, run against every store: MemoryInbox, SqliteInbox on a temporary
// file and PostgresInbox on a throwaway PostgreSQL cluster. A backend that passes it keeps
// deliveries that do not parse the way a Receiver relies on.

#include <boost/mpl/list.hpp>
#include <boost/test/unit_test.hpp>

#include <limits>
#include <string>
#include <vector>

#include "hookline/inbox.hpp"
#include "hookline/quarantine.hpp"
#include "inbox_test_support.hpp"
#include "postgres_cluster.hpp"
#include "printing.hpp"

using hookline::Platform;
using hookline::QuarantinedDelivery;
using hookline::QuarantineOutcome;
using hookline::test::at;

namespace {

using Stores = boost::mpl::list<hookline::test::MemoryStore, hookline::test::SqliteStore, hookline::test::PostgresStore>;

/// A VRIO delivery under `key` whose quantity is a word.
QuarantinedDelivery delivery(std::string key, std::string body = std::string("{\"a\":\"\0\xff\"}", 10)) {
  QuarantinedDelivery quarantined;
  quarantined.platform = Platform::vrio;
  quarantined.key = std::move(key);
  quarantined.body = std::move(body);
  quarantined.headers = hookline::Headers{{"X-Webhook-Signature", "abc"}, {"X-Dup", "1"}, {"x-dup", "2"}};
  quarantined.received_at = at(5);
  quarantined.error = hookline::ParseError{"webhook_data.shipment.shipment_items[0].quantity", "expected an integer"};
  return quarantined;
}

void store_new(hookline::QuarantineStore& store, const QuarantinedDelivery& quarantined) {
  const auto outcome = store.quarantine(quarantined);
  BOOST_TEST_REQUIRE(outcome.has_value());
  BOOST_TEST_REQUIRE((*outcome == QuarantineOutcome::stored));
}

std::vector<std::string> keys_of(const hookline::Page<hookline::QuarantineEntry>& page) {
  std::vector<std::string> keys;
  for (const auto& entry : page.entries) keys.push_back(entry.delivery.key);
  return keys;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(quarantine_store)

BOOST_AUTO_TEST_CASE_TEMPLATE(a_quarantined_delivery_keeps_every_byte, Store, Stores) {
  Store fixture;
  auto& store = *fixture.store;
  store_new(store, delivery("e-1"));
  const auto page = store.list_quarantined({});
  BOOST_TEST_REQUIRE(page.has_value());
  BOOST_TEST_REQUIRE(page->entries.size() == 1U);
  const auto found = store.find_quarantined(page->entries[0].id);
  BOOST_TEST_REQUIRE(found.has_value());
  BOOST_TEST_REQUIRE(found->has_value());
  const auto& entry = **found;
  const auto expected = delivery("e-1");
  BOOST_TEST(entry.delivery.platform == Platform::vrio);
  BOOST_TEST(entry.delivery.key == "e-1");
  BOOST_TEST(entry.delivery.body == expected.body);
  BOOST_TEST_REQUIRE(entry.delivery.headers.size() == 3U);
  BOOST_TEST(entry.delivery.headers.fields()[2].name == "x-dup");
  BOOST_TEST((entry.delivery.headers.get_all("X-Dup") == std::vector<std::string_view>{"1", "2"}));
  BOOST_TEST((entry.delivery.received_at == at(5)));
  BOOST_TEST(entry.delivery.error.path == expected.error.path);
  BOOST_TEST(entry.delivery.error.message == "expected an integer");
  BOOST_TEST(entry.failed_replays == 0);
  BOOST_TEST(store.quarantine_depth().value() == 1U);
  const auto missing = store.find_quarantined(page->entries[0].id + 1000);
  BOOST_TEST_REQUIRE(missing.has_value());
  BOOST_TEST(!missing->has_value());
}

BOOST_AUTO_TEST_CASE_TEMPLATE(a_redelivery_is_one_entry_and_changes_nothing, Store, Stores) {
  Store fixture;
  auto& store = *fixture.store;
  store_new(store, delivery("e-1", "first"));
  auto again = delivery("e-1", "second");
  again.error.message = "another error";
  const auto outcome = store.quarantine(again);
  BOOST_TEST_REQUIRE(outcome.has_value());
  BOOST_TEST((*outcome == QuarantineOutcome::already_stored));
  auto other_platform = delivery("e-1");
  other_platform.platform = Platform::store_admin;
  store_new(store, other_platform);
  const auto page = store.list_quarantined({});
  BOOST_TEST_REQUIRE(page.has_value());
  BOOST_TEST_REQUIRE(page->entries.size() == 2U);
  BOOST_TEST(page->entries[0].delivery.body == "first");
  BOOST_TEST(page->entries[0].delivery.error.message == "expected an integer");
  BOOST_TEST(store.quarantine_depth().value() == 2U);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(listing_pages_through_every_entry_oldest_first, Store, Stores) {
  Store fixture;
  auto& store = *fixture.store;
  for (const char* key : {"a", "b", "c", "d", "e"}) store_new(store, delivery(key));
  const auto first = store.list_quarantined({2, std::nullopt});
  BOOST_TEST_REQUIRE(first.has_value());
  BOOST_TEST((keys_of(*first) == std::vector<std::string>{"a", "b"}));
  BOOST_TEST_REQUIRE(first->next_cursor.has_value());
  const auto second = store.list_quarantined({2, first->next_cursor});
  BOOST_TEST_REQUIRE(second.has_value());
  BOOST_TEST((keys_of(*second) == std::vector<std::string>{"c", "d"}));
  const auto last = store.list_quarantined({2, second->next_cursor});
  BOOST_TEST_REQUIRE(last.has_value());
  BOOST_TEST((keys_of(*last) == std::vector<std::string>{"e"}));
  BOOST_TEST(!last->next_cursor.has_value());
  const auto exact = store.list_quarantined({5, std::nullopt});
  BOOST_TEST(exact->entries.size() == 5U);
  BOOST_TEST(!exact->next_cursor.has_value());
  const auto everything = store.list_quarantined({std::numeric_limits<std::size_t>::max(), std::nullopt});
  BOOST_TEST(everything->entries.size() == 5U);
  const auto none = store.list_quarantined({0, std::nullopt});
  BOOST_TEST(none->entries.empty());
  BOOST_TEST(!none->next_cursor.has_value());
}

BOOST_AUTO_TEST_CASE_TEMPLATE(a_failed_replay_records_its_error, Store, Stores) {
  Store fixture;
  auto& store = *fixture.store;
  store_new(store, delivery("e-1"));
  const auto id = store.list_quarantined({})->entries.at(0).id;
  const hookline::ParseError newer{"webhook_data.shipment.status", "expected a string"};
  BOOST_TEST(store.record_replay_failure(id, newer).value());
  BOOST_TEST(store.record_replay_failure(id, newer).value());
  const auto found = store.find_quarantined(id);
  BOOST_TEST_REQUIRE(found->has_value());
  BOOST_TEST((*found)->delivery.error.path == "webhook_data.shipment.status");
  BOOST_TEST((*found)->delivery.error.message == "expected a string");
  BOOST_TEST((*found)->failed_replays == 2);
  BOOST_TEST((*found)->delivery.body == delivery("e-1").body);
  BOOST_TEST(!store.record_replay_failure(id + 1000, newer).value());
}

BOOST_AUTO_TEST_CASE_TEMPLATE(a_removed_entry_is_gone_and_its_key_free_again, Store, Stores) {
  Store fixture;
  auto& store = *fixture.store;
  store_new(store, delivery("e-1"));
  store_new(store, delivery("e-2"));
  const auto id = store.list_quarantined({})->entries.at(0).id;
  BOOST_TEST(store.remove_quarantined(id).value());
  BOOST_TEST(!store.remove_quarantined(id).value());
  BOOST_TEST(!store.find_quarantined(id)->has_value());
  BOOST_TEST(store.quarantine_depth().value() == 1U);
  store_new(store, delivery("e-1"));
  const auto page = store.list_quarantined({});
  BOOST_TEST((keys_of(*page) == std::vector<std::string>{"e-2", "e-1"}));
  BOOST_TEST(page->entries.back().id > id);
}

using DurableStores = boost::mpl::list<hookline::test::SqliteStore, hookline::test::PostgresStore>;

BOOST_AUTO_TEST_CASE_TEMPLATE(a_quarantined_delivery_survives_a_restart, Store, DurableStores) {
  Store fixture;
  store_new(*fixture.store, delivery("e-1"));
  fixture.reopen();
  const auto page = fixture.store->list_quarantined({});
  BOOST_TEST_REQUIRE(page.has_value());
  BOOST_TEST((keys_of(*page) == std::vector<std::string>{"e-1"}));
  BOOST_TEST(page->entries[0].delivery.body == delivery("e-1").body);
}

BOOST_AUTO_TEST_SUITE_END()
