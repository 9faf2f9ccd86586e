#pragma once
// How the dashboard's search text becomes query parameters, alike on every backend.

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace fulfillment {

/// `text` as a whole number (an id or a numeric tracking number), if it is one.
[[nodiscard]] inline std::optional<std::int64_t> whole_number(std::string_view text) {
  std::int64_t value = 0;
  const auto [end, failure] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (failure != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

/// `text` with LIKE's wildcards escaped (by a backslash), so that it matches literally.
[[nodiscard]] inline std::string like_escaped(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c == '%' || c == '_' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

/// The text a JSON string writer gives `text` inside its quotes, for matching stored JSON.
[[nodiscard]] inline std::string json_escaped(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace fulfillment
