// Every way a webhook is refused: tampering with each part, tolerance edges, rotation, bad signatures
// and headers, unusable secrets; and that no error text ever holds a secret.

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <sstream>
#include <string>
#include <thread>
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
using hookline::VerifyErrorKind;
using std::chrono::seconds;

constexpr std::string_view body = R"({"webhook_event":"shipment_scheduled","webhook_event_id":"4806"})";
constexpr std::chrono::sys_seconds signed_at{seconds{1700000000}};
constexpr std::string_view event_id = "msg_2Lh1cZf2qY0dQ1sE";

// A secret in the format each scheme expects; the Standard one is "whsec_" + base64("hookline-<n>-key").
std::string secret_text(Scheme scheme, int n) {
  if (scheme == Scheme::standard) {
    return n == 1 ? "whsec_aG9va2xpbmUtMS1rZXk=" : n == 2 ? "whsec_aG9va2xpbmUtMi1rZXk=" : "whsec_aG9va2xpbmUtMy1rZXk=";
  }
  return std::string(hookline::to_string(scheme)) + "-secret-" + std::to_string(n);
}

std::vector<Secret> secrets(Scheme scheme, std::initializer_list<int> numbers) {
  std::vector<Secret> list;
  for (const int n : numbers) list.emplace_back(secret_text(scheme, n));
  return list;
}

Verifier make_verifier(Scheme scheme, std::initializer_list<int> numbers, hookline::VerifyOptions options = {}) {
  auto verifier = Verifier::create(scheme, secrets(scheme, numbers), options);
  BOOST_TEST_REQUIRE(verifier.has_value());
  return std::move(verifier).value();
}

Headers sign(Scheme scheme, std::initializer_list<int> numbers, std::string_view payload = body,
             std::chrono::sys_seconds at = signed_at) {
  auto signer = Signer::create(scheme, secrets(scheme, numbers));
  BOOST_TEST_REQUIRE(signer.has_value());
  return signer->sign(payload, event_id, at);
}

std::optional<VerifyErrorKind> outcome(const Verifier& verifier, std::string_view payload, const Headers& headers,
                                       std::chrono::sys_seconds now = signed_at) {
  const auto result = verifier.verify(payload, headers, now);
  if (result) return std::nullopt;
  return result.error().kind;
}

// The header that carries the signature (or token) of each scheme.
std::string_view signature_header(Scheme scheme) {
  switch (scheme) {
    case Scheme::vrio: return "X-Webhook-Signature";
    case Scheme::standard: return "webhook-signature";
    case Scheme::ordergroove: return "Ordergroove-Signature";
    case Scheme::stripe: return "Stripe-Signature";
    case Scheme::github: return "X-Hub-Signature-256";
    case Scheme::shopify: return "X-Shopify-Hmac-Sha256";
    case Scheme::store_admin: return "X-Store-Webhook-Token";
  }
  return "";
}

// Where the first signature character sits in the signature header's value.
std::size_t first_signature_char(Scheme scheme, std::string_view value) {
  switch (scheme) {
    case Scheme::standard: return value.find("v1,") + 3;
    case Scheme::ordergroove: return value.find("sig=") + 4;
    case Scheme::stripe: return value.find("v1=") + 3;
    case Scheme::github: return 7;
    default: return 0;
  }
}

// Replaces one character by another of the same alphabet (hex digit or base64), so the encoding stays valid
// and the first decoded byte changes.
std::string with_changed_char(std::string value, std::size_t at) {
  value[at] = value[at] == '0' ? '1' : value[at] == 'A' ? 'B' : std::isxdigit(static_cast<unsigned char>(value[at])) ? '0' : 'A';
  return value;
}

constexpr Scheme hmac_schemes[] = {Scheme::vrio, Scheme::standard, Scheme::ordergroove, Scheme::stripe,
                                   Scheme::github, Scheme::shopify};
constexpr Scheme timestamped_schemes[] = {Scheme::standard, Scheme::ordergroove, Scheme::stripe};
const std::vector<Scheme> every_scheme(hookline::all_schemes().begin(), hookline::all_schemes().end());

}  // namespace

BOOST_AUTO_TEST_SUITE(verify_failures)

