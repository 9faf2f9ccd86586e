#include "hookline/event.hpp"

#include <array>
#include <utility>

#include "toolkit/name_table.hpp"

namespace hookline {

namespace {
constexpr auto platform_names = toolkit::name_table<Platform>({
    {Platform::vrio, "vrio"},
    {Platform::ordergroove, "ordergroove"},
    {Platform::vero, "vero"},
    {Platform::store_admin, "store_admin"},
});
}  // namespace

std::string_view to_string(Platform platform) noexcept { return toolkit::name_of(platform_names, platform, "unknown"); }

std::optional<Platform> platform_from_string(std::string_view name) noexcept {
  return toolkit::value_of(platform_names, name, std::optional<Platform>{});
}

std::string ParseError::to_string() const { return path.empty() ? message : path + ": " + message; }

}  // namespace hookline
