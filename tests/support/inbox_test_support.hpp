#pragma once
// Helpers shared by the inbox suites: a temporary directory, events, fixed times.

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "hookline/inbox.hpp"
#include "hookline/sqlite_inbox.hpp"

namespace hookline::test {

/// A fresh directory under the system temp directory, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "hookline-inbox-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      throw std::runtime_error("mkdtemp failed");
    }
    path_ = pattern;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

/// Opens a SqliteInbox that must open.
inline std::unique_ptr<SqliteInbox> open_sqlite(const std::filesystem::path& file, SqliteInboxOptions options = {}) {
  auto inbox = SqliteInbox::open(file, options);
  if (!inbox) {
    throw std::runtime_error("cannot open " + file.string() + ": " + inbox.error().message);
  }
  return std::move(*inbox);
}

/// A MemoryInbox, for the contract suites that every ReceiverStore must pass.
struct MemoryStore {
  static constexpr const char* name = "memory";
  explicit MemoryStore(RefusedLimits limits = {}) : store(std::make_unique<MemoryInbox>(limits)) {}
  std::unique_ptr<ReceiverStore> store;
};

/// A SqliteInbox on a temporary file, for the same suites; reopen() closes it and opens it again.
struct SqliteStore {
  static constexpr const char* name = "sqlite";
  explicit SqliteStore(RefusedLimits limits = {}) { reopen(limits); }
  void reopen(RefusedLimits limits = {}) {
    store.reset();
    SqliteInboxOptions options;
    options.refused = limits;
    store = open_sqlite(dir.path() / "inbox.db", options);
  }
  TempDir dir;
  std::unique_ptr<ReceiverStore> store;
};

/// A fixed instant plus `seconds`: 2026-03-22 14:30:00 UTC + seconds.
inline std::chrono::sys_seconds at(long long seconds) {
  return std::chrono::sys_seconds{std::chrono::seconds{1774189800LL + seconds}};
}

/// A VRIO event's metadata.
inline EventMeta meta(std::string id, std::string type = "shipment_scheduled", std::string entity = "") {
  EventMeta event;
  event.platform = Platform::vrio;
  event.type = std::move(type);
  event.id = std::move(id);
  event.occurred_at = at(0);
  event.entity = std::move(entity);
  return event;
}

/// The event ids of entries, in order.
inline std::vector<std::string> ids_of(const std::vector<InboxEntry>& entries) {
  std::vector<std::string> ids;
  for (const auto& entry : entries) {
    ids.push_back(entry.meta.id);
  }
  return ids;
}

}  // namespace hookline::test