BOOST_DATA_TEST_CASE(tampered_body_is_refused, boost::unit_test::data::make(hmac_schemes), scheme) {
  const auto verifier = make_verifier(scheme, {1});
  const auto headers = sign(scheme, {1});
  BOOST_TEST(!outcome(verifier, body, headers).has_value());
  std::string changed(body);
  changed[10] = static_cast<char>(changed[10] ^ 0x01);
  BOOST_TEST(outcome(verifier, changed, headers) == VerifyErrorKind::no_matching_signature);
  BOOST_TEST(outcome(verifier, std::string(body) + "\n", headers) == VerifyErrorKind::no_matching_signature);
  BOOST_TEST(outcome(verifier, body.substr(1), headers) == VerifyErrorKind::no_matching_signature);
  BOOST_TEST(outcome(verifier, "", headers) == VerifyErrorKind::no_matching_signature);
}

BOOST_DATA_TEST_CASE(tampered_signature_is_refused, boost::unit_test::data::make(every_scheme), scheme) {
  const auto verifier = make_verifier(scheme, {1});
  auto headers = sign(scheme, {1});
  const std::string value(headers.get(signature_header(scheme)).value());
  headers.set(signature_header(scheme), with_changed_char(value, first_signature_char(scheme, value)));
  BOOST_TEST(outcome(verifier, body, headers) == VerifyErrorKind::no_matching_signature);
  // The last character too: every byte of the digest counts.
  headers.set(signature_header(scheme), with_changed_char(value, value.size() - (scheme == Scheme::standard || scheme == Scheme::shopify ? 3 : 1)));
  BOOST_TEST(outcome(verifier, body, headers) == VerifyErrorKind::no_matching_signature);
}

BOOST_AUTO_TEST_CASE(tampered_standard_id_and_timestamp_are_refused) {
  const auto verifier = make_verifier(Scheme::standard, {1});
  auto headers = sign(Scheme::standard, {1});
  headers.set("webhook-id", "msg_2Lh1cZf2qY0dQ1sF");
  BOOST_TEST(outcome(verifier, body, headers) == VerifyErrorKind::no_matching_signature);
  headers = sign(Scheme::standard, {1});
  headers.set("webhook-timestamp", "1700000001");
  BOOST_TEST(outcome(verifier, body, headers) == VerifyErrorKind::no_matching_signature);
}

BOOST_AUTO_TEST_CASE(tampered_ordergroove_and_stripe_timestamps_are_refused) {
  for (const auto& [scheme, key] : {std::pair{Scheme::ordergroove, "ts="}, std::pair{Scheme::stripe, "t="}}) {
    const auto verifier = make_verifier(scheme, {1});
    auto headers = sign(scheme, {1});
    std::string value(headers.get(signature_header(scheme)).value());
    const auto at = value.find(std::string(key) + "1700000000");
    BOOST_TEST_REQUIRE(at != std::string::npos);
    value.replace(at, std::string(key).size() + 10, std::string(key) + "1699999999");
    headers.set(signature_header(scheme), value);
    BOOST_TEST(outcome(verifier, body, headers) == VerifyErrorKind::no_matching_signature);
  }
}

BOOST_DATA_TEST_CASE(tolerance_edges_both_ways, boost::unit_test::data::make(timestamped_schemes), scheme) {
  const auto verifier = make_verifier(scheme, {1});
  const auto headers = sign(scheme, {1});
  BOOST_TEST(!outcome(verifier, body, headers, signed_at + seconds{300}).has_value());
  BOOST_TEST(outcome(verifier, body, headers, signed_at + seconds{301}) == VerifyErrorKind::timestamp_too_old);
  BOOST_TEST(!outcome(verifier, body, headers, signed_at - seconds{300}).has_value());
  BOOST_TEST(outcome(verifier, body, headers, signed_at - seconds{301}) == VerifyErrorKind::timestamp_too_new);

  hookline::VerifyOptions narrow;
  narrow.past_tolerance = seconds{60};
  narrow.future_tolerance = seconds{5};
  const auto strict = make_verifier(scheme, {1}, narrow);
  BOOST_TEST(!outcome(strict, body, headers, signed_at + seconds{60}).has_value());
  BOOST_TEST(outcome(strict, body, headers, signed_at + seconds{61}) == VerifyErrorKind::timestamp_too_old);
  BOOST_TEST(!outcome(strict, body, headers, signed_at - seconds{5}).has_value());
  BOOST_TEST(outcome(strict, body, headers, signed_at - seconds{6}) == VerifyErrorKind::timestamp_too_new);
}

