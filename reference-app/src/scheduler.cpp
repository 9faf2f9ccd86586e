#include "scheduler.hpp"

#include <algorithm>

#include "hookline/threads.hpp"

namespace fulfillment {

using hookline::fail;
using hookline::Result;
using hookline::Status;

Scheduler::Scheduler(FulfillmentStore& store, Warehouse& warehouse, hookline::Clock clock, SchedulerOptions options)
    : store_(store), warehouse_(warehouse), clock_(std::move(clock)), options_(std::move(options)) {
  options_.workers = std::max<std::size_t>(options_.workers, 1);
}

Scheduler::~Scheduler() { stop(); }

void Scheduler::warn(std::string_view message) const {
  if (options_.warn) options_.warn(message);
}

namespace {
/// Most fulfillments released in one pass; a full pass is followed by another soon after.
constexpr std::size_t release_batch = 256;
/// Shortest time from the start of one release pass to the next. Every handled event wakes the
/// releaser: under a stream of events, passes run a few times a second instead of once per event.
constexpr std::chrono::milliseconds min_pass_gap{50};
}  // namespace

Result<std::vector<std::int64_t>, StoreError> Scheduler::release_due(std::chrono::sys_seconds now) {
  auto due = store_.due(now, release_batch);
  if (!due) return fail(due.error());
  more_due_ = due->size() >= release_batch;
  if (options_.checks != nullptr) {
    auto pass = options_.checks->release(*due, now);
    if (!pass) return fail(pass.error());
    more_due_ = more_due_ && pass->read_all;  // after a failed read, the next pass waits
    return std::move(pass->released);
  }
  // One transaction (and one sync) for the whole pass: a write per fulfillment made this thread wait
  // for a sync of the log each time, which capped releases at about 800/s in a 100k-event burst.
  std::vector<std::int64_t> released;
  const auto written = store_.write([&](StoreTx& tx) {
    released.clear();  // a failed attempt releases nothing
    for (const auto id : *due) {
      if (!tx.lock_if_idle(id)) continue;  // being changed (by a batch of events, say): the next pass
      auto f = tx.find(id);
      if (!f || f->state != State::waiting) continue;
      if (f->date_scheduled && *f->date_scheduled > now) continue;
      tx.transition(*f, State::picking, now, "released to the warehouse: date_scheduled reached");
      released.push_back(id);
    }
  });
  if (!written) return fail(written.error());
  return released;
}

Status<StoreError> Scheduler::fulfill(std::int64_t shipment_id) {
  auto claimed = store_.claim_work(shipment_id, std::chrono::time_point_cast<std::chrono::milliseconds>(clock_()),
                                   options_.lease);
  if (!claimed) return fail(claimed.error());
  if (!*claimed) return {};  // picked up by another worker, or moved on
  auto done = fulfill_claimed(std::move(**claimed));
  // Every step that moves the fulfillment out of picking and packing ends the claim with it. One that
  // failed gives it back, so that the next pass takes the work up at once; a failed give-back leaves
  // the claim to its lease.
  if (!done) (void)store_.release_work(shipment_id);
  return done;
}

Status<StoreError> Scheduler::fulfill_claimed(Fulfillment current) {
  const std::int64_t shipment_id = current.shipment_id;
  // Each step reads the fulfillment afresh under a lock (an address update before the label is
  // printed counts) and moves it on only if it is still where the step left it (a cancel meanwhile
  // stops it).
  const auto advance = [&](State from, State to, std::string_view reason) -> Result<std::optional<Fulfillment>, StoreError> {
    std::optional<Fulfillment> moved;
    const auto written = store_.write([&](StoreTx& tx) {
      moved.reset();  // a failed attempt moves nothing
      auto f = tx.find(shipment_id);
      if (!f || f->state != from) return;
      tx.transition(*f, to, clock_(), reason);
      moved = std::move(*f);
    });
    if (!written) return fail(written.error());
    return moved;
  };
  const auto needs_attention = [&](State from, const WarehouseError& error) -> Status<StoreError> {
    return store_.write([&](StoreTx& tx) {
      auto f = tx.find(shipment_id);
      if (!f || f->state != from) return;
      f->attention = "warehouse: " + error.message;
      tx.transition(*f, State::error, clock_(), f->attention + "; needs attention, retry from the admin API");
    });
  };

  if (current.state == State::picking) {
    if (auto picked = warehouse_.pick(current); !picked) {
      return needs_attention(State::picking, picked.error());
    }
    auto moved = advance(State::picking, State::packing, "picked; packing");
    if (!moved) return fail(moved.error());
    if (!*moved) return {};
    current = std::move(**moved);
  }
  if (current.state != State::packing) return {};
  if (auto packed = warehouse_.pack(current); !packed) {
    return needs_attention(State::packing, packed.error());
  }
  auto latest = store_.get(shipment_id);  // the label uses the address as it is now
  if (!latest) return fail(latest.error());
  if (!*latest || (*latest)->state != State::packing) return {};
  auto tracking = warehouse_.ship(**latest, clock_());
  if (!tracking) return needs_attention(State::packing, tracking.error());
  bool shipped = false;
  const auto written = store_.write([&](StoreTx& tx) {
    shipped = false;
    auto f = tx.find(shipment_id);
    if (!f || f->state != State::packing) return;
    f->tracking = *tracking;
    tx.transition(*f, State::shipped, clock_(),
                  "shipped by carrier " + std::to_string(tracking->carrier_id) + ", tracking " +
                      tracking->tracking_number + "; tracking queued for the platform");
    tx.enqueue_tracking(*f, std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now()));
    shipped = true;
  });
  if (!written) return fail(written.error());
  if (shipped && options_.shipped) options_.shipped(shipment_id);
  return {};
}

