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

/// Replaces the value at `pointer` in `json` with `replacement`. Where the value is a string,
/// `replacement` is text, quoted here (unless it is a JSON string literal already); elsewhere it must
/// be one JSON value. The error says which path is missing or which value is not JSON.
[[nodiscard]] Result<std::string, std::string> replace_value(std::string_view json, std::string_view pointer,
                                                             std::string_view replacement);

}  // namespace hookline::cli
