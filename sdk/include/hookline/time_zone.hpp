#pragma once
/// @file
/// A time zone for the platforms that send local times without an offset (VRIO's dates).

#include <chrono>
#include <string>
#include <string_view>

#include "hookline/result.hpp"

namespace date {
class time_zone;
}  // namespace date

namespace hookline {

/// An IANA time zone (or UTC) used to turn a zone-less local time into a point in time.
class TimeZone {
 public:
  /// UTC.
  TimeZone() = default;

  /// UTC.
  [[nodiscard]] static TimeZone utc() noexcept { return TimeZone{}; }
  /// The IANA zone of this name (e.g. "America/New_York"), or why it cannot be had.
  [[nodiscard]] static Result<TimeZone, std::string> named(std::string_view iana_name);

  /// The zone's IANA name, "UTC" for the default.
  [[nodiscard]] std::string_view name() const noexcept;
  /// The point in time that this local wall-clock time denotes in the zone. An ambiguous time
  /// (clocks set back) takes the earlier instant; a time skipped by a clock change takes the
  /// instant of the change.
  [[nodiscard]] std::chrono::sys_seconds to_sys(std::chrono::local_seconds local) const;

  /// True when both denote the same zone.
  [[nodiscard]] bool operator==(const TimeZone& other) const noexcept { return zone_ == other.zone_; }

 private:
  explicit TimeZone(const date::time_zone* zone) noexcept : zone_(zone) {}

  /// Owned by the date library's time zone database; null means UTC.
  const date::time_zone* zone_ = nullptr;
};

}  // namespace hookline
