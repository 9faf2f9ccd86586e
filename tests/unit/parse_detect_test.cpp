// hookline/parse.hpp: detect_platform on every sample of every platform, by headers and by body;
// parse_any, meta_of, to_json and meta_parser for each platform.

#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <ostream>
#include <string>
#include <vector>

#include "hookline/parse.hpp"
#include "parse_test_support.hpp"
#include "printing.hpp"

using hookline::detect_platform;
using hookline::Headers;
using hookline::Platform;
using platform_tests::error_of;
using platform_tests::json_files;
using platform_tests::samples_dir;
using platform_tests::slurp;
namespace bdata = boost::unit_test::data;

namespace {

struct BodyCase {
  std::string name;
  std::string body;
  Platform platform;
};
std::ostream& operator<<(std::ostream& out, const BodyCase& c) { return out << c.name; }

const std::vector<BodyCase> body_cases{
    {"vrio_event_only", R"({"webhook_event":"shipment_scheduled"})", Platform::vrio},
    {"vrio_without_event", R"({"webhook_event_id":"1","webhook_data":{}})", Platform::vrio},
    {"vrio_broken_deeper", R"({"webhook_event":"x","webhook_data":{"a":tru}})", Platform::vrio},
    {"ordergroove_by_type", R"({"type":"order.skip_order"})", Platform::ordergroove},
    {"ordergroove_without_type", R"({"id":"e","created":1,"data":{}})", Platform::ordergroove},
    {"vero_by_type", R"({"type":"sent"})", Platform::vero},
    {"vero_by_user", R"({"user":{"id":1}})", Platform::vero},
    {"vero_user_then_bad_type", R"({"user":{"id":1},"type":5})", Platform::vero},
    {"store_by_event_type", R"({"event_type":"order.created","type":"x.y"})", Platform::store},
    {"store_by_event_id", R"({"event_id":"e"})", Platform::store},
};

struct RefusedCase {
  std::string name;
  std::string body;
  std::string error;
};
std::ostream& operator<<(std::ostream& out, const RefusedCase& c) { return out << c.name; }

const std::vector<RefusedCase> refused_cases{
    {"empty", "", "empty document"},
    {"an_array", "[1]", "expected a JSON object"},
    {"invalid_utf8", "{\"a\":\"\xff\"}", "invalid UTF-8"},
    {"no_known_key", R"({"hello":"world"})", "not a webhook of a known platform (vrio, ordergroove, vero, store)"},
    {"empty_object", "{}", "not a webhook of a known platform (vrio, ordergroove, vero, store)"},
    {"broken_before_any_known_key", R"({"a":tru,"type":"sent"})", "a: malformed JSON"},
};

}  // namespace

BOOST_AUTO_TEST_SUITE(parse_detect)

BOOST_AUTO_TEST_CASE(every_sample_is_detected_as_its_platform_and_parses) {
  for (Platform platform : {Platform::vrio, Platform::ordergroove, Platform::vero, Platform::store}) {
    const auto files = json_files(samples_dir(hookline::to_string(platform)));
    BOOST_TEST(files.size() >= 12U);
    for (const auto& path : files) {
      const std::string body = slurp(path);
      const auto detected = detect_platform(body);
      BOOST_TEST_REQUIRE(detected.ok(), path << ": " << error_of(detected));
      BOOST_TEST(*detected == platform, path);
      auto event = hookline::parse_any(body);
      BOOST_TEST_REQUIRE(event.ok(), path << ": " << error_of(event));
      BOOST_TEST(hookline::platform_of(*event) == platform);
      const hookline::EventMeta meta = hookline::meta_of(*event);
      BOOST_TEST(meta.platform == platform);
      BOOST_TEST(!meta.id.empty());
      BOOST_TEST(hookline::to_json(*event).find(R"({"platform":")" + std::string(hookline::to_string(platform)) + "\"") == 0U);
    }
  }
}

BOOST_AUTO_TEST_CASE(every_malformed_sample_of_the_new_platforms_is_still_told_apart) {
  for (Platform platform : {Platform::ordergroove, Platform::vero, Platform::store}) {
    for (const auto& sample : platform_tests::malformed_samples(hookline::to_string(platform))) {
      const std::string body = slurp(samples_dir(hookline::to_string(platform)) / "malformed" / sample.file);
      const auto detected = detect_platform(body);
      if (detected) BOOST_TEST(*detected == platform, sample.file);
      // Detected or not, parsing through parse_any gives the documented error.
      auto event = hookline::parse_any(body);
      BOOST_TEST_REQUIRE(!event.ok(), sample.file);
      BOOST_TEST(event.error().to_string() == sample.error, sample.file);
    }
  }
}

