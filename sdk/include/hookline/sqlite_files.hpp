#pragma once
/// @file
/// The files of an SQLite database owned by one process (target hookline::sqlite): readable and
/// writable by their owner only, and locked for as long as the process uses them, so that a second
/// process started on the same file refuses to start instead of sharing it.

#include <filesystem>
#include <string>
#include <vector>

#include "hookline/result.hpp"

namespace hookline {

/// An advisory lock (flock) on the file `<database>.lock` beside a database, which names the
/// holder's pid; released when destroyed (or when the process ends, however it ends). It is taken
/// before the database is opened, so that a second process refuses to start instead of sharing the
/// database. Move-only.
class DatabaseLock {
 public:
  /// Takes the lock of `database`, creating its lock file (mode 0600) if needed; the error says that
  /// another process (by pid, when it wrote it) holds it, or why the lock file cannot be used.
  [[nodiscard]] static Result<DatabaseLock, std::string> acquire(const std::filesystem::path& database);

  DatabaseLock(DatabaseLock&& other) noexcept;
  DatabaseLock& operator=(DatabaseLock&& other) noexcept;
  DatabaseLock(const DatabaseLock&) = delete;
  DatabaseLock& operator=(const DatabaseLock&) = delete;
  ~DatabaseLock();

  /// The lock file of `database`: `<database>.lock`.
  [[nodiscard]] static std::filesystem::path path_for(const std::filesystem::path& database);

 private:
  explicit DatabaseLock(int fd) noexcept : fd_(fd) {}
  int fd_ = -1;
};

/// Makes the files of `database` private to their owner, whatever the umask: creates the database
/// file mode 0600 when missing (SQLite then creates its `-wal` and `-shm` files with the same
/// mode), and narrows the database, `-wal` and `-shm` files to 0600 where they allow more. Returns a
/// sentence per file narrowed, to log; ":memory:" and "" have no files and are left alone.
[[nodiscard]] Result<std::vector<std::string>, std::string> make_database_private(const std::filesystem::path& database);

}  // namespace hookline
