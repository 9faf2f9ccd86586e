#include "hookline/source_guard.hpp"

#include <charconv>
#include <initializer_list>
#include <vector>

#include "detail/constant_time.hpp"
#include "toolkit/name_table.hpp"

namespace hookline {

namespace {

/// The parts joined into one string, appended in order to an empty string. Messages are built this
/// way rather than as `"literal" + std::string(...)`: that operator+ inserts at the front of the
/// temporary, and GCC 12 at -O3 then reports a false -Werror=restrict inside std::string's memcpy
/// (GCC bug 105651).
std::string join(std::initializer_list<std::string_view> parts) {
  std::size_t size = 0;
  for (const std::string_view part : parts) size += part.size();
  std::string joined;
  joined.reserve(size);
  for (const std::string_view part : parts) joined.append(part);
  return joined;
}

constexpr bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

/// The value of a hex digit, or -1.
constexpr int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/// Dotted-quad IPv4 into out[0..3].
bool parse_v4(std::string_view text, std::uint8_t* out) noexcept {
  for (int part = 0; part < 4; ++part) {
    if (part > 0) {
      if (text.empty() || text.front() != '.') return false;
      text.remove_prefix(1);
    }
    std::size_t digits = 0;
    while (digits < text.size() && is_digit(text[digits])) ++digits;
    if (digits == 0 || digits > 3 || (digits > 1 && text.front() == '0')) return false;
    unsigned value = 0;
    std::from_chars(text.data(), text.data() + digits, value);
    if (value > 255) return false;
    out[part] = static_cast<std::uint8_t>(value);
    text.remove_prefix(digits);
  }
  return text.empty();
}

/// Colon-separated hex groups (and an IPv4 tail when `allow_v4_tail`) into 16-bit words.
bool parse_groups(std::string_view text, bool allow_v4_tail, std::vector<std::uint16_t>& words) {
  if (text.empty()) return true;
  while (true) {
    const std::size_t colon = text.find(':');
    const std::string_view group = text.substr(0, colon);
    if (colon == std::string_view::npos && allow_v4_tail && group.find('.') != std::string_view::npos) {
      std::uint8_t v4[4];
      if (!parse_v4(group, v4)) return false;
      words.push_back(static_cast<std::uint16_t>(v4[0] << 8 | v4[1]));
      words.push_back(static_cast<std::uint16_t>(v4[2] << 8 | v4[3]));
      return true;
    }
    if (group.empty() || group.size() > 4) return false;
    unsigned value = 0;
    for (char c : group) {
      const int digit = hex_value(c);
      if (digit < 0) return false;
      value = value * 16 + static_cast<unsigned>(digit);
    }
    words.push_back(static_cast<std::uint16_t>(value));
    if (colon == std::string_view::npos) return true;
    text.remove_prefix(colon + 1);
  }
}

bool parse_v6(std::string_view text, std::array<std::uint8_t, 16>& out) {
  if (const std::size_t zone = text.find('%'); zone != std::string_view::npos) {
    if (zone + 1 == text.size()) return false;
    text = text.substr(0, zone);
  }
  std::vector<std::uint16_t> head;
  std::vector<std::uint16_t> tail;
  const std::size_t gap = text.find("::");
  if (gap == std::string_view::npos) {
    if (!parse_groups(text, true, head) || head.size() != 8) return false;
  } else {
    if (text.find("::", gap + 1) != std::string_view::npos) return false;
    if (!parse_groups(text.substr(0, gap), false, head) || !parse_groups(text.substr(gap + 2), true, tail)) return false;
    if (head.size() + tail.size() > 7) return false;
  }
  std::array<std::uint16_t, 8> words{};
  for (std::size_t i = 0; i < head.size(); ++i) words[i] = head[i];
  for (std::size_t i = 0; i < tail.size(); ++i) words[8 - tail.size() + i] = tail[i];
  for (std::size_t i = 0; i < 8; ++i) {
    out[2 * i] = static_cast<std::uint8_t>(words[i] >> 8);
    out[2 * i + 1] = static_cast<std::uint8_t>(words[i] & 0xff);
  }
  return true;
}

/// True when the first `bits` bits of a and b agree.
bool same_prefix(const std::array<std::uint8_t, 16>& a, const std::array<std::uint8_t, 16>& b, unsigned bits) noexcept {
  std::size_t byte = 0;
  for (; bits >= 8; bits -= 8, ++byte) {
    if (a[byte] != b[byte]) return false;
  }
  if (bits == 0) return true;
  const auto mask = static_cast<std::uint8_t>(0xff << (8 - bits));
  return (a[byte] & mask) == (b[byte] & mask);
}

/// The token the request carries: the query's when given, else the header's.
std::optional<std::string_view> presented_token(std::optional<std::string_view> url_query_token, const Headers& headers,
                                                std::string_view header) {
  if (url_query_token) return url_query_token;
  return headers.get(header);
}

}  // namespace

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  IpAddress address;
  if (text.find(':') == std::string_view::npos) {
    address.bytes_[10] = 0xff;
    address.bytes_[11] = 0xff;
    if (!parse_v4(text, address.bytes_.data() + 12)) return std::nullopt;
    address.v4_ = true;
    return address;
  }
  if (!parse_v6(text, address.bytes_)) return std::nullopt;
  address.v4_ = true;
  for (std::size_t i = 0; i < 10; ++i) {
    if (address.bytes_[i] != 0) address.v4_ = false;
  }
  if (address.bytes_[10] != 0xff || address.bytes_[11] != 0xff) address.v4_ = false;
  return address;
}

