#include "hookline/dispatcher.hpp"

#include <algorithm>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <thread>
#include <vector>

#include "hookline/threads.hpp"

namespace hookline {

struct Dispatcher::Impl {
  Impl(InboxStore& inbox, Handler fallback_handler, DispatcherOptions dispatcher_options)
      : store(inbox), fallback(std::move(fallback_handler)), options(std::move(dispatcher_options)) {
    if (!fallback) {
      throw std::invalid_argument("hookline::Dispatcher needs a fallback handler for unknown event types");
    }
    if (!options.clock) {
      options.clock = system_now;
    }
    if (!options.random) {
      options.random = [engine = std::mt19937_64{std::random_device{}()},
                        spread = std::uniform_real_distribution<double>(0.0, 1.0)]() mutable {
        return spread(engine);
      };
    }
    options.workers = std::max<std::size_t>(options.workers, 1);
    options.batch = std::max<std::size_t>(options.batch, 1);
  }

  InboxStore& store;
  Handler fallback;
  DispatcherOptions options;
  std::map<std::string, Handler, std::less<>> routes;

  std::mutex mutex;  // guards everything below, and options.random
  std::condition_variable wake;           // workers waiting for new work
  std::condition_variable stop_requested;  // workers pausing (linger, a store error) until stop
  std::condition_variable quiet_changed;
  std::uint64_t generation = 0;  // bumped whenever there may be new work
  bool looking = false;          // a worker is taking due entries (or lingering before it)
  std::size_t busy = 0;          // workers handling a batch
  std::optional<std::uint64_t> found_nothing_at;  // the generation the last look found nothing due at
  bool started = false;
  bool stopping = false;
  DispatchCounters counters;
  std::vector<std::thread> threads;

  /// There may be new work: one idle worker looks, unless one is looking already (it sees the new
  /// generation when its look ends, and looks again or wakes another). One at a time, so that a
  /// claim does not wake every worker to ask the store the same question.
  void notify() {
    bool wake_one = false;
    {
      const std::lock_guard lock(mutex);
      ++generation;
      wake_one = !looking;
    }
    if (wake_one) {
      wake.notify_one();
    }
  }

  /// Nothing due was found since the last new work, and no worker is handling anything.
  [[nodiscard]] bool idle() const { return !looking && busy == 0 && found_nothing_at == generation; }

  void run_worker() {
    bool polled = false;  // woken by the poll interval rather than by new work
    for (;;) {
      std::uint64_t seen = 0;
      {
        std::unique_lock lock(mutex);
        if (stopping) {
          return;
        }
        if (looking) {  // another worker takes what is due: wait for what comes after
          seen = generation;
          polled = !wake.wait_for(lock, options.poll_interval, [&] { return stopping || generation != seen; });
          continue;
        }
        looking = true;
        // Let more work gather before looking, so that one batch (one transaction, one sync)
        // carries it; a poll looks at once.
        if (!polled && options.linger.count() > 0 &&
            stop_requested.wait_for(lock, options.linger, [this] { return stopping; })) {
          looking = false;
          return;
        }
        seen = generation;
      }
      polled = false;
      auto taken = store.take_due(options.batch, options.clock());
      bool more = false;
      {
        const std::lock_guard lock(mutex);
        looking = false;
        // Work that arrived during the look, or a full batch: another worker looks meanwhile.
        more = generation != seen || (taken && taken->size() == options.batch);
        if (taken && taken->empty() && generation == seen) {
          found_nothing_at = seen;
          quiet_changed.notify_all();
        }
        if (taken && !taken->empty()) {
          ++busy;
        }
      }
      if (more) {
        wake.notify_one();
      }
      if (!taken) {
        std::unique_lock lock(mutex);
        ++counters.store_errors;  // look again after a poll interval, not at once
        stop_requested.wait_for(lock, options.poll_interval, [this] { return stopping; });
        polled = true;
        continue;
      }
      if (!taken->empty()) {
        record(run_batch(*taken));
        const std::lock_guard lock(mutex);
        --busy;
        ++generation;  // finishing an entry may have unblocked the next one of its entity: look again
        continue;
      }
      std::unique_lock lock(mutex);
      polled = !wake.wait_for(lock, options.poll_interval, [&] { return stopping || generation != seen; });
    }
  }

  /// Runs the entries' handlers, through options.run_batch when set; their outcomes, in order.
  std::vector<HandlingOutcome> run_batch(const std::vector<InboxEntry>& entries) {
    std::vector<HandlingOutcome> outcomes;
    outcomes.reserve(entries.size());
    bool ran = false;
    const auto run_handlers = [&] {
      ran = true;
      outcomes.clear();
      for (const auto& entry : entries) outcomes.push_back(handle(entry));
    };
    if (!options.run_batch) {
      run_handlers();
      return outcomes;
    }
    HandlerStatus batch;
    try {
      batch = options.run_batch(run_handlers);
    } catch (const std::exception& error) {
      batch = fail(HandlerFailure{std::string("the batch threw: ") + error.what()});
    } catch (...) {
      batch = fail(HandlerFailure{"the batch threw a non-standard exception"});
    }
    if (batch) {
      if (!ran) run_handlers();  // run_batch did not call them
      return outcomes;
    }
    // Nothing the batch did is known to be stored: successes, and entries whose handler did not
    // run, are tried again after a backoff. The store failed, not the handlers: this never makes a
    // dead letter, whatever the attempts so far.
    const std::string message = "the batch's effects were not stored: " + batch.error().message;
    for (std::size_t i = 0; i < entries.size(); ++i) {
      if (i >= outcomes.size()) {
        outcomes.push_back(retry_later(entries[i], message));
      } else if (outcomes[i].kind == HandlingOutcome::Kind::handled) {
        outcomes[i] = retry_later(entries[i], message);
      }
    }
    return outcomes;
  }

