#include "platform_retry.hpp"

#include <algorithm>

#include "hookline/backoff.hpp"

namespace fulfillment {

std::chrono::milliseconds retry_delay(const PlatformRetry& retry, int failures, double unit,
                                      std::optional<std::chrono::milliseconds> retry_after) {
  const auto delay = hookline::full_jitter(hookline::backoff_ceiling(retry.base_delay, retry.max_delay, failures), unit);
  if (!retry_after) return delay;
  return std::max(delay, std::min(*retry_after, retry.max_retry_after));
}

}  // namespace fulfillment
