// hookline/parse.hpp: detect_platform on every sample of every platform, by headers and by body;
// parse_any, meta_of, to_json and meta_parser for each platform.

#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <ostream>
#include <string_view>
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
    {"vrio_event_and_id", R"({"webhook_event":"shipment_scheduled","webhook_event_id":1})", Platform::vrio},
    {"vrio_without_event", R"({"webhook_event_id":"1","webhook_data":{}})", Platform::vrio},
    {"vrio_broken_deeper", R"({"webhook_event":"x","webhook_type":"order","webhook_data":{"a":tru}})", Platform::vrio},
    {"ordergroove_type_and_id", R"({"id":"e","type":"order.skip_order"})", Platform::ordergroove},
    {"ordergroove_type_and_object", R"({"type":"subscriber.create","data":{"object":{"type":"subscriber"}}})",
     Platform::ordergroove},
    {"ordergroove_new_family_named_by_its_object", R"({"id":"e","type":"entitlement.modify","data":{"object":{"type":"entitlement"}}})",
     Platform::ordergroove},
    {"vero_type_and_user", R"({"type":"sent","user":{"id":1}})", Platform::vero},
    {"vero_unknown_type_and_user", R"({"type":"archived","user":{"email":"a@b.c"}})", Platform::vero},
    {"store_admin_event_type_and_id", R"({"event_type":"order.created","event_id":"e"})", Platform::store_admin},
    {"store_admin_event_id_and_data", R"({"event_id":"e","data":{}})", Platform::store_admin},
    {"store_admin_despite_a_dotted_type", R"({"event_type":"order.created","resource":"order","type":"x.y"})", Platform::store_admin},
};

struct RefusedCase {
  std::string name;
  std::string body;
  std::string error;  ///< The whole error, or its beginning when it ends with "..."
};
std::ostream& operator<<(std::ostream& out, const RefusedCase& c) { return out << c.name; }

constexpr std::string_view unknown = "unknown platform: the body does not carry enough of any known platform's fields...";

const std::vector<RefusedCase> refused_cases{
    {"empty", "", "empty document"},
    {"an_array", "[1]", "expected a JSON object"},
    {"invalid_utf8", "{\"a\":\"\xff\"}", "invalid UTF-8"},
    {"no_known_key", R"({"hello":"world"})", std::string(unknown)},
    {"empty_object", "{}", std::string(unknown)},
    {"broken_before_any_known_key", R"({"a":tru,"type":"sent"})", "a: malformed JSON"},
    // One key is never enough.
    {"vrio_event_alone", R"({"webhook_event":"shipment_scheduled"})", std::string(unknown)},
    {"ordergroove_type_alone", R"({"type":"order.skip_order"})", std::string(unknown)},
    {"ordergroove_envelope_without_type", R"({"id":"e","created":1,"data":{"object":{}}})", std::string(unknown)},
    {"vero_type_alone", R"({"type":"sent"})", std::string(unknown)},
    {"vero_user_alone", R"({"user":{"id":1}})", std::string(unknown)},
    {"vero_user_not_an_object", R"({"type":"sent","user":5})", std::string(unknown)},
    {"store_admin_event_id_alone", R"({"event_id":"e"})", std::string(unknown)},
    // A dotted type of a family that is not Ordergroove's, with Ordergroove's other fields.
    {"foreign_family", R"({"id":"e","type":"invoice.paid","created":1,"data":{"object":{"id":"in_1"}}})", std::string(unknown)},
    // As many vrio fields as store fields.
    {"a_tie", R"({"webhook_event":"x","webhook_event_id":"1","event_id":"e","event_type":"a.b"})", std::string(unknown)},
};

/// Other platforms' webhooks, as their public docs show them.
struct ForeignCase {
  std::string name;
  std::string body;
  Headers headers;
  std::string error;  ///< The beginning of the error.
};
std::ostream& operator<<(std::ostream& out, const ForeignCase& c) { return out << c.name; }