  /// A number for retry jitter, in [0, 1) (options.random is not thread-safe).
  double jitter_unit() {
    const std::lock_guard lock(mutex);
    return options.random();
  }

  /// Another attempt after a jittered backoff, however many attempts came before.
  HandlingOutcome retry_later(const InboxEntry& entry, std::string message) {
    const auto ceiling = backoff_ceiling(options.retry.base_delay, options.retry.max_delay, entry.attempts + 1);
    const auto delay = full_jitter(ceiling, jitter_unit());
    return HandlingOutcome{entry.id, HandlingOutcome::Kind::retry, std::move(message), options.clock() + delay};
  }

  /// Runs the entry's handler; how the attempt ended.
  HandlingOutcome handle(const InboxEntry& entry) {
    const auto route = routes.find(entry.meta.type);
    const Handler& handler = route != routes.end() ? route->second : fallback;
    HandlerStatus status;
    try {
      status = handler(entry);
    } catch (const std::exception& error) {
      status = fail(HandlerFailure{std::string("handler threw: ") + error.what()});
    } catch (...) {
      status = fail(HandlerFailure{"handler threw a non-standard exception"});
    }
    if (status) {
      return HandlingOutcome{entry.id, HandlingOutcome::Kind::handled, {}, {}};
    }
    return failed(entry, status.error());
  }

  /// The outcome of a failed attempt: a retry after a backoff, or a dead letter.
  HandlingOutcome failed(const InboxEntry& entry, const HandlerFailure& failure) {
    if (failure.retryable) {
      const auto now = options.clock();
      if (const auto retry_at =
              next_attempt_at(options.retry, entry.attempts + 1, entry.received_at, now, jitter_unit())) {
        return HandlingOutcome{entry.id, HandlingOutcome::Kind::retry, failure.message, *retry_at};
      }
    }
    return HandlingOutcome{entry.id, HandlingOutcome::Kind::dead, failure.message, {}};
  }

  /// Stores the outcomes, then counts them. While the store fails (a full disk, say) it tries again a
  /// poll interval apart until the store takes them or the dispatcher stops: given up on, they would
  /// stay in flight and block their entities until the store is next opened. The store leaves out
  /// outcomes of entries no longer in flight, so a failure is the store's own and may pass.
  void record(const std::vector<HandlingOutcome>& outcomes) {
    for (;;) {
      const auto stored = store.record(outcomes);
      std::unique_lock lock(mutex);
      if (stored) {
        for (const HandlingOutcome& outcome : outcomes) {
          switch (outcome.kind) {
            case HandlingOutcome::Kind::handled:
              ++counters.handled;
              break;
            case HandlingOutcome::Kind::retry:
              ++counters.retried;
              break;
            case HandlingOutcome::Kind::dead:
              ++counters.dead;
              break;
          }
        }
        return;
      }
      ++counters.store_errors;
      if (stop_requested.wait_for(lock, options.poll_interval, [this] { return stopping; })) {
        return;  // stopping: left in flight, pending again when the store is next opened
      }
    }
  }
};

Dispatcher::Dispatcher(InboxStore& store, Handler fallback, DispatcherOptions options)
    : impl_(std::make_unique<Impl>(store, std::move(fallback), std::move(options))) {}

Dispatcher::~Dispatcher() { stop(); }

Dispatcher& Dispatcher::on(std::string_view type, Handler handler) {
  const std::lock_guard lock(impl_->mutex);
  if (impl_->started) {
    throw std::logic_error("hookline::Dispatcher::on() after start()");
  }
  if (!handler) {
    throw std::invalid_argument("hookline::Dispatcher::on() with an empty handler");
  }
  impl_->routes.insert_or_assign(std::string(type), std::move(handler));
  return *this;
}

void Dispatcher::start() {
  {
    const std::lock_guard lock(impl_->mutex);
    if (impl_->started) {
      return;
    }
    impl_->started = true;
    for (std::size_t index = 0; index < impl_->options.workers; ++index) {
      impl_->threads.emplace_back([impl = impl_.get()] {
        name_this_thread("hl-dispatch");
        lower_this_thread_priority(impl->options.nice);
        impl->run_worker();
      });
    }
  }
  impl_->store.set_accepted_listener([impl = impl_.get()] { impl->notify(); });
}

void Dispatcher::stop() {
  {
    const std::lock_guard lock(impl_->mutex);
    if (!impl_->started || impl_->stopping) {
      return;
    }
  }
  impl_->store.set_accepted_listener({});
  {
    const std::lock_guard lock(impl_->mutex);
    impl_->stopping = true;
  }
  impl_->wake.notify_all();
  impl_->stop_requested.notify_all();
  for (auto& thread : impl_->threads) {
    thread.join();
  }
  impl_->threads.clear();
}

void Dispatcher::notify() { impl_->notify(); }

bool Dispatcher::wait_until_idle(std::chrono::milliseconds timeout) {
  impl_->notify();
  std::unique_lock lock(impl_->mutex);
  if (!impl_->started || impl_->stopping) {
    return false;
  }
  return impl_->quiet_changed.wait_for(lock, timeout, [this] { return impl_->idle(); });
}

DispatchCounters Dispatcher::counters() const {
  const std::lock_guard lock(impl_->mutex);
  return impl_->counters;
}

HandlerStatus Dispatcher::parse_failure(const ParseError& error) const {
  return fail(HandlerFailure{"the body does not parse: " + error.to_string(), false});
}

const ParseOptions& Dispatcher::parse_options() const noexcept { return impl_->options.parse; }

}  // namespace hookline