BOOST_DATA_TEST_CASE(rotation_accepts_old_and_new_secrets, boost::unit_test::data::make(every_scheme),
                     scheme) {
  const auto verifier = make_verifier(scheme, {1, 2});
  const auto by_old = verifier.verify(body, sign(scheme, {1}), signed_at);
  BOOST_TEST_REQUIRE(by_old.has_value());
  BOOST_TEST(by_old->secret_index == 0u);
  const auto by_new = verifier.verify(body, sign(scheme, {2}), signed_at);
  BOOST_TEST_REQUIRE(by_new.has_value());
  BOOST_TEST(by_new->secret_index == 1u);
  BOOST_TEST(outcome(verifier, body, sign(scheme, {3})) == VerifyErrorKind::no_matching_signature);
}

BOOST_DATA_TEST_CASE(rotating_sender_reaches_receivers_of_either_secret,
                     boost::unit_test::data::make(timestamped_schemes), scheme) {
  const auto headers = sign(scheme, {1, 2});
  BOOST_TEST(!outcome(make_verifier(scheme, {1}), body, headers).has_value());
  BOOST_TEST(!outcome(make_verifier(scheme, {2}), body, headers).has_value());
  BOOST_TEST(outcome(make_verifier(scheme, {3}), body, headers) == VerifyErrorKind::no_matching_signature);
}

BOOST_DATA_TEST_CASE(missing_headers_are_named, boost::unit_test::data::make(every_scheme), scheme) {
  const auto verifier = make_verifier(scheme, {1});
  const auto signed_headers = sign(scheme, {1});
  for (const auto& field : signed_headers.fields()) {
    Headers without;
    for (const auto& other : signed_headers.fields()) {
      if (other.name != field.name) without.add(other.name, other.value);
    }
    const auto result = verifier.verify(body, without, signed_at);
    BOOST_TEST_REQUIRE(!result.has_value());
    BOOST_TEST(result.error().kind == VerifyErrorKind::missing_header);
    BOOST_TEST(result.error().header == field.name);
    // An empty value counts as missing.
    Headers emptied = signed_headers;
    emptied.set(field.name, "");
    BOOST_TEST(outcome(verifier, body, emptied) == VerifyErrorKind::missing_header);
  }
}

BOOST_DATA_TEST_CASE(header_names_are_case_insensitive, boost::unit_test::data::make(every_scheme), scheme) {
  const auto verifier = make_verifier(scheme, {1});
  const auto original = sign(scheme, {1});
  for (const bool upper : {true, false}) {
    Headers recased;
    for (const auto& field : original.fields()) {
      std::string name = field.name;
      std::transform(name.begin(), name.end(), name.begin(), [upper](unsigned char c) {
        return static_cast<char>(upper ? std::toupper(c) : std::tolower(c));
      });
      recased.add(name, field.value);
    }
    BOOST_TEST(!outcome(verifier, body, recased).has_value());
  }
}

/// A bad signature header value and the failure it must give.
struct BadValue {
  Scheme scheme;
  std::string value;
  VerifyErrorKind expected;
};
std::ostream& operator<<(std::ostream& out, const BadValue& bad) {
  return out << hookline::to_string(bad.scheme) << " '" << bad.value << "' -> " << hookline::to_string(bad.expected);
}