BOOST_AUTO_TEST_CASE(every_truncation_of_a_sample_is_refused_without_a_crash) {
  for (Platform platform : {Platform::ordergroove, Platform::vero, Platform::store}) {
    for (const auto& path : json_files(samples_dir(hookline::to_string(platform)))) {
      const std::string body = slurp(path);
      std::size_t refused = 0;
      for (std::size_t size = 0; size < body.find_last_of('}'); ++size) {
        const auto event = hookline::parse_any(platform, std::string_view(body).substr(0, size));
        if (!event.ok() && !event.error().message.empty()) ++refused;
        (void)detect_platform(std::string_view(body).substr(0, size));
      }
      BOOST_TEST(refused == body.find_last_of('}'), path.filename());
    }
  }
}

BOOST_DATA_TEST_CASE(bodies_are_told_apart_by_their_top_level_keys, bdata::make(body_cases), c) {
  const auto detected = detect_platform(c.body);
  BOOST_TEST_REQUIRE(detected.ok(), error_of(detected));
  BOOST_TEST(*detected == c.platform);
}

BOOST_DATA_TEST_CASE(bodies_of_no_known_shape_are_refused, bdata::make(refused_cases), c) {
  const auto detected = detect_platform(c.body);
  BOOST_TEST_REQUIRE(!detected.ok());
  BOOST_TEST(detected.error().to_string() == c.error);
}

BOOST_AUTO_TEST_CASE(signature_headers_decide_first) {
  const std::string vero_body = R"({"type":"sent","user":{"id":1}})";
  BOOST_TEST(*detect_platform(vero_body, Headers{{"Ordergroove-Signature", "ts=1,sig=ab"}}) == Platform::ordergroove);
  BOOST_TEST(*detect_platform(vero_body, Headers{{"x-store-webhook-token", "t"}}) == Platform::store);
  BOOST_TEST(*detect_platform(vero_body, Headers{{"X-Webhook-Signature", "ab"}}) == Platform::vrio);
  BOOST_TEST(*detect_platform(vero_body, Headers{{"Content-Type", "application/json"}}) == Platform::vero);
  BOOST_TEST(*detect_platform("", Headers{{"Ordergroove-Signature", "ts=1,sig=ab"}}) == Platform::ordergroove);
}

BOOST_AUTO_TEST_CASE(parse_any_with_a_forced_platform_reports_that_platforms_error) {
  const std::string store_body = slurp(samples_dir("store") / "order.created.json");
  auto as_vero = hookline::parse_any(Platform::vero, store_body);
  BOOST_TEST_REQUIRE(!as_vero.ok());
  BOOST_TEST(as_vero.error().to_string() == "type: missing");
  auto as_vrio = hookline::parse_any(Platform::vrio, store_body);
  BOOST_TEST_REQUIRE(!as_vrio.ok());
  BOOST_TEST(as_vrio.error().to_string() == "webhook_event: missing");
}

BOOST_AUTO_TEST_CASE(meta_parser_gives_each_platforms_meta) {
  const auto ordergroove = hookline::meta_parser(Platform::ordergroove);
  auto meta = ordergroove(slurp(samples_dir("ordergroove") / "subscription.create.json"));
  BOOST_TEST_REQUIRE(meta.ok(), error_of(meta));
  BOOST_TEST(meta->type == "subscription.create");
  BOOST_TEST(meta->entity == "subscription:565998a03d7a4647971aab47f8c487f9");

  const auto store = hookline::meta_parser(Platform::store);
  meta = store(slurp(samples_dir("store") / "payment.refunded.json"));
  BOOST_TEST_REQUIRE(meta.ok(), error_of(meta));
  BOOST_TEST(meta->id == "evt_9014");
  BOOST_TEST(meta->entity == "payment:pay_7001");

  const auto vero = hookline::meta_parser(Platform::vero);
  const std::string clicked = slurp(samples_dir("vero") / "clicked.json");
  meta = vero(clicked);
  BOOST_TEST_REQUIRE(meta.ok(), error_of(meta));
  BOOST_TEST(meta->id == vero(clicked)->id);
  BOOST_TEST(meta->id.size() == 64U);
  BOOST_TEST(meta->entity == "user:123");

  const auto vrio = hookline::meta_parser(Platform::vrio, hookline::AnyParseOptions{});
  meta = vrio(slurp(samples_dir("vrio") / "shipment_cancelled.json"));
  BOOST_TEST_REQUIRE(meta.ok(), error_of(meta));
  BOOST_TEST(meta->entity == "shipment:251606");

  const auto refused = vero(R"({"type":"sent"})");
  BOOST_TEST_REQUIRE(!refused.ok());
  BOOST_TEST(refused.error().to_string() == "user: missing");
}

BOOST_AUTO_TEST_SUITE_END()
