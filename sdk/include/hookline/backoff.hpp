#pragma once
/// @file
/// When to retry a failed handler: capped exponential backoff with full jitter, and when to give up.
/// The formula works in whatever whole unit its delays are given in (the dispatcher's seconds, or the
/// milliseconds of a client's retries), so that every retry schedule is this one.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <concepts>
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

/// The largest delay after `failures` failed attempts (1 or more): min(max_delay, base_delay * 2^(failures-1)),
/// in the unit of the delays given; a negative delay counts as zero.
template <std::integral Rep, class Period>
[[nodiscard]] constexpr std::chrono::duration<Rep, Period> backoff_ceiling(std::chrono::duration<Rep, Period> base_delay,
                                                                           std::chrono::duration<Rep, Period> max_delay,
                                                                           int failures) noexcept {
  using Delay = std::chrono::duration<Rep, Period>;
  const auto cap = std::max(max_delay, Delay::zero());
  auto ceiling = std::max(base_delay, Delay::zero());
  for (int doubling = 1; doubling < failures && Delay::zero() < ceiling && ceiling < cap; ++doubling) {
    ceiling *= 2;
  }
  return std::min(ceiling, cap);
}

/// Full jitter: a delay spread evenly over [0, ceiling] in whole units of the ceiling (whole seconds for
/// seconds), chosen by `unit` in [0, 1); a unit of 1 or more gives the ceiling, one below 0 (or NaN) zero.
template <std::integral Rep, class Period>
[[nodiscard]] std::chrono::duration<Rep, Period> full_jitter(std::chrono::duration<Rep, Period> ceiling,
                                                             double unit) noexcept {
  using Delay = std::chrono::duration<Rep, Period>;
  if (ceiling <= Delay::zero() || !(unit > 0.0)) {
    return Delay::zero();
  }
  const auto spread = static_cast<double>(ceiling.count()) + 1.0;
  const auto delay = static_cast<Rep>(std::floor(std::min(unit, 1.0) * spread));
  return Delay{std::min(delay, ceiling.count())};
}

/// When to try again after the `failures`-th failed attempt, or nothing when the entry should become
/// a dead letter (max_attempts reached, or the retry would fall beyond received_at + max_age).
[[nodiscard]] std::optional<std::chrono::sys_seconds> next_attempt_at(const RetryPolicy& policy, int failures,
                                                                      std::chrono::sys_seconds received_at,
                                                                      std::chrono::sys_seconds now,
                                                                      double unit) noexcept;

}  // namespace hookline
