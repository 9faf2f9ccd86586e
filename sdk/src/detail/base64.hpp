#pragma once
// Standard base64 (RFC 4648 section 4, alphabet with + and /).

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace hookline::detail {

/// Encodes bytes as padded standard base64.
[[nodiscard]] std::string encode_base64(std::string_view bytes);

/// Decodes unpadded standard base64 into `out`, which the text fills exactly (text.size() * 6 / 8
/// bytes); false on a length that does not fit, a character outside the alphabet, or unused bits
/// that are not zero. Allocates nothing.
[[nodiscard]] bool decode_base64_into(std::string_view unpadded, std::span<unsigned char> out) noexcept;

/// Decodes standard base64, padded or not. Refuses characters outside the alphabet (whitespace included),
/// misplaced or excess padding, an impossible length, and non-canonical text (unused bits not zero), so
/// that exactly one text decodes to given bytes.
[[nodiscard]] std::optional<std::string> decode_base64(std::string_view text);

}  // namespace hookline::detail
