// The RefusedRecord contract, run against every store: MemoryInbox, SqliteInbox on a temporary
// file and PostgresInbox on a throwaway PostgreSQL cluster. A backend that passes it keeps the
// latest refused deliveries within both limits, oldest dropped first, with everything a retry needs.

#include <boost/mpl/list.hpp>
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "hookline/inbox.hpp"
#include "hookline/refused_record.hpp"
#include "inbox_test_support.hpp"
#include "postgres_cluster.hpp"
#include "printing.hpp"

using hookline::Platform;
using hookline::RefusedDelivery;
using hookline::RefusedLimits;
using hookline::test::at;

namespace {

using Stores = boost::mpl::list<hookline::test::MemoryStore, hookline::test::SqliteStore, hookline::test::PostgresStore>;

/// A delivery refused for its signature, whose body is `body`.
RefusedDelivery refused(std::string body) {
  RefusedDelivery delivery;
  delivery.platform = Platform::vero;
  delivery.path = "/webhooks/vero";
  delivery.peer = "203.0.113.9";
  delivery.reason = "bad_token";
  delivery.message = "the token matches no configured token";
  delivery.headers = hookline::Headers{{"Content-Length", std::to_string(body.size())}, {"X-A", "1"}, {"x-a", ""}};
  delivery.query = {{"token", "wrong token"}, {"token", ""}};
  delivery.body = std::move(body);
  delivery.received_at = at(7);
  return delivery;
}

void record(hookline::RefusedRecord& record, const RefusedDelivery& delivery) {
  const auto kept = record.record_refused(delivery);
  BOOST_TEST_REQUIRE(kept.has_value());
  BOOST_TEST_REQUIRE(*kept);
}

std::vector<std::string> bodies_of(hookline::RefusedRecord& record) {
  const auto page = record.list_refused({1000, std::nullopt});
  BOOST_TEST_REQUIRE(page.has_value());
  std::vector<std::string> bodies;
  for (const auto& entry : page->entries) bodies.push_back(entry.delivery.body);
  return bodies;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(refused_record)

BOOST_AUTO_TEST_CASE_TEMPLATE(a_refused_delivery_keeps_what_a_retry_needs, Store, Stores) {
  Store fixture;
  auto& store = *fixture.store;
  const auto delivery = refused(std::string("{\"a\":\"\0\xff\"}", 10));
  record(store, delivery);
  const auto page = store.list_refused({});
  BOOST_TEST_REQUIRE(page.has_value());
  BOOST_TEST_REQUIRE(page->entries.size() == 1U);
  const auto found = store.find_refused(page->entries[0].id);
  BOOST_TEST_REQUIRE(found.has_value());
  BOOST_TEST_REQUIRE(found->has_value());
  const RefusedDelivery& kept = (*found)->delivery;
  BOOST_TEST(kept.platform == Platform::vero);
  BOOST_TEST(kept.path == "/webhooks/vero");
  BOOST_TEST(kept.peer == "203.0.113.9");
  BOOST_TEST(kept.reason == "bad_token");
  BOOST_TEST(kept.message == delivery.message);
  BOOST_TEST(kept.body == delivery.body);
  BOOST_TEST_REQUIRE(kept.headers.size() == 3U);
  BOOST_TEST(kept.headers.fields()[2].name == "x-a");
  BOOST_TEST(kept.headers.fields()[2].value == "");
  BOOST_TEST((kept.query == delivery.query));
  BOOST_TEST((kept.received_at == at(7)));
  const auto counts = store.refused_counts();
  BOOST_TEST_REQUIRE(counts.has_value());
  BOOST_TEST(counts->entries == 1U);
  BOOST_TEST(counts->bytes == hookline::recorded_bytes(delivery));
  BOOST_TEST(!store.find_refused(page->entries[0].id + 1000)->has_value());
}

BOOST_AUTO_TEST_CASE(recorded_bytes_count_body_headers_and_query) {
  const auto delivery = refused("12345");
  // body 5, "Content-Length" "5" 15, "X-A" "1" 4, "x-a" "" 3, "token" "wrong token" 16, "token" "" 5
  BOOST_TEST(hookline::recorded_bytes(delivery) == 48U);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(past_the_count_limit_the_oldest_are_dropped, Store, Stores) {
  Store fixture(RefusedLimits{3, 1 << 20});
  auto& store = *fixture.store;
  for (const char* body : {"1", "2", "3", "4", "5"}) record(store, refused(body));
  BOOST_TEST((bodies_of(store) == std::vector<std::string>{"3", "4", "5"}));
  const auto counts = store.refused_counts();
  BOOST_TEST(counts->entries == 3U);
  BOOST_TEST(counts->bytes == 3 * hookline::recorded_bytes(refused("1")));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(past_the_byte_limit_the_oldest_are_dropped, Store, Stores) {
  const std::size_t each = hookline::recorded_bytes(refused(std::string(400, 'a')));
  Store fixture(RefusedLimits{100, 2 * each + 10});
  auto& store = *fixture.store;
  for (const char letter : {'a', 'b', 'c'}) record(store, refused(std::string(400, letter)));
  BOOST_TEST((bodies_of(store) == std::vector<std::string>{std::string(400, 'b'), std::string(400, 'c')}));
  // One large delivery makes room by dropping both.
  record(store, refused(std::string(2 * 400, 'd')));
  BOOST_TEST((bodies_of(store) == std::vector<std::string>{std::string(800, 'd')}));
  BOOST_TEST(store.refused_counts()->bytes <= 2 * each + 10);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(a_delivery_over_the_byte_limit_alone_is_not_kept_and_drops_nothing, Store, Stores) {
  Store fixture(RefusedLimits{100, 1000});
  auto& store = *fixture.store;
  record(store, refused("small"));
  const auto kept = store.record_refused(refused(std::string(1000, 'x')));
  BOOST_TEST_REQUIRE(kept.has_value());
  BOOST_TEST(!*kept);
  BOOST_TEST((bodies_of(store) == std::vector<std::string>{"small"}));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(listing_pages_through_every_entry_oldest_first, Store, Stores) {
  Store fixture;
  auto& store = *fixture.store;
  for (const char* body : {"1", "2", "3"}) record(store, refused(body));
  const auto first = store.list_refused({2, std::nullopt});
  BOOST_TEST_REQUIRE(first.has_value());
  BOOST_TEST_REQUIRE(first->entries.size() == 2U);
  BOOST_TEST(first->entries[1].delivery.body == "2");
  BOOST_TEST_REQUIRE(first->next_cursor.has_value());
  const auto rest = store.list_refused({2, first->next_cursor});
  BOOST_TEST_REQUIRE(rest->entries.size() == 1U);
  BOOST_TEST(rest->entries[0].delivery.body == "3");
  BOOST_TEST(!rest->next_cursor.has_value());
  BOOST_TEST(store.list_refused({0, std::nullopt})->entries.empty());
}

BOOST_AUTO_TEST_CASE_TEMPLATE(a_removed_entry_is_gone_and_ids_keep_growing, Store, Stores) {
  Store fixture(RefusedLimits{2, 1 << 20});
  auto& store = *fixture.store;
  record(store, refused("1"));
  record(store, refused("2"));
  const auto page = store.list_refused({});
  const auto first = page->entries.at(0).id;
  const auto second = page->entries.at(1).id;
  BOOST_TEST(second > first);
  BOOST_TEST(store.remove_refused(first).value());
  BOOST_TEST(!store.remove_refused(first).value());
  BOOST_TEST(!store.find_refused(first)->has_value());
  BOOST_TEST(store.refused_counts()->entries == 1U);
  BOOST_TEST(store.refused_counts()->bytes == hookline::recorded_bytes(refused("2")));
  record(store, refused("3"));
  record(store, refused("4"));  // drops "2"
  const auto later = store.list_refused({});
  BOOST_TEST_REQUIRE(later->entries.size() == 2U);
  BOOST_TEST(later->entries[0].id > second);
  BOOST_TEST((bodies_of(store) == std::vector<std::string>{"3", "4"}));
}

using DurableStores = boost::mpl::list<hookline::test::SqliteStore, hookline::test::PostgresStore>;

BOOST_AUTO_TEST_CASE_TEMPLATE(the_record_and_its_limits_survive_a_restart, Store, DurableStores) {
  Store fixture(RefusedLimits{3, 1 << 20});
  for (const char* body : {"1", "2", "3"}) record(*fixture.store, refused(body));
  fixture.reopen(RefusedLimits{2, 1 << 20});
  const auto counts = fixture.store->refused_counts();
  BOOST_TEST(counts->entries == 3U);
  BOOST_TEST(counts->bytes == 3 * hookline::recorded_bytes(refused("1")));
  record(*fixture.store, refused("4"));  // the smaller limit applies from the next insert
  BOOST_TEST((bodies_of(*fixture.store) == std::vector<std::string>{"3", "4"}));
}

BOOST_AUTO_TEST_SUITE_END()
