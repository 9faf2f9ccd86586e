#pragma once
/// @file
/// The durable inbox: events are claimed by (platform, event id) before the sender gets its 2xx,
/// then taken by the dispatcher, one entity at a time, until handled or dead-lettered. With the
/// quarantine and the refused record it makes a ReceiverStore, everything a Receiver writes.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hookline/event.hpp"
#include "hookline/quarantine.hpp"
#include "hookline/refused_record.hpp"
#include "hookline/result.hpp"
#include "hookline/storage.hpp"

namespace hookline {

/// What claim() did with an event.
enum class ClaimOutcome {
  accepted,   ///< first time this (platform, event id) was seen: stored, will be handled
  duplicate,  ///< already stored earlier: nothing new will run
};

/// "accepted" or "duplicate".
[[nodiscard]] std::string_view to_string(ClaimOutcome outcome) noexcept;

/// Where an entry is in its life.
enum class EntryState {
  pending,    ///< waiting to be handled (first time or for a retry at next_attempt_at)
  in_flight,  ///< taken by a worker; back to pending if the process dies (see recover_in_flight)
  handled,    ///< a handler succeeded; kept for duplicate detection until pruned
  dead,       ///< gave up after too many attempts or too long; can be replayed
};

/// "pending", "in_flight", "handled" or "dead".
[[nodiscard]] std::string_view to_string(EntryState state) noexcept;

/// The store's own number for an entry; increases in arrival order.
using EntryId = std::int64_t;

/// One stored event and its handling record.
struct InboxEntry {
  /// Store-assigned, increasing in arrival order.
  EntryId id = 0;
  /// Platform, type, event id, date and entity.
  EventMeta meta;
  /// The raw request body, byte for byte.
  std::string body;
  /// When the receiver claimed it.
  std::chrono::sys_seconds received_at{};
  /// Where it is in its life.
  EntryState state = EntryState::pending;
  /// How many handling attempts have finished (failed or succeeded).
  int attempts = 0;
  /// Not taken for handling before this time.
  std::chrono::sys_seconds next_attempt_at{};
  /// The last failure's message; empty when none.
  std::string last_error;
};

/// How many entries are in each state, for metrics.
struct InboxCounts {
  std::size_t pending = 0;    ///< waiting, due or not
  std::size_t in_flight = 0;  ///< being handled now
  std::size_t handled = 0;    ///< handled and not yet pruned
  std::size_t dead = 0;       ///< dead letters
};

/// How one handling attempt of an in-flight entry ended, for InboxStore::record.
struct HandlingOutcome {
  /// What becomes of the entry.
  enum class Kind {
    handled,  ///< succeeded: state handled
    retry,    ///< failed and will be retried: pending again from next_attempt_at
    dead,     ///< failed for the last time: a dead letter
  };
  /// The in-flight entry.
  EntryId id = 0;
  /// What becomes of it.
  Kind kind = Kind::handled;
  /// The failure's message (retry and dead), kept as the entry's last_error.
  std::string error;
  /// When a retried entry is due again (retry only).
  std::chrono::sys_seconds next_attempt_at{};
};

/// How long handled entries are kept for duplicate detection by default.
inline constexpr std::chrono::seconds default_retention = std::chrono::hours(24 * 30);

/// The inbox contract; every operation is thread-safe and reports a failing store as a StoreError.
class InboxStore {
 public:
  /// Called after claim() accepted a new event, so that idle workers wake at once.
  using AcceptedListener = std::function<void()>;

  InboxStore() = default;
  InboxStore(const InboxStore&) = delete;
  InboxStore& operator=(const InboxStore&) = delete;
  virtual ~InboxStore() = default;

  /// Stores the event unless (meta.platform, meta.id) is already stored; durable before it returns.
  [[nodiscard]] virtual Result<ClaimOutcome, StoreError> claim(const EventMeta& meta, std::string_view body,
                                                               std::chrono::sys_seconds now) = 0;

  /// Marks up to `limit` due pending entries in flight and returns them, oldest first. An entity's
  /// entries go one at a time in arrival order: only the oldest unfinished entry of an entity is
  /// taken, and only when no entry of that entity is in flight. Entries without entity are free.
  [[nodiscard]] virtual Result<std::vector<InboxEntry>, StoreError> take_due(std::size_t limit,
                                                                             std::chrono::sys_seconds now) = 0;

  /// Records how handling attempts ended (attempts+1 each), in one transaction in durable stores:
  /// none is recorded when a StoreError is returned. Outcomes of entries not in flight are left out;
  /// returns how many were recorded.
  [[nodiscard]] virtual Result<std::size_t, StoreError> record(std::span<const HandlingOutcome> outcomes) = 0;

