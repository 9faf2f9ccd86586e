#include "platform_checks.hpp"

#include <algorithm>
#include <atomic>
#include <random>
#include <thread>

#include "hookline/threads.hpp"

namespace fulfillment {
namespace {

std::chrono::sys_seconds seconds_of(Millis when) { return std::chrono::floor<std::chrono::seconds>(when); }

/// True when `f` is what a check for `purpose` reads at `now`.
bool still_applies(CheckPurpose purpose, const std::optional<Fulfillment>& f, const hookline::vrio::ShipmentView& view,
                   std::chrono::sys_seconds now) {
  switch (purpose) {
    case CheckPurpose::release:
      return f && f->state == State::waiting && (!f->date_scheduled || *f->date_scheduled <= now);
    case CheckPurpose::reconcile:
      return f && (f->state == State::waiting || f->state == State::picking || f->state == State::packing);
    case CheckPurpose::held: return !f && !view.exists && !view.held.empty();
  }
  return false;
}

}  // namespace

PlatformChecks::PlatformChecks(FulfillmentStore& store, ShipmentReader& reader, hookline::Clock clock,
                               CheckOptions options)
    : store_(store), reader_(reader), clock_(std::move(clock)), options_(std::move(options)) {
  options_.concurrency = std::max<std::size_t>(options_.concurrency, 1);
  if (!options_.random) {
    options_.random = [engine = std::mt19937_64{std::random_device{}()},
                       spread = std::uniform_real_distribution<double>(0.0, 1.0)]() mutable { return spread(engine); };
  }
}

double PlatformChecks::jitter() {
  const std::lock_guard lock(mutex_);
  return options_.random();
}

std::optional<PlatformChecks::Done> PlatformChecks::read(std::int64_t shipment_id, Millis now) {
  {
    const std::lock_guard lock(mutex_);
    if (now < not_before_) return std::nullopt;
  }
  const auto started = std::chrono::steady_clock::now();
  Done done{CheckAttempt{shipment_id, reader_.read(shipment_id), now}, {}};
  done.took = std::chrono::steady_clock::now() - started;
  if (done.attempt.read.outcome == ReadOutcome::unavailable && done.attempt.read.retry_after) {
    // From when the answer came, not from `now` (the pass's start, which may be long before this read
    // began): the clock gives whole seconds, so the answer came before the next one.
    const auto wait = std::min(*done.attempt.read.retry_after, options_.policy.retry.max_retry_after);
    const Millis answered = std::chrono::time_point_cast<std::chrono::milliseconds>(clock_() + std::chrono::seconds(1));
    const auto until = answered + wait;
    const std::lock_guard lock(mutex_);
    not_before_ = std::max(not_before_, until);
  }
  return done;
}

std::optional<CheckDecision> PlatformChecks::store_decision(StoreTx& tx, CheckPurpose purpose, const Done& done,
                                                            Millis now) {
  const std::int64_t id = done.attempt.shipment_id;
  const ShipmentRows rows = tx.load_shipment(id);
  const auto& view = rows.view;
  const auto& current = rows.fulfillment;
  if (!still_applies(purpose, current, view, seconds_of(now))) return std::nullopt;
  const CheckState prior = tx.check_state(id);
  CheckDecision decision = decide(purpose, current, view, prior, done.attempt, options_.policy, now, jitter());
  if (decision.view) tx.save_view(*decision.view);
  if (decision.fulfillment_changed) tx.save(*decision.fulfillment);
  for (const auto& line : decision.history) tx.add_history(line);
  // A release read that answered, of a shipment with no failures to forget, leaves nothing worth a
  // write (its read time would only spare reconciliation a read): one write less per release.
  if (purpose != CheckPurpose::release || decision.state.failures != prior.failures ||
      decision.state.retry_at != prior.retry_at) {
    tx.save_check_state(id, decision.state);
  }
  return decision;
}

void PlatformChecks::report(CheckPurpose purpose, const Done& done, CheckOutcome outcome) const {
  if (!options_.observer) return;
  options_.observer(CheckReport{done.attempt.shipment_id, purpose, outcome, done.took, done.attempt.read.http_status,
                                done.attempt.read.detail});
}

hookline::Result<ReleasePass, StoreError> PlatformChecks::release(const std::vector<std::int64_t>& due,
                                                                  std::chrono::sys_seconds now) {
  const Millis at = std::chrono::time_point_cast<std::chrono::milliseconds>(now);
  std::vector<std::optional<Done>> reads(due.size());
  std::atomic<std::size_t> next{0};
  std::atomic<bool> stop{false};
  const auto work = [&] {
    hookline::name_this_thread("hl-check");
    for (std::size_t i = next++; i < due.size() && !stop; i = next++) {
      reads[i] = read(due[i], at);
      // A platform that fails a read is not sent the rest of this pass: they wait for the next one.
      if (!reads[i] || reads[i]->attempt.read.outcome == ReadOutcome::unavailable) stop = true;
    }
  };
  {
    std::vector<std::jthread> readers;
    for (std::size_t i = 0; i < std::min(options_.concurrency, due.size()); ++i) readers.emplace_back(work);
  }
  ReleasePass pass;
  pass.read_all = std::all_of(reads.begin(), reads.end(), [](const auto& read) {
    return read && read->attempt.read.outcome != ReadOutcome::unavailable;
  });
  std::vector<std::pair<std::size_t, CheckOutcome>> stored;
  const auto store = [&](std::size_t i, const std::optional<CheckDecision>& decision) {
    if (!decision) return;
    stored.emplace_back(i, decision->outcome);
    if (decision->released) pass.released.push_back(due[i]);
  };
  // One transaction for the pass, but none of it waits for a shipment another transaction is
  // changing (a batch of handled events holds several, in its own order): those are stored after it,
  // each in a transaction of its own, which may wait since it holds nothing else.
  std::vector<std::size_t> busy;
  const auto written = store_.write([&](StoreTx& tx) {
    pass.released.clear();  // a failed attempt releases nothing
    stored.clear();
    busy.clear();
    for (std::size_t i = 0; i < due.size(); ++i) {
      if (!reads[i]) continue;
      if (!tx.lock_if_idle(due[i])) {
        busy.push_back(i);
        continue;
      }
      store(i, store_decision(tx, CheckPurpose::release, *reads[i], at));
    }
  });
  if (!written) return hookline::fail(written.error());
  for (const auto i : busy) {
    std::optional<CheckDecision> decision;
    const auto alone = store_.write([&](StoreTx& tx) { decision = store_decision(tx, CheckPurpose::release, *reads[i], at); });
    if (!alone) return hookline::fail(alone.error());
    store(i, decision);
  }
  for (const auto& [i, outcome] : stored) report(CheckPurpose::release, *reads[i], outcome);
  return pass;
}

hookline::Result<std::optional<CheckOutcome>, StoreError> PlatformChecks::check(CheckPurpose purpose,
                                                                               std::int64_t shipment_id, Millis now) {
  const auto done = read(shipment_id, now);
  if (!done) return std::optional<CheckOutcome>{};
  std::optional<CheckOutcome> outcome;
  const auto written = store_.write([&](StoreTx& tx) {
    const auto decision = store_decision(tx, purpose, *done, now);
    outcome = decision ? std::optional<CheckOutcome>(decision->outcome) : std::nullopt;
  });
  if (!written) return hookline::fail(written.error());
  if (outcome) report(purpose, *done, *outcome);
  return outcome;
}

}  // namespace fulfillment
