// Numbers in every form RFC 8259 allows, wherever a platform parser reads one: integers (ids,
// quantities, epoch seconds, flags) are converted exactly or refused naming the value and its JSON
// path; amounts keep their decimal value as plain decimal text, never through binary floating point.

#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "hookline/ordergroove.hpp"
#include "hookline/store_admin.hpp"
#include "hookline/vero.hpp"
#include "hookline/vrio.hpp"
#include "parse_test_support.hpp"
#include "printing.hpp"

namespace bdata = boost::unit_test::data;
using platform_tests::error_of;

namespace {

/// A VRIO shipment whose shipment_id is `number` (JSON text).
std::string shipment_with_id(const std::string& number) {
  return R"({"webhook_event":"shipment_cancelled","webhook_event_id":1,"webhook_data":{"shipment":{"shipment_id":)" + number +
         "}}}";
}

struct IntegerCase {
  std::string text;   ///< The JSON value as sent.
  std::int64_t value; ///< What it is.
};
std::ostream& operator<<(std::ostream& out, const IntegerCase& c) { return out << c.text; }

const std::vector<IntegerCase> integers{
    {"251606", 251606},
    {"2.0e1", 20},
    {"2.0E1", 20},
    {"5E+0", 5},
    {"5e-0", 5},
    {"25e0", 25},
    {"1.5e1", 15},
    {"2516.06e2", 251606},
    {"1000e-3", 1},
    {"0.5e1", 5},
    {"-0", 0},
    {"-0.0", 0},
    {"0e400", 0},
    {"-7", -7},
    {"-7.0", -7},
    {"9223372036854775807", INT64_MAX},
    {"-9223372036854775808", INT64_MIN},
    {"9.223372036854775807e18", INT64_MAX},
    {"\"4806\"", 4806},
    {"\"2.0e1\"", 20},
    {"\"007\"", 7},
    {"\"-0\"", 0},
};

struct RefusedCase {
  std::string text;
  std::string error;  ///< The message at webhook_data.shipment.shipment_id.
};
std::ostream& operator<<(std::ostream& out, const RefusedCase& c) { return out << c.text; }

const std::string integer_range = "expected an integer from -9223372036854775808 to 9223372036854775807, got ";

const std::vector<RefusedCase> refused_integers{
    {"2.5", "expected an integer, got 2.5"},
    {"1.5e-1", "expected an integer, got 1.5e-1"},
    {"25.06e1", "expected an integer, got 25.06e1"},
    {"1e-400", "expected an integer, got 1e-400"},
    {"1e400", integer_range + "1e400"},
    {"9223372036854775808", integer_range + "9223372036854775808"},
    {"-9223372036854775809", integer_range + "-9223372036854775809"},
    {"1e19", integer_range + "1e19"},
    {"123456789012345678901234567890123456789", integer_range + "12345678901234567890123456789012..."},
    {"\"2.5\"", "expected an integer, got \"2.5\""},
    {"\"1e400\"", integer_range + "\"1e400\""},
    {"\"0x10\"", "expected an integer"},
    {"\"+5\"", "expected an integer"},
    {"\"5.\"", "expected an integer"},
    {"true", "expected an integer"},
};

/// A VRIO transaction whose transaction_total is `number` (JSON text).
std::string transaction_with_total(const std::string& number) {
  return R"({"webhook_event":"transaction_completed","webhook_event_id":1,"webhook_data":{"transaction":{"id":1,"transaction_total":)" +
         number + "}}}";
}

struct DecimalCase {
  std::string text;   ///< The JSON value as sent.
  std::string value;  ///< The decimal text kept.
};
std::ostream& operator<<(std::ostream& out, const DecimalCase& c) { return out << c.text; }

const std::vector<DecimalCase> decimals{
    {"39.95", "39.95"},
    {"\"39.95\"", "39.95"},
    {"20.00", "20.00"},
    {"\"0.50\"", "0.50"},
    {"100.8", "100.8"},
    {"2.0e1", "20"},
    {"2.50e1", "25.0"},
    {"5E+0", "5"},
    {"1.5e-1", "0.15"},
    {"15e-3", "0.015"},
    {"-0", "0"},
    {"-0.00", "0.00"},
    {"-12.5", "-12.5"},
    {"\"007.50\"", "7.50"},
    {"0.1", "0.1"},  // 0.1 has no binary floating point value: kept as text, it stays 0.1
    {"123456789012345678901234567890.1234567891", "123456789012345678901234567890.1234567891"},
    {"1e39", "1000000000000000000000000000000000000000"},
    {"\"3.14E2\"", "314"},
};

const std::vector<RefusedCase> refused_decimals{
    {"1e400", "expected a decimal number of at most 40 digits, got 1e400"},
    {"1e-400", "expected a decimal number of at most 40 digits, got 1e-400"},
    {"1e40", "expected a decimal number of at most 40 digits, got 1e40"},
    {"\"1e99999999999999999999\"", "expected a decimal number of at most 40 digits, got \"1e99999999999999999999\""},
    {"\"12,50\"", "expected a decimal number"},
    {"\"$5\"", "expected a decimal number"},
    {"\"\"", "expected a decimal number"},
    {"true", "expected a decimal number"},
};

struct FlagCase {
  std::string text;
  bool value;
};
std::ostream& operator<<(std::ostream& out, const FlagCase& c) { return out << c.text; }

const std::vector<FlagCase> flags{
    {"true", true}, {"false", false}, {"1", true}, {"0", false}, {"1.0", true}, {"1e0", true},
    {"-0", false},  {"0.0e5", false}, {"\"1\"", true}, {"\"0\"", false}, {"\"1.0\"", true},
};

}  // namespace

