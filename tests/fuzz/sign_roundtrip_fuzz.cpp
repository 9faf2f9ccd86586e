// Fuzz harness: Signer → Verifier round trips for every scheme on fuzzed bodies, ids and times.
// Input: a first line (the Standard Webhooks message id when it is a plain token), then the body;
// the signing time comes from the body's first bytes.
// Invariants, for every scheme signed with two secrets (a rotation):
// - the headers verify with both secrets configured (secret_index 0), with the first alone, and —
//   for the schemes that carry one signature per secret (standard, ordergroove, stripe) — with the
//   second alone; the single-signature schemes then refuse with no_matching_signature;
// - header names are case-insensitive: lowercased headers verify the same;
// - a changed body is refused with no_matching_signature (store admin tokens do not cover the body);
// - a timestamp one second past either tolerance is refused as too old / too new.

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "fuzz_support.hpp"
#include "hookline/sign.hpp"
#include "hookline/verify.hpp"

namespace {

using namespace std::chrono_literals;
using hookline::Scheme;
using hookline::VerifyErrorKind;

std::vector<hookline::Secret> secrets_for(Scheme scheme) {
  if (scheme == Scheme::standard) {
    // base64("hookline fuzz secret one") and base64("hookline fuzz secret two")
    return {hookline::Secret{"whsec_aG9va2xpbmUgZnV6eiBzZWNyZXQgb25l"},
            hookline::Secret{"whsec_aG9va2xpbmUgZnV6eiBzZWNyZXQgdHdv"}};
  }
  return {hookline::Secret{"hookline fuzz secret one"}, hookline::Secret{"hookline fuzz secret two"}};
}

/// The signer with both secrets and verifiers with both, the first and the second, for one scheme.
struct Keyed {
  Scheme scheme;
  hookline::Signer signer;
  hookline::Verifier both;
  hookline::Verifier first;
  hookline::Verifier second;
};

hookline::Verifier verifier(Scheme scheme, std::span<const hookline::Secret> secrets) {
  auto created = hookline::Verifier::create(scheme, secrets);
  hookline::fuzz::require(created.has_value(), "the fuzz secrets are refused");
  return std::move(*created);
}

const std::vector<Keyed>& keyed_schemes() {
  static const std::vector<Keyed> keyed = [] {
    std::vector<Keyed> all;
    for (const auto scheme : hookline::all_schemes()) {
      const auto secrets = secrets_for(scheme);
      auto signer = hookline::Signer::create(scheme, secrets);
      hookline::fuzz::require(signer.has_value(), "the fuzz secrets are refused");
      all.push_back(Keyed{scheme, std::move(*signer), verifier(scheme, secrets),
                          verifier(scheme, std::span(secrets).first(1)), verifier(scheme, std::span(secrets).last(1))});
    }
    return all;
  }();
  return keyed;
}

/// A message id as senders make them: 1 to 64 printable ASCII characters without spaces.
std::string message_id(std::string_view line) {
  const bool plain = !line.empty() && line.size() <= 64 &&
                     std::all_of(line.begin(), line.end(), [](char c) { return c > ' ' && c < 0x7f; });
  return plain ? std::string(line) : std::string("msg_fuzz");
}

/// A signing time from the epoch to 10^12 - 1 s: 12 digits at most, the longest timestamp verifiers accept.
std::chrono::sys_seconds signing_time(std::string_view body) {
  std::uint64_t seconds = 0;
  for (std::size_t i = 0; i < std::min<std::size_t>(5, body.size()); ++i) {
    seconds = (seconds << 8) | static_cast<unsigned char>(body[i]);
  }
  constexpr std::uint64_t twelve_digits = 1'000'000'000'000;
  return std::chrono::sys_seconds{std::chrono::seconds{static_cast<std::int64_t>(seconds % twelve_digits)}};
}

hookline::Headers lowercased(const hookline::Headers& headers) {
  hookline::Headers lower;
  for (const auto& field : headers.fields()) {
    std::string name = field.name;
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    lower.add(std::move(name), field.value);
  }
  return lower;
}

bool timestamped(Scheme scheme) {
  return scheme == Scheme::standard || scheme == Scheme::ordergroove || scheme == Scheme::stripe;
}

bool refused_with(const hookline::Result<hookline::Verified, hookline::VerifyError>& result, VerifyErrorKind kind) {
  return !result.has_value() && result.error().kind == kind;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using hookline::fuzz::require;
  const auto [id_line, body] = hookline::fuzz::split_once(hookline::fuzz::as_text(data, size), "\n");
  const auto id = message_id(id_line);
  const auto now = signing_time(body);
  const std::string changed_body = std::string(body) + "x";

  for (const auto& keyed : keyed_schemes()) {
    const auto headers = keyed.signer.sign(body, id, now);

    const auto with_both = keyed.both.verify(body, headers, now);
    require(with_both.has_value() && with_both->secret_index == 0, "signed headers do not verify");
    require(timestamped(keyed.scheme) == with_both->timestamp.has_value(), "timestamp presence differs from the scheme");
    if (with_both->timestamp) require(*with_both->timestamp == now, "the verified timestamp is not the signing time");
    require(keyed.first.verify(body, headers, now).has_value(), "the first secret alone does not verify");
    const auto with_second = keyed.second.verify(body, headers, now);
    if (timestamped(keyed.scheme)) {
      require(with_second.has_value(), "the second secret's signature is missing");
    } else {
      require(refused_with(with_second, VerifyErrorKind::no_matching_signature),
              "a single-signature scheme verified with a secret it was not signed with");
    }
    require(keyed.both.verify(body, lowercased(headers), now).has_value(), "header names are case-sensitive");

    const auto tampered = keyed.both.verify(changed_body, headers, now);
    if (keyed.scheme == Scheme::store_admin) {
      require(tampered.has_value(), "a store token depends on the body");
    } else {
      require(refused_with(tampered, VerifyErrorKind::no_matching_signature), "a changed body verified");
    }

    if (timestamped(keyed.scheme)) {
      require(refused_with(keyed.both.verify(body, headers, now + 301s), VerifyErrorKind::timestamp_too_old),
              "a timestamp past the tolerance was not too old");
      require(refused_with(keyed.both.verify(body, headers, now - 301s), VerifyErrorKind::timestamp_too_new),
              "a timestamp before the tolerance was not too new");
      require(keyed.both.verify(body, headers, now + 300s).has_value() && keyed.both.verify(body, headers, now - 300s).has_value(),
              "the tolerance edges are not inclusive");
    }
  }
  return 0;
}
