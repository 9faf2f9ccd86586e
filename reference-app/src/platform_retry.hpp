#pragma once
/// @file
/// How calls to the platform API are retried, for tracking posts and shipment reads alike: the SDK's
/// capped exponential backoff with full jitter (hookline/backoff.hpp) in milliseconds, never sooner
/// than the platform's Retry-After.

#include <chrono>
#include <optional>

namespace fulfillment {

/// The retry policy of one kind of platform call.
struct PlatformRetry {
  std::chrono::milliseconds base_delay{1000};                    ///< Ceiling of the first retry's delay; doubles per failure.
  std::chrono::milliseconds max_delay{std::chrono::minutes(5)};  ///< Largest ceiling.
  std::chrono::milliseconds max_retry_after{std::chrono::hours(1)};  ///< A longer Retry-After is cut to this.
  int max_attempts = 30;  ///< Attempts in all before giving up (what giving up means is the caller's).
};

/// The delay before the next attempt after `failures` failed ones: hookline::full_jitter (`unit` in
/// [0, 1)) over hookline::backoff_ceiling, in whole milliseconds, but at least the platform's
/// Retry-After (cut to max_retry_after).
[[nodiscard]] std::chrono::milliseconds retry_delay(const PlatformRetry& retry, int failures, double unit,
                                                    std::optional<std::chrono::milliseconds> retry_after);

}  // namespace fulfillment
