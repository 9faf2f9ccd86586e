#pragma once
/// @file
/// Verifying a webhook's signature on its raw bytes, for every scheme hookline knows.
///
/// Schemes (header names are matched case-insensitively):
/// - `vrio`: `X-Webhook-Signature` = HMAC-SHA256(secret, body) as hex (any case), base64, or `sha256=` + either.
/// - `standard` (Standard Webhooks): `webhook-id`, `webhook-timestamp`, `webhook-signature` = space-separated
///   `v1,<base64 HMAC-SHA256 of "id.timestamp.body">` entries (other versions ignored). Secrets are
///   `whsec_<base64>` or bare base64 like the spec's libraries (or raw bytes with VerifyOptions::raw_standard_secrets).
/// - `ordergroove`: `Ordergroove-Signature: ts=<unix>,sig=<hex HMAC-SHA256 of "ts.body">`; two `sig=` during a rotation.
/// - `stripe`: `Stripe-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "t.body">[,v1=…]`; the whole secret, `whsec_`
///   included, is the key, as Stripe does.
/// - `github`: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of body>`.
/// - `shopify`: `X-Shopify-Hmac-Sha256: <base64 HMAC-SHA256 of body>`.
/// - `store_admin`: the generic store admin's authentication token: `X-Store-Webhook-Token: <token>`, equal to the
///   configured secret (compared in constant time). It authenticates the sender, not the body.
///
/// Timestamped schemes (standard, ordergroove, stripe) refuse a timestamp older than `now - past_tolerance`
/// or newer than `now + future_tolerance`; both edges are inclusive (300 s each by default).

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "hookline/headers.hpp"
#include "hookline/result.hpp"
#include "hookline/secret.hpp"

namespace hookline {

/// A signature scheme: how a sender proves a webhook is authentic.
enum class Scheme { vrio, standard, ordergroove, stripe, github, shopify, store_admin };

/// The scheme's name as used in flags and configuration: "vrio", "standard", "ordergroove", "stripe",
/// "github", "shopify", "store_admin".
[[nodiscard]] std::string_view to_string(Scheme scheme) noexcept;
/// The scheme with this name, if it is one (exact, lowercase).
[[nodiscard]] std::optional<Scheme> scheme_from_string(std::string_view name) noexcept;
/// Every scheme, in declaration order.
[[nodiscard]] std::span<const Scheme> all_schemes() noexcept;

/// The kinds of verification failure; one per reason a webhook is refused.
enum class VerifyErrorKind {
  missing_header,         ///< a header the scheme needs is absent or empty
  malformed_header,       ///< a header is present but does not parse (bad timestamp, no signature, not hex/base64 …)
  no_matching_signature,  ///< well-formed, but no signature matches any configured secret
  timestamp_too_old,      ///< the signed timestamp is older than the past tolerance allows
  timestamp_too_new,      ///< the signed timestamp is further in the future than the future tolerance allows
  invalid_secret,         ///< a configured secret is unusable (empty, or not valid base64 for Standard Webhooks)
};

/// The kind's name in snake_case, e.g. "timestamp_too_old".
[[nodiscard]] std::string_view to_string(VerifyErrorKind kind) noexcept;
/// A sentence for humans describing the kind, e.g. "the signed timestamp is too old".
[[nodiscard]] std::string_view describe(VerifyErrorKind kind) noexcept;

/// Why a webhook (or a verifier's configuration) was refused. Never holds secret material.
struct VerifyError {
  /// The kind of failure.
  VerifyErrorKind kind = VerifyErrorKind::no_matching_signature;
  /// The header concerned (e.g. "webhook-timestamp"), or empty when none is.
  std::string header;

  /// A human message, e.g. "malformed header webhook-timestamp: the header does not parse".
  [[nodiscard]] std::string to_string() const;
};

/// What a successful verification learned.
struct Verified {
  /// Index, in the list given to Verifier::create, of the secret that matched (rotation).
  std::size_t secret_index = 0;
  /// The signed timestamp, for schemes that carry one.
  std::optional<std::chrono::sys_seconds> timestamp;
};

/// Tunables of a Verifier.
struct VerifyOptions {
  /// How far in the past a signed timestamp may be (inclusive).
  std::chrono::seconds past_tolerance{300};
  /// How far in the future a signed timestamp may be (inclusive): clocks drift both ways.
  std::chrono::seconds future_tolerance{300};
  /// Standard Webhooks only: use secrets as raw bytes instead of decoding `whsec_`/base64 text.
  bool raw_standard_secrets = false;
};

/// Checks webhooks of one scheme against one or more secrets. Create once (each secret is keyed once),
/// then call verify() from any number of threads at once.
class Verifier {
 public:
  /// A verifier for `scheme` accepting a signature by any of `secrets` (several during a rotation).
  /// Fails with invalid_secret when the list is empty or a secret is unusable.
  [[nodiscard]] static Result<Verifier, VerifyError> create(Scheme scheme, std::span<const Secret> secrets,
                                                            VerifyOptions options = {});

  Verifier(Verifier&& other) noexcept;
  Verifier& operator=(Verifier&& other) noexcept;
  ~Verifier();

  /// Verifies `body` (the raw bytes as received) with its `headers` at time `now`; schemes without a
  /// timestamp ignore `now`. Thread-safe.
  [[nodiscard]] Result<Verified, VerifyError> verify(std::string_view body, const Headers& headers,
                                                     std::chrono::sys_seconds now) const;

  /// The scheme this verifier checks.
  [[nodiscard]] Scheme scheme() const noexcept;

 private:
  struct Impl;
  explicit Verifier(std::unique_ptr<const Impl> impl) noexcept;
  std::unique_ptr<const Impl> impl_;
};

}  // namespace hookline
