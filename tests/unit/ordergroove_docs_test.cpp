// Ordergroove conformance: every example payload of Ordergroove's developer documentation
// (samples/ordergroove/docs, each named with its page in samples/ordergroove/README.md) parses,
// and its typed values are the page's.

#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <optional>
#include <ostream>
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
using Text = std::optional<std::string>;

namespace {

og::Event parse_example(const std::string& file) {
  auto event = og::parse(slurp(samples_dir("ordergroove") / "docs" / file));
  BOOST_TEST_REQUIRE(event.has_value(), file << ": " << platform_tests::error_of(event));
  BOOST_TEST(event->id == "mmmm4444nnnn3333pppp");
  return *event;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(ordergroove_docs)

BOOST_AUTO_TEST_CASE(every_documented_example_parses_and_is_named_in_the_readme) {
  const std::string readme = slurp(samples_dir("ordergroove") / "README.md");
  const auto files = json_files(samples_dir("ordergroove") / "docs");
  BOOST_TEST(files.size() == 8U);
  for (const auto& path : files) {
    auto event = og::parse(slurp(path));
    BOOST_TEST(event.has_value(), path.filename() << ": " << platform_tests::error_of(event));
    const std::string name = path.filename().string();
    const std::string page = name.substr(0, name.find('.'));
    BOOST_TEST(readme.find("https://developer.ordergroove.com/") != std::string::npos);
    BOOST_TEST(readme.find(page) != std::string::npos, name << ": its page is not named in the README");
  }
}

BOOST_AUTO_TEST_CASE(subscriber_events_page) {
  const og::Event event = parse_example("webhooks-subscriber-events.subscriber.create.json");
  BOOST_TEST(event.event_type == og::EventType::subscriber_create);
  BOOST_TEST(event.created.time_since_epoch().count() == 1622589211);
  BOOST_TEST(event.object_type == "subscriber");
  const auto& s = std::get<og::Subscriber>(event.object);
  BOOST_TEST(s.merchant_user_id == "dddjjjjkk3343");
  BOOST_TEST(s.merchant == Text("aaaa1111bbbb2222cccc"));
  BOOST_TEST(s.subscription == Text("ssss3333llll2222bbbb"));
  BOOST_TEST((s.subscriptions == std::vector<std::string>{"ssss3333llll2222aaaa", "ssss3333llll2222cccc"}));
  BOOST_TEST(s.session_id == Text("aaaa1111bbbb2222cccc.450125.1299622365"));
  BOOST_TEST(s.first_name == Text("John"));
  BOOST_TEST(s.last_name == Text("Smith"));
  BOOST_TEST(s.email == Text("john.smith@email.com"));
  BOOST_TEST(s.phone_number == Text("555-555-5555"));
  BOOST_TEST(s.phone_type == std::optional<std::int64_t>(2));
  BOOST_TEST(s.phone_type_display == Text("mobile"));
  BOOST_TEST(s.live == std::optional<bool>(true));
  BOOST_TEST(s.created == Text("1298407706"));
  BOOST_TEST(s.last_updated == Text("1301323663"));
  BOOST_TEST(s.extra_data == Text("{}"));
  BOOST_TEST(s.locale == std::optional<std::int64_t>(1));
  BOOST_TEST(s.locale_display == Text("en-us"));
  BOOST_TEST(event.meta().entity == "subscriber:dddjjjjkk3343");

  const og::Event legacy = parse_example("configure-webhooks-via-api.subscriber.create.json");
  BOOST_TEST(std::get<og::Subscriber>(legacy.object).merchant_user_id == "dddjjjjkk3343");
  BOOST_TEST(std::get<og::Subscriber>(legacy.object).subscriptions.empty());
}

BOOST_AUTO_TEST_CASE(subscription_events_page) {
  const og::Event event = parse_example("webhook-subscription-events.subscription.create.json");
  BOOST_TEST(event.event_type == og::EventType::subscription_create);
  const auto& s = std::get<og::Subscription>(event.object);
  BOOST_TEST(s.public_id == "zzzz9999yyyy8888xxxx");
  BOOST_TEST(s.customer == Text("m1234576"));
  BOOST_TEST(s.product == Text("SKUabc"));
  BOOST_TEST_REQUIRE(s.components.size() == 2U);
  BOOST_TEST(s.components[0].product == Text("product_1"));
  BOOST_TEST(s.components[0].public_id == Text("public_id_1"));
  BOOST_TEST(!s.components[0].quantity.has_value());
  BOOST_TEST(s.components[1].quantity == std::optional<std::int64_t>(2));
  BOOST_TEST(s.extra_data == Text("{}"));
  BOOST_TEST(s.quantity == std::optional<std::int64_t>(1));
  BOOST_TEST(!s.price.has_value());
  BOOST_TEST(s.frequency_days == std::optional<std::int64_t>(56));
  BOOST_TEST(s.reminder_days == std::optional<std::int64_t>(10));
  BOOST_TEST(s.every == std::optional<std::int64_t>(2));
  BOOST_TEST(s.every_period == std::optional<std::int64_t>(2));
  BOOST_TEST(s.every_period_display == Text("Weeks"));
  BOOST_TEST(s.cancelled == Text("1301325188"));
  BOOST_TEST(s.cancel_reason == Text(""));
  BOOST_TEST(!s.cancel_reason_code.has_value());
  BOOST_TEST(s.session_id == Text("aaaa1111bbbb2222cccc.450125.1299622365"));
  BOOST_TEST(s.merchant_order_id == Text("12345678"));
  BOOST_TEST(s.live == std::optional<bool>(true));
  BOOST_TEST(!s.external_id.has_value());
  BOOST_TEST(s.created == Text("1300375961"));
  BOOST_TEST(s.start_date == Text("2021-03-25"));
  BOOST_TEST(s.offer == Text("a748aa648ac811e8af3bbc764e106cf4"));
  BOOST_TEST(s.payment == Text("070001bc02fd11e99542bc764e1043b0"));
  BOOST_TEST(s.shipping_address == Text("66c25cd0564011e9abc5bc764e107990"));
  BOOST_TEST(s.updated == Text("1300375961"));
  BOOST_TEST(s.one_click_token == Text("eyJhbGciOiJFUzUxMiIsInR5cCI6IkpXVCJ9.eyJtZXJjaGFudCI6IjAxZm"));
  BOOST_TEST_REQUIRE(s.prepaid_subscription_context.has_value());
  BOOST_TEST(s.prepaid_subscription_context->prepaid_orders_remaining == std::optional<std::int64_t>(0));
  BOOST_TEST(s.prepaid_subscription_context->prepaid_orders_per_billing == std::optional<std::int64_t>(3));
  BOOST_TEST(s.prepaid_subscription_context->renewal_behavior == Text("autorenew"));
  BOOST_TEST(s.prepaid_subscription_context->last_renewal_revenue == Text("100.8"));
  BOOST_TEST(s.prepaid_subscription_context->prepaid_origin_merchant_order_id == Text("#3082"));
  BOOST_TEST(event.context == Text(R"({"source":"PurchasePOST"})"));

  const og::Event legacy = parse_example("configure-webhooks-via-api.subscription.create.json");
  const auto& old = std::get<og::Subscription>(legacy.object);
  BOOST_TEST_REQUIRE(old.components.size() == 2U);
  BOOST_TEST(old.components[1].product == Text("product_2"));
  BOOST_TEST(!old.components[1].public_id.has_value());
}

BOOST_AUTO_TEST_CASE(order_events_page) {
  for (const char* file : {"webhooks-order-events.order.success.json", "configure-webhooks-via-api.order.success.json"}) {
    const og::Event event = parse_example(file);
    BOOST_TEST(event.event_type == og::EventType::order_success);
    const auto& o = std::get<og::Order>(event.object);
    BOOST_TEST(o.public_id == "zzzz9999yyyy8888xxxx");
    BOOST_TEST(o.customer == Text("m1234576"));
    BOOST_TEST(o.payment == Text("a748aa648ac811e8af3bbc764e106cf4"));
    BOOST_TEST(o.shipping_address == Text("66c25cd0564011e9abc5bc764e107990"));
    BOOST_TEST(o.total == Text("0.00"));
    BOOST_TEST(o.sub_total == Text("0.00"));
    BOOST_TEST(o.extra_data == Text("{}"));
    BOOST_TEST(o.generic_error_count == std::optional<std::int64_t>(0));
    BOOST_TEST(!o.order_merchant_id.has_value());
    BOOST_TEST(o.place == Text("2021-04-06"));
    BOOST_TEST(o.status == std::optional<std::int64_t>(1));
    BOOST_TEST(o.status_display == Text("Unsent"));
    BOOST_TEST(o.tries == std::optional<std::int64_t>(0));
    BOOST_TEST(!o.cancelled.has_value());
    BOOST_TEST(o.created == Text("1301093861"));
    BOOST_TEST(event.meta().entity == "order:zzzz9999yyyy8888xxxx");
  }
  const og::Event current = parse_example("webhooks-order-events.order.success.json");
  BOOST_TEST(std::get<og::Order>(current.object).one_click_token == Text("eyJhbGciOiJFUzUxMiIsInR5cCI6IkpXVCJ9.eyJtZXJjaGFudCI6IjAxZm"));
}

BOOST_AUTO_TEST_CASE(item_events_page) {
  const og::Event event = parse_example("configure-webhooks-via-api.item.create.json");
  BOOST_TEST(event.event_type == og::EventType::item_create);
  const auto& i = std::get<og::Item>(event.object);
  BOOST_TEST(i.public_id == "zzzz9999yyyy8888xxxx");
  BOOST_TEST(i.customer == Text("m1234576"));
  BOOST_TEST(i.product == Text("SKUabc"));
  BOOST_TEST(i.order == Text("1234e74444dd115555d8bc7cccc043b0"));
  BOOST_TEST(i.subscription == Text("bc7cccc043b01234e74444155"));
}

BOOST_AUTO_TEST_CASE(events_and_payloads_snapshot_example) {
  const og::Event event = parse_example("events-and-payloads.snapshot.json");
  const og::Snapshot& snapshot = event.snapshot;
  BOOST_TEST_REQUIRE(snapshot.customer.has_value());
  BOOST_TEST(snapshot.customer->merchant_user_id == Text("m1234576"));
  BOOST_TEST(snapshot.customer->phone_number == Text("+15555555555"));
  BOOST_TEST(snapshot.customer->created == Text("2022-12-20 14:00:55"));
  BOOST_TEST_REQUIRE(snapshot.orders.size() == 1U);
  BOOST_TEST(snapshot.orders[0].sub_total == Text("2700.00"));
  BOOST_TEST(snapshot.orders[0].discount_total == Text("300.00"));
  BOOST_TEST(snapshot.orders[0].total == Text("2714.00"));
  BOOST_TEST(snapshot.orders[0].status == std::optional<std::int64_t>(4));
  BOOST_TEST(snapshot.orders[0].order_type == std::optional<std::int64_t>(1));
  BOOST_TEST(snapshot.orders[0].locked == std::optional<bool>(false));
  BOOST_TEST_REQUIRE(snapshot.items.size() == 1U);
  BOOST_TEST(snapshot.items[0].quantity == std::optional<std::int64_t>(60));
  BOOST_TEST(snapshot.items[0].price == Text("50.00"));
  BOOST_TEST(!snapshot.items[0].offer.has_value());
  BOOST_TEST_REQUIRE(snapshot.addresses.size() == 1U);
  BOOST_TEST(snapshot.addresses[0].company_name == Text("Ordergroove"));
  BOOST_TEST(snapshot.addresses[0].zip_postal_code == Text("10004"));
  BOOST_TEST_REQUIRE(snapshot.payments.size() == 1U);
  BOOST_TEST(!snapshot.payments[0].cc_number_ending.has_value());
  BOOST_TEST(snapshot.payments[0].cc_exp_date == Text("12/2099"));
  BOOST_TEST_REQUIRE(snapshot.subscriptions.size() == 1U);
  BOOST_TEST(snapshot.subscriptions[0].frequency_days == std::optional<std::int64_t>(240));
  BOOST_TEST(!snapshot.subscriptions[0].prepaid_subscription_context.has_value());
  BOOST_TEST_REQUIRE(snapshot.products.size() == 1U);
  BOOST_TEST(snapshot.products[0].external_product_id == Text("12345"));
  BOOST_TEST(snapshot.products[0].autoship_enabled == std::optional<bool>(true));
  BOOST_TEST(!event.context.has_value());
}

BOOST_AUTO_TEST_SUITE_END()
