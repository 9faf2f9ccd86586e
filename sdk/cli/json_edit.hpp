#pragma once
// Replacing one value of a JSON text in place, every other byte kept: what `hookline trigger` does
// to a sample for fresh ids and dates and for --set.

#include <string>
#include <string_view>

#include "hookline/result.hpp"

namespace hookline::cli {

/// The RFC 6901 pointer of a dotted path: "webhook_data.shipment.shipment_items.0.quantity" becomes
/// "/webhook_data/shipment/shipment_items/0/quantity" ('~' and '/' escaped).
[[nodiscard]] std::string pointer_of(std::string_view dotted);

/// Replaces the value at `pointer` in `json` with the JSON text `replacement`. When `as_text` is
/// true and the value there is a string, `replacement` is taken as text and quoted; when the value
/// there is not a string, `replacement` must be one JSON value. The error says which path is missing
/// or which value is not JSON.
[[nodiscard]] Result<std::string, std::string> replace_value(std::string_view json, std::string_view pointer,
                                                             std::string_view replacement, bool as_text);

/// `text` as a JSON string literal, quotes included.
[[nodiscard]] std::string json_quote(std::string_view text);

}  // namespace hookline::cli
