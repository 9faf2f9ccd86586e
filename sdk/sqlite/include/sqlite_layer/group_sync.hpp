#pragma once
// Group sync: commits made with synchronous=NORMAL are numbered, and a caller that needs its commit
// on disk waits for a sync of the write-ahead log that began after it; concurrent waiters share one
// fdatasync instead of each paying for their own.

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <utility>

#include "hookline/result.hpp"
#include "sqlite_layer/write_ahead_log.hpp"

namespace hookline::sqlite {

/// Syncs one database's write-ahead log for numbered commits. Thread-safe.
class GroupSync {
 public:
  explicit GroupSync(WriteAheadLog log) noexcept : log_(std::move(log)) {}
  GroupSync(const GroupSync&) = delete;
  GroupSync& operator=(const GroupSync&) = delete;

  /// Counts a commit that has just returned (so is in the log); its number, for sync_through().
  [[nodiscard]] std::uint64_t committed();

  /// Returns once commit number `commit` is on disk: at once when a sync that began after it has
  /// ended, after the sync under way when one is (then another, if that one began too early), or
  /// after a sync of its own, which covers every commit counted when it begins. A failed sync fails
  /// its caller; the commits it was to cover stay unsynced, for the next caller to sync.
  [[nodiscard]] Status<std::string> sync_through(std::uint64_t commit);

  /// The syncs begun so far, failed ones included.
  [[nodiscard]] std::uint64_t sync_count();

 private:
  const WriteAheadLog log_;
  std::mutex mutex_;  // guards everything below
  std::condition_variable sync_ended_;
  std::uint64_t commits_ = 0;
  std::uint64_t synced_through_ = 0;  // every commit up to this number is on disk
  bool syncing_ = false;
  std::uint64_t syncs_ = 0;
};

}  // namespace hookline::sqlite
