#include "reconciler.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "hookline/threads.hpp"

namespace fulfillment {
namespace {

/// Outcomes of a read that changed or created a fulfillment.
bool changed_something(CheckOutcome outcome) {
  switch (outcome) {
    case CheckOutcome::matches:
    case CheckOutcome::stale:
    case CheckOutcome::unavailable: return false;
    default: return true;
  }
}

}  // namespace

Reconciler::Reconciler(FulfillmentStore& store, PlatformChecks& checks, hookline::Clock clock, ReconcilerOptions options)
    : store_(store), checks_(checks), clock_(std::move(clock)), options_(std::move(options)) {
  options_.reads_per_second = std::max(options_.reads_per_second, 0.001);
}

Reconciler::~Reconciler() { stop(); }

bool Reconciler::pause(std::chrono::steady_clock::duration pause) {
  std::unique_lock lock(mutex_);
  return !wake_.wait_for(lock, pause, [this] { return stopping_; });
}

hookline::Result<PassReport, StoreError> Reconciler::run_pass() {
  const auto now = clock_();
  const Millis at = std::chrono::time_point_cast<std::chrono::milliseconds>(now);
  const auto budget = static_cast<std::size_t>(std::max(
      1.0, std::floor(std::chrono::duration<double>(options_.interval).count() * options_.reads_per_second)));
  const auto gap = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(1.0 / options_.reads_per_second));
  auto held = store_.held_due(now - options_.held_after, at, budget);
  if (!held) return hookline::fail(held.error());
  auto open = store_.reconcile_due(at, at - options_.interval / 2, budget - held->size());
  if (!open) return hookline::fail(open.error());

  PassReport report;
  auto next_read = std::chrono::steady_clock::now();
  const auto read_all = [&](const std::vector<std::int64_t>& ids, CheckPurpose purpose,
                            std::size_t& count) -> hookline::Status<StoreError> {
    for (const auto id : ids) {
      if (!pause(next_read - std::chrono::steady_clock::now())) return {};
      next_read = std::chrono::steady_clock::now() + gap;
      const Millis read_at = std::chrono::time_point_cast<std::chrono::milliseconds>(clock_());
      auto outcome = checks_.check(purpose, id, read_at);
      if (!outcome) return hookline::fail(outcome.error());
      if (!*outcome) continue;  // held back by a Retry-After: read at a later pass
      ++count;
      if (changed_something(**outcome)) ++report.changed;
    }
    return {};
  };
  if (auto done = read_all(*held, CheckPurpose::held, report.held_looked_up); !done) return hookline::fail(done.error());
  if (auto done = read_all(*open, CheckPurpose::reconcile, report.reconciled); !done) return hookline::fail(done.error());
  if (report.changed > 0 && options_.changed) options_.changed();
  return report;
}

void Reconciler::start() {
  const std::lock_guard lock(mutex_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] {
    hookline::name_this_thread("hl-reconcile");
    hookline::lower_this_thread_priority(options_.nice);
    run();
  });
}

void Reconciler::stop() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Reconciler::run() {
  for (;;) {
    const auto started = std::chrono::steady_clock::now();
    if (auto pass = run_pass(); !pass && options_.warn) {
      options_.warn("reconciliation pass failed: " + pass.error().message);
    }
    if (!pause(started + options_.interval - std::chrono::steady_clock::now())) return;
  }
}

}  // namespace fulfillment
