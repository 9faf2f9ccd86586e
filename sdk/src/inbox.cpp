#include "hookline/inbox.hpp"

#include <map>
#include <set>
#include <utility>

#include "toolkit/name_table.hpp"

namespace hookline {

namespace {
constexpr auto claim_outcome_names = toolkit::name_table<ClaimOutcome>({
    {ClaimOutcome::accepted, "accepted"},
    {ClaimOutcome::duplicate, "duplicate"},
});
}  // namespace

std::string_view to_string(ClaimOutcome outcome) noexcept {
  return toolkit::name_of(claim_outcome_names, outcome, "unknown");
}

namespace {
constexpr auto entry_state_names = toolkit::name_table<EntryState>({
    {EntryState::pending, "pending"},
    {EntryState::in_flight, "in_flight"},
    {EntryState::handled, "handled"},
    {EntryState::dead, "dead"},
});
}  // namespace

std::string_view to_string(EntryState state) noexcept { return toolkit::name_of(entry_state_names, state, "unknown"); }

void InboxStore::set_accepted_listener(AcceptedListener listener) {
  const std::lock_guard lock(listener_mutex_);
  listener_ = std::move(listener);
}

void InboxStore::notify_accepted() const {
  const std::lock_guard lock(listener_mutex_);
  if (listener_) {
    listener_();
  }
}

namespace {

/// One outcome recorded, or a StoreError saying why not.
Status<StoreError> record_one(InboxStore& store, HandlingOutcome outcome) {
  const auto recorded = store.record(std::span(&outcome, 1));
  if (!recorded) {
    return fail(recorded.error());
  }
  if (*recorded == 0) {
    return fail(StoreError{"inbox entry " + std::to_string(outcome.id) + " is not in flight"});
  }
  return {};
}

}  // namespace

Status<StoreError> InboxStore::mark_handled(EntryId id) {
  return record_one(*this, HandlingOutcome{id, HandlingOutcome::Kind::handled, {}, {}});
}

Status<StoreError> InboxStore::mark_failed(EntryId id, std::string_view error,
                                           std::chrono::sys_seconds next_attempt_at) {
  return record_one(*this, HandlingOutcome{id, HandlingOutcome::Kind::retry, std::string(error), next_attempt_at});
}

Status<StoreError> InboxStore::mark_dead(EntryId id, std::string_view error) {
  return record_one(*this, HandlingOutcome{id, HandlingOutcome::Kind::dead, std::string(error), {}});
}

namespace {

/// The page of `entries` (by id, oldest first) that `request` asks for.
template <class Entry>
Page<Entry> page_of(const std::map<std::int64_t, Entry>& entries, const PageRequest& request) {
  Page<Entry> page;
  auto next = request.cursor ? entries.upper_bound(*request.cursor) : entries.begin();
  for (; next != entries.end() && page.entries.size() < request.limit; ++next) {
    page.entries.push_back(next->second);
  }
  if (next != entries.end() && !page.entries.empty()) {
    page.next_cursor = page.entries.back().id;
  }
  return page;
}

/// The entry with this id, if any.
template <class Entry>
std::optional<Entry> find_in(const std::map<std::int64_t, Entry>& entries, std::int64_t id) {
  const auto found = entries.find(id);
  if (found == entries.end()) {
    return std::nullopt;
  }
  return found->second;
}

}  // namespace

struct MemoryInbox::State {
  explicit State(RefusedLimits limits) : refused_limits(limits) {}

  std::mutex mutex;
  std::map<EntryId, InboxEntry> entries;
  std::set<EntryId> unfinished;  // pending and in-flight entries, the only ones take_due looks at
  std::map<std::pair<Platform, std::string>, EntryId> keys;
  EntryId next_id = 1;

  std::map<QuarantineId, QuarantineEntry> quarantined;
  std::map<std::pair<Platform, std::string>, QuarantineId> quarantine_keys;
  QuarantineId next_quarantine_id = 1;

  RefusedLimits refused_limits;
  std::map<RefusedId, RefusedEntry> refused;
  std::size_t refused_bytes = 0;
  RefusedId next_refused_id = 1;