const std::vector<ForeignCase> foreign_cases{
    // Stripe's "Event object" (docs.stripe.com/api/events/object): Ordergroove's envelope keys, plus
    // object, api_version, livemode, pending_webhooks and request.
    {"stripe_invoice_paid",
     R"({"id":"evt_1NG8Du2eZvKYlo2CUI79vXWy","object":"event","api_version":"2019-02-19","created":1686089970,)"
     R"("data":{"object":{"id":"in_1NG8Du2eZvKYlo2C","object":"invoice","amount_paid":2000}},"livemode":false,)"
     R"("pending_webhooks":0,"request":{"id":null,"idempotency_key":null},"type":"invoice.paid"})",
     {}, "unknown platform: this is a Stripe event"},
    {"stripe_order_family",
     R"({"id":"evt_1","object":"event","type":"order.created","created":1,"data":{"object":{"id":"or_1","object":"order"}}})",
     {}, "unknown platform: this is a Stripe event"},
    {"stripe_by_header", R"({"id":"evt_1","type":"order.created","created":1,"data":{"object":{}}})",
     Headers{{"Stripe-Signature", "t=1,v1=ab"}}, "unknown platform: this is a Stripe delivery"},
    // GitHub's "push" event (docs.github.com, "Webhook events and payloads").
    {"github_push",
     R"({"ref":"refs/heads/main","before":"6113728f27ae82c7b1a177c8d03f9e96e0adf246","after":"0000000000000000000000000000000000000000",)"
     R"("repository":{"id":17273051,"full_name":"octo-org/octo-repo"},"pusher":{"name":"octocat"},"sender":{"login":"octocat","id":1}})",
     {}, std::string(unknown.substr(0, unknown.size() - 3))},
    {"github_issues_with_its_header",
     R"({"action":"opened","issue":{"id":1,"number":1347,"user":{"login":"octocat"}},"repository":{"id":1},"sender":{"id":1}})",
     Headers{{"X-GitHub-Event", "issues"}}, "unknown platform: this is a GitHub delivery"},
    // Shopify's orders/create topic (shopify.dev, "Webhook topics").
    {"shopify_order_create",
     R"({"id":820982911946154508,"admin_graphql_api_id":"gid://shopify/Order/820982911946154508","email":"jon@example.com",)"
     R"("created_at":"2021-12-31T19:00:00-05:00","currency":"USD","total_price":"403.00","line_items":[{"id":1,"quantity":1}]})",
     {}, std::string(unknown.substr(0, unknown.size() - 3))},
    {"shopify_with_its_header", R"({"id":1,"type":"order.create","created":1,"data":{"object":{}}})",
     Headers{{"X-Shopify-Topic", "orders/create"}}, "unknown platform: this is a Shopify delivery"},
    // Standard Webhooks' example payload (standardwebhooks.com, "Payload structure").
    {"standard_webhooks_contact_created",
     R"({"type":"contact.created","timestamp":"2022-11-03T20:26:10.344522Z","data":{"id":"1f81eb52-5198-4599-803e-771906343485",)"
     R"("type":"contact","email":"john@example.com"}})",
     Headers{{"webhook-id", "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W"}, {"webhook-timestamp", "1674087231"}, {"webhook-signature", "v1,K5oZ"}},
     std::string(unknown.substr(0, unknown.size() - 3))},
};

/// True when `error` is `expected`, or begins with it when `expected` ends with "...".
bool error_matches(const std::string& error, std::string_view expected) {
  if (expected.size() >= 3 && expected.substr(expected.size() - 3) == "...") {
    return error.rfind(expected.substr(0, expected.size() - 3), 0) == 0;
  }
  return error == expected;
}

/// Every sample of a platform: samples/<platform>/*.json and samples/<platform>/docs/*.json.
std::vector<std::filesystem::path> samples_and_documented_examples(Platform platform) {
  auto files = json_files(samples_dir(hookline::to_string(platform)));
  const auto docs = samples_dir(hookline::to_string(platform)) / "docs";
  if (std::filesystem::exists(docs)) {
    for (auto& path : json_files(docs)) files.push_back(std::move(path));
  }
  return files;
}

const std::vector<Platform> all_platforms{Platform::vrio, Platform::ordergroove, Platform::vero, Platform::store_admin};

}  // namespace

BOOST_AUTO_TEST_SUITE(parse_detect)

BOOST_AUTO_TEST_CASE(every_sample_and_documented_example_is_detected_as_its_platform_and_parses) {
  for (Platform platform : all_platforms) {
    const auto files = samples_and_documented_examples(platform);
    BOOST_TEST(files.size() >= 12U);
    for (const auto& path : files) {
      const std::string body = slurp(path);
      const auto detected = detect_platform(body);
      BOOST_TEST_REQUIRE(detected.has_value(), path << ": " << error_of(detected));
      BOOST_TEST(*detected == platform, path);
      auto event = hookline::parse_any(body);
      BOOST_TEST_REQUIRE(event.has_value(), path << ": " << error_of(event));
      BOOST_TEST(hookline::platform_of(*event) == platform);
      const hookline::EventMeta meta = hookline::meta_of(*event);
      BOOST_TEST(meta.platform == platform);
      BOOST_TEST(!meta.id.empty());
      BOOST_TEST(hookline::to_json(*event).find(R"({"platform":")" + std::string(hookline::to_string(platform)) + "\"") == 0U);
    }
  }
}

