#include "verify_keys.hpp"

#include <openssl/crypto.h>

#include <optional>
#include <string>

#include "detail/base64.hpp"

namespace hookline::detail {

namespace {

// The bytes an HMAC is keyed with: Standard Webhooks secrets are base64 text (optionally "whsec_"-prefixed)
// unless configured raw; every other scheme uses the secret's bytes as they are.
std::optional<std::string> hmac_key_bytes(Scheme scheme, const Secret& secret, const VerifyOptions& options) {
  std::string_view text = secret.reveal();
  if (scheme != Scheme::standard || options.raw_standard_secrets) return std::string(text);
  if (text.starts_with(standard_secret_prefix)) text.remove_prefix(standard_secret_prefix.size());
  return decode_base64(text);
}

}  // namespace

Result<SchemeKeys, VerifyError> make_scheme_keys(Scheme scheme, std::span<const Secret> secrets,
                                                 const VerifyOptions& options) {
  if (secrets.empty()) return fail(VerifyError{VerifyErrorKind::invalid_secret, {}});
  SchemeKeys keys;
  for (const auto& secret : secrets) {
    if (secret.empty()) return fail(VerifyError{VerifyErrorKind::invalid_secret, {}});
    if (scheme == Scheme::store_admin) {
      keys.tokens.push_back(secret);
      continue;
    }
    auto bytes = hmac_key_bytes(scheme, secret, options);
    if (!bytes || bytes->empty()) return fail(VerifyError{VerifyErrorKind::invalid_secret, {}});
    keys.hmac_keys.emplace_back(*bytes);
    OPENSSL_cleanse(bytes->data(), bytes->size());
  }
  return keys;
}

}  // namespace hookline::detail
