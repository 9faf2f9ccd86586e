// The sending side: Signer output in each scheme's exact format, and sign -> verify for every scheme.

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "hookline/sign.hpp"
#include "hookline/verify.hpp"
#include "printing.hpp"

namespace {

using hookline::Headers;
using hookline::Scheme;
using hookline::Secret;
using hookline::Signer;
using hookline::Verifier;

constexpr std::string_view body = R"({"webhook_event":"shipment_scheduled","webhook_event_id":"4806"})";
constexpr std::chrono::sys_seconds signed_at{std::chrono::seconds{1700000000}};

std::vector<Secret> secret_list(std::vector<std::string> texts) {
  std::vector<Secret> list;
  for (auto& text : texts) list.emplace_back(std::move(text));
  return list;
}

Headers sign(Scheme scheme, std::vector<std::string> texts, std::string_view id = "msg_1",
             std::string_view payload = body) {
  auto signer = Signer::create(scheme, secret_list(std::move(texts)));
  BOOST_TEST_REQUIRE(signer.has_value());
  BOOST_TEST(signer->scheme() == scheme);
  return signer->sign(payload, id, signed_at);
}

// The headers as "Name: value" lines, in order.
std::vector<std::string> fields(const Headers& headers) {
  std::vector<std::string> lines;
  for (const auto& field : headers.fields()) lines.push_back(field.name + ": " + field.value);
  return lines;
}

using Fields = std::vector<std::string>;

const std::vector<Scheme> every_scheme(hookline::all_schemes().begin(), hookline::all_schemes().end());

}  // namespace

BOOST_AUTO_TEST_SUITE(signer)

// Expected values from `openssl dgst -sha256 -hmac`, the Standard Webhooks specification vector and Stripe's library.
BOOST_AUTO_TEST_CASE(known_answers_in_each_format) {
  BOOST_TEST(fields(sign(Scheme::vrio, {"vrio-secret-1"})) ==
             (Fields{"X-Webhook-Signature: 0f9c93582d45eed728251343395c29574b49e1b234a3f76119efcb6aedd30978"}));
  BOOST_TEST(fields(sign(Scheme::github, {"gh-secret-1"})) ==
             (Fields{"X-Hub-Signature-256: sha256=e95e9f011327f6bf61cb1250fa6ea3af464e20a335aecba5e99b185dfd4438a9"}));
  BOOST_TEST(fields(sign(Scheme::shopify, {"shpss_secret-1"})) ==
             (Fields{"X-Shopify-Hmac-Sha256: gwVZUvEqTmXS5BAyBAN5sUzRwbbRrgINK+70y29PdIw="}));
  BOOST_TEST(fields(sign(Scheme::ordergroove, {"og-secret-1", "og-secret-2"})) ==
             (Fields{"Ordergroove-Signature: ts=1700000000,"
                     "sig=c4051dd3041f3f6179607e52593f2c4fa781ae04d2548cc475c635945a84589c,"
                     "sig=924c1c0b97a9629dfaf12b9145a10502bad004977f390713d10785c120b96d96"}));
  BOOST_TEST(fields(sign(Scheme::stripe, {"whsec_stripe_test_secret"}, "",
                         R"({"id":"evt_1","object":"event","type":"invoice.paid"})")) ==
             (Fields{"Stripe-Signature: t=1700000000,v1=e397650da97e1a51a532af352a036a774f29878bdc255ca71e38cd645f5eb6a7"}));
  BOOST_TEST(fields(sign(Scheme::store_admin, {"store-token-abc", "store-token-new"})) ==
             (Fields{"X-Store-Webhook-Token: store-token-abc"}));

  auto signer = Signer::create(Scheme::standard, secret_list({"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}));
  BOOST_TEST_REQUIRE(signer.has_value());
  const auto standard = signer->sign(R"({"test": 2432232314})", "msg_p5jXN8AQM9LWM0D4loKWxJek",
                                     std::chrono::sys_seconds{std::chrono::seconds{1614265330}});
  BOOST_TEST(fields(standard) == (Fields{"webhook-id: msg_p5jXN8AQM9LWM0D4loKWxJek", "webhook-timestamp: 1614265330",
                                         "webhook-signature: v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="}));
}

BOOST_AUTO_TEST_CASE(standard_rotation_lists_every_signature) {
  const auto headers = sign(Scheme::standard, {"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_aG9va2xpbmUtMS1rZXk="});
  const std::string value(headers.get("webhook-signature").value());
  BOOST_TEST(value.size() == 2 * 47 + 1);
  BOOST_TEST(value.find("v1,") == 0u);
  BOOST_TEST(value.find(" v1,") == 47u);
}

BOOST_DATA_TEST_CASE(every_scheme_round_trips, boost::unit_test::data::make(every_scheme), scheme) {
  const std::vector<std::string> texts =
      scheme == Scheme::standard ? std::vector<std::string>{"whsec_aG9va2xpbmUtMS1rZXk="}
                                 : std::vector<std::string>{"round-trip-secret"};
  const auto secrets = secret_list(texts);
  auto signer = Signer::create(scheme, secrets);
  auto verifier = Verifier::create(scheme, secrets);
  BOOST_TEST_REQUIRE(signer.has_value());
  BOOST_TEST_REQUIRE(verifier.has_value());
  for (const std::string& payload : {std::string(body), std::string(), std::string(4096, 'x'), std::string("\0\xff\n", 3)}) {
    const auto headers = signer->sign(payload, "evt_42", signed_at);
    const auto result = verifier->verify(payload, headers, signed_at);
    BOOST_TEST(result.has_value(), hookline::to_string(scheme) << ": " << (result ? "" : result.error().to_string()));
  }
}

BOOST_AUTO_TEST_SUITE_END()