BOOST_AUTO_TEST_CASE(no_malformed_sample_is_claimed_for_another_platform) {
  for (Platform platform : all_platforms) {
    for (const auto& sample : platform_tests::malformed_samples(hookline::to_string(platform))) {
      if (sample.error.find("\u2026") != std::string::npos) continue;  // an abbreviated error, checked by its own suite
      const std::string body = slurp(samples_dir(hookline::to_string(platform)) / "malformed" / sample.file);
      const auto detected = detect_platform(body);
      if (detected) {
        BOOST_TEST(*detected == platform, sample.file);
        // Detected, the body gets the documented error of its platform...
        auto event = hookline::parse_any(body);
        BOOST_TEST_REQUIRE(!event.has_value(), sample.file);
        BOOST_TEST(event.error().to_string() == sample.error, sample.file);
      } else {
        // ...and when the evidence is not enough, a JSON error or "unknown platform", never a guess.
        BOOST_TEST(!detected.error().message.empty(), sample.file);
      }
      auto forced = hookline::parse_any(platform, body);
      BOOST_TEST_REQUIRE(!forced.has_value(), sample.file);
      BOOST_TEST(forced.error().to_string() == sample.error, sample.file);
    }
  }
}

BOOST_AUTO_TEST_CASE(every_truncation_of_a_sample_is_refused_without_a_crash) {
  for (Platform platform : {Platform::ordergroove, Platform::vero, Platform::store_admin}) {
    for (const auto& path : json_files(samples_dir(hookline::to_string(platform)))) {
      const std::string body = slurp(path);
      std::size_t refused = 0;
      for (std::size_t size = 0; size < body.find_last_of('}'); ++size) {
        const auto event = hookline::parse_any(platform, std::string_view(body).substr(0, size));
        if (!event.has_value() && !event.error().message.empty()) ++refused;
        (void)detect_platform(std::string_view(body).substr(0, size));
      }
      BOOST_TEST(refused == body.find_last_of('}'), path.filename());
    }
  }
}

BOOST_DATA_TEST_CASE(bodies_are_told_apart_by_their_fields_together, bdata::make(body_cases), c) {
  const auto detected = detect_platform(c.body);
  BOOST_TEST_REQUIRE(detected.has_value(), error_of(detected));
  BOOST_TEST(*detected == c.platform);
}

BOOST_DATA_TEST_CASE(bodies_without_enough_evidence_are_refused, bdata::make(refused_cases), c) {
  const auto detected = detect_platform(c.body);
  BOOST_TEST_REQUIRE(!detected.has_value());
  BOOST_TEST(error_matches(detected.error().to_string(), c.error), detected.error().to_string());
  // parse_any without a platform refuses it the same way.
  const auto event = hookline::parse_any(c.body);
  BOOST_TEST_REQUIRE(!event.has_value());
  BOOST_TEST(event.error().to_string() == detected.error().to_string());
}

BOOST_DATA_TEST_CASE(other_platforms_webhooks_are_unknown_platforms, bdata::make(foreign_cases), c) {
  const auto detected = detect_platform(c.body, c.headers);
  BOOST_TEST_REQUIRE(!detected.has_value(), "claimed as " << (detected.has_value() ? hookline::to_string(*detected) : ""));
  BOOST_TEST(detected.error().to_string().rfind(c.error, 0) == 0U, detected.error().to_string());
}

BOOST_AUTO_TEST_CASE(a_signature_header_counts_as_one_field_of_its_platform) {
  // Alone, one body field is not enough; with its platform's signature header it is.
  const std::string one_field = R"({"webhook_event":"shipment_scheduled"})";
  BOOST_TEST(!detect_platform(one_field).has_value());
  BOOST_TEST(*detect_platform(one_field, Headers{{"X-Webhook-Signature", "ab"}}) == Platform::vrio);
  BOOST_TEST(*detect_platform(R"({"type":"order.create"})", Headers{{"Ordergroove-Signature", "ts=1,sig=ab"}}) ==
             Platform::ordergroove);
  BOOST_TEST(*detect_platform(R"({"event_id":"e"})", Headers{{"x-store-webhook-token", "t"}}) == Platform::store_admin);
  // A header does not outweigh a body that is plainly another platform's.
  const std::string vero_body = R"({"type":"sent","user":{"id":1},"campaign":{"id":2}})";
  BOOST_TEST(*detect_platform(vero_body, Headers{{"Ordergroove-Signature", "ts=1,sig=ab"}}) == Platform::vero);
  BOOST_TEST(*detect_platform(vero_body, Headers{{"Content-Type", "application/json"}}) == Platform::vero);
  // A header and no body is not a webhook at all.
  const auto empty = detect_platform("", Headers{{"Ordergroove-Signature", "ts=1,sig=ab"}});
  BOOST_TEST_REQUIRE(!empty.has_value());
  BOOST_TEST(empty.error().to_string() == "empty document");
}

