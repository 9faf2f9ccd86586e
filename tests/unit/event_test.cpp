#include <boost/test/unit_test.hpp>

#include <string>

#include "hookline/event.hpp"
#include "hookline/headers.hpp"
#include "hookline/result.hpp"
#include "printing.hpp"

BOOST_AUTO_TEST_SUITE(event)

BOOST_AUTO_TEST_CASE(a_result_answers_to_std_expected_s_names) {
  using Answer = hookline::Result<std::string, hookline::ParseError>;
  Answer value = std::string("shipment");
  BOOST_TEST(value.has_value());
  BOOST_TEST(value.value_or("none") == "shipment");
  BOOST_TEST(std::move(value).value_or("none") == "shipment");
  Answer failed = hookline::fail(hookline::ParseError{"$.shipment_id", "expected an integer"});
  BOOST_TEST(!failed.has_value());
  BOOST_TEST(failed.value_or("none") == "none");
  const hookline::ParseError moved = std::move(failed).error();
  BOOST_TEST(moved.path == "$.shipment_id");
  hookline::Status<hookline::ParseError> status = hookline::fail(hookline::ParseError{"$", "not JSON"});
  BOOST_TEST(!status.has_value());
  BOOST_TEST(std::move(status).error().message == "not JSON");
  BOOST_TEST(hookline::Status<hookline::ParseError>{}.has_value());
}

BOOST_AUTO_TEST_CASE(platform_names_round_trip) {
  for (auto platform : {hookline::Platform::vrio, hookline::Platform::ordergroove, hookline::Platform::vero,
                        hookline::Platform::store_admin}) {
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

BOOST_AUTO_TEST_CASE(header_names_compare_like_a_byte_by_byte_ascii_fold) {
  // Names of every length from 1 to 24, word sized or not, differing in any one byte: the
  // comparison must agree with folding 'A'-'Z' alone, for every byte value (including those next to
  // the letters, and bytes of 0x80 and up, which are never folded).
  const auto fold = [](unsigned char c) { return c >= 'A' && c <= 'Z' ? static_cast<unsigned char>(c + 32) : c; };
  for (std::size_t size = 1; size <= 24; ++size) {
    const std::string name = std::string("webhook-signature-rotate").substr(0, size);
    for (std::size_t at = 0; at < size; ++at) {
      for (int byte = 0; byte < 256; ++byte) {
        std::string other = name;
        other[at] = static_cast<char>(byte);
        const bool expected = fold(static_cast<unsigned char>(other[at])) == fold(static_cast<unsigned char>(name[at]));
        BOOST_TEST_REQUIRE(hookline::header_name_equals(name, other) == expected, "size " << size << " byte " << byte << " at " << at);
      }
    }
    std::string upper = name;
    for (char& c : upper) {
      if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
    }
    BOOST_TEST(hookline::header_name_equals(name, upper));
    BOOST_TEST(!hookline::header_name_equals(name, name + "x"));
  }
}

BOOST_AUTO_TEST_CASE(result_holds_value_or_error) {
  hookline::Result<int, hookline::ParseError> good = 42;
  BOOST_TEST(good.has_value());
  BOOST_TEST(*good == 42);
  hookline::Result<int, hookline::ParseError> bad = hookline::fail(hookline::ParseError{"a", "b"});
  BOOST_TEST(!bad.has_value());
  BOOST_TEST(bad.error().path == "a");
  hookline::Status<hookline::ParseError> failed = hookline::fail(hookline::ParseError{"", "c"});
  BOOST_TEST(!failed);
  BOOST_TEST(hookline::Status<hookline::ParseError>{}.has_value());
}

BOOST_AUTO_TEST_SUITE_END()