void Scheduler::enqueue(const std::vector<std::int64_t>& ids) {
  {
    const std::lock_guard lock(mutex_);
    for (const auto id : ids) {
      if (queued_or_active_.insert(id).second) queue_.push_back(id);
    }
  }
  work_ready_.notify_all();
}

void Scheduler::start() {
  {
    const std::lock_guard lock(mutex_);
    if (started_) return;
    started_ = true;
    stopping_ = false;
  }
  threads_.emplace_back([this] {
    hookline::name_this_thread("hl-release");
    hookline::lower_this_thread_priority(options_.nice);
    run_releaser();
  });
  for (std::size_t i = 0; i < options_.workers; ++i) {
    threads_.emplace_back([this] {
      hookline::name_this_thread("hl-warehouse");
      hookline::lower_this_thread_priority(options_.nice);
      run_worker();
    });
  }
}

void Scheduler::stop() {
  {
    const std::lock_guard lock(mutex_);
    if (!started_) return;
    stopping_ = true;
  }
  work_ready_.notify_all();
  release_wake_.notify_all();
  for (auto& thread : threads_) thread.join();
  threads_.clear();
  const std::lock_guard lock(mutex_);
  started_ = false;
  queue_.clear();
  queued_or_active_.clear();
}

void Scheduler::wake() {
  {
    const std::lock_guard lock(mutex_);
    wake_requested_ = true;
  }
  release_wake_.notify_all();
}

void Scheduler::run_releaser() {
  // Listing the unfinished fulfillments reads every one the warehouse holds (tens of thousands in a
  // burst): done at the first pass and then at most once a poll interval, not at every wake.
  auto next_unfinished_scan = std::chrono::steady_clock::now();
  for (;;) {
    const auto pass_started = std::chrono::steady_clock::now();
    {
      const std::lock_guard lock(mutex_);
      if (stopping_) return;
      wake_requested_ = false;
      releasing_ = true;
    }
    const auto now = clock_();
    auto released = release_due(now);
    bool more = false;
    if (released) {
      enqueue(*released);
      more = more_due_;
    } else {
      warn("releasing due fulfillments failed: " + released.error().message);
    }
    // Fulfillments left picking or packing, by a crash or by a step whose write failed (a full disk,
    // say), are taken up again; one queued or being worked on is not queued twice.
    if (std::chrono::steady_clock::now() >= next_unfinished_scan) {
      next_unfinished_scan = std::chrono::steady_clock::now() + options_.poll_interval;
      if (auto unfinished = store_.in_progress(std::chrono::time_point_cast<std::chrono::milliseconds>(now))) {
        enqueue(*unfinished);
      } else {
        warn("cannot list fulfillments in progress: " + unfinished.error().message);
      }
    }
    auto sleep = more ? std::chrono::milliseconds(0) : options_.poll_interval;
    if (auto next = store_.next_due_after(now); next && *next) {
      sleep = std::min<std::chrono::milliseconds>(sleep, **next - now);
    }
    if (options_.checks != nullptr) {  // a held release is read again when its backoff ends
      const Millis at = std::chrono::time_point_cast<std::chrono::milliseconds>(now);
      if (auto retry = store_.next_check_retry(at); retry && *retry) sleep = std::min(sleep, **retry - at);
    }
    std::unique_lock lock(mutex_);
    releasing_ = false;
    idle_changed_.notify_all();
    release_wake_.wait_for(lock, sleep, [this] { return stopping_ || wake_requested_; });
    release_wake_.wait_until(lock, pass_started + min_pass_gap, [this] { return stopping_; });
  }
}

void Scheduler::run_worker() {
  for (;;) {
    std::int64_t id = 0;
    {
      std::unique_lock lock(mutex_);
      work_ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      id = queue_.front();
      queue_.pop_front();
      ++active_;
    }
    if (auto done = fulfill(id); !done) {
      warn("fulfilling shipment " + std::to_string(id) + " failed: " + done.error().message);
    }
    {
      const std::lock_guard lock(mutex_);
      --active_;
      queued_or_active_.erase(id);
    }
    idle_changed_.notify_all();
  }
}

bool Scheduler::wait_until_idle(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    wake();
    {
      std::unique_lock lock(mutex_);
      const bool quiet = idle_changed_.wait_until(lock, std::min(deadline, std::chrono::steady_clock::now() +
                                                                               std::chrono::milliseconds(50)),
                                                  [this] { return queue_.empty() && active_ == 0 && !releasing_; });
      if (!quiet) {
        if (std::chrono::steady_clock::now() >= deadline) return false;
        continue;
      }
    }
    auto due = store_.due(clock_(), 1);
    if (due && due->empty()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace fulfillment
