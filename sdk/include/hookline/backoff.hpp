#pragma once
/// @file
/// When to retry a failed handler: capped exponential backoff with full jitter, and when to give up.

#include <chrono>
#include <optional>

namespace hookline {

/// How failed handlers are retried and when they become dead letters.
struct RetryPolicy {
  /// Attempts in all (the first included) before an entry becomes a dead letter.
  int max_attempts = 10;
  /// The ceiling of the first retry's delay; it doubles with each further failure.
  std::chrono::seconds base_delay{2};
  /// The largest ceiling a delay can have.
  std::chrono::seconds max_delay{std::chrono::minutes(10)};
  /// An entry older than this (since it was received) is not retried again.
  std::chrono::seconds max_age{std::chrono::hours(24)};
};

/// The largest delay after `failures` failed attempts (1 or more): min(max_delay, base_delay * 2^(failures-1)).
[[nodiscard]] std::chrono::seconds backoff_ceiling(const RetryPolicy& policy, int failures) noexcept;

/// Full jitter: a delay spread evenly over [0, ceiling] whole seconds, chosen by `unit` in [0, 1).
[[nodiscard]] std::chrono::seconds full_jitter(std::chrono::seconds ceiling, double unit) noexcept;

/// When to try again after the `failures`-th failed attempt, or nothing when the entry should become
/// a dead letter (max_attempts reached, or the retry would fall beyond received_at + max_age).
[[nodiscard]] std::optional<std::chrono::sys_seconds> next_attempt_at(const RetryPolicy& policy, int failures,
                                                                      std::chrono::sys_seconds received_at,
                                                                      std::chrono::sys_seconds now,
                                                                      double unit) noexcept;

}  // namespace hookline
