#pragma once
// What the verifying and the signing side share: header names, secret decoding, and keyed secrets.

#include <span>
#include <string_view>
#include <vector>

#include "detail/hmac.hpp"
#include "hookline/result.hpp"
#include "hookline/secret.hpp"
#include "hookline/verify.hpp"

namespace hookline::detail {

inline constexpr std::string_view vrio_signature_header = "X-Webhook-Signature";
inline constexpr std::string_view standard_id_header = "webhook-id";
inline constexpr std::string_view standard_timestamp_header = "webhook-timestamp";
inline constexpr std::string_view standard_signature_header = "webhook-signature";
inline constexpr std::string_view ordergroove_signature_header = "Ordergroove-Signature";
inline constexpr std::string_view stripe_signature_header = "Stripe-Signature";
inline constexpr std::string_view github_signature_header = "X-Hub-Signature-256";
inline constexpr std::string_view shopify_signature_header = "X-Shopify-Hmac-Sha256";
inline constexpr std::string_view store_admin_token_header = "X-Store-Webhook-Token";

/// The Standard Webhooks secret prefix.
inline constexpr std::string_view standard_secret_prefix = "whsec_";

/// The secrets of one scheme, ready for use: an HMAC key per secret, or (store_admin) the tokens themselves.
struct SchemeKeys {
  std::vector<HmacKey> hmac_keys;
  std::vector<Secret> tokens;
};

/// Keys every secret once for `scheme`; invalid_secret when there are none or one is unusable.
[[nodiscard]] Result<SchemeKeys, VerifyError> make_scheme_keys(Scheme scheme, std::span<const Secret> secrets,
                                                               const VerifyOptions& options);

}  // namespace hookline::detail
