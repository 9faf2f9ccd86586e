#pragma once
// Private toolkit: the date and time texts hookline writes and reads, in one place.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace hookline::toolkit {

/// "2026-03-22T14:30:00Z": ISO 8601 in UTC, to the second.
[[nodiscard]] std::string format_iso8601_utc(std::chrono::sys_seconds when);

/// "YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)" as a point in time (the fraction is dropped);
/// none when `text` is not of that form or not a real date.
[[nodiscard]] std::optional<std::chrono::sys_seconds> parse_iso8601(std::string_view text) noexcept;

/// "2026-03-22 14:30:00": the zone-less date and time VRIO's payloads carry.
[[nodiscard]] std::string format_date_time(std::chrono::local_seconds when);
/// format_date_time of a UTC time.
[[nodiscard]] std::string format_date_time_utc(std::chrono::sys_seconds when);

/// "YYYY-MM-DD HH:MM:SS" as a local time; none when `text` is not of that form or not a real date.
[[nodiscard]] std::optional<std::chrono::local_seconds> parse_date_time(std::string_view text) noexcept;
/// parse_date_time of a text that gives a UTC time.
[[nodiscard]] std::optional<std::chrono::sys_seconds> parse_date_time_utc(std::string_view text) noexcept;

}  // namespace hookline::toolkit
