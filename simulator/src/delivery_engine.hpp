#pragma once
// Private: the delivery engine: queues events, delivers the due ones in batches (signed, concurrent
// across entities, in queue order within one), retries in ordergroove mode, sends the Test action's
// samples, and logs every attempt in the store.

#include <chrono>
#include <mutex>
#include <string>
#include <string_view>

#include "hookline/clock.hpp"
#include "hookline/result.hpp"
#include "hookline/sender.hpp"
#include "payload.hpp"
#include "simulator/simulator.hpp"
#include "store.hpp"

namespace hookline::simulator {

/// Delivers queued events the way the platform of Config::mode does. Thread-safe.
class DeliveryEngine {
 public:
  /// An engine over `store`, which, like `config` and `clock`, must outlive it; throws
  /// std::invalid_argument for a signing secret the scheme cannot use.
  DeliveryEngine(const Config& config, const Clock& clock, Store& store);

  /// Simulator::enqueue().
  [[nodiscard]] Result<QueuedEvent, ApiError> enqueue(std::string_view body);
  /// Simulator::run_batch().
  BatchReport run_batch();
  /// Simulator::send_test().
  [[nodiscard]] Result<DeliveryRecord, ApiError> send_test(std::string_view destination);

 private:
  /// The URL events of `type` go to (vrio: per type; the others: the target); empty when none.
  [[nodiscard]] std::string destination_for(std::string_view type) const;
  /// Where a newly queued event stands: pending, or never sent (inactive, filtered, no_destination).
  [[nodiscard]] EventStatus initial_status(const Classified& event) const;
  /// The wait after the `attempts`-th failed attempt (ordergroove).
  [[nodiscard]] std::chrono::seconds retry_delay(int attempts) const;
  /// Attempts `event` once at `now`, updates it and logs the attempt.
  DeliveryRecord deliver(QueuedEvent& event, std::chrono::sys_seconds now, bool test);

  const Config& config_;
  const Clock& clock_;
  Store& store_;
  Sender sender_;
  std::mutex enqueue_mutex_;  // id assignment and insertion are one step
  std::mutex batch_mutex_;    // one batch at a time
};

}  // namespace hookline::simulator