  /// Records one success (state handled); a StoreError also when the entry is not in flight.
  [[nodiscard]] Status<StoreError> mark_handled(EntryId id);
  /// Records one failure to retry (pending again from next_attempt_at); a StoreError also when the
  /// entry is not in flight.
  [[nodiscard]] Status<StoreError> mark_failed(EntryId id, std::string_view error,
                                               std::chrono::sys_seconds next_attempt_at);
  /// Records one last failure (state dead); a StoreError also when the entry is not in flight.
  [[nodiscard]] Status<StoreError> mark_dead(EntryId id, std::string_view error);

  /// Up to `limit` dead letters, oldest first.
  [[nodiscard]] virtual Result<std::vector<InboxEntry>, StoreError> dead_letters(std::size_t limit) = 0;
  /// The entry with this id, if there is one.
  [[nodiscard]] virtual Result<std::optional<InboxEntry>, StoreError> find(EntryId id) = 0;
  /// Puts a dead letter back to pending (attempts 0, due now); false when `id` is not a dead letter.
  [[nodiscard]] virtual Result<bool, StoreError> replay(EntryId id, std::chrono::sys_seconds now) = 0;

  /// Deletes handled entries received before now - retention (e.g. default_retention); returns how many.
  [[nodiscard]] virtual Result<std::size_t, StoreError> prune_handled(std::chrono::sys_seconds now,
                                                                      std::chrono::seconds retention) = 0;
  /// How many entries are in each state.
  [[nodiscard]] virtual Result<InboxCounts, StoreError> counts() = 0;
  /// Puts every in-flight entry back to pending (the worker that held it is gone); returns how many.
  /// Persistent stores do this when they open. A store shared by several instances (PostgresInbox)
  /// gives back only its own: another instance's pass on when their lease expires.
  [[nodiscard]] virtual Result<std::size_t, StoreError> recover_in_flight() = 0;

  /// Sets (or clears, with an empty function) the one listener told about accepted claims.
  void set_accepted_listener(AcceptedListener listener);

 protected:
  /// Tells the listener, if any, that new work arrived; implementations call it after an accepted claim.
  void notify_accepted() const;

 private:
  mutable std::mutex listener_mutex_;
  AcceptedListener listener_;
};

/// Everything a Receiver writes: claims into the inbox, deliveries that authenticate but do not
/// parse into the quarantine, and deliveries refused for authentication into the refused record.
/// A durable backend keeps the three in one database.
class ReceiverStore : public InboxStore, public QuarantineStore, public RefusedRecord {};

/// An inbox, a quarantine and a refused record in memory, for tests and for receivers that accept
/// losing events on a crash.
class MemoryInbox final : public ReceiverStore {
 public:
  /// An empty store whose refused record keeps within `refused_limits`.
  explicit MemoryInbox(RefusedLimits refused_limits = {});
  ~MemoryInbox() override;

  [[nodiscard]] Result<ClaimOutcome, StoreError> claim(const EventMeta& meta, std::string_view body,
                                                       std::chrono::sys_seconds now) override;
  [[nodiscard]] Result<std::vector<InboxEntry>, StoreError> take_due(std::size_t limit,
                                                                     std::chrono::sys_seconds now) override;
  [[nodiscard]] Result<std::size_t, StoreError> record(std::span<const HandlingOutcome> outcomes) override;
  [[nodiscard]] Result<std::vector<InboxEntry>, StoreError> dead_letters(std::size_t limit) override;
  [[nodiscard]] Result<std::optional<InboxEntry>, StoreError> find(EntryId id) override;
  [[nodiscard]] Result<bool, StoreError> replay(EntryId id, std::chrono::sys_seconds now) override;
  [[nodiscard]] Result<std::size_t, StoreError> prune_handled(std::chrono::sys_seconds now,
                                                              std::chrono::seconds retention) override;
  [[nodiscard]] Result<InboxCounts, StoreError> counts() override;
  [[nodiscard]] Result<std::size_t, StoreError> recover_in_flight() override;

  [[nodiscard]] Result<QuarantineOutcome, StoreError> quarantine(const QuarantinedDelivery& delivery) override;
  [[nodiscard]] Result<Page<QuarantineEntry>, StoreError> list_quarantined(const PageRequest& request) override;
  [[nodiscard]] Result<std::optional<QuarantineEntry>, StoreError> find_quarantined(QuarantineId id) override;
  [[nodiscard]] Result<bool, StoreError> record_replay_failure(QuarantineId id, const ParseError& error) override;
  [[nodiscard]] Result<bool, StoreError> remove_quarantined(QuarantineId id) override;
  [[nodiscard]] Result<std::size_t, StoreError> quarantine_depth() override;

  [[nodiscard]] Result<bool, StoreError> record_refused(const RefusedDelivery& delivery) override;
  [[nodiscard]] Result<Page<RefusedEntry>, StoreError> list_refused(const PageRequest& request) override;
  [[nodiscard]] Result<std::optional<RefusedEntry>, StoreError> find_refused(RefusedId id) override;
  [[nodiscard]] Result<bool, StoreError> remove_refused(RefusedId id) override;
  [[nodiscard]] Result<RefusedCounts, StoreError> refused_counts() override;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace hookline
