#include "hookline/sign.hpp"

#include <string>
#include <utility>

#include "detail/base64.hpp"
#include "detail/hex.hpp"
#include "verify_keys.hpp"

namespace hookline {

namespace {

std::string_view digest_view(const detail::HmacDigest& digest) noexcept {
  return {reinterpret_cast<const char*>(digest.data()), digest.size()};
}

}  // namespace

struct Signer::Impl {
  Scheme scheme;
  detail::SchemeKeys keys;

  // "<prefix><hex digest>" for every key, joined by ",": the signature part of Ordergroove and Stripe headers.
  [[nodiscard]] std::string hex_signatures(std::string_view prefix, std::initializer_list<std::string_view> parts) const {
    std::string text;
    for (const auto& key : keys.hmac_keys) {
      if (!text.empty()) text += ',';
      text += prefix;
      text += detail::encode_hex(digest_view(key.digest(parts)));
    }
    return text;
  }
};

Result<Signer, VerifyError> Signer::create(Scheme scheme, std::span<const Secret> secrets, VerifyOptions options) {
  auto keys = detail::make_scheme_keys(scheme, secrets, options);
  if (!keys) return fail(keys.error());
  return Signer{std::make_unique<const Impl>(Impl{scheme, std::move(*keys)})};
}

Signer::Signer(std::unique_ptr<const Impl> impl) noexcept : impl_(std::move(impl)) {}
Signer::Signer(Signer&& other) noexcept = default;
Signer& Signer::operator=(Signer&& other) noexcept = default;
Signer::~Signer() = default;

Scheme Signer::scheme() const noexcept { return impl_->scheme; }

Headers Signer::sign(std::string_view body, std::string_view event_id, std::chrono::sys_seconds now) const {
  const auto& keys = impl_->keys;
  const auto seconds = std::to_string(now.time_since_epoch().count());
  Headers headers;
  switch (impl_->scheme) {
    case Scheme::vrio:
      headers.set(detail::vrio_signature_header, detail::encode_hex(digest_view(keys.hmac_keys.front().digest({body}))));
      break;
    case Scheme::standard: {
      std::string signatures;
      for (const auto& key : keys.hmac_keys) {
        if (!signatures.empty()) signatures += ' ';
        signatures += "v1,";
        signatures += detail::encode_base64(digest_view(key.digest({event_id, ".", seconds, ".", body})));
      }
      headers.set(detail::standard_id_header, std::string(event_id));
      headers.set(detail::standard_timestamp_header, seconds);
      headers.set(detail::standard_signature_header, std::move(signatures));
      break;
    }
    case Scheme::ordergroove:
      headers.set(detail::ordergroove_signature_header,
                  "ts=" + seconds + "," + impl_->hex_signatures("sig=", {seconds, ".", body}));
      break;
    case Scheme::stripe:
      headers.set(detail::stripe_signature_header,
                  "t=" + seconds + "," + impl_->hex_signatures("v1=", {seconds, ".", body}));
      break;
    case Scheme::github:
      headers.set(detail::github_signature_header,
                  "sha256=" + detail::encode_hex(digest_view(keys.hmac_keys.front().digest({body}))));
      break;
    case Scheme::shopify:
      headers.set(detail::shopify_signature_header,
                  detail::encode_base64(digest_view(keys.hmac_keys.front().digest({body}))));
      break;
    case Scheme::store_admin:
      headers.set(detail::store_admin_token_header, std::string(keys.tokens.front().reveal()));
      break;
  }
  return headers;
}

}  // namespace hookline
