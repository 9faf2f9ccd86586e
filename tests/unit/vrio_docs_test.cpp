// VRIO conformance: every example payload of VRIO's "Building Fulfillment with Webhooks" guide
// (named with its page in samples/vrio/README.md) parses, and its typed values are the guide's.

#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <optional>
#include <string>

#include "hookline/vrio.hpp"
#include "parse_test_support.hpp"
#include "printing.hpp"

namespace vrio = hookline::vrio;
using platform_tests::samples_dir;
using platform_tests::slurp;
using Text = std::optional<std::string>;

namespace {

vrio::Event parse_example(const std::string& file) {
  auto event = vrio::parse(slurp(samples_dir("vrio") / file));
  BOOST_TEST_REQUIRE(event.has_value(), file << ": " << platform_tests::error_of(event));
  return *event;
}

/// "2026-03-22 14:30:00" read in UTC, as epoch seconds.
std::int64_t at(int day, int hour) {
  using namespace std::chrono;
  return sys_seconds{sys_days{year{2026} / March / day} + hours{hour}}.time_since_epoch().count();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(vrio_docs)

BOOST_AUTO_TEST_CASE(shipment_scheduled_step_2) {
  const vrio::Event event = parse_example("shipment_scheduled.json");
  BOOST_TEST(event.envelope.webhook_type == "shipment");
  BOOST_TEST(event.envelope.webhook_event == "shipment_scheduled");
  BOOST_TEST(event.envelope.webhook_event_id == "10001");
  BOOST_TEST(event.envelope.webhook_event_date->time_since_epoch().count() == at(22, 14) + 30 * 60);
  const vrio::Shipment& s = std::get<vrio::ShipmentScheduled>(event.payload).shipment;
  BOOST_TEST(s.shipment_id == 251606);
  BOOST_TEST(s.customer_id == std::optional<std::int64_t>(71135));
  BOOST_TEST(s.order_id == std::optional<std::int64_t>(135123));
  BOOST_TEST(s.shipment_status_id == Text("Pending Post"));
  BOOST_TEST(s.date_scheduled->time_since_epoch().count() == at(22, 14) + 30 * 60);
  BOOST_TEST_REQUIRE(s.shipment_items.has_value());
  BOOST_TEST_REQUIRE(s.shipment_items->size() == 1U);
  const vrio::ShipmentItem& item = (*s.shipment_items)[0];
  BOOST_TEST(item.shipment_item_id == 270243);
  BOOST_TEST(item.quantity == 1);
  BOOST_TEST(item.item_id == 1282);
  BOOST_TEST(item.item_name == "Monthly Supplement Box");
  BOOST_TEST(item.item_sku == "SUP-001");
  BOOST_TEST_REQUIRE(s.customer_address_shipping.has_value());
  const vrio::Address& a = *s.customer_address_shipping;
  BOOST_TEST(a.fname == Text("John"));
  BOOST_TEST(a.lname == Text("Doe"));
  BOOST_TEST(a.address1 == Text("123 Main St"));
  BOOST_TEST(!a.address2.has_value());
  BOOST_TEST(a.city == Text("Denver"));
  BOOST_TEST(a.country == Text("US"));
  BOOST_TEST(a.state == Text("CO"));
  BOOST_TEST(a.zipcode == Text("80014"));
  BOOST_TEST(event.meta().entity == "shipment:251606");
}

BOOST_AUTO_TEST_CASE(shipment_cancelled_step_4) {
  const vrio::Event event = parse_example("docs/fulfillment-via-webhooks.shipment_cancelled.json");
  const vrio::Shipment& s = std::get<vrio::ShipmentCancelled>(event.payload).shipment;
  BOOST_TEST(s.shipment_id == 251606);
  BOOST_TEST(s.shipment_status_id == Text("Cancelled"));
  BOOST_TEST(s.date_cancel->time_since_epoch().count() == at(22, 16));
  BOOST_TEST(s.shipment_notes == Text("Shipment cancelled."));
}

BOOST_AUTO_TEST_CASE(shipment_address_updated_step_4) {
  const vrio::Event event = parse_example("docs/fulfillment-via-webhooks.shipment_address_updated.json");
  const vrio::Shipment& s = std::get<vrio::ShipmentAddressUpdated>(event.payload).shipment;
  BOOST_TEST(s.shipment_id == 251606);
  BOOST_TEST_REQUIRE(s.customer_address_shipping.has_value());
  BOOST_TEST(s.customer_address_shipping->address1 == Text("456 Oak Ave"));
  BOOST_TEST(s.customer_address_shipping->address2 == Text("Apt 3B"));
  BOOST_TEST(s.customer_address_shipping->city == Text("Boulder"));
  BOOST_TEST(s.customer_address_shipping->zipcode == Text("80302"));
  BOOST_TEST(!s.customer_address_shipping->country.has_value());
}

BOOST_AUTO_TEST_CASE(shipment_item_updated_step_4) {
  const vrio::Event event = parse_example("docs/fulfillment-via-webhooks.shipment_item_updated.json");
  const vrio::Shipment& s = std::get<vrio::ShipmentItemUpdated>(event.payload).shipment;
  BOOST_TEST_REQUIRE(s.shipment_items.has_value());
  BOOST_TEST_REQUIRE(s.shipment_items->size() == 1U);
  BOOST_TEST((*s.shipment_items)[0].shipment_item_id == 270244);
  BOOST_TEST((*s.shipment_items)[0].quantity == 2);
  BOOST_TEST((*s.shipment_items)[0].item_id == 1283);
  BOOST_TEST((*s.shipment_items)[0].item_name == "Vitamin D Supplement");
  BOOST_TEST((*s.shipment_items)[0].item_sku == "VIT-D-001");
}

BOOST_AUTO_TEST_CASE(a_step_4_example_as_printed_has_no_event_id_and_is_refused_for_it) {
  // The guide prints only webhook_event and webhook_data there; without webhook_event_id (the
  // idempotency key) the event cannot be stored exactly once.
  const auto event = vrio::parse(R"({"webhook_event": "shipment_cancelled", "webhook_data": {"shipment": {"shipment_id": 251606,
    "shipment_status_id": "Cancelled", "date_cancel": "2026-03-22 16:00:00", "shipment_notes": "Shipment cancelled."}}})");
  BOOST_TEST_REQUIRE(!event.has_value());
  BOOST_TEST(event.error().to_string() == "webhook_event_id: missing");
}

BOOST_AUTO_TEST_CASE(the_readme_names_the_pages) {
  const std::string readme = slurp(samples_dir("vrio") / "README.md");
  BOOST_TEST(readme.find("https://docs.vrio.com/docs/fulfillment-via-webhooks") != std::string::npos);
  for (const auto& path : platform_tests::json_files(samples_dir("vrio") / "docs")) {
    const std::string name = path.filename().string();
    BOOST_TEST(readme.find(name.substr(name.find('.') + 1)) != std::string::npos, name);
  }
}

BOOST_AUTO_TEST_SUITE_END()
