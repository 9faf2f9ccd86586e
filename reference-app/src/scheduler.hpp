#pragma once
/// @file
/// The scheduler: releases waiting fulfillments to the warehouse when their date_scheduled arrives
/// (also those that came due while the server was down), after checking each with the platform when
/// it is given PlatformChecks, and drives each through pick, pack and ship on worker threads. A
/// fulfillment left picking or packing (by a crash, or a step whose write failed) is resumed at the
/// releaser's next pass: at start, and then each poll interval.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "storage/fulfillment_store.hpp"
#include "hookline/dispatcher.hpp"
#include "platform_checks.hpp"
#include "warehouse.hpp"

namespace fulfillment {

/// How the scheduler runs.
struct SchedulerOptions {
  std::size_t workers = 2;                                ///< Warehouse worker threads.
  std::chrono::milliseconds poll_interval{1000};         ///< Longest sleep between looks for due work.
  /// How long a worker's claim on a fulfillment's warehouse steps lasts: longer than pick, pack and
  /// ship take. Work an instance that died left passes to the others when it ends.
  std::chrono::milliseconds lease{30000};
  int nice = 19;  ///< Steps of Linux nice its threads run below the threads that receive webhooks.
  std::function<void(std::int64_t shipment_id)> shipped;  ///< Told after a shipment shipped (wakes the outbox).
  std::function<void(std::string_view message)> warn;     ///< Told about failures worth a log line.
  /// Reads each due shipment from the platform before its release (--check-before-ship on); none
  /// releases on what the webhooks said. Must outlive the scheduler.
  PlatformChecks* checks = nullptr;
};

/// Releases due fulfillments and runs the warehouse steps.
class Scheduler {
 public:
  /// A scheduler over `store` and `warehouse` reading the time from `clock`.
  Scheduler(FulfillmentStore& store, Warehouse& warehouse, hookline::Clock clock, SchedulerOptions options = {});
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;
  /// Stops.
  ~Scheduler();

  /// Moves every waiting fulfillment due at `now` to picking (with checks, those the platform still
  /// wants shipped); returns their ids.
  [[nodiscard]] hookline::Result<std::vector<std::int64_t>, StoreError> release_due(std::chrono::sys_seconds now);
  /// Runs the remaining warehouse steps of one released fulfillment on this thread, under a claim on
  /// it (nothing when a worker of this or another instance holds it); stops early when it was
  /// cancelled (or otherwise moved on) meanwhile.
  [[nodiscard]] hookline::Status<StoreError> fulfill(std::int64_t shipment_id);

  /// Starts the release thread and the workers; resumes fulfillments left picking or packing.
  void start();
  /// Stops taking work, lets running steps finish and joins; idempotent.
  void stop();
  /// Looks for due work now (after a new fulfillment, a retry, a clock change).
  void wake();
  /// Waits until nothing is queued or being worked on and nothing is due at the clock's now; false on timeout.
  [[nodiscard]] bool wait_until_idle(std::chrono::milliseconds timeout);

 private:
  /// fulfill() once the claim on `claimed` (as it was read when claimed) is this worker's.
  [[nodiscard]] hookline::Status<StoreError> fulfill_claimed(Fulfillment claimed);
  void run_releaser();
  void run_worker();
  void enqueue(const std::vector<std::int64_t>& ids);
  void warn(std::string_view message) const;

  FulfillmentStore& store_;
  Warehouse& warehouse_;
  hookline::Clock clock_;
  SchedulerOptions options_;

  std::mutex mutex_;
  std::condition_variable work_ready_;
  std::condition_variable release_wake_;
  std::condition_variable idle_changed_;
  std::deque<std::int64_t> queue_;
  std::set<std::int64_t> queued_or_active_;
  std::size_t active_ = 0;
  bool more_due_ = false;  // the last release pass left due fulfillments behind (releaser thread only)
  bool wake_requested_ = false;
  bool releasing_ = false;
  bool stopping_ = false;
  bool started_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace fulfillment
