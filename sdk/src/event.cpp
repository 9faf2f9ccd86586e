#include "hookline/event.hpp"

#include <array>
#include <utility>

namespace hookline {

namespace {
constexpr std::array<std::pair<Platform, std::string_view>, 4> platform_names{{
    {Platform::vrio, "vrio"},
    {Platform::ordergroove, "ordergroove"},
    {Platform::vero, "vero"},
    {Platform::store, "store"},
}};
}  // namespace

std::string_view to_string(Platform platform) noexcept {
  for (const auto& [value, name] : platform_names) {
    if (value == platform) return name;
  }
  return "unknown";
}

std::optional<Platform> platform_from_string(std::string_view name) noexcept {
  for (const auto& [value, known] : platform_names) {
    if (known == name) return value;
  }
  return std::nullopt;
}

std::string ParseError::to_string() const { return path.empty() ? message : path + ": " + message; }

}  // namespace hookline
