#pragma once
/// @file
/// Authenticating a sender that does not sign its webhooks (Vero): a shared secret token in the URL
/// query or a header, and an allow-list of source networks. Pure: the HTTP receiver passes in the
/// peer address from the socket (never from a client-supplied header), the query token and the
/// headers, and gets a verdict with a reason.
///
/// A token authenticates the sender only as far as the URL and headers stay secret: serve the
/// endpoint over HTTPS only, and keep the URL out of logs. The address allow-list adds a check
/// that a leaked token alone does not pass.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hookline/headers.hpp"
#include "hookline/result.hpp"
#include "hookline/secret.hpp"

namespace hookline {

/// An IPv4 or IPv6 address (IPv4-mapped IPv6 addresses such as ::ffff:192.0.2.1 count as IPv4).
class IpAddress {
 public:
  /// Parses dotted-quad IPv4 or RFC 4291 IPv6 text (with "::", an embedded IPv4 tail, and an
  /// optional "%zone" which is ignored); absent when the text is neither.
  [[nodiscard]] static std::optional<IpAddress> parse(std::string_view text);

  /// True for an IPv4 address.
  [[nodiscard]] bool is_v4() const noexcept { return v4_; }
  /// The 16 bytes of the address; an IPv4 address is stored as its IPv4-mapped IPv6 form.
  [[nodiscard]] const std::array<std::uint8_t, 16>& bytes() const noexcept { return bytes_; }
  bool operator==(const IpAddress&) const = default;

 private:
  std::array<std::uint8_t, 16> bytes_{};
  bool v4_ = false;
};

/// A network in CIDR notation, e.g. "192.0.2.0/24" or "2001:db8::/32"; a bare address is a /32 or /128.
class IpNetwork {
 public:
  /// Parses CIDR text; the error says what is wrong. Host bits set below the prefix are refused
  /// ("192.0.2.1/24"), as they usually mean a typing mistake.
  [[nodiscard]] static Result<IpNetwork, std::string> parse(std::string_view cidr);

  /// True when `address` is in this network (IPv4 networks contain IPv4 and IPv4-mapped addresses only).
  [[nodiscard]] bool contains(const IpAddress& address) const noexcept;
  bool operator==(const IpNetwork&) const = default;

 private:
  IpAddress base_;
  unsigned prefix_ = 0;  // in bits of the 16-byte form
};

/// Why a request was refused.
enum class SourceGuardErrorKind {
  token_missing,        ///< A token is required and neither the query nor the header carries one.
  token_mismatch,       ///< A token was sent but matches none of the configured tokens.
  address_invalid,      ///< The peer address is not an IP address.
  address_not_allowed,  ///< The peer address is in none of the allowed networks.
};

/// The kind's name, e.g. "token_mismatch".
[[nodiscard]] std::string_view to_string(SourceGuardErrorKind kind) noexcept;

/// A refusal: its kind and a sentence for the log (never containing a token).
struct SourceGuardError {
  SourceGuardErrorKind kind = SourceGuardErrorKind::token_missing;  ///< What failed.
  std::string reason;                                              ///< e.g. "peer 203.0.113.9 is not in an allowed network".
};

/// What a SourceGuard checks.
struct SourceGuardConfig {
  /// Accepted tokens (several during a rotation); none means no token is required.
  std::vector<Secret> tokens;
  /// The URL query parameter that may carry the token.
  std::string query_parameter = "token";
  /// The header that may carry the token.
  std::string header = "X-Webhook-Token";
  /// Accepted source networks; none means any address.
  std::vector<IpNetwork> allowed_networks;
};

/// Checks a request's source and token; immutable and safe to share between threads.
class SourceGuard {
 public:
  /// A guard that checks what `config` asks for.
  explicit SourceGuard(SourceGuardConfig config) : config_(std::move(config)) {}

  /// Checks the request: the peer address first (when networks are configured), then the token
  /// (when tokens are configured), taken from the query when `url_query_token` is given, otherwise
  /// from the header. Tokens are compared in constant time against every configured token.
  [[nodiscard]] Status<SourceGuardError> check(std::string_view peer_address,
                                               std::optional<std::string_view> url_query_token,
                                               const Headers& headers) const;

  /// The query parameter this guard reads the token from.
  [[nodiscard]] const std::string& query_parameter() const noexcept { return config_.query_parameter; }

 private:
  SourceGuardConfig config_;
};

/// The percent-decoded value of the first parameter `name` in a raw query string ("a=1&token=x%2By"),
/// with '+' read as a space; absent when the parameter is not there or its encoding is broken.
[[nodiscard]] std::optional<std::string> query_parameter(std::string_view query, std::string_view name);

}  // namespace hookline
