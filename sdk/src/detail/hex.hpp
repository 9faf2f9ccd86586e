#pragma once
// Hexadecimal text for digests.

#include <optional>
#include <string>
#include <string_view>

namespace hookline::detail {

/// Encodes bytes as lowercase hex.
[[nodiscard]] std::string encode_hex(std::string_view bytes);

/// Decodes hex of either case; refuses odd lengths and any other character.
[[nodiscard]] std::optional<std::string> decode_hex(std::string_view text);

}  // namespace hookline::detail
