#include "hookline/time_zone.hpp"

#include <date/tz.h>

#include <exception>
#include <string>

namespace hookline {

Result<TimeZone, std::string> TimeZone::named(std::string_view iana_name) {
  if (iana_name == "UTC") return TimeZone{};
  try {
    return TimeZone{date::locate_zone(std::string(iana_name))};
  } catch (const std::exception&) {
    return fail("unknown time zone \"" + std::string(iana_name) + "\"");
  }
}

std::string_view TimeZone::name() const noexcept { return zone_ == nullptr ? std::string_view("UTC") : zone_->name(); }

std::chrono::sys_seconds TimeZone::to_sys(std::chrono::local_seconds local) const {
  if (zone_ == nullptr) return std::chrono::sys_seconds{local.time_since_epoch()};
  return zone_->to_sys(date::local_seconds{local.time_since_epoch()}, date::choose::earliest);
}

}  // namespace hookline
