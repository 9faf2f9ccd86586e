#include "hookline/inbox.hpp"

#include <map>
#include <set>
#include <utility>

namespace hookline {

std::string_view to_string(ClaimOutcome outcome) noexcept {
  switch (outcome) {
    case ClaimOutcome::accepted:
      return "accepted";
    case ClaimOutcome::duplicate:
      return "duplicate";
  }
  return "unknown";
}

std::string_view to_string(EntryState state) noexcept {
  switch (state) {
    case EntryState::pending:
      return "pending";
    case EntryState::in_flight:
      return "in_flight";
    case EntryState::handled:
      return "handled";
    case EntryState::dead:
      return "dead";
  }
  return "unknown";
}

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

struct MemoryInbox::State {
  std::mutex mutex;
  std::map<EntryId, InboxEntry> entries;
  std::set<EntryId> unfinished;  // pending and in-flight entries, the only ones take_due looks at
  std::map<std::pair<Platform, std::string>, EntryId> keys;
  EntryId next_id = 1;
};

MemoryInbox::MemoryInbox() : state_(std::make_unique<State>()) {}
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

}  // namespace hookline
