#pragma once
/// @file
/// Reconciliation: a periodic pass that reads from the platform what is still waiting for the
/// warehouse or in it, so that a cancel, skip, address or item change whose webhook was lost is
/// caught days before the ship date, not only at release; and that looks up shipments whose events
/// have been held too long (a lost shipment_scheduled): a fulfillment made from the platform's record
/// when the platform still wants it shipped, "needs attention" otherwise.
///
/// Each pass starts at most `interval` after the one before (the first at start). It looks up held
/// shipments first (longest held first), then reads fulfillments waiting, picking or packing not read
/// in the last half interval (oldest date_scheduled first), within a budget of platform reads per
/// second: a pass reads at most interval × rate shipments, one after another, and what it could not
/// read comes first in the next pass's order.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <string_view>
#include <thread>

#include "storage/fulfillment_store.hpp"
#include "hookline/dispatcher.hpp"
#include "platform_checks.hpp"

namespace fulfillment {

/// How reconciliation runs.
struct ReconcilerOptions {
  std::chrono::milliseconds interval{std::chrono::minutes(15)};  ///< Between passes (--reconcile-interval-s).
  double reads_per_second = 5;                                   ///< The platform read budget (--reconcile-reads-per-s).
  std::chrono::seconds held_after{std::chrono::hours(1)};        ///< Held this long, looked up (--held-lookup-after-s).
  int nice = 19;  ///< Steps of Linux nice its thread runs below the threads that receive webhooks.
  std::function<void(std::string_view message)> warn;  ///< Told about store failures.
  std::function<void()> changed;  ///< Told after a pass that changed or created a fulfillment (wakes the scheduler).
};

/// What one pass did.
struct PassReport {
  std::size_t held_looked_up = 0;  ///< Held shipments read.
  std::size_t reconciled = 0;      ///< Fulfillments read.
  std::size_t changed = 0;         ///< Of all those, reads that changed or created a fulfillment.
};

/// Runs reconciliation passes on a thread of its own.
class Reconciler {
 public:
  /// Passes over `store` through `checks` (both must outlive it), reading the time from `clock`.
  Reconciler(FulfillmentStore& store, PlatformChecks& checks, hookline::Clock clock, ReconcilerOptions options = {});
  Reconciler(const Reconciler&) = delete;
  Reconciler& operator=(const Reconciler&) = delete;
  /// Stops.
  ~Reconciler();

  /// Runs one pass now, pacing its reads by the budget; stops early when stop() is called.
  [[nodiscard]] hookline::Result<PassReport, StoreError> run_pass();

  /// Starts the thread; its first pass starts at once.
  void start();
  /// Stops after the read in progress; idempotent.
  void stop();

 private:
  void run();
  /// Waits `pause`; false when stopping.
  bool pause(std::chrono::steady_clock::duration pause);

  FulfillmentStore& store_;
  PlatformChecks& checks_;
  hookline::Clock clock_;
  ReconcilerOptions options_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace fulfillment
