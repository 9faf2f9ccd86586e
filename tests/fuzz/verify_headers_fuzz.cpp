// Fuzz harness: Verifier::verify for every scheme with fuzzed headers and body.
// Input: header lines "Name: value" separated by "\n", then an empty line, then the body (an input
// without an empty line is all body, so payload samples seed it as well as signed requests do).
// Invariants: verify never crashes; a refusal is never invalid_secret (the secrets are fine) and
// always explains itself; an accepted timestamp is within the tolerance; and when the fuzzed headers
// are sent next to a genuine signature of the same body (none of them shadowing a signed header),
// the webhook is accepted: junk in other headers never breaks a valid delivery.

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz_support.hpp"
#include "hookline/sign.hpp"
#include "hookline/verify.hpp"

namespace {

using namespace std::chrono_literals;

constexpr std::chrono::sys_seconds now{std::chrono::seconds{1700000000}};

/// One verifier and one signer per scheme, keyed with two secrets (a rotation).
struct Keyed {
  hookline::Verifier verifier;
  hookline::Signer signer;
};

std::vector<hookline::Secret> secrets_for(hookline::Scheme scheme) {
  if (scheme == hookline::Scheme::standard) {
    // base64("hookline fuzz secret one") and base64("hookline fuzz secret two")
    return {hookline::Secret{"whsec_aG9va2xpbmUgZnV6eiBzZWNyZXQgb25l"},
            hookline::Secret{"whsec_aG9va2xpbmUgZnV6eiBzZWNyZXQgdHdv"}};
  }
  return {hookline::Secret{"hookline fuzz secret one"}, hookline::Secret{"hookline fuzz secret two"}};
}

const std::vector<Keyed>& keyed_schemes() {
  static const std::vector<Keyed> keyed = [] {
    std::vector<Keyed> all;
    for (const auto scheme : hookline::all_schemes()) {
      const auto secrets = secrets_for(scheme);
      auto verifier = hookline::Verifier::create(scheme, secrets);
      auto signer = hookline::Signer::create(scheme, secrets);
      hookline::fuzz::require(verifier.has_value() && signer.has_value(), "the fuzz secrets are refused");
      all.push_back(Keyed{std::move(*verifier), std::move(*signer)});
    }
    return all;
  }();
  return keyed;
}

bool shadows_any(const hookline::Headers& fuzzed, const hookline::Headers& signed_headers) {
  for (const auto& field : signed_headers.fields()) {
    if (fuzzed.get(field.name)) return true;
  }
  return false;
}

bool timestamped(hookline::Scheme scheme) {
  return scheme == hookline::Scheme::standard || scheme == hookline::Scheme::ordergroove ||
         scheme == hookline::Scheme::stripe;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using hookline::fuzz::require;
  const auto [header_text, body] = hookline::fuzz::split_head_and_body(hookline::fuzz::as_text(data, size));
  const auto fuzzed = hookline::fuzz::parse_header_lines(header_text);

  for (const auto& [verifier, signer] : keyed_schemes()) {
    const auto result = verifier.verify(body, fuzzed, now);
    if (result) {
      require(result->secret_index < 2, "accepted by a secret that is not configured");
      if (timestamped(verifier.scheme())) {
        require(result->timestamp && *result->timestamp >= now - 300s && *result->timestamp <= now + 300s,
                "accepted a timestamp outside the tolerance");
      }
    } else {
      require(result.error().kind != hookline::VerifyErrorKind::invalid_secret, "valid secrets reported invalid");
      require(!result.error().to_string().empty(), "a refusal without a message");
    }

    const auto genuine = signer.sign(body, "msg_fuzz", now);
    hookline::Headers mixed = fuzzed;
    for (const auto& field : genuine.fields()) mixed.add(field.name, field.value);
    const auto mixed_result = verifier.verify(body, mixed, now);
    if (!shadows_any(fuzzed, genuine)) {
      require(mixed_result.has_value(), "unrelated headers broke a genuine signature");
      require(mixed_result->secret_index == 0, "a genuine signature matched the wrong secret");
    }
  }
  return 0;
}
