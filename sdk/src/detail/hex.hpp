#pragma once
// Hexadecimal text for digests.

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace hookline::detail {

/// Encodes bytes as lowercase hex.
[[nodiscard]] std::string encode_hex(std::string_view bytes);

/// Decodes hex of either case into `out`, which the text fills exactly (2 digits a byte); false on a
/// length that does not fit and on any other character. Allocates nothing.
[[nodiscard]] bool decode_hex_into(std::string_view text, std::span<unsigned char> out) noexcept;

/// Decodes hex of either case; refuses odd lengths and any other character.
[[nodiscard]] std::optional<std::string> decode_hex(std::string_view text);

}  // namespace hookline::detail
