#include "sqlite_layer/durable_connection.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

#include <string>

namespace hookline::sqlite {

std::unique_ptr<SQLite::Database> open_durable_connection(const std::filesystem::path& path,
                                                          const ConnectionSettings& settings) {
  auto db = std::make_unique<SQLite::Database>(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE,
                                               static_cast<int>(settings.busy_timeout.count()));
  db->exec("PRAGMA journal_mode=WAL");
  // NORMAL, not FULL: a store that must have a commit survive a power cut before it answers syncs
  // the write-ahead log itself (GroupSync), one sync shared by many commits.
  db->exec("PRAGMA synchronous=NORMAL");
  db->exec("PRAGMA journal_size_limit=" + std::to_string(write_ahead_log_limit));
  if (settings.foreign_keys) {
    db->exec("PRAGMA foreign_keys=ON");
  }
  if (settings.temp_store_in_memory) {
    db->exec("PRAGMA temp_store=MEMORY");
  }
  return db;
}

}  // namespace hookline::sqlite
