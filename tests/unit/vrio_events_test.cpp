// Every VRIO sample parses to its typed event with the right fields; messy but valid payloads
// (numbers as strings, empty dates, nulls, unknown fields and events, any key order) are accepted;
// meta() and to_json() say what the event is.

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <variant>

#include "hookline/vrio.hpp"
#include "printing.hpp"

namespace {

using namespace hookline::vrio;
using hookline::ParseOptions;
using std::chrono::sys_seconds;

std::string read_sample(const std::string& name) {
  std::ifstream file(std::string(HOOKLINE_SAMPLES_DIR) + "/vrio/" + name, std::ios::binary);
  BOOST_TEST_REQUIRE(file.good(), "cannot open sample " << name);
  std::ostringstream content;
  content << file.rdbuf();
  return std::move(content).str();
}

Event parse_ok(std::string_view body, const ParseOptions& options = {}) {
  auto event = parse(body, options);
  if (!event.has_value()) BOOST_FAIL("refused: " << event.error().to_string());
  return std::move(event).value();
}

Event parse_sample(const std::string& name) { return parse_ok(read_sample(name + ".json")); }

/// The typed event of type T; fails the test when the payload is another one.
template <class T>
const T& as(const Event& event) {
  BOOST_TEST_REQUIRE(std::holds_alternative<T>(event.payload), "payload is alternative " << event.payload.index());
  return std::get<T>(event.payload);
}

/// A "YYYY-MM-DD HH:MM:SS" UTC time.
sys_seconds utc(int y, unsigned mo, unsigned d, int h, int mi, int s) {
  return std::chrono::sys_days{std::chrono::year{y} / mo / d} + std::chrono::hours{h} + std::chrono::minutes{mi} +
         std::chrono::seconds{s};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(vrio_events)

BOOST_AUTO_TEST_CASE(shipment_scheduled_sample_is_seed_001_field_for_field) {
  const Event event = parse_sample("shipment_scheduled");
  BOOST_TEST(event.envelope.webhook_type == "shipment");
  BOOST_TEST(event.envelope.webhook_event == "shipment_scheduled");
  BOOST_TEST(event.envelope.webhook_event_id == "10001");
  BOOST_TEST((event.envelope.webhook_event_date == utc(2026, 3, 22, 14, 30, 0)));

  const Shipment& shipment = as<ShipmentScheduled>(event).shipment;
  BOOST_TEST(shipment.shipment_id == 251606);
  BOOST_TEST(shipment.customer_id == 71135);
  BOOST_TEST(shipment.order_id == 135123);
  BOOST_TEST(shipment.shipment_status_id == "Pending Post");
  BOOST_TEST((shipment.date_scheduled == utc(2026, 3, 22, 14, 30, 0)));
  BOOST_TEST(!shipment.date_cancel.has_value());
  BOOST_TEST_REQUIRE(shipment.shipment_items.has_value());
  BOOST_TEST_REQUIRE(shipment.shipment_items->size() == 1U);
  const ShipmentItem& item = shipment.shipment_items->front();
  BOOST_TEST(item.shipment_item_id == 270243);
  BOOST_TEST(item.quantity == 1);
  BOOST_TEST(item.item_id == 1282);
  BOOST_TEST(item.item_name == "Monthly Supplement Box");
  BOOST_TEST(item.item_sku == "SUP-001");
  BOOST_TEST_REQUIRE(shipment.customer_address_shipping.has_value());
  const Address& address = *shipment.customer_address_shipping;
  BOOST_TEST(address.fname == "John");
  BOOST_TEST(address.lname == "Doe");
  BOOST_TEST(address.address1 == "123 Main St");
  BOOST_TEST(!address.address2.has_value());
  BOOST_TEST(address.city == "Denver");
  BOOST_TEST(address.country == "US");
  BOOST_TEST(address.state == "CO");
  BOOST_TEST(address.zipcode == "80014");
  BOOST_TEST(!shipment.shipment_tracking_id.has_value());
  BOOST_TEST(!shipment.carrier_id.has_value());
  BOOST_TEST(!shipment.shipment_notes.has_value());
}

BOOST_AUTO_TEST_CASE(shipment_cancelled_carries_cancel_date_and_notes) {
  const Event event = parse_sample("shipment_cancelled");
  BOOST_TEST(event.envelope.webhook_event_id == "10002");
  const Shipment& shipment = as<ShipmentCancelled>(event).shipment;
  BOOST_TEST(shipment.shipment_id == 251606);
  BOOST_TEST(shipment.shipment_status_id == "Cancelled");
  BOOST_TEST((shipment.date_cancel == utc(2026, 3, 22, 16, 0, 0)));
  BOOST_TEST(shipment.shipment_notes == "Shipment cancelled.");
  BOOST_TEST(!shipment.shipment_items.has_value());
  BOOST_TEST(!shipment.customer_address_shipping.has_value());
  BOOST_TEST(!shipment.customer_id.has_value());
}

BOOST_AUTO_TEST_CASE(shipment_address_updated_carries_the_new_address) {
  const Event event = parse_sample("shipment_address_updated");
  const Shipment& shipment = as<ShipmentAddressUpdated>(event).shipment;
  BOOST_TEST(shipment.shipment_id == 251606);
  BOOST_TEST_REQUIRE(shipment.customer_address_shipping.has_value());
  BOOST_TEST(shipment.customer_address_shipping->address1 == "456 Oak Ave");
  BOOST_TEST(shipment.customer_address_shipping->address2 == "Apt 3B");
  BOOST_TEST(shipment.customer_address_shipping->city == "Boulder");
  BOOST_TEST(shipment.customer_address_shipping->zipcode == "80302");
  BOOST_TEST(!shipment.customer_address_shipping->country.has_value());
}

BOOST_AUTO_TEST_CASE(shipment_item_updated_reads_numbers_sent_as_strings) {
  const Event event = parse_sample("shipment_item_updated");
  const Shipment& shipment = as<ShipmentItemUpdated>(event).shipment;
  BOOST_TEST(shipment.shipment_id == 251606);
  BOOST_TEST_REQUIRE(shipment.shipment_items.has_value());
  BOOST_TEST_REQUIRE(shipment.shipment_items->size() == 1U);
  BOOST_TEST(shipment.shipment_items->front().shipment_item_id == 270244);
  BOOST_TEST(shipment.shipment_items->front().quantity == 2);
  BOOST_TEST(shipment.shipment_items->front().item_id == 1283);
  BOOST_TEST(shipment.shipment_items->front().item_sku == "VIT-D-001");
}

BOOST_AUTO_TEST_CASE(shipment_skipped_reads_zero_dates_as_none) {
  const Event event = parse_sample("shipment_skipped");
  const Shipment& shipment = as<ShipmentSkipped>(event).shipment;
  BOOST_TEST(shipment.shipment_id == 251607);
  BOOST_TEST(shipment.customer_id == 71135);
  BOOST_TEST(shipment.order_id == 135123);
  BOOST_TEST(shipment.shipment_status_id == "Skipped");
  BOOST_TEST(!shipment.date_scheduled.has_value());
  BOOST_TEST(!shipment.date_cancel.has_value());
  BOOST_TEST(!shipment.shipment_notes.has_value());
}

BOOST_AUTO_TEST_CASE(shipment_error_reads_an_empty_date_as_none) {
  const Event event = parse_sample("shipment_error");
  const Shipment& shipment = as<ShipmentFailed>(event).shipment;
  BOOST_TEST(shipment.shipment_status_id == "Error");
  BOOST_TEST(!shipment.date_cancel.has_value());
  BOOST_TEST((shipment.date_scheduled == utc(2026, 3, 22, 14, 30, 0)));
  BOOST_TEST(shipment.shipment_notes == "Fulfillment failed: address could not be validated.");
}

BOOST_AUTO_TEST_CASE(shipment_rma_carries_tracking_and_carrier) {
  const Event event = parse_sample("shipment_rma");
  const Shipment& shipment = as<ShipmentRma>(event).shipment;
  BOOST_TEST(shipment.shipment_status_id == "RMA");
  BOOST_TEST(shipment.shipment_tracking_id == "1Z999AA10123456784");
  BOOST_TEST(shipment.carrier_id == 2);
  BOOST_TEST_REQUIRE(shipment.shipment_items.has_value());
  BOOST_TEST(shipment.shipment_items->size() == 1U);
}

BOOST_AUTO_TEST_CASE(shipment_shipped_carries_tracking_items_and_address) {
  const Event event = parse_sample("shipment_shipped");
  const Shipment& shipment = as<ShipmentShipped>(event).shipment;
  BOOST_TEST(shipment.shipment_status_id == "Shipped");
  BOOST_TEST(shipment.shipment_tracking_id == "1Z999AA10123456784");
  BOOST_TEST(shipment.carrier_id == 2);
  BOOST_TEST(shipment.shipment_items.has_value());
  BOOST_TEST(shipment.customer_address_shipping.has_value());
}

BOOST_AUTO_TEST_CASE(shipment_fulfilled_reads_ids_sent_as_strings) {
  const Event event = parse_sample("shipment_fulfilled");
  BOOST_TEST(event.envelope.webhook_event_id == "10009");
  const Shipment& shipment = as<ShipmentFulfilled>(event).shipment;
  BOOST_TEST(shipment.shipment_id == 251606);
  BOOST_TEST(shipment.customer_id == 71135);
  BOOST_TEST(shipment.carrier_id == 2);
  BOOST_TEST(!shipment.date_cancel.has_value());
  BOOST_TEST(!shipment.shipment_notes.has_value());
}

BOOST_AUTO_TEST_CASE(transaction_completed_sample) {
  const Event event = parse_sample("transaction_completed");
  const Transaction& transaction = as<TransactionCompleted>(event).transaction;
  BOOST_TEST(transaction.transaction_id == 488120);
  BOOST_TEST(transaction.order_id == 135123);
  BOOST_TEST(transaction.customer_id == 71135);
  BOOST_TEST(transaction.merchant_id == 12);
  BOOST_TEST(transaction.transaction_type == "Sale");
  BOOST_TEST(transaction.response_type == "Approved");
  BOOST_TEST(transaction.transaction_total == "39.95");
  BOOST_TEST((transaction.date_complete == utc(2026, 3, 22, 14, 29, 58)));
  BOOST_TEST(!transaction.date_next_attempt.has_value());
}

BOOST_AUTO_TEST_CASE(transaction_skipped_sample_keeps_a_numeric_total_as_text) {
  const Event event = parse_sample("transaction_skipped");
  const Transaction& transaction = as<TransactionSkipped>(event).transaction;
  BOOST_TEST(transaction.transaction_id == 488377);
  BOOST_TEST(!transaction.merchant_id.has_value());
  BOOST_TEST(transaction.transaction_total == "39.95");
  BOOST_TEST(!transaction.date_complete.has_value());
  BOOST_TEST((transaction.date_next_attempt == utc(2026, 5, 22, 0, 0, 0)));
}

BOOST_AUTO_TEST_CASE(transaction_unskipped_sample) {
  const Event event = parse_sample("transaction_unskipped");
  const Transaction& transaction = as<TransactionUnskipped>(event).transaction;
  BOOST_TEST(transaction.transaction_id == 488377);
  BOOST_TEST(transaction.response_type == "Pending");
  BOOST_TEST(!transaction.date_complete.has_value());
}

BOOST_AUTO_TEST_CASE(transaction_id_may_be_sent_as_id) {
  const Event event = parse_ok(
      R"({"webhook_event":"transaction_completed","webhook_event_id":"1","webhook_data":{"transaction":{"id":"77"}}})");
  BOOST_TEST(as<TransactionCompleted>(event).transaction.transaction_id == 77);
}

BOOST_AUTO_TEST_CASE(order_updated_sample_from_vrio_reference) {
  const Event event = parse_sample("order_updated");
  BOOST_TEST(event.envelope.webhook_event_id == "2866515");
  const Order& order = as<OrderUpdated>(event).order;
  BOOST_TEST(order.id == 122685);
  BOOST_TEST(order.customer_id == 164603);
  BOOST_TEST(order.campaign_id == 1);
  BOOST_TEST(!order.customers_address_billing_id.has_value());
  BOOST_TEST(order.order_notes == "Order created");
  BOOST_TEST(order.is_test == false);
  BOOST_TEST((order.date_created == utc(2024, 9, 12, 10, 44, 13)));
  BOOST_TEST((order.date_modified == utc(2024, 9, 12, 10, 44, 13)));
}

BOOST_AUTO_TEST_CASE(order_abandoned_sample) {
  const Event event = parse_sample("order_abandoned");
  const Order& order = as<OrderAbandoned>(event).order;
  BOOST_TEST(order.id == 122686);
  BOOST_TEST(order.customers_address_shipping_id == 88001);
  BOOST_TEST(order.is_test == true);
}

BOOST_AUTO_TEST_CASE(vrio_misspelling_order_abandonned_is_order_abandoned) {
  const Event event = parse_ok(
      R"({"webhook_event":"order_abandonned","webhook_event_id":"9","webhook_data":{"order":{"id":5}}})");
  BOOST_TEST(as<OrderAbandoned>(event).order.id == 5);
  BOOST_TEST(event.envelope.webhook_event == "order_abandonned");
  BOOST_TEST(event.meta().entity == "order:5");
}

BOOST_AUTO_TEST_CASE(order_offer_updated_sample_from_vrio_reference) {
  const Event event = parse_sample("order_offer_updated");
  const OrderOffer& offer = as<OrderOfferUpdated>(event).order_offer;
  BOOST_TEST(offer.id == 149376);
  BOOST_TEST(offer.order_id == 126943);
  BOOST_TEST(offer.customer_id == 68441);
  BOOST_TEST(offer.offer_id == 2371);
  BOOST_TEST(offer.offer_name == "Test offer");
  BOOST_TEST(offer.order_offer_quantity == 1);
  BOOST_TEST(offer.order_offer_price == "0.50");
  BOOST_TEST(offer.is_recurring == true);
  BOOST_TEST(offer.status_type_id == "Active");
  BOOST_TEST(offer.charge_timeframe_name == "Monthly");
  BOOST_TEST((offer.date_next_rebill == utc(2025, 10, 30, 18, 46, 23)));
  BOOST_TEST((offer.date_expiration == utc(2026, 11, 12, 0, 0, 0)));
  BOOST_TEST(!offer.date_cancel.has_value());
  BOOST_TEST_REQUIRE(offer.customer_address_billing.has_value());
  BOOST_TEST(offer.customer_address_billing->city == "Austin");
  BOOST_TEST_REQUIRE(offer.customer_address_shipping.has_value());
  BOOST_TEST(offer.customer_address_shipping->zipcode == "78701");
}

BOOST_AUTO_TEST_CASE(order_offer_cancelled_sample_with_null_addresses) {
  const Event event = parse_sample("order_offer_cancelled");
  const OrderOffer& offer = as<OrderOfferCancelled>(event).order_offer;
  BOOST_TEST(offer.status_type_id == "Cancelled");
  BOOST_TEST((offer.date_cancel == utc(2025, 10, 2, 9, 12, 0)));
  BOOST_TEST(!offer.date_next_rebill.has_value());
  BOOST_TEST(!offer.customer_address_billing.has_value());
  BOOST_TEST(!offer.customer_address_shipping.has_value());
}

BOOST_AUTO_TEST_CASE(meta_names_platform_type_id_date_and_entity) {
  const auto meta = parse_sample("shipment_scheduled").meta();
  BOOST_TEST(meta.platform == hookline::Platform::vrio);
  BOOST_TEST(meta.type == "shipment_scheduled");
  BOOST_TEST(meta.id == "10001");
  BOOST_TEST((meta.occurred_at == utc(2026, 3, 22, 14, 30, 0)));
  BOOST_TEST(meta.entity == "shipment:251606");

  BOOST_TEST(parse_sample("order_updated").meta().entity == "order:122685");
  BOOST_TEST(parse_sample("order_offer_cancelled").meta().entity == "order_offer:149376");
  BOOST_TEST(parse_sample("transaction_completed").meta().entity == "transaction:488120");
}

BOOST_AUTO_TEST_CASE(meta_of_an_undated_unknown_event) {
  const auto meta = parse_ok(R"({"webhook_event":"subscription_paused","webhook_event_id":3})").meta();
  BOOST_TEST(meta.type == "subscription_paused");
  BOOST_TEST(meta.id == "3");
  BOOST_TEST((meta.occurred_at == sys_seconds{}));
  BOOST_TEST(meta.entity.empty());
}

BOOST_AUTO_TEST_CASE(unknown_event_keeps_its_name_and_raw_data) {
  const Event event = parse_ok(
      R"({"webhook_type":"customer","webhook_event":"customer_created","webhook_event_id":"12",)"
      R"("webhook_data":{"customer":{"id":"5","tags":[1,"a",null,true]}} })");
  const Unknown& unknown = as<Unknown>(event);
  BOOST_TEST(unknown.name == "customer_created");
  BOOST_TEST(unknown.webhook_data == R"({"customer":{"id":"5","tags":[1,"a",null,true]}})");
}

BOOST_AUTO_TEST_CASE(webhook_data_before_webhook_event_is_read_in_a_second_pass) {
  const Event event = parse_ok(
      R"({"webhook_data":{"shipment":{"shipment_id":"8","shipment_items":[]}},)"
      R"("webhook_event_id":"4","webhook_event":"shipment_skipped"})");
  const Shipment& shipment = as<ShipmentSkipped>(event).shipment;
  BOOST_TEST(shipment.shipment_id == 8);
  BOOST_TEST_REQUIRE(shipment.shipment_items.has_value());
  BOOST_TEST(shipment.shipment_items->empty());
}

BOOST_AUTO_TEST_CASE(unknown_data_before_webhook_event_is_kept_too) {
  const Event event = parse_ok(R"({"webhook_data":[1,2],"webhook_event_id":"4","webhook_event":"new_thing"})");
  BOOST_TEST(as<Unknown>(event).webhook_data == "[1,2]");
}

BOOST_AUTO_TEST_CASE(unknown_event_keeps_scalar_data_as_its_json_text) {
  const auto data_of = [](const std::string& data) {
    const Event event = parse_ok(R"({"webhook_event":"new","webhook_event_id":"1","webhook_data":)" + data + " }");
    return as<Unknown>(event).webhook_data;
  };
  BOOST_TEST(data_of("5") == "5");
  BOOST_TEST(data_of("-1.5e3") == "-1.5e3");
  BOOST_TEST(data_of(R"("a\"b")") == R"("a\"b")");
  BOOST_TEST(data_of("true") == "true");
  BOOST_TEST(data_of("null") == "null");
  BOOST_TEST(data_of("[ 1 , {} ]") == "[ 1 , {} ]");
}

BOOST_AUTO_TEST_CASE(unknown_event_without_data) {
  const Event event = parse_ok(R"({"webhook_event":"ping","webhook_event_id":"1"})");
  BOOST_TEST(as<Unknown>(event).webhook_data.empty());
}

BOOST_AUTO_TEST_CASE(messy_but_valid_payload_is_accepted) {
  // Unknown fields at every level, nulls for every optional value, an escaped key and strings with
  // escapes, negative and string numbers, a zero date, a second entity in webhook_data ignored.
  const Event event = parse_ok(R"({
    "webhook_type": null, "extra": {"nested": [1.5e3, -0, "x", {"y": false}]},
    "webhook_event": "shipment_scheduled", "webhook_event_id": "abc-123",
    "webhook_event_date": "0000-00-00 00:00:00",
    "webhook_data": {
      "order": {"id": 1},
      "shipment": {
        "shipment_id": "-42", "customer_id": null, "order_id": null, "shipment_status_id": null,
        "date_scheduled": null, "date_cancel": "", "shipment_items": [
          {"shipment_item_id": 1, "quantity": "3", "item_id": "2", "item_name": null, "item_sku": "A\"B\\C\u00e9",
           "unknown": {"deep": [[[]]]}}],
        "customer_address_shipping": null, "shipment_tracking_id": null, "carrier_id": null,
        "shipment_notes": "line1\nline2", "sh\u0069pment_extra": 1
      }
    }
  })");
  BOOST_TEST(event.envelope.webhook_type.empty());
  BOOST_TEST(event.envelope.webhook_event_id == "abc-123");
  BOOST_TEST(!event.envelope.webhook_event_date.has_value());
  const Shipment& shipment = as<ShipmentScheduled>(event).shipment;
  BOOST_TEST(shipment.shipment_id == -42);
  BOOST_TEST(!shipment.customer_id.has_value());
  BOOST_TEST(!shipment.date_scheduled.has_value());
  BOOST_TEST(!shipment.date_cancel.has_value());
  BOOST_TEST_REQUIRE(shipment.shipment_items.has_value());
  BOOST_TEST(shipment.shipment_items->front().quantity == 3);
  BOOST_TEST(shipment.shipment_items->front().item_name.empty());
  BOOST_TEST(shipment.shipment_items->front().item_sku == "A\"B\\C\xc3\xa9");
  BOOST_TEST(!shipment.customer_address_shipping.has_value());
  BOOST_TEST(shipment.shipment_notes == "line1\nline2");
}

BOOST_AUTO_TEST_CASE(large_event_ids_and_leading_whitespace) {
  const Event event = parse_ok(" \n\t{\"webhook_event\":\"x\",\"webhook_event_id\":9223372036854775807}\n ");
  BOOST_TEST(event.envelope.webhook_event_id == "9223372036854775807");
}

BOOST_AUTO_TEST_CASE(to_json_of_shipment_scheduled_is_the_golden_output) {
  const std::string expected =
      R"({"platform":"vrio","event":"shipment_scheduled","event_id":"10001","event_date":"2026-03-22T14:30:00Z",)"
      R"("webhook_type":"shipment","webhook_data":{"shipment":{"shipment_id":251606,"customer_id":71135,)"
      R"("order_id":135123,"shipment_status_id":"Pending Post","date_scheduled":"2026-03-22T14:30:00Z",)"
      R"("date_cancel":null,"shipment_items":[{"shipment_item_id":270243,"quantity":1,"item_id":1282,)"
      R"("item_name":"Monthly Supplement Box","item_sku":"SUP-001"}],"customer_address_shipping":{"fname":"John",)"
      R"("lname":"Doe","address1":"123 Main St","address2":null,"city":"Denver","state":"CO","zipcode":"80014",)"
      R"("country":"US"},"shipment_tracking_id":null,"carrier_id":null,"shipment_notes":null}}})";
  BOOST_TEST(to_json(parse_sample("shipment_scheduled")) == expected);
}

BOOST_AUTO_TEST_CASE(to_json_of_an_order_offer_writes_prices_as_numbers_and_flags_as_booleans) {
  const std::string expected =
      R"({"platform":"vrio","event":"order_offer_cancelled","event_id":"2614","event_date":"2025-10-02T09:12:00Z",)"
      R"("webhook_type":"order_offer","webhook_data":{"order_offer":{"id":149376,"order_id":126943,)"
      R"("customer_id":68441,"offer_id":2371,"offer_name":"Test offer","order_offer_quantity":1,)"
      R"("order_offer_price":0.50,"is_recurring":true,"status_type_id":"Cancelled","charge_timeframe_name":"Monthly",)"
      R"("date_next_rebill":null,"date_expiration":"2026-11-12T00:00:00Z","date_cancel":"2025-10-02T09:12:00Z",)"
      R"("customer_address_billing":null,"customer_address_shipping":null}}})";
  BOOST_TEST(to_json(parse_sample("order_offer_cancelled")) == expected);
}

BOOST_AUTO_TEST_CASE(to_json_of_an_unknown_event_keeps_its_data_and_escapes_strings) {
  const Event event = parse_ok(R"({"webhook_event":"a\"b","webhook_event_id":"1\n2","webhook_data":{"k":[1]}})");
  BOOST_TEST(to_json(event) ==
             R"({"platform":"vrio","event":"a\"b","event_id":"1\n2","event_date":null,"webhook_type":null,"webhook_data":{"k":[1]}})");
  const Event bare = parse_ok(R"({"webhook_event":"ping","webhook_event_id":"1"})");
  BOOST_TEST(to_json(bare) ==
             R"({"platform":"vrio","event":"ping","event_id":"1","event_date":null,"webhook_type":null,"webhook_data":null})");
}