const std::string hex64 = "0f9c93582d45eed728251343395c29574b49e1b234a3f76119efcb6aedd30978";
const std::vector<BadValue> bad_values{
    {Scheme::vrio, "", VerifyErrorKind::missing_header},
    {Scheme::vrio, "   ", VerifyErrorKind::missing_header},
    {Scheme::vrio, hex64.substr(0, 63), VerifyErrorKind::malformed_header},
    {Scheme::vrio, hex64.substr(0, 62), VerifyErrorKind::malformed_header},
    {Scheme::vrio, hex64 + "00", VerifyErrorKind::malformed_header},
    {Scheme::vrio, "zz" + hex64.substr(2), VerifyErrorKind::malformed_header},
    {Scheme::vrio, "D5yTWC1F7tcoJRNDOVwpV0tJ4bI0o/dhGe/Lau3TCX=", VerifyErrorKind::malformed_header},
    {Scheme::vrio, "D5yTWC1F7tcoJRNDOVwpV0tJ4bI0o/dhGe/Lau3TCXh=", VerifyErrorKind::malformed_header},
    {Scheme::vrio, "D5yTWC1F7tcoJRNDOVwpV0tJ 4bI0o/dhGe/Lau3TCXg=", VerifyErrorKind::malformed_header},
    {Scheme::vrio, "D5yTWC1F7tcoJRNDOVwpV0tJ4bI0o_dhGe-Lau3TCXg=", VerifyErrorKind::malformed_header},
    {Scheme::vrio, "sha256=", VerifyErrorKind::malformed_header},
    {Scheme::vrio, "sha1=" + hex64, VerifyErrorKind::malformed_header},
    {Scheme::vrio, std::string(10000, 'a'), VerifyErrorKind::malformed_header},
    {Scheme::standard, "garbage", VerifyErrorKind::malformed_header},
    {Scheme::standard, "v1", VerifyErrorKind::malformed_header},
    {Scheme::standard, "v1,", VerifyErrorKind::no_matching_signature},
    {Scheme::standard, "v1,!!!!", VerifyErrorKind::no_matching_signature},
    {Scheme::standard, "v1,RjNrgnfinG6Wl/4dXYJAdioRqBdhupJIHQ7CgmdrGL", VerifyErrorKind::no_matching_signature},
    {Scheme::standard, "v1,RjNrgnfinG6Wl/4dXYJAdioRqBdhupJIHQ7CgmdrGLsA", VerifyErrorKind::no_matching_signature},
    {Scheme::standard, "v1," + hex64, VerifyErrorKind::no_matching_signature},
    {Scheme::ordergroove, "garbage", VerifyErrorKind::malformed_header},
    {Scheme::ordergroove, "sig=" + hex64, VerifyErrorKind::malformed_header},
    {Scheme::ordergroove, "ts=1700000000", VerifyErrorKind::malformed_header},
    {Scheme::ordergroove, "ts=1700000000,ts=1700000000,sig=" + hex64, VerifyErrorKind::malformed_header},
    {Scheme::ordergroove, "ts=abc,sig=" + hex64, VerifyErrorKind::malformed_header},
    {Scheme::ordergroove, "ts=1700000000,sig=zz", VerifyErrorKind::no_matching_signature},
    {Scheme::ordergroove, "ts=1700000000,sig=" + hex64.substr(0, 63), VerifyErrorKind::no_matching_signature},
    {Scheme::ordergroove, "ts=1700000000,sig=", VerifyErrorKind::no_matching_signature},
    {Scheme::stripe, "v1=" + hex64, VerifyErrorKind::malformed_header},
    {Scheme::stripe, "t=1700000000", VerifyErrorKind::no_matching_signature},
    {Scheme::stripe, "t=1700000000,v1=" + hex64 + "0", VerifyErrorKind::no_matching_signature},
    {Scheme::github, hex64, VerifyErrorKind::malformed_header},
    {Scheme::github, "sha256=" + hex64.substr(0, 62), VerifyErrorKind::malformed_header},
    {Scheme::github, "sha256=" + hex64 + "ab", VerifyErrorKind::malformed_header},
    {Scheme::github, "sha256=", VerifyErrorKind::malformed_header},
    {Scheme::shopify, hex64, VerifyErrorKind::malformed_header},
    {Scheme::shopify, "gwVZUvEqTmXS5BAyBAN5sUzRwbbRrgINK+70y29PdI", VerifyErrorKind::malformed_header},
    {Scheme::shopify, "not base64!", VerifyErrorKind::malformed_header},
    {Scheme::store_admin, "  ", VerifyErrorKind::missing_header},
    {Scheme::store_admin, "store-secret-", VerifyErrorKind::no_matching_signature},
};

BOOST_DATA_TEST_CASE(bad_signature_values, boost::unit_test::data::make(bad_values), bad) {
  const auto verifier = make_verifier(bad.scheme, {1});
  auto headers = sign(bad.scheme, {1});
  headers.set(signature_header(bad.scheme), bad.value);
  BOOST_TEST(outcome(verifier, body, headers) == bad.expected);
}

BOOST_DATA_TEST_CASE(bad_standard_timestamps,
                     boost::unit_test::data::make(std::vector<std::string>{
                         "abc", "-1700000000", "+1700000000", "1700000000.5", "1700000000s", "0x6553F100",
                         "99999999999999999999", "1 700000000"}),
                     timestamp) {
  const auto verifier = make_verifier(Scheme::standard, {1});
  auto headers = sign(Scheme::standard, {1});
  headers.set("webhook-timestamp", timestamp);
  const auto result = verifier.verify(body, headers, signed_at);
  BOOST_TEST_REQUIRE(!result.has_value());
  BOOST_TEST(result.error().kind == VerifyErrorKind::malformed_header);
  BOOST_TEST(result.error().header == "webhook-timestamp");
}

