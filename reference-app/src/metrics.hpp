#pragma once
/// @file
/// Prometheus metrics of the fulfillment server: counters kept here, gauges read from the stores at
/// scrape time, rendered as Prometheus text (version 0.0.4).

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "fulfillment.hpp"
#include "storage/fulfillment_store.hpp"
#include "hookline/dispatcher.hpp"
#include "hookline/inbox.hpp"
#include "hookline/receiver.hpp"
#include "tracking_client.hpp"

namespace fulfillment {

/// What the gauges show at scrape time.
struct MetricsSnapshot {
  std::map<State, std::size_t> fulfillments;  ///< Fulfillments by state.
  OutboxCounts outbox;                        ///< Tracking outbox totals.
  hookline::InboxCounts inbox;                ///< Inbox entries by state.
  hookline::DispatchCounters dispatch;        ///< What the dispatcher did, store failures included.
  std::size_t releases_held = 0;              ///< Waiting fulfillments whose release waits for a platform read.
  std::size_t quarantine_depth = 0;           ///< Authentic deliveries that did not parse, kept until replayed or deleted.
  hookline::RefusedCounts refused;            ///< Deliveries refused for authentication, kept for a retry.
};

/// A latency histogram with Prometheus's cumulative buckets.
class LatencyHistogram {
 public:
  /// Upper bounds (seconds) of the buckets.
  static constexpr std::array<double, 12> buckets{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                  0.05,   0.1,   0.25,   1.0,   2.5,  10.0};
  /// Counts one observation.
  void observe(std::chrono::duration<double> took);
  /// Appends the histogram `name` (its _bucket, _sum and _count samples) with `help`.
  void render(std::string& out, std::string_view name, std::string_view help) const;
  /// Observations at or under each bound of `buckets` (cumulative).
  [[nodiscard]] const std::array<std::uint64_t, buckets.size()>& cumulative_counts() const noexcept { return counts_; }
  /// Observations in all.
  [[nodiscard]] std::uint64_t count() const noexcept { return count_; }
  /// Their sum, in seconds.
  [[nodiscard]] double sum() const noexcept { return sum_; }

 private:
  std::array<std::uint64_t, buckets.size()> counts_{};
  std::uint64_t count_ = 0;
  double sum_ = 0;
};

/// What the counters say now, for the dashboard's overview (since the process started).
struct LiveFigures {
  std::map<std::string, std::uint64_t, std::less<>> received;  ///< Webhook requests by receiver outcome.
  std::uint64_t handled = 0;                                   ///< Events handled.
  LatencyHistogram handler_latency;                            ///< Their handling times.
  /// When each platform's last authentic delivery arrived (a platform gone quiet shows here first).
  std::map<std::string, std::chrono::sys_seconds, std::less<>> last_delivery;
};

/// The counters; every method is thread-safe.
class Metrics {
 public:

  /// Counts a webhook request by outcome (received, duplicates, rejected by reason).
  void record_receive(hookline::ReceiveOutcome outcome);
  /// Notes that an authentic delivery of `platform` arrived at `at`.
  void record_delivery(std::string_view platform, std::chrono::sys_seconds at);
  /// Counts a handled event and its latency.
  void record_handled(std::string_view type, std::string_view decision, std::chrono::duration<double> took);
  /// Counts a tracking attempt by outcome.
  void record_tracking_attempt(const PostResult& result);
  /// Counts a platform check by purpose and outcome, and the latency of its read.
  void record_check(std::string_view purpose, std::string_view outcome, std::chrono::duration<double> took);

  /// The counters now.
  [[nodiscard]] LiveFigures live() const;
  /// The metrics as Prometheus text.
  [[nodiscard]] std::string render(const MetricsSnapshot& snapshot) const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::uint64_t, std::less<>> received_;   // by outcome
  std::map<std::string, std::uint64_t, std::less<>> handled_;    // by "type\ndecision"
  LatencyHistogram handler_latency_;
  std::map<std::string, std::chrono::sys_seconds, std::less<>> last_delivery_;  // by platform
  std::map<std::string, std::uint64_t, std::less<>> attempts_;   // by outcome
  std::map<std::string, std::uint64_t, std::less<>> checks_;     // by "purpose\noutcome"
  LatencyHistogram check_latency_;
};

}  // namespace fulfillment
