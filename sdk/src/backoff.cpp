#include "hookline/backoff.hpp"

namespace hookline {

std::optional<std::chrono::sys_seconds> next_attempt_at(const RetryPolicy& policy, int failures,
                                                        std::chrono::sys_seconds received_at,
                                                        std::chrono::sys_seconds now, double unit) noexcept {
  if (failures >= policy.max_attempts) {
    return std::nullopt;
  }
  const auto when = now + full_jitter(backoff_ceiling(policy.base_delay, policy.max_delay, failures), unit);
  if (when - received_at > policy.max_age) {
    return std::nullopt;
  }
  return when;
}

}  // namespace hookline
