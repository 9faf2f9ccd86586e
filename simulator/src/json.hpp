#pragma once
// Private: reading the little JSON the simulator takes in (posted events, tracking bodies) through
// simdjson's DOM. What it writes goes through the toolkit's JsonWriter.

#include <simdjson.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hookline::simulator::json {

/// A member as text: a string as is, an integer in decimal; nullopt when absent, null or of another type.
[[nodiscard]] std::optional<std::string> text_of(simdjson::dom::object object, std::string_view name);
/// A member as an integer: a JSON integer or a string of digits; nullopt otherwise.
[[nodiscard]] std::optional<std::int64_t> integer_of(simdjson::dom::object object, std::string_view name);

}  // namespace hookline::simulator::json
