#include "sqlite_layer/group_sync.hpp"

#include <algorithm>

namespace hookline::sqlite {

std::uint64_t GroupSync::committed() {
  const std::lock_guard lock(mutex_);
  return ++commits_;
}

Status<std::string> GroupSync::sync_through(std::uint64_t commit) {
  std::unique_lock lock(mutex_);
  while (synced_through_ < commit) {
    if (syncing_) {
      sync_ended_.wait(lock);
      continue;
    }
    syncing_ = true;
    ++syncs_;
    const std::uint64_t target = commits_;  // every commit counted so far is in the log
    lock.unlock();
    auto synced = log_.sync();
    lock.lock();
    syncing_ = false;
    if (synced) {
      synced_through_ = std::max(synced_through_, target);
    }
    sync_ended_.notify_all();
    if (!synced) {
      return synced;
    }
  }
  return {};
}

std::uint64_t GroupSync::sync_count() {
  const std::lock_guard lock(mutex_);
  return syncs_;
}

}  // namespace hookline::sqlite
