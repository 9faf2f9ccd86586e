#pragma once
// Name/value lists (header fields, query parameters) as one byte string, for durable stores.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hookline/headers.hpp"

namespace hookline::detail {

/// Name/value pairs as they are stored.
using FieldPairs = std::vector<std::pair<std::string, std::string>>;

/// The header fields as one byte string: each name and value as its length in decimal, ':', and its bytes.
[[nodiscard]] std::string encode_headers(const Headers& headers);
/// The query parameters in the same encoding as encode_headers().
[[nodiscard]] std::string encode_query(const FieldPairs& query);
/// The pairs that encode_headers() or encode_query() wrote; throws std::runtime_error on bytes they did not write.
[[nodiscard]] FieldPairs decode_pairs(std::string_view encoded);
/// The header fields that encode_headers() wrote; throws std::runtime_error on bytes it did not write.
[[nodiscard]] Headers decode_headers(std::string_view encoded);

}  // namespace hookline::detail
