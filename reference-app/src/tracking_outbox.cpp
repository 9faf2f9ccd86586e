#include "tracking_outbox.hpp"

#include <algorithm>
#include <random>

#include "hookline/threads.hpp"

namespace fulfillment {

TrackingOutbox::TrackingOutbox(FulfillmentStore& store, TrackingClient& client, OutboxOptions options)
    : store_(store), client_(client), options_(std::move(options)) {
  options_.senders = std::max<std::size_t>(options_.senders, 1);
  if (!options_.random) {
    options_.random = [engine = std::mt19937_64{std::random_device{}()},
                       spread = std::uniform_real_distribution<double>(0.0, 1.0)]() mutable {
      return spread(engine);
    };
  }
}

TrackingOutbox::~TrackingOutbox() { stop(); }

Millis TrackingOutbox::now() const {
  if (options_.clock) return options_.clock();
  return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

hookline::Result<std::size_t, StoreError> TrackingOutbox::deliver_due(Millis at) {
  std::size_t made = 0;
  for (;;) {
    {
      const std::lock_guard lock(mutex_);
      if (stopping_) break;
    }
    // One entry at a time, so that the claim's lease need only outlast one post.
    auto claimed = store_.claim_outbox_due(at, 1, options_.lease);
    if (!claimed) return hookline::fail(claimed.error());
    if (claimed->empty()) break;
    const OutboxEntry& entry = claimed->front();
    const PostResult result = client_.post(TrackingRequest{entry.shipment_id, entry.idempotency_key,
                                                           entry.tracking_number, entry.carrier_id,
                                                           entry.date_complete});
    ++made;
    const Millis finished = now();
    TrackingAttempt attempt{entry.shipment_id, entry.attempts + 1, finished, "", result.http_status, result.detail};
    OutboxState state = OutboxState::pending;
    Millis next = finished;
    switch (result.outcome) {
      case PostOutcome::accepted:
        attempt.outcome = "sent";
        state = OutboxState::sent;
        break;
      case PostOutcome::rejected:
        attempt.outcome = "dead";
        attempt.detail += "; refused by the platform: dead letter (retry from the admin API)";
        state = OutboxState::dead;
        break;
      case PostOutcome::retry:
        if (attempt.attempt >= options_.retry.max_attempts) {
          attempt.outcome = "dead";
          attempt.detail += "; gave up after " + std::to_string(attempt.attempt) + " attempts: dead letter";
          state = OutboxState::dead;
        } else {
          double unit = 0;
          {
            const std::lock_guard lock(mutex_);
            unit = options_.random();
          }
          const auto delay = retry_delay(options_.retry, attempt.attempt, unit, result.retry_after);
          next = finished + delay;
          attempt.outcome = "retry";
          attempt.detail += "; retry in " + std::to_string(delay.count()) + " ms";
        }
        break;
    }
    if (options_.observer) options_.observer(entry.shipment_id, result);
    auto recorded = store_.record_attempt(attempt, state, next);
    if (!recorded) return hookline::fail(recorded.error());
    if (!*recorded && options_.warn) {
      options_.warn("tracking outbox: attempt " + std::to_string(attempt.attempt) + " of shipment " +
                    std::to_string(entry.shipment_id) + " was recorded by another sender (its claim outlived ours)");
    }
  }
  return made;
}

void TrackingOutbox::start() {
  const std::lock_guard lock(mutex_);
  if (!threads_.empty()) return;
  stopping_ = false;
  for (std::size_t sender = 0; sender < options_.senders; ++sender) {
    threads_.emplace_back([this] {
      hookline::name_this_thread("hl-outbox");
      hookline::lower_this_thread_priority(options_.nice);
      run();
    });
  }
}

void TrackingOutbox::stop() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& thread : threads_) thread.join();
  threads_.clear();
}

void TrackingOutbox::wake() {
  {
    const std::lock_guard lock(mutex_);
    ++wakes_;
  }
  wake_.notify_all();
}

void TrackingOutbox::run() {
  for (;;) {
    std::uint64_t seen = 0;
    {
      const std::lock_guard lock(mutex_);
      if (stopping_) return;
      seen = wakes_;
    }
    const auto delivered = deliver_due(now());
    if (!delivered && options_.warn) options_.warn("tracking outbox: " + delivered.error().message);
    // After a store failure (a full disk, say) the entry whose answer could not be recorded is still
    // due: wait a whole poll interval before posting it again rather than hammering the platform.
    auto sleep = options_.poll_interval;
    if (auto next = store_.outbox_next_attempt(); delivered && next && *next) {
      sleep = std::clamp<std::chrono::milliseconds>(**next - now(), std::chrono::milliseconds(0), sleep);
    }
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, sleep, [&] { return stopping_ || wakes_ != seen; });
  }
}

}  // namespace fulfillment