BOOST_DATA_TEST_CASE(a_byte_order_mark_is_refused_by_name_by_every_parser_and_detection,
                     bdata::make(all_platforms), platform) {
  const auto files = json_files(samples_dir(hookline::to_string(platform)));
  BOOST_TEST_REQUIRE(!files.empty());
  const std::string body = slurp(files.front());
  const std::string utf8_bom = "\xEF\xBB\xBF" + body;
  const std::string expected =
      "the body starts with a UTF-8 byte-order mark (bytes EF BB BF), which JSON forbids (RFC 8259, section 8.1): "
      "send or save the body without it, or strip those 3 bytes before parsing";
  const auto parsed = hookline::parse_any(platform, utf8_bom);
  BOOST_TEST_REQUIRE(!parsed.has_value());
  BOOST_TEST(parsed.error().to_string() == expected);
  const auto detected = detect_platform(utf8_bom);
  BOOST_TEST_REQUIRE(!detected.has_value());
  BOOST_TEST(detected.error().to_string() == expected);
  for (const std::string& utf16_bom : {std::string("\xFF\xFE"), std::string("\xFE\xFF")}) {
    const auto utf16 = hookline::parse_any(platform, utf16_bom + body);
    BOOST_TEST_REQUIRE(!utf16.has_value());
    BOOST_TEST(utf16.error().to_string().rfind("the body starts with a UTF-16 byte-order mark", 0) == 0U);
  }
  // Without the mark the same body parses: the error is about the mark, not the body.
  BOOST_TEST(hookline::parse_any(platform, body).has_value());
}

BOOST_AUTO_TEST_CASE(parse_any_with_a_forced_platform_reports_that_platforms_error) {
  const std::string store_body = slurp(samples_dir("store_admin") / "order.created.json");
  auto as_vero = hookline::parse_any(Platform::vero, store_body);
  BOOST_TEST_REQUIRE(!as_vero.has_value());
  BOOST_TEST(as_vero.error().to_string() == "type: missing");
  auto as_vrio = hookline::parse_any(Platform::vrio, store_body);
  BOOST_TEST_REQUIRE(!as_vrio.has_value());
  BOOST_TEST(as_vrio.error().to_string() == "webhook_event: missing");
}

BOOST_AUTO_TEST_CASE(meta_parser_gives_each_platforms_meta) {
  const auto ordergroove = hookline::meta_parser(Platform::ordergroove);
  auto meta = ordergroove(slurp(samples_dir("ordergroove") / "subscription.create.json"));
  BOOST_TEST_REQUIRE(meta.has_value(), error_of(meta));
  BOOST_TEST(meta->type == "subscription.create");
  BOOST_TEST(meta->entity == "subscription:565998a03d7a4647971aab47f8c487f9");

  const auto store = hookline::meta_parser(Platform::store_admin);
  meta = store(slurp(samples_dir("store_admin") / "payment.refunded.json"));
  BOOST_TEST_REQUIRE(meta.has_value(), error_of(meta));
  BOOST_TEST(meta->id == "evt_9014");
  BOOST_TEST(meta->entity == "payment:pay_7001");

  const auto vero = hookline::meta_parser(Platform::vero);
  const std::string clicked = slurp(samples_dir("vero") / "clicked.json");
  meta = vero(clicked);
  BOOST_TEST_REQUIRE(meta.has_value(), error_of(meta));
  BOOST_TEST(meta->id == vero(clicked)->id);
  BOOST_TEST(meta->id.size() == 64U);
  BOOST_TEST(meta->entity == "user:123");

  const auto vrio = hookline::meta_parser(Platform::vrio, hookline::ParseOptions{});
  meta = vrio(slurp(samples_dir("vrio") / "shipment_cancelled.json"));
  BOOST_TEST_REQUIRE(meta.has_value(), error_of(meta));
  BOOST_TEST(meta->entity == "shipment:251606");

  const auto refused = vero(R"({"type":"sent"})");
  BOOST_TEST_REQUIRE(!refused.has_value());
  BOOST_TEST(refused.error().to_string() == "user: missing");
}

BOOST_AUTO_TEST_SUITE_END()
