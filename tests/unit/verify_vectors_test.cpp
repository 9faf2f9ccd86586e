// Known-answer vectors for every signature scheme. Expected values were computed independently of
// hookline: with `openssl dgst -sha256 -hmac`, the Standard Webhooks specification's own test vector,
// and signatures made by the public `standardwebhooks` (JavaScript) and Stripe libraries.

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "hookline/verify.hpp"
#include "printing.hpp"

namespace {

using hookline::Headers;
using hookline::Scheme;
using hookline::Secret;
using hookline::Verifier;
using hookline::VerifyErrorKind;

constexpr std::string_view body = R"({"webhook_event":"shipment_scheduled","webhook_event_id":"4806"})";
constexpr std::chrono::sys_seconds signed_at{std::chrono::seconds{1700000000}};

Verifier make_verifier(Scheme scheme, std::vector<std::string> texts, hookline::VerifyOptions options = {}) {
  std::vector<Secret> secrets;
  for (auto& text : texts) secrets.emplace_back(std::move(text));
  auto verifier = Verifier::create(scheme, secrets, options);
  BOOST_TEST_REQUIRE(verifier.has_value());
  return std::move(verifier).value();
}

// The kind of failure, or nullopt when the webhook verified.
std::optional<VerifyErrorKind> outcome(const Verifier& verifier, std::string_view payload, const Headers& headers,
                                       std::chrono::sys_seconds now = signed_at) {
  const auto result = verifier.verify(payload, headers, now);
  if (result) return std::nullopt;
  return result.error().kind;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(verify_vectors)

BOOST_AUTO_TEST_CASE(scheme_names_round_trip) {
  BOOST_TEST(hookline::all_schemes().size() == 7u);
  for (const auto scheme : hookline::all_schemes()) {
    BOOST_TEST(hookline::scheme_from_string(hookline::to_string(scheme)) == scheme);
  }
  BOOST_TEST(hookline::to_string(Scheme::store_admin) == "store_admin");
  BOOST_TEST(!hookline::scheme_from_string("VRIO").has_value());
  BOOST_TEST(!hookline::scheme_from_string("").has_value());
}

BOOST_AUTO_TEST_CASE(standard_webhooks_specification_vector) {
  const Headers headers{{"webhook-id", "msg_p5jXN8AQM9LWM0D4loKWxJek"},
                        {"webhook-timestamp", "1614265330"},
                        {"webhook-signature", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="}};
  const std::chrono::sys_seconds at{std::chrono::seconds{1614265330}};
  const auto prefixed = make_verifier(Scheme::standard, {"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"});
  const auto result = prefixed.verify(R"({"test": 2432232314})", headers, at);
  BOOST_TEST_REQUIRE(result.has_value());
  BOOST_TEST(result->secret_index == 0u);
  BOOST_TEST(result->timestamp.value().time_since_epoch().count() == 1614265330);
  // The libraries accept the same secret without its "whsec_" prefix.
  const auto bare = make_verifier(Scheme::standard, {"MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"});
  BOOST_TEST(!outcome(bare, R"({"test": 2432232314})", headers, at).has_value());
  BOOST_TEST(outcome(bare, R"({"test": 2432232315})", headers, at) == VerifyErrorKind::no_matching_signature);
}

BOOST_AUTO_TEST_CASE(standard_webhooks_javascript_library_signatures) {
  // Made by `new Webhook(secret).sign(id, new Date(1700000000000), body)` of the standardwebhooks package.
  const auto verifier = make_verifier(Scheme::standard, {"whsec_aG9va2xpbmUtc3RhbmRhcmQtdGVzdC1rZXktMDAwMSE="});
  const Headers headers{{"webhook-id", "msg_2Lh1cZf2qY0dQ1sE"},
                        {"webhook-timestamp", "1700000000"},
                        {"webhook-signature", "v1,RjNrgnfinG6Wl/4dXYJAdioRqBdhupJIHQ7CgmdrGLs="}};
  BOOST_TEST(!outcome(verifier, body, headers).has_value());

  // Made with the library's `{format: "raw"}` option: the secret's bytes are the key.
  hookline::VerifyOptions raw;
  raw.raw_standard_secrets = true;
  const auto raw_verifier = make_verifier(Scheme::standard, {"plain-text-secret"}, raw);
  const Headers raw_headers{{"webhook-id", "msg_raw"},
                            {"webhook-timestamp", "1700000000"},
                            {"webhook-signature", "v1,GjRpE86OVmJTzoEhcvt/R2x/J94bemnPIhSeC2Abav4="}};
  BOOST_TEST(!outcome(raw_verifier, body, raw_headers).has_value());
}

BOOST_AUTO_TEST_CASE(standard_webhooks_skips_other_versions_and_wrong_entries) {
  const auto verifier = make_verifier(Scheme::standard, {"whsec_aG9va2xpbmUtc3RhbmRhcmQtdGVzdC1rZXktMDAwMSE="});
  const std::string good = "RjNrgnfinG6Wl/4dXYJAdioRqBdhupJIHQ7CgmdrGLs=";
  const std::string other = "Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=";
  Headers headers{{"webhook-id", "msg_2Lh1cZf2qY0dQ1sE"}, {"webhook-timestamp", "1700000000"}};
  headers.set("webhook-signature", "v1," + other + " v2," + other + "  v1," + good + " v1," + other);
  BOOST_TEST(!outcome(verifier, body, headers).has_value());
  // The right bytes under another version do not count.
  headers.set("webhook-signature", "v2," + good + " v1a," + good);
  BOOST_TEST(outcome(verifier, body, headers) == VerifyErrorKind::no_matching_signature);
}

// The VRIO digest in every encoding VRIO may use: HMAC-SHA256(vrio-secret-1, body).
BOOST_DATA_TEST_CASE(vrio_accepts_each_encoding,
                     boost::unit_test::data::make(std::vector<std::string>{
                         "0f9c93582d45eed728251343395c29574b49e1b234a3f76119efcb6aedd30978",
                         "0F9C93582D45EED728251343395C29574B49E1B234A3F76119EFCB6AEDD30978",
                         "D5yTWC1F7tcoJRNDOVwpV0tJ4bI0o/dhGe/Lau3TCXg=",
                         "D5yTWC1F7tcoJRNDOVwpV0tJ4bI0o/dhGe/Lau3TCXg",
                         "sha256=0f9c93582d45eed728251343395c29574b49e1b234a3f76119efcb6aedd30978",
                         "SHA256=0F9C93582D45EED728251343395C29574B49E1B234A3F76119EFCB6AEDD30978",
                         "sha256=D5yTWC1F7tcoJRNDOVwpV0tJ4bI0o/dhGe/Lau3TCXg=",
                         " 0f9c93582d45eed728251343395c29574b49e1b234a3f76119efcb6aedd30978 "}),
                     signature) {
  const auto verifier = make_verifier(Scheme::vrio, {"vrio-secret-1"});
  const Headers headers{{"X-Webhook-Signature", signature}};
  BOOST_TEST(!outcome(verifier, body, headers).has_value());
  BOOST_TEST(outcome(verifier, std::string(body) + " ", headers) == VerifyErrorKind::no_matching_signature);
}

BOOST_AUTO_TEST_CASE(vrio_ignores_the_clock) {
  const auto verifier = make_verifier(Scheme::vrio, {"vrio-secret-1"});
  const Headers headers{{"X-Webhook-Signature", "0f9c93582d45eed728251343395c29574b49e1b234a3f76119efcb6aedd30978"}};
  const auto result = verifier.verify(body, headers, std::chrono::sys_seconds{});
  BOOST_TEST_REQUIRE(result.has_value());
  BOOST_TEST(!result->timestamp.has_value());
}

BOOST_AUTO_TEST_CASE(ordergroove_vector_and_rotation_header) {
  // HMAC-SHA256 of "1700000000.<body>" with og-secret-1 and og-secret-2.
  const std::string sig1 = "c4051dd3041f3f6179607e52593f2c4fa781ae04d2548cc475c635945a84589c";
  const std::string sig2 = "924c1c0b97a9629dfaf12b9145a10502bad004977f390713d10785c120b96d96";
  const auto verifier = make_verifier(Scheme::ordergroove, {"og-secret-1"});
  BOOST_TEST(!outcome(verifier, body, Headers{{"Ordergroove-Signature", "ts=1700000000,sig=" + sig1}}).has_value());
  BOOST_TEST(!outcome(verifier, body, Headers{{"Ordergroove-Signature", "ts=1700000000, sig=" + sig1}}).has_value());
  BOOST_TEST(!outcome(verifier, body, Headers{{"Ordergroove-Signature", "sig=" + sig1 + ",ts=1700000000"}}).has_value());

  // During a rotation the header carries both signatures; a receiver with either secret accepts it.
  const Headers rotating{{"Ordergroove-Signature", "ts=1700000000,sig=" + sig1 + ",sig=" + sig2}};
  BOOST_TEST(!outcome(verifier, body, rotating).has_value());
  const auto new_only = make_verifier(Scheme::ordergroove, {"og-secret-2"});
  BOOST_TEST(!outcome(new_only, body, rotating).has_value());
  const auto both = make_verifier(Scheme::ordergroove, {"og-secret-3", "og-secret-2"});
  const auto result = both.verify(body, rotating, signed_at);
  BOOST_TEST_REQUIRE(result.has_value());
  BOOST_TEST(result->secret_index == 1u);
  BOOST_TEST(outcome(new_only, body, Headers{{"Ordergroove-Signature", "ts=1700000000,sig=" + sig1}}) ==
             VerifyErrorKind::no_matching_signature);
}

BOOST_AUTO_TEST_CASE(stripe_library_vector) {
  // Made by stripe.webhooks.generateTestHeaderString({payload, secret, timestamp: 1700000000}) and equal to
  // `openssl dgst -sha256 -hmac whsec_stripe_test_secret` of "1700000000.<payload>".
  const std::string payload = R"({"id":"evt_1","object":"event","type":"invoice.paid"})";
  const std::string v1 = "e397650da97e1a51a532af352a036a774f29878bdc255ca71e38cd645f5eb6a7";
  const auto verifier = make_verifier(Scheme::stripe, {"whsec_stripe_test_secret"});
  BOOST_TEST(!outcome(verifier, payload, Headers{{"Stripe-Signature", "t=1700000000,v1=" + v1}}).has_value());
  const std::string wrong(64, 'a');
  BOOST_TEST(!outcome(verifier, payload,
                      Headers{{"Stripe-Signature", "t=1700000000,v1=" + wrong + ",v0=" + wrong + ",v1=" + v1}})
                  .has_value());
  BOOST_TEST(outcome(verifier, payload, Headers{{"Stripe-Signature", "t=1700000000,v0=" + v1}}) ==
             VerifyErrorKind::no_matching_signature);
}

BOOST_AUTO_TEST_CASE(github_vector) {
  const auto verifier = make_verifier(Scheme::github, {"gh-secret-1"});
  const std::string hex = "e95e9f011327f6bf61cb1250fa6ea3af464e20a335aecba5e99b185dfd4438a9";
  BOOST_TEST(!outcome(verifier, body, Headers{{"X-Hub-Signature-256", "sha256=" + hex}}).has_value());
  BOOST_TEST(outcome(verifier, body, Headers{{"X-Hub-Signature-256", hex}}) == VerifyErrorKind::malformed_header);
  BOOST_TEST(outcome(verifier, body, Headers{{"X-Hub-Signature", "sha1=" + hex}}) == VerifyErrorKind::missing_header);
}

BOOST_AUTO_TEST_CASE(shopify_vector) {
  const auto verifier = make_verifier(Scheme::shopify, {"shpss_secret-1"});
  BOOST_TEST(!outcome(verifier, body, Headers{{"X-Shopify-Hmac-Sha256", "gwVZUvEqTmXS5BAyBAN5sUzRwbbRrgINK+70y29PdIw="}})
                  .has_value());
  // Shopify sends base64 only: the same digest as hex is not its format.
  BOOST_TEST(outcome(verifier, body,
                     Headers{{"X-Shopify-Hmac-Sha256", "83055952f12a4e65d2e41032040379b14cd1c1b6d1ae020d2beef4cb6f4f748c"}}) ==
             VerifyErrorKind::malformed_header);
}

BOOST_AUTO_TEST_CASE(store_token) {
  const auto verifier = make_verifier(Scheme::store_admin, {"store-token-abc"});
  BOOST_TEST(!outcome(verifier, body, Headers{{"X-Store-Webhook-Token", "store-token-abc"}}).has_value());
  // The token authenticates the sender, not the body.
  BOOST_TEST(!outcome(verifier, "anything", Headers{{"X-Store-Webhook-Token", "store-token-abc"}}).has_value());
  BOOST_TEST(outcome(verifier, body, Headers{{"X-Store-Webhook-Token", "store-token-abd"}}) ==
             VerifyErrorKind::no_matching_signature);
  BOOST_TEST(outcome(verifier, body, Headers{{"X-Store-Webhook-Token", "store-token-ab"}}) ==
             VerifyErrorKind::no_matching_signature);
  BOOST_TEST(outcome(verifier, body, Headers{{"X-Store-Webhook-Token", "store-token-abcd"}}) ==
             VerifyErrorKind::no_matching_signature);
}

BOOST_AUTO_TEST_SUITE_END()
