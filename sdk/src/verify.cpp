#include "hookline/verify.hpp"

#include <array>
#include <charconv>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "detail/base64.hpp"
#include "detail/constant_time.hpp"
#include "detail/hex.hpp"
#include "verify_keys.hpp"
#include "toolkit/name_table.hpp"

namespace hookline {

namespace {

constexpr std::array<Scheme, 7> schemes{Scheme::vrio,   Scheme::standard, Scheme::ordergroove, Scheme::stripe,
                                        Scheme::github, Scheme::shopify,  Scheme::store_admin};

// A timestamp longer than this many digits is refused before conversion (year 5138 has 12).
constexpr std::size_t max_timestamp_digits = 12;

std::string_view trim(std::string_view text) noexcept {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

bool starts_with_ignoring_case(std::string_view text, std::string_view prefix) noexcept {
  return text.size() >= prefix.size() && header_name_equals(text.substr(0, prefix.size()), prefix);
}

VerifyError error(VerifyErrorKind kind, std::string_view header) { return VerifyError{kind, std::string(header)}; }

// Unix seconds written as plain decimal digits.
std::optional<std::int64_t> parse_unix_seconds(std::string_view text) noexcept {
  if (text.empty() || text.size() > max_timestamp_digits) return std::nullopt;
  std::int64_t value = 0;
  const auto [end, code] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (code != std::errc{} || end != text.data() + text.size() || value < 0) return std::nullopt;
  return value;
}

// The required, non-empty value of a header.
Result<std::string_view, VerifyError> required(const Headers& headers, std::string_view name) {
  const auto value = headers.get(name);
  if (!value || trim(*value).empty()) return fail(error(VerifyErrorKind::missing_header, name));
  return trim(*value);
}

// Signature digests are decoded into a fixed array on the stack: a verification allocates nothing.
using DigestDecoder = std::optional<detail::HmacDigest> (*)(std::string_view);

// A digest as hex of either case (exactly 64 digits).
std::optional<detail::HmacDigest> decode_hex_digest(std::string_view text) noexcept {
  detail::HmacDigest digest{};
  if (!detail::decode_hex_into(text, digest)) return std::nullopt;
  return digest;
}

// A digest as standard base64, padded or not, in its one canonical spelling: the 43 characters
// that carry 256 bits (the last one's two unused bits zero), then at most one "=". This is
// exactly what detail::decode_base64 accepts with a 32-byte result.
std::optional<detail::HmacDigest> decode_base64_digest(std::string_view text) noexcept {
  constexpr std::size_t digits = (8 * detail::hmac_sha256_size + 5) / 6;  // 43
  if (text.size() == digits + 1 && text.back() == '=') text.remove_suffix(1);
  if (text.size() != digits) return std::nullopt;
  detail::HmacDigest digest{};
  if (!detail::decode_base64_into(text, digest)) return std::nullopt;
  return digest;
}

// A digest written as hex of either case or as base64, optionally after "sha256=" (VRIO).
std::optional<detail::HmacDigest> decode_hex_or_base64_digest(std::string_view text) noexcept {
  if (starts_with_ignoring_case(text, "sha256=")) text.remove_prefix(7);
  return text.size() == 2 * detail::hmac_sha256_size ? decode_hex_digest(text) : decode_base64_digest(text);
}

// The decimal text of a timestamp, as signed (the header's own spelling may carry leading zeros).
class TimestampText {
 public:
  explicit TimestampText(std::chrono::sys_seconds timestamp) noexcept {
    const auto result = std::to_chars(text_.data(), text_.data() + text_.size(), timestamp.time_since_epoch().count());
    size_ = static_cast<std::size_t>(result.ptr - text_.data());
  }
  [[nodiscard]] std::string_view view() const noexcept { return {text_.data(), size_}; }

 private:
  std::array<char, 24> text_{};
  std::size_t size_ = 0;
};

// "k=v,k=v" pairs of the Ordergroove and Stripe headers; nullopt when an element has no "=".
using Pairs = std::vector<std::pair<std::string_view, std::string_view>>;
std::optional<Pairs> parse_pairs(std::string_view text) {
  Pairs pairs;
  while (!text.empty()) {
    const auto comma = text.find(',');
    const auto element = trim(text.substr(0, comma));
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    if (element.empty()) continue;
    const auto equals = element.find('=');
    if (equals == std::string_view::npos) return std::nullopt;
    pairs.emplace_back(trim(element.substr(0, equals)), trim(element.substr(equals + 1)));
  }
  return pairs;
}

constexpr auto scheme_names = toolkit::name_table<Scheme>({
    {Scheme::vrio, "vrio"},
    {Scheme::standard, "standard"},
    {Scheme::ordergroove, "ordergroove"},
    {Scheme::stripe, "stripe"},
    {Scheme::github, "github"},
    {Scheme::shopify, "shopify"},
    {Scheme::store_admin, "store_admin"},
});
}  // namespace

std::string_view to_string(Scheme scheme) noexcept { return toolkit::name_of(scheme_names, scheme, "unknown"); }

std::optional<Scheme> scheme_from_string(std::string_view name) noexcept {
  return toolkit::value_of(scheme_names, name, std::optional<Scheme>{});
}

std::span<const Scheme> all_schemes() noexcept { return schemes; }

namespace {
constexpr auto verify_error_kind_names = toolkit::name_table<VerifyErrorKind>({
    {VerifyErrorKind::missing_header, "missing_header"},
    {VerifyErrorKind::malformed_header, "malformed_header"},
    {VerifyErrorKind::no_matching_signature, "no_matching_signature"},
    {VerifyErrorKind::timestamp_too_old, "timestamp_too_old"},
    {VerifyErrorKind::timestamp_too_new, "timestamp_too_new"},
    {VerifyErrorKind::invalid_secret, "invalid_secret"},
});
}  // namespace

std::string_view to_string(VerifyErrorKind kind) noexcept {
  return toolkit::name_of(verify_error_kind_names, kind, "unknown");
}

std::string_view describe(VerifyErrorKind kind) noexcept {
  switch (kind) {
    case VerifyErrorKind::missing_header: return "a required header is missing";
    case VerifyErrorKind::malformed_header: return "a header is malformed";
    case VerifyErrorKind::no_matching_signature: return "no signature matches any configured secret";
    case VerifyErrorKind::timestamp_too_old: return "the signed timestamp is too old";
    case VerifyErrorKind::timestamp_too_new: return "the signed timestamp is too far in the future";
    case VerifyErrorKind::invalid_secret: return "a configured secret is empty or not in the scheme's format";
  }
  return "unknown verification error";
}

std::string VerifyError::to_string() const {
  std::string text(describe(kind));
  if (!header.empty()) {
    text += ": ";
    text += header;
  }
  return text;
}

struct Verifier::Impl {
  Scheme scheme;
  VerifyOptions options;
  detail::SchemeKeys keys;