BOOST_AUTO_TEST_CASE(to_json_stays_on_one_line_for_multi_line_unknown_data) {
  const Event event = parse_ok("{\"webhook_event\":\"new\",\"webhook_event_id\":\"1\",\"webhook_data\":{\n"
                               "  \"note\": \"a b\\n c\",\r\n\t\"list\": [ 1, 2 ]\n}}");
  BOOST_TEST(as<Unknown>(event).webhook_data == "{\n  \"note\": \"a b\\n c\",\r\n\t\"list\": [ 1, 2 ]\n}");
  BOOST_TEST(to_json(event) == R"({"platform":"vrio","event":"new","event_id":"1","event_date":null,"webhook_type":null,)"
                               R"("webhook_data":{"note":"a b\n c","list":[1,2]}})");
}

BOOST_AUTO_TEST_CASE(to_json_output_parses_back_as_an_unknown_event_holding_the_same_data) {
  // The inspect output is valid JSON: feeding its webhook_data back keeps it byte for byte.
  const std::string json = to_json(parse_sample("shipment_rma"));
  const std::string wrapped = R"({"webhook_event":"replay","webhook_event_id":"1","webhook_data":)" + json + "}";
  BOOST_TEST(as<Unknown>(parse_ok(wrapped)).webhook_data == json);
}

