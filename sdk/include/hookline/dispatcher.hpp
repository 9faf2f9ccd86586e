#pragma once
/// @file
/// The dispatcher: worker threads take due entries from an InboxStore and run the handler registered
/// for the event's type, retrying failures with backoff until they succeed or become dead letters.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "hookline/backoff.hpp"
#include "hookline/clock.hpp"
#include "hookline/event.hpp"
#include "hookline/inbox.hpp"
#include "hookline/result.hpp"

namespace hookline {

/// Why a handler could not finish; retryable failures are tried again later, others go dead at once.
struct HandlerFailure {
  /// What went wrong, stored as the entry's last_error.
  std::string message;
  /// False when trying again cannot help (e.g. the body does not parse).
  bool retryable = true;
};

/// What a handler returns: success, or `fail(HandlerFailure{...})`. A thrown exception counts as a
/// retryable failure.
using HandlerStatus = Status<HandlerFailure>;

/// Handles one entry; runs on a dispatcher worker, never on the thread that claimed the event.
using Handler = std::function<HandlerStatus(const InboxEntry& entry)>;

/// A source of numbers spread evenly over [0, 1), for retry jitter.
using UnitRandom = std::function<double()>;

/// How a Dispatcher runs.
struct DispatcherOptions {
  /// Worker threads.
  std::size_t workers = 2;
  /// Most due entries a worker takes at once (of different entities): it runs their handlers one
  /// after another, then records their outcomes in one store write.
  std::size_t batch = 32;
  /// Retries and dead letters.
  RetryPolicy retry;
  /// The time; the system clock by default, a fake in tests.
  Clock clock = system_now;
  /// Jitter source; a seeded Mersenne Twister when left empty.
  UnitRandom random;
  /// How long an idle worker sleeps before looking again without being woken (retries come due).
  std::chrono::milliseconds poll_interval{500};
  /// How long a worker woken by new work waits before taking it, so that what arrives meanwhile
  /// joins the same batch: one take, one run_batch transaction and one record of the outcomes for
  /// many events instead of one each, for a delay of handling of this much. Zero: at once.
  std::chrono::milliseconds linger{0};
  /// How many steps of Linux nice the workers run below the threads that receive (0: the same),
  /// up to nice 19, Linux's lowest normal priority, which the default reaches from nice 0. A
  /// platform delivers each event once, so under a burst acknowledging comes first; the backlog is
  /// handled as soon as receiving leaves the cores idle, and meanwhile with a small share. Each
  /// worker has a share of its own: at 10 steps the reference server's eight workers together
  /// weighed almost as much as one receiving thread.
  int nice = 19;
  /// How typed handlers (on<T>) parse bodies.
  ParseOptions parse;
  /// Runs a batch's handlers: `handlers` calls each in turn. Called on the worker, before the
  /// batch's outcomes are recorded, so that the handlers can share one transaction of their own
  /// store and one sync of it instead of one each. Calling `handlers` again runs every handler
  /// again, and the last call's outcomes count (a store that undid the batch redoes it). A failure
  /// turns the batch's successes into retryable failures (the handlers run again, so they must be
  /// idempotent). Empty: the handlers are called as they are, each making its own effects durable
  /// before it returns.
  std::function<HandlerStatus(const std::function<void()>& handlers)> run_batch;
};

/// What the dispatcher has done since it started.
struct DispatchCounters {
  std::uint64_t handled = 0;  ///< handler successes
  std::uint64_t retried = 0;  ///< failures scheduled for another attempt
  std::uint64_t dead = 0;     ///< entries moved to the dead letters
  std::uint64_t store_errors = 0;  ///< store operations that failed (and were tried again)
};

/// Routes inbox entries to handlers by event type name on its own worker threads. Register handlers
/// with on(), then start(); the destructor stops it (running handlers finish, nothing new starts).
/// Events of one entity are never handled concurrently and are handed over in arrival order.
class Dispatcher {
 public:
  /// A dispatcher over `store`; `fallback` handles every type without a handler of its own and is
  /// required: an empty fallback throws std::invalid_argument.
  Dispatcher(InboxStore& store, Handler fallback, DispatcherOptions options = {});
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;
  /// Stops the workers.
  ~Dispatcher();

  /// Handles events whose type is `type`, e.g. "shipment_scheduled"; replaces an earlier handler.
  /// Only before start(): throws std::logic_error after.
  Dispatcher& on(std::string_view type, Handler handler);

  /// Handles the typed event T of any platform (a TypedEvent: its platform's header, e.g.
  /// hookline/vrio.hpp, says which types T is sent under and how it parses), under each of those
  /// types. `fn(const T&)` or `fn(const T&, const EventTraits<T>::Event&, const InboxEntry&)`,
  /// returning HandlerStatus: the body is parsed once, here, and the handler gets the typed
  /// payload, the whole parsed event and the entry. A body that does not parse, or holds no T,
  /// is a non-retryable failure.
  template <TypedEvent T, class F>
  Dispatcher& on(F fn);

  /// Starts the workers and subscribes to the store's accepted claims.
  void start();
  /// Stops taking entries, waits for running handlers and joins the workers; idempotent.
  void stop();
  /// Wakes idle workers to look for due entries (after a clock change, for example).
  void notify();
  /// Waits until the workers found nothing due and none is handling anything; false on timeout.
  [[nodiscard]] bool wait_until_idle(std::chrono::milliseconds timeout);
  /// Counters since start.
  [[nodiscard]] DispatchCounters counters() const;

 private:
  [[nodiscard]] HandlerStatus parse_failure(const ParseError& error) const;
  [[nodiscard]] const ParseOptions& parse_options() const noexcept;

  struct Impl;
  std::unique_ptr<Impl> impl_;
};

template <TypedEvent T, class F>
Dispatcher& Dispatcher::on(F fn) {
  using Traits = EventTraits<T>;
  using Event = typename Traits::Event;
  auto typed = [this, fn = std::move(fn)](const InboxEntry& entry) -> HandlerStatus {
    const auto event = Traits::parse(entry.body, parse_options());
    if (!event) {
      return parse_failure(event.error());
    }
    const T* payload = Traits::find(*event);
    if (payload == nullptr) {
      return parse_failure(ParseError{"", "not a " + entry.meta.type + " event of the expected kind"});
    }
    if constexpr (std::is_invocable_v<const F&, const T&, const Event&, const InboxEntry&>) {
      return fn(*payload, *event, entry);
    } else {
      static_assert(std::is_invocable_v<const F&, const T&>,
                    "a typed handler takes (const T&) or (const T&, const EventTraits<T>::Event&, const InboxEntry&)");
      return fn(*payload);
    }
  };
  for (const std::string_view type : Traits::types()) {
    on(type, typed);
  }
  return *this;
}

}  // namespace hookline