  // Too old / too new against `now`, both edges inclusive.
  [[nodiscard]] Result<std::chrono::sys_seconds, VerifyError> check_timestamp(std::string_view text,
                                                                              std::string_view header,
                                                                              std::chrono::sys_seconds now) const {
    const auto seconds = parse_unix_seconds(text);
    if (!seconds) return fail(error(VerifyErrorKind::malformed_header, header));
    const std::chrono::sys_seconds timestamp{std::chrono::seconds{*seconds}};
    if (timestamp < now - options.past_tolerance) return fail(error(VerifyErrorKind::timestamp_too_old, header));
    if (timestamp > now + options.future_tolerance) return fail(error(VerifyErrorKind::timestamp_too_new, header));
    return timestamp;
  }

  // The first secret whose HMAC of `parts` is one of the header's signatures: `is_signed(digest)`
  // answers whether a signature decodes to `digest` (compared in constant time).
  template <class IsSigned>
  [[nodiscard]] Result<Verified, VerifyError> match(std::initializer_list<std::string_view> parts,
                                                    const IsSigned& is_signed,
                                                    std::optional<std::chrono::sys_seconds> timestamp,
                                                    std::string_view header) const {
    for (std::size_t i = 0; i < keys.hmac_keys.size(); ++i) {
      if (is_signed(keys.hmac_keys[i].digest(parts))) return Verified{i, timestamp};
    }
    return fail(error(VerifyErrorKind::no_matching_signature, header));
  }

  // One digest over the body alone, in the header's encoding (vrio, github, shopify).
  [[nodiscard]] Result<Verified, VerifyError> verify_body_digest(
      std::string_view body, const Headers& headers, std::string_view header,
      DigestDecoder decode) const {
    const auto value = required(headers, header);
    if (!value) return fail(value.error());
    const auto candidate = decode(*value);
    if (!candidate) return fail(error(VerifyErrorKind::malformed_header, header));
    const auto is_signed = [&](const detail::HmacDigest& digest) {
      return detail::constant_time_equals(digest, *candidate);
    };
    return match({body}, is_signed, std::nullopt, header);
  }

  [[nodiscard]] Result<Verified, VerifyError> verify_standard(std::string_view body, const Headers& headers,
                                                              std::chrono::sys_seconds now) const {
    const auto id = required(headers, detail::standard_id_header);
    if (!id) return fail(id.error());
    const auto timestamp_text = required(headers, detail::standard_timestamp_header);
    if (!timestamp_text) return fail(timestamp_text.error());
    const auto signatures = required(headers, detail::standard_signature_header);
    if (!signatures) return fail(signatures.error());

    const auto timestamp = check_timestamp(*timestamp_text, detail::standard_timestamp_header, now);
    if (!timestamp) return fail(timestamp.error());

    // Calls on_entry(version, signature) for each "version,signature" entry of the list.
    const auto for_each_entry = [list = *signatures](auto&& on_entry) {
      std::string_view rest = list;
      while (!rest.empty()) {
        const auto space = rest.find(' ');
        const auto entry = rest.substr(0, space);
        rest = space == std::string_view::npos ? std::string_view{} : rest.substr(space + 1);
        const auto comma = entry.find(',');
        if (comma == std::string_view::npos) continue;
        if (on_entry(entry.substr(0, comma), entry.substr(comma + 1))) return true;
      }
      return false;
    };
    if (!for_each_entry([](std::string_view, std::string_view) { return true; })) {
      return fail(error(VerifyErrorKind::malformed_header, detail::standard_signature_header));
    }

    const auto is_signed = [&](const detail::HmacDigest& digest) {
      return for_each_entry([&](std::string_view version, std::string_view signature) {
        if (version != "v1") return false;
        const auto candidate = decode_base64_digest(signature);
        return candidate && detail::constant_time_equals(digest, *candidate);
      });
    };
    const TimestampText seconds(*timestamp);
    return match({*id, ".", seconds.view(), ".", body}, is_signed, *timestamp, detail::standard_signature_header);
  }