BOOST_AUTO_TEST_CASE(unusable_secrets_are_refused) {
  const auto invalid = [](Scheme scheme, std::vector<std::string> texts, hookline::VerifyOptions options = {}) {
    std::vector<Secret> list;
    for (auto& text : texts) list.emplace_back(std::move(text));
    const auto verifier = Verifier::create(scheme, list, options);
    const auto signer = Signer::create(scheme, list, options);
    return !verifier.has_value() && verifier.error().kind == VerifyErrorKind::invalid_secret && !signer.has_value() &&
           signer.error().kind == VerifyErrorKind::invalid_secret;
  };
  for (const auto scheme : hookline::all_schemes()) {
    BOOST_TEST(invalid(scheme, {}), hookline::to_string(scheme));
    BOOST_TEST(invalid(scheme, {""}), hookline::to_string(scheme));
    BOOST_TEST(invalid(scheme, {secret_text(scheme, 1), ""}), hookline::to_string(scheme));
  }
  BOOST_TEST(invalid(Scheme::standard, {"whsec_"}));
  BOOST_TEST(invalid(Scheme::standard, {"whsec_not base64!"}));
  BOOST_TEST(invalid(Scheme::standard, {"plain-text-secret"}));
  BOOST_TEST(invalid(Scheme::standard, {"whsec_aG9va2xpbmUtMS1rZXl="}));  // non-canonical trailing bits
  hookline::VerifyOptions raw;
  raw.raw_standard_secrets = true;
  BOOST_TEST(!invalid(Scheme::standard, {"plain-text-secret"}, raw));
}

BOOST_AUTO_TEST_CASE(secrets_never_appear_in_error_text) {
  const std::string secret = "vrio-secret-1";
  std::ostringstream printed;
  printed << Secret(secret);
  BOOST_TEST(printed.str() == "Secret(redacted)");

  std::vector<std::string> texts;
  for (const auto scheme : hookline::all_schemes()) {
    const auto verifier = make_verifier(scheme, {1});
    for (const auto& value : {std::string(""), std::string("garbage"), std::string("v1,x"), std::string(64, 'a')}) {
      auto headers = sign(scheme, {1});
      headers.set(signature_header(scheme), value);
      const auto result = verifier.verify(body, headers, signed_at);
      BOOST_TEST_REQUIRE(!result.has_value());
      texts.push_back(result.error().to_string());
    }
    const auto stale = verifier.verify(body, sign(scheme, {1}), signed_at + seconds{3600});
    if (!stale.has_value()) texts.push_back(stale.error().to_string());
  }
  const std::vector<Secret> bad{Secret("whsec_not base64!")};
  texts.push_back(Verifier::create(Scheme::standard, bad).error().to_string());
  for (const auto& text : texts) {
    BOOST_TEST(!text.empty());
    for (const auto scheme : hookline::all_schemes()) {
      BOOST_TEST(text.find(secret_text(scheme, 1)) == std::string::npos, text);
      BOOST_TEST(text.find("secret-1") == std::string::npos, text);
    }
    BOOST_TEST(text.find("not base64") == std::string::npos, text);
  }
}

BOOST_AUTO_TEST_CASE(error_descriptions) {
  const hookline::VerifyError error{VerifyErrorKind::timestamp_too_old, "webhook-timestamp"};
  BOOST_TEST(error.to_string() == "the signed timestamp is too old: webhook-timestamp");
  const hookline::VerifyError headerless{VerifyErrorKind::invalid_secret, ""};
  BOOST_TEST(headerless.to_string() == std::string(hookline::describe(VerifyErrorKind::invalid_secret)));
  for (const auto kind : {VerifyErrorKind::missing_header, VerifyErrorKind::malformed_header,
                          VerifyErrorKind::no_matching_signature, VerifyErrorKind::timestamp_too_old,
                          VerifyErrorKind::timestamp_too_new, VerifyErrorKind::invalid_secret}) {
    BOOST_TEST(!hookline::describe(kind).empty());
    BOOST_TEST(hookline::to_string(kind).find(' ') == std::string_view::npos);
  }
}

BOOST_AUTO_TEST_CASE(one_verifier_serves_many_threads) {
  const auto verifier = make_verifier(Scheme::standard, {1, 2});
  const auto good = sign(Scheme::standard, {2});
  const auto bad = sign(Scheme::standard, {3});
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 500; ++i) {
        if (!verifier.verify(body, good, signed_at).has_value()) ++wrong;
        if (verifier.verify(body, bad, signed_at).has_value()) ++wrong;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  BOOST_TEST(wrong.load() == 0);
}

BOOST_AUTO_TEST_SUITE_END()
