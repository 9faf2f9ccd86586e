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
#include "fulfillment_store.hpp"
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
};

/// The counters; every method is thread-safe.
class Metrics {
 public:
  /// Upper bounds (seconds) of the handler latency histogram buckets.
  static constexpr std::array<double, 10> latency_buckets{0.0005, 0.001, 0.0025, 0.005, 0.01,
                                                          0.025,  0.05,  0.1,    0.25,  1.0};

  /// Counts a webhook request by outcome (received, duplicates, rejected by reason).
  void record_receive(hookline::ReceiveOutcome outcome);
  /// Counts a handled event and its latency.
  void record_handled(std::string_view type, std::string_view decision, std::chrono::duration<double> took);
  /// Counts a tracking attempt by outcome.
  void record_tracking_attempt(const PostResult& result);

  /// The metrics as Prometheus text.
  [[nodiscard]] std::string render(const MetricsSnapshot& snapshot) const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::uint64_t, std::less<>> received_;   // by outcome
  std::map<std::string, std::uint64_t, std::less<>> handled_;    // by "type\ndecision"
  std::array<std::uint64_t, latency_buckets.size()> latency_counts_{};
  std::uint64_t latency_count_ = 0;
  double latency_sum_ = 0;
  std::map<std::string, std::uint64_t, std::less<>> attempts_;   // by outcome
};

}  // namespace fulfillment