  /// Drops a refused entry (under mutex).
  void drop_refused(std::map<RefusedId, RefusedEntry>::iterator entry) {
    refused_bytes -= recorded_bytes(entry->second.delivery);
    refused.erase(entry);
  }
};

MemoryInbox::MemoryInbox(RefusedLimits refused_limits) : state_(std::make_unique<State>(refused_limits)) {}
MemoryInbox::~MemoryInbox() = default;

Result<ClaimOutcome, StoreError> MemoryInbox::claim(const EventMeta& meta, std::string_view body,
                                                    std::chrono::sys_seconds now) {
  {
    const std::lock_guard lock(state_->mutex);
    auto [key, inserted] = state_->keys.try_emplace({meta.platform, meta.id}, state_->next_id);
    if (!inserted) {
      return ClaimOutcome::duplicate;
    }
    InboxEntry entry;
    entry.id = state_->next_id++;
    entry.meta = meta;
    entry.body = std::string(body);
    entry.received_at = now;
    entry.next_attempt_at = now;
    state_->unfinished.insert(entry.id);
    state_->entries.emplace(entry.id, std::move(entry));
  }
  notify_accepted();
  return ClaimOutcome::accepted;
}

Result<std::vector<InboxEntry>, StoreError> MemoryInbox::take_due(std::size_t limit, std::chrono::sys_seconds now) {
  const std::lock_guard lock(state_->mutex);
  std::vector<InboxEntry> taken;
  std::set<std::string_view> entities_seen;  // entities with an older unfinished entry, or one in flight
  for (const EntryId id : state_->unfinished) {
    const InboxEntry& entry = state_->entries.at(id);
    if (entry.state == EntryState::in_flight && !entry.meta.entity.empty()) {
      entities_seen.insert(entry.meta.entity);
    }
  }
  for (const EntryId id : state_->unfinished) {
    if (taken.size() >= limit) {
      break;
    }
    InboxEntry& entry = state_->entries.at(id);
    if (entry.state == EntryState::in_flight) {
      continue;
    }
    if (!entry.meta.entity.empty() && !entities_seen.insert(entry.meta.entity).second) {
      continue;  // an older unfinished entry of this entity, or one in flight, goes first
    }
    if (entry.next_attempt_at <= now) {
      entry.state = EntryState::in_flight;
      taken.push_back(entry);
    }
  }
  return taken;
}

Result<std::size_t, StoreError> MemoryInbox::record(std::span<const HandlingOutcome> outcomes) {
  const std::lock_guard lock(state_->mutex);
  std::size_t recorded = 0;
  for (const HandlingOutcome& outcome : outcomes) {
    const auto found = state_->entries.find(outcome.id);
    if (found == state_->entries.end() || found->second.state != EntryState::in_flight) {
      continue;
    }
    InboxEntry& entry = found->second;
    ++entry.attempts;
    switch (outcome.kind) {
      case HandlingOutcome::Kind::handled:
        entry.state = EntryState::handled;
        state_->unfinished.erase(entry.id);
        break;
      case HandlingOutcome::Kind::retry:
        entry.state = EntryState::pending;
        entry.next_attempt_at = outcome.next_attempt_at;
        entry.last_error = outcome.error;
        break;
      case HandlingOutcome::Kind::dead:
        entry.state = EntryState::dead;
        entry.last_error = outcome.error;
        state_->unfinished.erase(entry.id);
        break;
    }
    ++recorded;
  }
  return recorded;
}

Result<std::vector<InboxEntry>, StoreError> MemoryInbox::dead_letters(std::size_t limit) {
  const std::lock_guard lock(state_->mutex);
  std::vector<InboxEntry> dead;
  for (const auto& [id, entry] : state_->entries) {
    if (dead.size() >= limit) {
      break;
    }
    if (entry.state == EntryState::dead) {
      dead.push_back(entry);
    }
  }
  return dead;
}

Result<std::optional<InboxEntry>, StoreError> MemoryInbox::find(EntryId id) {
  const std::lock_guard lock(state_->mutex);
  auto found = state_->entries.find(id);
  if (found == state_->entries.end()) {
    return std::optional<InboxEntry>{};
  }
  return std::optional<InboxEntry>{found->second};
}

Result<bool, StoreError> MemoryInbox::replay(EntryId id, std::chrono::sys_seconds now) {
  {
    const std::lock_guard lock(state_->mutex);
    auto found = state_->entries.find(id);
    if (found == state_->entries.end() || found->second.state != EntryState::dead) {
      return false;
    }
    found->second.state = EntryState::pending;
    found->second.attempts = 0;
    found->second.next_attempt_at = now;
    state_->unfinished.insert(id);
  }
  notify_accepted();
  return true;
}

Result<std::size_t, StoreError> MemoryInbox::prune_handled(std::chrono::sys_seconds now,
                                                           std::chrono::seconds retention) {
  const std::lock_guard lock(state_->mutex);
  const auto cutoff = now - retention;
  std::size_t pruned = 0;
  for (auto it = state_->entries.begin(); it != state_->entries.end();) {
    if (it->second.state == EntryState::handled && it->second.received_at < cutoff) {
      state_->keys.erase({it->second.meta.platform, it->second.meta.id});
      it = state_->entries.erase(it);
      ++pruned;
    } else {
      ++it;
    }
  }
  return pruned;
}

Result<InboxCounts, StoreError> MemoryInbox::counts() {
  const std::lock_guard lock(state_->mutex);
  InboxCounts counts;
  for (const auto& [id, entry] : state_->entries) {
    switch (entry.state) {
      case EntryState::pending:
        ++counts.pending;
        break;
      case EntryState::in_flight:
        ++counts.in_flight;
        break;
      case EntryState::handled:
        ++counts.handled;
        break;
      case EntryState::dead:
        ++counts.dead;
        break;
    }
  }
  return counts;
}

Result<std::size_t, StoreError> MemoryInbox::recover_in_flight() {
  std::size_t recovered = 0;
  {
    const std::lock_guard lock(state_->mutex);
    for (const EntryId id : state_->unfinished) {
      InboxEntry& entry = state_->entries.at(id);
      if (entry.state == EntryState::in_flight) {
        entry.state = EntryState::pending;
        ++recovered;
      }
    }
  }
  if (recovered > 0) {
    notify_accepted();
  }
  return recovered;
}

Result<QuarantineOutcome, StoreError> MemoryInbox::quarantine(const QuarantinedDelivery& delivery) {
  const std::lock_guard lock(state_->mutex);
  auto [key, inserted] =
      state_->quarantine_keys.try_emplace({delivery.platform, delivery.key}, state_->next_quarantine_id);
  if (!inserted) {
    return QuarantineOutcome::already_stored;
  }
  const QuarantineId id = state_->next_quarantine_id++;
  state_->quarantined.emplace(id, QuarantineEntry{id, delivery, 0});
  return QuarantineOutcome::stored;
}

Result<Page<QuarantineEntry>, StoreError> MemoryInbox::list_quarantined(const PageRequest& request) {
  const std::lock_guard lock(state_->mutex);
  return page_of(state_->quarantined, request);
}

Result<std::optional<QuarantineEntry>, StoreError> MemoryInbox::find_quarantined(QuarantineId id) {
  const std::lock_guard lock(state_->mutex);
  return find_in(state_->quarantined, id);
}

Result<bool, StoreError> MemoryInbox::record_replay_failure(QuarantineId id, const ParseError& error) {
  const std::lock_guard lock(state_->mutex);
  const auto found = state_->quarantined.find(id);
  if (found == state_->quarantined.end()) {
    return false;
  }
  found->second.delivery.error = error;
  ++found->second.failed_replays;
  return true;
}

Result<bool, StoreError> MemoryInbox::remove_quarantined(QuarantineId id) {
  const std::lock_guard lock(state_->mutex);
  const auto found = state_->quarantined.find(id);
  if (found == state_->quarantined.end()) {
    return false;
  }
  state_->quarantine_keys.erase({found->second.delivery.platform, found->second.delivery.key});
  state_->quarantined.erase(found);
  return true;
}

Result<std::size_t, StoreError> MemoryInbox::quarantine_depth() {
  const std::lock_guard lock(state_->mutex);
  return state_->quarantined.size();
}

Result<bool, StoreError> MemoryInbox::record_refused(const RefusedDelivery& delivery) {
  const std::size_t bytes = recorded_bytes(delivery);
  const std::lock_guard lock(state_->mutex);
  const RefusedLimits& limits = state_->refused_limits;
  if (bytes > limits.max_bytes || limits.max_entries == 0) {
    return false;
  }
  while (!state_->refused.empty() &&
         (state_->refused.size() + 1 > limits.max_entries || state_->refused_bytes + bytes > limits.max_bytes)) {
    state_->drop_refused(state_->refused.begin());
  }
  const RefusedId id = state_->next_refused_id++;
  state_->refused.emplace(id, RefusedEntry{id, delivery});
  state_->refused_bytes += bytes;
  return true;
}

Result<Page<RefusedEntry>, StoreError> MemoryInbox::list_refused(const PageRequest& request) {
  const std::lock_guard lock(state_->mutex);
  return page_of(state_->refused, request);
}

Result<std::optional<RefusedEntry>, StoreError> MemoryInbox::find_refused(RefusedId id) {
  const std::lock_guard lock(state_->mutex);
  return find_in(state_->refused, id);
}

Result<bool, StoreError> MemoryInbox::remove_refused(RefusedId id) {
  const std::lock_guard lock(state_->mutex);
  const auto found = state_->refused.find(id);
  if (found == state_->refused.end()) {
    return false;
  }
  state_->drop_refused(found);
  return true;
}

Result<RefusedCounts, StoreError> MemoryInbox::refused_counts() {
  const std::lock_guard lock(state_->mutex);
  return RefusedCounts{state_->refused.size(), state_->refused_bytes};
}

}  // namespace hookline