BOOST_AUTO_TEST_SUITE(parse_numbers)

BOOST_DATA_TEST_CASE(an_integer_in_any_json_form_is_read_exactly, bdata::make(integers), c) {
  const auto event = hookline::vrio::parse(shipment_with_id(c.text));
  BOOST_TEST_REQUIRE(event.has_value(), error_of(event));
  BOOST_TEST(std::get<hookline::vrio::ShipmentCancelled>(event->payload).shipment.shipment_id == c.value);
}

BOOST_DATA_TEST_CASE(an_integer_that_cannot_be_kept_exactly_is_refused_naming_it, bdata::make(refused_integers), c) {
  const auto event = hookline::vrio::parse(shipment_with_id(c.text));
  BOOST_TEST_REQUIRE(!event.has_value());
  BOOST_TEST(event.error().path == "webhook_data.shipment.shipment_id");
  BOOST_TEST(event.error().message == c.error);
}

BOOST_DATA_TEST_CASE(ids_sent_as_numbers_become_their_integer_text, bdata::make(integers), c) {
  if (c.text.front() == '"') return;  // a string id is kept as sent
  const auto event = hookline::ordergroove::parse(R"({"id":)" + c.text +
                                                  R"(,"type":"order.success","created":1,"data":{"object":{"public_id":1}}})");
  BOOST_TEST_REQUIRE(event.has_value(), error_of(event));
  BOOST_TEST(event->id == std::to_string(c.value));
}

BOOST_AUTO_TEST_CASE(an_id_of_2_5_is_refused) {
  const auto event = hookline::ordergroove::parse(R"({"id":2.5,"type":"order.success","created":1,"data":{"object":{"public_id":1}}})");
  BOOST_TEST_REQUIRE(!event.has_value());
  BOOST_TEST(event.error().to_string() == "id: expected a string or an integer, got 2.5");
}

BOOST_DATA_TEST_CASE(epoch_seconds_in_any_json_form_are_read_exactly, bdata::make(integers), c) {
  const auto event = hookline::vero::parse(R"({"type":"sent","sent_at":)" + c.text + R"(,"user":{"id":1}})");
  BOOST_TEST_REQUIRE(event.has_value(), error_of(event));
  const auto& sent = std::get<hookline::vero::Sent>(event->payload);
  BOOST_TEST_REQUIRE(sent.sent_at.has_value());
  BOOST_TEST(sent.sent_at->time_since_epoch().count() == c.value);
}

