#include "hookline/backoff.hpp"

#include <algorithm>
#include <cmath>

namespace hookline {

std::chrono::seconds backoff_ceiling(const RetryPolicy& policy, int failures) noexcept {
  const auto cap = std::max(policy.max_delay, std::chrono::seconds{0});
  auto ceiling = std::max(policy.base_delay, std::chrono::seconds{0});
  for (int doubling = 1; doubling < failures && ceiling < cap; ++doubling) {
    ceiling *= 2;
  }
  return std::min(ceiling, cap);
}

std::chrono::seconds full_jitter(std::chrono::seconds ceiling, double unit) noexcept {
  if (ceiling <= std::chrono::seconds{0} || !(unit > 0.0)) {
    return std::chrono::seconds{0};
  }
  const auto spread = static_cast<double>(ceiling.count()) + 1.0;
  const auto delay = static_cast<std::chrono::seconds::rep>(std::floor(std::min(unit, 1.0) * spread));
  return std::chrono::seconds{std::min(delay, ceiling.count())};
}

std::optional<std::chrono::sys_seconds> next_attempt_at(const RetryPolicy& policy, int failures,
                                                        std::chrono::sys_seconds received_at,
                                                        std::chrono::sys_seconds now, double unit) noexcept {
  if (failures >= policy.max_attempts) {
    return std::nullopt;
  }
  const auto when = now + full_jitter(backoff_ceiling(policy, failures), unit);
  if (when - received_at > policy.max_age) {
    return std::nullopt;
  }
  return when;
}

}  // namespace hookline
