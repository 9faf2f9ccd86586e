#include "hookline/event.hpp"

#include <array>
#include <utility>

#include "detail/name_table.hpp"

namespace hookline {

namespace {
constexpr std::array<std::pair<Platform, std::string_view>, 4> platform_names{{
    {Platform::vrio, "vrio"},
    {Platform::ordergroove, "ordergroove"},
    {Platform::vero, "vero"},
    {Platform::store_admin, "store_admin"},
}};
}  // namespace

std::string_view to_string(Platform platform) noexcept { return detail::name_of(platform_names, platform, "unknown"); }

std::optional<Platform> platform_from_string(std::string_view name) noexcept {
  return detail::value_of(platform_names, name, std::optional<Platform>{});
}

std::string ParseError::to_string() const { return path.empty() ? message : path + ": " + message; }

}  // namespace hookline
