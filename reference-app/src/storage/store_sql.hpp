#pragma once
// What both backends' SQL shares: times as the columns keep them, the dashboard's predicates, and
// how its search text becomes query parameters.

#include <charconv>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "storage/fulfillment_store.hpp"

namespace fulfillment {

/// A time as the columns keep it: seconds since the epoch.
[[nodiscard]] inline std::int64_t seconds_of(std::chrono::sys_seconds when) { return when.time_since_epoch().count(); }
/// The time of a seconds column.
[[nodiscard]] inline std::chrono::sys_seconds time_of(std::int64_t seconds) {
  return std::chrono::sys_seconds{std::chrono::seconds{seconds}};
}
/// A time as the _ms columns keep it: milliseconds since the epoch.
[[nodiscard]] inline std::int64_t millis_of(Millis when) { return when.time_since_epoch().count(); }
/// The time of a _ms column.
[[nodiscard]] inline Millis millis_time_of(std::int64_t millis) { return Millis{std::chrono::milliseconds{millis}}; }

/// A conflict line `h` that no later dismissal of its shipment answers.
inline constexpr const char* conflict_is_open =
    "NOT EXISTS (SELECT 1 FROM history d WHERE d.shipment_id = h.shipment_id AND d.decision = 'dismissed' "
    "AND d.id > h.id)";

/// A held event `e` of a shipment never scheduled here, held at or before `held_before` (the
/// parameter's placeholder in the backend's dialect), not dismissed since.
[[nodiscard]] inline std::string held_too_long(std::string_view held_before) {
  return "e.decision = 'hold' AND e.shipment_id IS NOT NULL AND e.handled_at <= " + std::string(held_before) +
         " AND NOT EXISTS (SELECT 1 FROM fulfillments f WHERE f.shipment_id = e.shipment_id) "
         "AND NOT EXISTS (SELECT 1 FROM history d WHERE d.shipment_id = e.shipment_id AND d.decision = 'dismissed' "
         "AND d.at >= e.handled_at)";
}

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
