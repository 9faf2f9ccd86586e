// The generic store admin: every event type its "Webhooks" help page lists has a sample that parses
// to its type; the envelope, typed data per resource, related records, ISO 8601 times; meta(); to_json().

#include <boost/test/unit_test.hpp>

#include <ostream>
#include <set>
#include <string>

#include "hookline/store_admin.hpp"
#include "parse_test_support.hpp"
#include "printing.hpp"

namespace hookline::store_admin {
inline std::ostream& operator<<(std::ostream& out, EventType type) { return out << to_string(type); }
}  // namespace hookline::store_admin

namespace store_admin = hookline::store_admin;
using platform_tests::error_of;
using platform_tests::json_files;
using platform_tests::samples_dir;
using platform_tests::slurp;

namespace {

store_admin::Event parse_sample(const std::string& type) {
  auto event = store_admin::parse(slurp(samples_dir("store_admin") / (type + ".json")));
  BOOST_TEST_REQUIRE(event.has_value(), type << ": " << error_of(event));
  return *event;
}

std::int64_t epoch(std::optional<std::chrono::sys_seconds> when) { return when.value().time_since_epoch().count(); }

}  // namespace

BOOST_AUTO_TEST_SUITE(store_admin_events)

BOOST_AUTO_TEST_CASE(every_sample_parses_to_the_type_of_its_file_name) {
  std::set<std::string> seen;
  for (const auto& path : json_files(samples_dir("store_admin"))) {
    const std::string type = path.stem().string();
    auto event = store_admin::parse(slurp(path));
    BOOST_TEST_REQUIRE(event.has_value(), type << ": " << error_of(event));
    BOOST_TEST(event->event_type == type);
    BOOST_TEST(store_admin::to_string(event->type) == type);
    BOOST_TEST(!std::holds_alternative<store_admin::OtherResource>(event->data), type);
    BOOST_TEST(event->meta().entity.rfind(event->resource + ":", 0) == 0U, type);
    seen.insert(type);
  }
  for (store_admin::EventType type : store_admin::known_event_types()) {
    BOOST_TEST(seen.count(std::string(store_admin::to_string(type))) == 1U, "no sample for " << store_admin::to_string(type));
  }
  BOOST_TEST(seen.size() == 17U);
}

BOOST_AUTO_TEST_CASE(order_created_reads_the_order_and_its_customer) {
  const store_admin::Event event = parse_sample("order.created");
  BOOST_TEST(event.event_id == "evt_9001");
  BOOST_TEST(event.resource == "order");
  const auto& order = std::get<store_admin::Order>(event.data);
  BOOST_TEST(order.id == "1001");
  BOOST_TEST(order.total == std::optional<std::string>("53.06"));
  BOOST_TEST_REQUIRE(order.line_items.size() == 2U);
  BOOST_TEST(order.line_items[0].quantity == 2);
  BOOST_TEST(order.line_items[1].unit_price == std::optional<std::string>("4.50"));
  BOOST_TEST(order.shipping_address.value().postal_code == std::optional<std::string>("11201"));
  BOOST_TEST(epoch(order.created_at) == 1774189800);
  BOOST_TEST_REQUIRE(event.related.customer.has_value());
  BOOST_TEST(event.related.customer->email == std::optional<std::string>("ada@example.com"));

  const hookline::EventMeta meta = event.meta();
  BOOST_TEST(meta.platform == hookline::Platform::store_admin);
  BOOST_TEST(meta.type == "order.created");
  BOOST_TEST(meta.id == "evt_9001");
  BOOST_TEST(meta.occurred_at.time_since_epoch().count() == 1774189800);
  BOOST_TEST(meta.entity == "order:1001");
}

BOOST_AUTO_TEST_CASE(each_resource_reads_its_own_data) {
  const auto product = std::get<store_admin::Product>(parse_sample("product.inventory_updated").data);
  BOOST_TEST(product.inventory_quantity == std::optional<std::int64_t>(118));
  BOOST_TEST(product.previous_inventory_quantity == std::optional<std::int64_t>(120));
  BOOST_TEST(std::get<store_admin::Product>(parse_sample("product.deleted").data).id == "prod_499");
  BOOST_TEST(std::get<store_admin::Customer>(parse_sample("customer.deleted").data).id == "cus_1999");

  const store_admin::Event failed = parse_sample("payment.failed");
  const auto& payment = std::get<store_admin::Payment>(failed.data);
  BOOST_TEST(payment.failure_code == std::optional<std::string>("card_declined"));
  BOOST_TEST(!payment.completed_at.has_value());
  BOOST_TEST(failed.related.order.value().status == std::optional<std::string>("pending"));
  BOOST_TEST(failed.meta().entity == "payment:pay_7002");

  const store_admin::Event delivered = parse_sample("shipping.delivered");
  const auto& shipment = std::get<store_admin::Shipment>(delivered.data);
  BOOST_TEST(shipment.tracking_number == std::optional<std::string>("1Z999AA10123456784"));
  BOOST_TEST(epoch(shipment.delivered_at) == 1774460520);
  BOOST_TEST(delivered.meta().entity == "shipping:shp_3001");
}