Result<IpNetwork, std::string> IpNetwork::parse(std::string_view cidr) {
  const std::size_t slash = cidr.find('/');
  const auto address = IpAddress::parse(cidr.substr(0, slash));
  if (!address) return fail(join({"\"", cidr, "\" is not an IPv4 or IPv6 address or network"}));
  const unsigned max_prefix = address->is_v4() ? 32 : 128;
  unsigned prefix = max_prefix;
  if (slash != std::string_view::npos) {
    const std::string_view digits = cidr.substr(slash + 1);
    const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
    if (digits.empty() || error != std::errc{} || end != digits.data() + digits.size() || prefix > max_prefix) {
      return fail(join({"\"", cidr, "\" has a prefix length outside 0..", std::to_string(max_prefix)}));
    }
  }
  IpNetwork network;
  network.base_ = *address;
  network.prefix_ = address->is_v4() ? 96 + prefix : prefix;
  std::array<std::uint8_t, 16> masked = address->bytes();
  for (unsigned bit = network.prefix_; bit < 128; ++bit) masked[bit / 8] &= static_cast<std::uint8_t>(~(0x80u >> (bit % 8)));
  if (masked != address->bytes()) return fail(join({"\"", cidr, "\" has host bits set below its prefix"}));
  return network;
}

bool IpNetwork::contains(const IpAddress& address) const noexcept {
  if (base_.is_v4() && !address.is_v4()) return false;
  return same_prefix(base_.bytes(), address.bytes(), prefix_);
}

namespace {
constexpr auto source_guard_error_kind_names = toolkit::name_table<SourceGuardErrorKind>({
    {SourceGuardErrorKind::token_missing, "token_missing"},
    {SourceGuardErrorKind::token_mismatch, "token_mismatch"},
    {SourceGuardErrorKind::address_invalid, "address_invalid"},
    {SourceGuardErrorKind::address_not_allowed, "address_not_allowed"},
});
}  // namespace

std::string_view to_string(SourceGuardErrorKind kind) noexcept {
  return toolkit::name_of(source_guard_error_kind_names, kind, "unknown");
}

Status<SourceGuardError> SourceGuard::check(std::string_view peer_address, std::optional<std::string_view> url_query_token,
                                            const Headers& headers) const {
  if (!config_.allowed_networks.empty()) {
    const auto address = IpAddress::parse(peer_address);
    if (!address) {
      return fail(SourceGuardError{SourceGuardErrorKind::address_invalid,
                                   join({"peer \"", peer_address, "\" is not an IP address"})});
    }
    bool allowed = false;
    for (const IpNetwork& network : config_.allowed_networks) allowed = allowed || network.contains(*address);
    if (!allowed) {
      return fail(SourceGuardError{SourceGuardErrorKind::address_not_allowed,
                                   join({"peer ", peer_address, " is not in an allowed network"})});
    }
  }
  if (!config_.tokens.empty()) {
    const auto token = presented_token(url_query_token, headers, config_.header);
    if (!token) {
      return fail(SourceGuardError{SourceGuardErrorKind::token_missing,
                                   join({"no token in the query parameter \"", config_.query_parameter,
                                         "\" or the header ", config_.header})});
    }
    bool matched = false;
    for (const Secret& expected : config_.tokens) matched = detail::constant_time_equals(*token, expected.reveal()) || matched;
    if (!matched) return fail(SourceGuardError{SourceGuardErrorKind::token_mismatch, "the token matches no configured token"});
  }
  return {};
}

std::optional<std::string> query_parameter(std::string_view query, std::string_view name) {
  if (!query.empty() && query.front() == '?') query.remove_prefix(1);
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    const std::size_t equals = pair.find('=');
    if (pair.substr(0, equals) != name) continue;
    const std::string_view encoded = equals == std::string_view::npos ? std::string_view() : pair.substr(equals + 1);
    std::string decoded;
    for (std::size_t i = 0; i < encoded.size(); ++i) {
      if (encoded[i] == '+') {
        decoded += ' ';
      } else if (encoded[i] == '%') {
        if (i + 2 >= encoded.size()) return std::nullopt;
        const int high = hex_value(encoded[i + 1]);
        const int low = hex_value(encoded[i + 2]);
        if (high < 0 || low < 0) return std::nullopt;
        decoded += static_cast<char>(high * 16 + low);
        i += 2;
      } else {
        decoded += encoded[i];
      }
    }
    return decoded;
  }
  return std::nullopt;
}

}  // namespace hookline