  // "ts=…,sig=…" (Ordergroove) and "t=…,v1=…" (Stripe): a timestamp key and repeatable signature keys.
  [[nodiscard]] Result<Verified, VerifyError> verify_timestamped_pairs(std::string_view body, const Headers& headers,
                                                                       std::chrono::sys_seconds now,
                                                                       std::string_view header,
                                                                       std::string_view timestamp_key,
                                                                       std::string_view signature_key,
                                                                       bool signature_required) const {
    const auto value = required(headers, header);
    if (!value) return fail(value.error());
    const auto pairs = parse_pairs(*value);
    if (!pairs) return fail(error(VerifyErrorKind::malformed_header, header));

    std::optional<std::string_view> timestamp_text;
    bool any_signature = false;
    for (const auto& [key, text] : *pairs) {
      if (key == timestamp_key) {
        if (timestamp_text) return fail(error(VerifyErrorKind::malformed_header, header));
        timestamp_text = text;
      } else if (key == signature_key) {
        any_signature = true;
      }
    }
    if (!timestamp_text) return fail(error(VerifyErrorKind::malformed_header, header));
    if (signature_required && !any_signature) return fail(error(VerifyErrorKind::malformed_header, header));

    const auto timestamp = check_timestamp(*timestamp_text, header, now);
    if (!timestamp) return fail(timestamp.error());
    const auto is_signed = [&](const detail::HmacDigest& digest) {
      for (const auto& [key, text] : *pairs) {
        if (key != signature_key) continue;
        const auto candidate = decode_hex_digest(text);
        if (candidate && detail::constant_time_equals(digest, *candidate)) return true;
      }
      return false;
    };
    const TimestampText seconds(*timestamp);
    return match({seconds.view(), ".", body}, is_signed, *timestamp, header);
  }

  [[nodiscard]] Result<Verified, VerifyError> verify_store_admin_token(const Headers& headers) const {
    const auto token = required(headers, detail::store_admin_token_header);
    if (!token) return fail(token.error());
    for (std::size_t i = 0; i < keys.tokens.size(); ++i) {
      if (detail::constant_time_equals(*token, keys.tokens[i].reveal())) return Verified{i, std::nullopt};
    }
    return fail(error(VerifyErrorKind::no_matching_signature, detail::store_admin_token_header));
  }
};

Result<Verifier, VerifyError> Verifier::create(Scheme scheme, std::span<const Secret> secrets, VerifyOptions options) {
  auto keys = detail::make_scheme_keys(scheme, secrets, options);
  if (!keys) return fail(keys.error());
  return Verifier{std::make_unique<const Impl>(Impl{scheme, options, std::move(*keys)})};
}

Verifier::Verifier(std::unique_ptr<const Impl> impl) noexcept : impl_(std::move(impl)) {}
Verifier::Verifier(Verifier&& other) noexcept = default;
Verifier& Verifier::operator=(Verifier&& other) noexcept = default;
Verifier::~Verifier() = default;

Scheme Verifier::scheme() const noexcept { return impl_->scheme; }

Result<Verified, VerifyError> Verifier::verify(std::string_view body, const Headers& headers,
                                               std::chrono::sys_seconds now) const {
  switch (impl_->scheme) {
    case Scheme::vrio:
      return impl_->verify_body_digest(body, headers, detail::vrio_signature_header, decode_hex_or_base64_digest);
    case Scheme::standard:
      return impl_->verify_standard(body, headers, now);
    case Scheme::ordergroove:
      return impl_->verify_timestamped_pairs(body, headers, now, detail::ordergroove_signature_header, "ts", "sig", true);
    case Scheme::stripe:
      return impl_->verify_timestamped_pairs(body, headers, now, detail::stripe_signature_header, "t", "v1", false);
    case Scheme::github:
      return impl_->verify_body_digest(body, headers, detail::github_signature_header, [](std::string_view text) -> std::optional<detail::HmacDigest> {
        if (!starts_with_ignoring_case(text, "sha256=")) return std::nullopt;
        return decode_hex_digest(text.substr(7));
      });
    case Scheme::shopify:
      return impl_->verify_body_digest(body, headers, detail::shopify_signature_header, decode_base64_digest);
    case Scheme::store_admin:
      return impl_->verify_store_admin_token(headers);
  }
  return fail(error(VerifyErrorKind::no_matching_signature, {}));
}

}  // namespace hookline