BOOST_AUTO_TEST_CASE(times_with_an_offset_or_a_fraction_are_converted_to_utc) {
  // shipping.delivered is stamped 13:42 at UTC-4, i.e. 17:42Z.
  BOOST_TEST(parse_sample("shipping.delivered").created_at.time_since_epoch().count() == 1774460520);
  auto event = store_admin::parse(R"({"event_id":1,"event_type":"customer.updated","created_at":"2026-03-22T16:30:00.250+02:00",)"
                            R"("data":{"id":7}})");
  BOOST_TEST_REQUIRE(event.has_value(), error_of(event));
  BOOST_TEST(event->created_at.time_since_epoch().count() == 1774189800);
  BOOST_TEST(event->event_id == "1");
  BOOST_TEST(event->resource == "customer");
  BOOST_TEST(std::get<store_admin::Customer>(event->data).id == "7");
}

BOOST_AUTO_TEST_CASE(data_and_related_before_the_type_are_read_by_it) {
  auto event = store_admin::parse(R"({"related":{"order":{"id":"1001"}},"data":{"id":"pay_1","amount":5},"event_id":"e",)"
                            R"("created_at":"2026-03-22T14:30:00Z","event_type":"payment.completed"})");
  BOOST_TEST_REQUIRE(event.has_value(), error_of(event));
  BOOST_TEST(std::get<store_admin::Payment>(event->data).amount == std::optional<std::string>("5"));
  BOOST_TEST(event->related.order.value().id == "1001");
}

BOOST_AUTO_TEST_CASE(an_unknown_event_of_a_known_resource_keeps_the_typed_data) {
  auto event = store_admin::parse(R"({"event_id":"e","event_type":"order.archived","created_at":"2026-03-22T14:30:00Z","data":{"id":"9"}})");
  BOOST_TEST_REQUIRE(event.has_value(), error_of(event));
  BOOST_TEST(event->type == store_admin::EventType::unknown);
  BOOST_TEST(std::get<store_admin::Order>(event->data).id == "9");
  BOOST_TEST(event->meta().entity == "order:9");
}

BOOST_AUTO_TEST_CASE(an_unknown_resource_keeps_its_data_as_raw_json) {
  auto event = store_admin::parse(R"({"event_id":"e","event_type":"coupon.created","created_at":"2026-03-22T14:30:00Z",)"
                            R"("data":{"code": "SPRING"}})");
  BOOST_TEST_REQUIRE(event.has_value(), error_of(event));
  const auto& other = std::get<store_admin::OtherResource>(event->data);
  BOOST_TEST(other.resource == "coupon");
  BOOST_TEST(other.json == R"({"code":"SPRING"})");
  BOOST_TEST(event->meta().entity.empty());
}

BOOST_AUTO_TEST_CASE(type_names_round_trip) {
  for (store_admin::EventType type : store_admin::known_event_types()) {
    BOOST_TEST(store_admin::event_type_from_string(store_admin::to_string(type)) == type);
  }
}

BOOST_AUTO_TEST_CASE(to_json_prints_the_envelope_data_and_related) {
  auto event = store_admin::parse(R"({"event_id":"evt_1","event_type":"product.deleted","resource":"product",)"
                            R"("created_at":"2026-03-22T14:45:00Z","data":{"id":"prod_499","price":19.5}})");
  BOOST_TEST_REQUIRE(event.has_value(), error_of(event));
  BOOST_TEST(store_admin::to_json(*event) ==
             R"({"platform":"store_admin","event":"product.deleted","event_id":"evt_1","event_date":"2026-03-22T14:45:00Z",)"
             R"("resource":"product","data":{"id":"prod_499","sku":null,"name":null,"status":null,"price":19.5,)"
             R"("currency":null,"inventory_quantity":null,"previous_inventory_quantity":null,"created_at":null,)"
             R"("updated_at":null,"deleted_at":null},"related":{"order":null,"customer":null,"product":null,)"
             R"("payment":null,"shipment":null}})");
}

BOOST_AUTO_TEST_CASE(the_example_of_docs_store_webhooks_md_parses) {
  // The store's payloads are documented by hookline itself: its example must be one the parser takes.
  const std::string page = slurp(samples_dir("store_admin").parent_path().parent_path() / "docs" / "store-admin-webhooks.md");
  const std::size_t start = page.find("```json\n");
  BOOST_TEST_REQUIRE(start != std::string::npos);
  const std::size_t end = page.find("```", start + 8);
  auto event = store_admin::parse(page.substr(start + 8, end - start - 8));
  BOOST_TEST_REQUIRE(event.has_value(), platform_tests::error_of(event));
  BOOST_TEST(event->event_id == "evt_9012");
  BOOST_TEST(event->event_type == "payment.completed");
}

BOOST_AUTO_TEST_SUITE_END()
