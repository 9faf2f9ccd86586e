#include "platform_retry.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace fulfillment {

std::chrono::milliseconds retry_delay(const PlatformRetry& retry, int failures, double unit,
                                      std::optional<std::chrono::milliseconds> retry_after) {
  const int doublings = std::clamp(failures - 1, 0, 30);
  const double ceiling = std::min(static_cast<double>(retry.max_delay.count()),
                                  static_cast<double>(retry.base_delay.count()) * std::ldexp(1.0, doublings));
  auto delay = std::chrono::milliseconds(static_cast<std::int64_t>(std::clamp(unit, 0.0, 1.0) * ceiling));
  if (retry_after) delay = std::max(delay, std::min(*retry_after, retry.max_retry_after));
  return delay;
}

}  // namespace fulfillment
