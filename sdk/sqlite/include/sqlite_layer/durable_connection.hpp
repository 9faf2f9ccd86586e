#pragma once
// Opening a connection to an SQLite database with the settings every durable store of hookline
// uses, written once: WAL mode with synchronous=NORMAL (a commit survives a crash of the process
// at once, and a power cut once the write-ahead log is synced, see group_sync.hpp), a busy
// timeout, and a cap on the size the log is cut back to.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>

namespace SQLite {
class Database;
}  // namespace SQLite

namespace hookline::sqlite {

/// What differs between the stores' connections.
struct ConnectionSettings {
  /// How long a statement waits for another connection's write lock before it fails with SQLITE_BUSY.
  std::chrono::milliseconds busy_timeout{5000};
  /// Enforce foreign keys (PRAGMA foreign_keys=ON).
  bool foreign_keys = false;
  /// Keep statement and savepoint journals in memory (PRAGMA temp_store=MEMORY), where SQLite would
  /// otherwise spill one past 64 KiB to a deleted file in the temporary directory.
  bool temp_store_in_memory = false;
};

/// The size the write-ahead log is cut back to when it starts over (PRAGMA journal_size_limit): a
/// burst may grow it past its usual few MB while checkpoints run behind.
inline constexpr std::int64_t write_ahead_log_limit = std::int64_t{8} << 20;

/// Opens (creating if needed) the database at `path` read-write, in WAL mode with synchronous=NORMAL
/// and journal_size_limit=write_ahead_log_limit, with `settings`; throws SQLite::Exception.
[[nodiscard]] std::unique_ptr<SQLite::Database> open_durable_connection(const std::filesystem::path& path,
                                                                        const ConnectionSettings& settings);

}  // namespace hookline::sqlite