BOOST_AUTO_TEST_CASE(parse_is_repeatable_on_one_thread) {
  // The thread's parser and padded buffer are reused: a second, shorter body must not see the first.
  const Event first = parse_sample("order_offer_updated");
  const Event second = parse_ok(R"({"webhook_event":"x","webhook_event_id":"1"})");
  const Event again = parse_sample("order_offer_updated");
  BOOST_TEST((first == again));
  BOOST_TEST(as<Unknown>(second).name == "x");
}

BOOST_AUTO_TEST_CASE(a_body_over_a_megabyte_then_small_ones) {
  // The thread's buffers grow for the large body and are given back for the next small one.
  const std::string notes(2U << 20, 'n');
  const Event large = parse_ok(R"({"webhook_event":"shipment_error","webhook_event_id":"1",)"
                               R"("webhook_data":{"shipment":{"shipment_id":1,"shipment_notes":")" + notes + R"("}}})");
  BOOST_TEST(as<ShipmentFailed>(large).shipment.shipment_notes == notes);
  const Event small = parse_sample("shipment_cancelled");
  BOOST_TEST(as<ShipmentCancelled>(small).shipment.shipment_id == 251606);
  BOOST_TEST((parse_sample("shipment_cancelled") == small));
}

BOOST_AUTO_TEST_SUITE_END()