BOOST_AUTO_TEST_CASE(a_fractional_epoch_is_refused) {
  const auto event = hookline::ordergroove::parse(R"({"id":"e","type":"order.success","created":1.6225892115e9,"data":{"object":{"public_id":1}}})");
  BOOST_TEST_REQUIRE(!event.has_value());
  BOOST_TEST(event.error().to_string() == "created: expected an integer, got 1.6225892115e9");
}

BOOST_DATA_TEST_CASE(an_amount_keeps_its_decimal_value_as_plain_text, bdata::make(decimals), c) {
  const auto event = hookline::vrio::parse(transaction_with_total(c.text));
  BOOST_TEST_REQUIRE(event.has_value(), error_of(event));
  const auto& total = std::get<hookline::vrio::TransactionCompleted>(event->payload).transaction.transaction_total;
  BOOST_TEST(total == std::optional<std::string>(c.value));
  // inspect prints it as a JSON number with that exact text.
  BOOST_TEST(hookline::vrio::to_json(*event).find(R"("transaction_total":)" + c.value + ",") != std::string::npos);
}

BOOST_DATA_TEST_CASE(amounts_of_every_platform_are_normalised_alike, bdata::make(decimals), c) {
  const auto ordergroove = hookline::ordergroove::parse(R"({"id":"e","type":"order.success","created":1,)"
                                                        R"("data":{"object":{"public_id":"o","total":)" + c.text + "}}}");
  BOOST_TEST_REQUIRE(ordergroove.has_value(), error_of(ordergroove));
  BOOST_TEST(std::get<hookline::ordergroove::Order>(ordergroove->object).total == std::optional<std::string>(c.value));
  const auto store = hookline::store_admin::parse(R"({"event_id":"e","event_type":"payment.completed","created_at":"2026-03-22T14:30:00Z",)"
                                            R"("data":{"id":"p","amount":)" + c.text + "}}");
  BOOST_TEST_REQUIRE(store.has_value(), error_of(store));
  BOOST_TEST(hookline::store_admin::to_json(*store).find(R"("amount":)" + c.value + ",") != std::string::npos);
}

BOOST_DATA_TEST_CASE(an_amount_that_cannot_be_kept_is_refused_naming_it, bdata::make(refused_decimals), c) {
  const auto event = hookline::vrio::parse(transaction_with_total(c.text));
  BOOST_TEST_REQUIRE(!event.has_value());
  BOOST_TEST(event.error().path == "webhook_data.transaction.transaction_total");
  BOOST_TEST(event.error().message == c.error);
}

BOOST_DATA_TEST_CASE(a_flag_sent_as_a_number_is_read_in_any_form, bdata::make(flags), c) {
  const auto event = hookline::vrio::parse(R"({"webhook_event":"order_updated","webhook_event_id":1,)"
                                           R"("webhook_data":{"order":{"id":1,"is_test":)" + c.text + "}}}");
  BOOST_TEST_REQUIRE(event.has_value(), error_of(event));
  BOOST_TEST(std::get<hookline::vrio::OrderUpdated>(event->payload).order.is_test == std::optional<bool>(c.value));
}

BOOST_AUTO_TEST_CASE(the_fast_path_and_the_exact_reader_agree_on_every_form) {
  // VRIO reads a document twice only when the fast DOM walk gives up: a number in exponent form
  // must come out the same whichever reader takes it, beside values the fast path does read.
  const auto event = hookline::vrio::parse(
      R"({"webhook_event":"shipment_scheduled","webhook_event_id":"1","webhook_data":{"shipment":{"shipment_id":2.51606e5,)"
      R"("customer_id":"71135","shipment_items":[{"shipment_item_id":270243,"quantity":1e0,"item_id":1282}]}}})");
  BOOST_TEST_REQUIRE(event.has_value(), error_of(event));
  const auto& shipment = std::get<hookline::vrio::ShipmentScheduled>(event->payload).shipment;
  BOOST_TEST(shipment.shipment_id == 251606);
  BOOST_TEST(shipment.customer_id == std::optional<std::int64_t>(71135));
  BOOST_TEST_REQUIRE(shipment.shipment_items.has_value());
  BOOST_TEST((*shipment.shipment_items)[0].quantity == 1);
}

BOOST_AUTO_TEST_SUITE_END()
