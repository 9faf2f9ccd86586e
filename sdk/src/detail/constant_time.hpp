#pragma once
// Comparing secret-dependent bytes without leaking where they differ.

#include <string_view>

namespace hookline::detail {

/// True when `a` and `b` are equal. Different lengths answer false at once (lengths are public); equal
/// lengths are compared in time that does not depend on the contents.
[[nodiscard]] bool constant_time_equals(std::string_view a, std::string_view b) noexcept;

}  // namespace hookline::detail
