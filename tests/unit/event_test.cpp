#include <boost/test/unit_test.hpp>

#include "hookline/event.hpp"
#include "hookline/headers.hpp"
#include "hookline/result.hpp"
#include "printing.hpp"

BOOST_AUTO_TEST_SUITE(event)

BOOST_AUTO_TEST_CASE(platform_names_round_trip) {
  for (auto platform : {hookline::Platform::vrio, hookline::Platform::ordergroove, hookline::Platform::vero,
                        hookline::Platform::store}) {
    BOOST_TEST(hookline::platform_from_string(hookline::to_string(platform)) == platform);
  }
  BOOST_TEST(!hookline::platform_from_string("VRIO").has_value());
  BOOST_TEST(!hookline::platform_from_string("").has_value());
}

BOOST_AUTO_TEST_CASE(parse_error_names_its_path) {
  hookline::ParseError error{"webhook_data.shipment.shipment_items[0].quantity", "expected an integer"};
  BOOST_TEST(error.to_string() == "webhook_data.shipment.shipment_items[0].quantity: expected an integer");
  BOOST_TEST(hookline::ParseError({"", "malformed JSON"}).to_string() == "malformed JSON");
}

BOOST_AUTO_TEST_CASE(header_lookup_ignores_case_and_keeps_repeats) {
  hookline::Headers headers{{"X-Webhook-Signature", "abc"}, {"webhook-signature", "v1,a"}, {"Webhook-Signature", "v1,b"}};
  BOOST_TEST(headers.get("x-webhook-signature").value() == "abc");
  BOOST_TEST(headers.get_all("WEBHOOK-SIGNATURE").size() == 2u);
  BOOST_TEST(!headers.get("X-Webhook-Signatur").has_value());
  headers.set("webhook-SIGNATURE", "v1,c");
  BOOST_TEST(headers.get_all("webhook-signature").size() == 1u);
  BOOST_TEST(headers.get("Webhook-Signature").value() == "v1,c");
}

BOOST_AUTO_TEST_CASE(result_holds_value_or_error) {
  hookline::Result<int, hookline::ParseError> good = 42;
  BOOST_TEST(good.ok());
  BOOST_TEST(*good == 42);
  hookline::Result<int, hookline::ParseError> bad = hookline::fail(hookline::ParseError{"a", "b"});
  BOOST_TEST(!bad.ok());
  BOOST_TEST(bad.error().path == "a");
  hookline::Status<hookline::ParseError> failed = hookline::fail(hookline::ParseError{"", "c"});
  BOOST_TEST(!failed);
  BOOST_TEST(hookline::Status<hookline::ParseError>{}.ok());
}

BOOST_AUTO_TEST_SUITE_END()
