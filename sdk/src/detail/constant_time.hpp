#pragma once
// Comparing secret-dependent bytes without leaking where they differ.

#include <string_view>

#include "detail/hmac.hpp"

namespace hookline::detail {

/// True when `a` and `b` are equal. Different lengths answer false at once (lengths are public); equal
/// lengths are compared in time that does not depend on the contents.
[[nodiscard]] bool constant_time_equals(std::string_view a, std::string_view b) noexcept;

/// True when two HMAC digests are equal, compared in time that does not depend on their contents.
[[nodiscard]] bool constant_time_equals(const HmacDigest& a, const HmacDigest& b) noexcept;

}  // namespace hookline::detail
