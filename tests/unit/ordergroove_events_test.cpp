// Ordergroove: every documented event type has a sample that parses to its type; envelope,
// object and snapshot fields; unknown types; meta(); to_json().

#include <boost/test/unit_test.hpp>

#include <ostream>
#include <set>
#include <string>

#include "hookline/ordergroove.hpp"
#include "parse_test_support.hpp"
#include "printing.hpp"

namespace hookline::ordergroove {
inline std::ostream& operator<<(std::ostream& out, EventType type) { return out << to_string(type); }
}  // namespace hookline::ordergroove

namespace og = hookline::ordergroove;
using platform_tests::json_files;
using platform_tests::samples_dir;
using platform_tests::slurp;

namespace {

og::Event parse_sample(const std::string& type) {
  auto event = og::parse(slurp(samples_dir("ordergroove") / (type + ".json")));
  BOOST_TEST_REQUIRE(event.has_value(), type << ": " << platform_tests::error_of(event));
  return *event;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(ordergroove_events)

BOOST_AUTO_TEST_CASE(every_sample_parses_to_the_type_of_its_file_name) {
  std::set<std::string> seen;
  for (const auto& path : json_files(samples_dir("ordergroove"))) {
    const std::string type = path.stem().string();
    auto event = og::parse(slurp(path));
    BOOST_TEST_REQUIRE(event.has_value(), type << ": " << platform_tests::error_of(event));
    BOOST_TEST(event->type == type);
    BOOST_TEST(og::to_string(event->event_type) == type);
    BOOST_TEST(!event->id.empty());
    BOOST_TEST(!event->meta().entity.empty());
    seen.insert(type);
  }
  for (og::EventType type : og::known_event_types()) {
    BOOST_TEST(seen.count(std::string(og::to_string(type))) == 1U, "no sample for " << og::to_string(type));
  }
  BOOST_TEST(seen.size() == og::known_event_types().size());
}

BOOST_AUTO_TEST_CASE(the_object_is_typed_by_the_family_of_the_type) {
  BOOST_TEST(std::holds_alternative<og::Subscriber>(parse_sample("subscriber.create").object));
  BOOST_TEST(std::holds_alternative<og::Subscription>(parse_sample("subscription.sku_swap").object));
  BOOST_TEST(std::holds_alternative<og::Order>(parse_sample("order.skip_order").object));
  BOOST_TEST(std::holds_alternative<og::Item>(parse_sample("item.sku_swap").object));
}

BOOST_AUTO_TEST_CASE(subscription_cancel_reads_the_subscription) {
  const og::Event event = parse_sample("subscription.cancel");
  BOOST_TEST(event.event_type == og::EventType::subscription_cancel);
  BOOST_TEST(event.object_type == "subscription");
  const auto& subscription = std::get<og::Subscription>(event.object);
  BOOST_TEST(subscription.public_id == "565998a03d7a4647971aab47f8c487f9");
  BOOST_TEST(subscription.customer == std::optional<std::string>("cust-10042"));
  BOOST_TEST(subscription.live == std::optional<bool>(false));
  BOOST_TEST(subscription.cancel_reason == std::optional<std::string>("4|Overstocked"));
  BOOST_TEST(subscription.cancel_reason_code == std::optional<std::string>("4"));
  BOOST_TEST(subscription.quantity == std::optional<std::int64_t>(2));
  BOOST_TEST(!subscription.price.has_value());
  BOOST_TEST(subscription.extra_data == std::optional<std::string>(R"({"gift":"no"})"));

  const hookline::EventMeta meta = event.meta();
  BOOST_TEST(meta.platform == hookline::Platform::ordergroove);
  BOOST_TEST(meta.type == "subscription.cancel");
  BOOST_TEST(meta.id == event.id);
  BOOST_TEST(meta.occurred_at.time_since_epoch().count() == event.created.time_since_epoch().count());
  BOOST_TEST(meta.entity == "subscription:565998a03d7a4647971aab47f8c487f9");
}

BOOST_AUTO_TEST_CASE(bundle_components_are_read) {
  const auto subscription = std::get<og::Subscription>(parse_sample("subscription.change_components").object);
  BOOST_TEST_REQUIRE(subscription.components.size() == 2U);
  BOOST_TEST(subscription.components[0].product == std::optional<std::string>("SKU-COFFEE-250G"));
  BOOST_TEST(subscription.components[0].quantity == std::optional<std::int64_t>(2));
  BOOST_TEST(!subscription.components[1].quantity.has_value());
}

BOOST_AUTO_TEST_CASE(created_may_be_a_string_of_epoch_seconds) {
  const std::string body = slurp(samples_dir("ordergroove") / "order.skip_order.json");
  BOOST_TEST(body.find(R"("created": "17741)") != std::string::npos);
  const og::Event event = parse_sample("order.skip_order");
  BOOST_TEST(event.created.time_since_epoch().count() > 1774190400);
  const auto& order = std::get<og::Order>(event.object);
  BOOST_TEST(order.status == std::optional<std::int64_t>(4));
  BOOST_TEST(order.total == std::optional<std::string>("39.20"));
  BOOST_TEST(order.cancelled == std::optional<std::string>("1774190400"));
  BOOST_TEST(event.meta().entity == "order:f9cb2f93e1c845eb9de9eff46ddb3cbf");
}

BOOST_AUTO_TEST_CASE(subscriber_events_are_about_the_customer_named_by_merchant_user_id) {
  const og::Event event = parse_sample("subscriber.create");
  const auto& subscriber = std::get<og::Subscriber>(event.object);
  BOOST_TEST(subscriber.merchant_user_id == "cust-10042");
  BOOST_TEST(subscriber.subscription == std::optional<std::string>("565998a03d7a4647971aab47f8c487f9"));
  BOOST_TEST(subscriber.subscriptions.empty());
  BOOST_TEST(subscriber.email == std::optional<std::string>("ada@example.com"));
  BOOST_TEST(subscriber.phone_type == std::optional<std::int64_t>(2));
  BOOST_TEST(subscriber.created == std::optional<std::string>("1766239255"));
  BOOST_TEST(subscriber.extra_data == std::optional<std::string>("{}"));
  BOOST_TEST(event.meta().entity == "subscriber:cust-10042");

  // subscriptions_created names its subscriptions in "subscriptions" and sends "subscription" empty.
  const auto created = std::get<og::Subscriber>(parse_sample("subscriber.subscriptions_created").object);
  BOOST_TEST(created.subscriptions.size() == 2U);
  BOOST_TEST(!created.subscription.has_value());
}

BOOST_AUTO_TEST_CASE(a_subscriber_sent_with_customer_instead_of_merchant_user_id_is_refused) {
  auto event = og::parse(R"({"id":"e1","type":"subscriber.cancel","created":1,)"
                         R"("data":{"object":{"type":"subscriber","customer":"c1"}}})");
  BOOST_TEST_REQUIRE(!event.has_value());
  BOOST_TEST(event.error().to_string() == "data.object.merchant_user_id: missing");
}

BOOST_AUTO_TEST_CASE(context_is_read_beside_data_or_inside_it_but_not_both) {
  auto inside = og::parse(R"({"id":"e1","type":"subscription.create","created":1,)"
                          R"("data":{"object":{"public_id":"s1"},"context":{"source":"XML IMPORT"}}})");
  BOOST_TEST_REQUIRE(inside.has_value(), platform_tests::error_of(inside));
  BOOST_TEST(inside->context == std::optional<std::string>(R"({"source":"XML IMPORT"})"));
  auto both = og::parse(R"({"id":"e1","type":"subscription.create","created":1,"context":{},)"
                        R"("data":{"object":{"public_id":"s1"},"context":{}}})");
  BOOST_TEST_REQUIRE(!both.has_value());
  BOOST_TEST(both.error().to_string() == "data.context: duplicated key");
}

BOOST_AUTO_TEST_CASE(the_snapshot_carries_every_record_kind) {
  const og::Event created = parse_sample("subscription.create");
  BOOST_TEST_REQUIRE(created.snapshot.customer.has_value());
  BOOST_TEST(created.snapshot.customer->email == std::optional<std::string>("ada@example.com"));
  BOOST_TEST_REQUIRE(created.snapshot.addresses.size() == 1U);
  BOOST_TEST(created.snapshot.addresses[0].zip_postal_code == std::optional<std::string>("11201"));
  BOOST_TEST_REQUIRE(created.snapshot.payments.size() == 1U);
  BOOST_TEST(created.snapshot.payments[0].cc_type == std::optional<std::int64_t>(1));
  BOOST_TEST_REQUIRE(created.snapshot.products.size() == 1U);
  BOOST_TEST(created.snapshot.products[0].price == std::optional<std::string>("20.00"));

  const og::Event order = parse_sample("order.create");
  BOOST_TEST_REQUIRE(order.snapshot.items.size() == 1U);
  BOOST_TEST(order.snapshot.items[0].one_time == std::optional<bool>(false));
  BOOST_TEST_REQUIRE(order.snapshot.subscriptions.size() == 1U);
  BOOST_TEST(order.snapshot.subscriptions[0].public_id == "565998a03d7a4647971aab47f8c487f9");

  const og::Event reminder = parse_sample("order.reminder");
  BOOST_TEST(reminder.snapshot.items.size() == 1U);
  BOOST_TEST((parse_sample("item.create").snapshot == og::Snapshot{}));
}

BOOST_AUTO_TEST_CASE(a_snapshot_beside_data_is_read_too) {
  auto event = og::parse(
      R"({"id":"e1","type":"order.create","created":1774190400,"data":{"object":{"public_id":"o1"}},)"
      R"("context":{"one_click_token":"t"},"snapshot":{"orders":[{"public_id":"o1","type":1,"total":"5.00"}]}})");
  BOOST_TEST_REQUIRE(event.has_value(), platform_tests::error_of(event));
  BOOST_TEST_REQUIRE(event->snapshot.orders.size() == 1U);
  BOOST_TEST(event->snapshot.orders[0].order_type == std::optional<std::int64_t>(1));
  BOOST_TEST(event->context == std::optional<std::string>(R"({"one_click_token":"t"})"));
}

BOOST_AUTO_TEST_CASE(a_snapshot_in_both_places_is_refused) {
  auto event = og::parse(R"({"id":"e1","type":"order.create","created":1,"snapshot":{},)"
                         R"("data":{"object":{"public_id":"o1"},"snapshot":{}}})");
  BOOST_TEST_REQUIRE(!event.has_value());
  BOOST_TEST(event.error().to_string() == "data.snapshot: duplicated key");
}

BOOST_AUTO_TEST_CASE(data_before_type_is_read_by_the_type) {
  auto event = og::parse(R"({"data":{"object":{"public_id":"i1","quantity":"3"}},"created":"10","type":"item.remove","id":7})");
  BOOST_TEST_REQUIRE(event.has_value(), platform_tests::error_of(event));
  BOOST_TEST(event->id == "7");
  BOOST_TEST(event->created.time_since_epoch().count() == 10);
  BOOST_TEST(std::get<og::Item>(event->object).quantity == std::optional<std::int64_t>(3));
}

BOOST_AUTO_TEST_CASE(an_unknown_action_of_a_known_family_keeps_the_typed_object) {
  auto event = og::parse(R"({"id":"e1","type":"order.teleported","created":1,"data":{"object":{"public_id":"o9"}}})");
  BOOST_TEST_REQUIRE(event.has_value(), platform_tests::error_of(event));
  BOOST_TEST(event->event_type == og::EventType::unknown);
  BOOST_TEST(std::get<og::Order>(event->object).public_id == "o9");
  BOOST_TEST(event->meta().entity == "order:o9");
}

BOOST_AUTO_TEST_CASE(an_unknown_family_keeps_the_object_as_raw_json) {
  auto event = og::parse(R"({"id":"e1","type":"entitlement.modify_expiration","created":1,"data":{"object":{"x": [1, 2]}}})");
  BOOST_TEST_REQUIRE(event.has_value(), platform_tests::error_of(event));
  BOOST_TEST(event->event_type == og::EventType::unknown);
  BOOST_TEST(std::get<og::OtherObject>(event->object).json == R"({"x":[1,2]})");
  BOOST_TEST(event->meta().entity.empty());
  BOOST_TEST(og::to_json(*event).find(R"("object":{"x":[1,2]})") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(type_names_round_trip) {
  for (og::EventType type : og::known_event_types()) {
    BOOST_TEST(og::event_type_from_string(og::to_string(type)) == type);
  }
  BOOST_TEST(og::known_event_types().size() == 38U);
  BOOST_TEST(og::event_type_from_string("subscription.created") == og::EventType::unknown);
}

BOOST_AUTO_TEST_CASE(to_json_prints_the_envelope_object_and_snapshot) {
  auto event = og::parse(R"({"id":"e1","type":"item.update_price","created":1774190400,)"
                         R"("data":{"object":{"type":"item","public_id":"i1","price":"18.00","quantity":2}}})");
  BOOST_TEST_REQUIRE(event.has_value(), platform_tests::error_of(event));
  BOOST_TEST(og::to_json(*event) ==
             R"({"platform":"ordergroove","event":"item.update_price","event_id":"e1","event_date":"2026-03-22T14:40:00Z",)"
             R"("data":{"object":{"type":"item","public_id":"i1","merchant":null,"customer":null,"order":null,)"
             R"("subscription":null,"offer":null,"product":null,"quantity":2,"price":18.00,"extra_cost":null,)"
             R"("total_price":null,"one_time":null,"first_placed":null,"components":[]},)"
             R"("snapshot":{"customer":null,"subscriptions":[],"orders":[],"items":[],"products":[],"addresses":[],)"
             R"("payments":[]}},"context":null})");
}

BOOST_AUTO_TEST_SUITE_END()
