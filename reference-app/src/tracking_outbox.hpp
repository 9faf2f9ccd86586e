#pragma once
/// @file
/// The tracking outbox worker: posts each queued tracking exactly once in effect. Rows are written in
/// the same transaction as the shipment's move to shipped; an attempt is recorded only after the
/// platform answered, so a crash in between posts again with the same Idempotency-Key. Retries use
/// capped exponential backoff with full jitter (and never sooner than the platform's Retry-After);
/// a 4xx other than 408/429 makes a dead letter at once.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string_view>
#include <thread>
#include <vector>

#include "storage/fulfillment_store.hpp"
#include "platform_retry.hpp"
#include "tracking_client.hpp"

namespace fulfillment {

/// How the outbox retries.
struct OutboxOptions {
  PlatformRetry retry;                          ///< Backoff; after retry.max_attempts attempts, a dead letter.
  std::chrono::milliseconds poll_interval{1000};  ///< Longest sleep between looks for due posts.
  /// Threads posting at once. Each claims one entry at a time (of every instance on the database, none
  /// takes an entry another holds), so two posts of one shipment never overlap.
  std::size_t senders = 4;
  /// How long a claim on an entry lasts: longer than one post may take. An instance that dies while
  /// posting leaves the entry to the others when it ends.
  std::chrono::milliseconds lease{30000};
  int nice = 19;  ///< Steps of Linux nice its threads run below the threads that receive webhooks.
  std::function<Millis()> clock;                ///< The time; the system clock when empty.
  std::function<double()> random;               ///< Jitter in [0, 1); a seeded generator when empty.
  /// Told about each attempt (shipment, result), for metrics and logs.
  std::function<void(std::int64_t shipment_id, const PostResult& result)> observer;
  /// Told about store failures of the worker (it keeps going and tries again).
  std::function<void(std::string_view message)> warn;
};

/// Posts queued tracking on its own threads.
class TrackingOutbox {
 public:
  /// An outbox reading `store` and posting with `client`.
  TrackingOutbox(FulfillmentStore& store, TrackingClient& client, OutboxOptions options = {});
  TrackingOutbox(const TrackingOutbox&) = delete;
  TrackingOutbox& operator=(const TrackingOutbox&) = delete;
  /// Stops.
  ~TrackingOutbox();

  /// Makes one attempt for each entry due at `now` that no other sender holds; returns how many
  /// attempts were made.
  [[nodiscard]] hookline::Result<std::size_t, StoreError> deliver_due(Millis now);

  /// Starts the sender threads.
  void start();
  /// Stops after the attempt in progress, if any; idempotent.
  void stop();
  /// Looks for due entries now.
  void wake();

 private:
  void run();
  [[nodiscard]] Millis now() const;

  FulfillmentStore& store_;
  TrackingClient& client_;
  OutboxOptions options_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::uint64_t wakes_ = 0;  // wake() calls so far: each sender looks again after one
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace fulfillment
