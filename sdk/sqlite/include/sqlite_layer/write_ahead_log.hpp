#pragma once
// The write-ahead log file of an SQLite database in WAL mode, held open so that it can be synced:
// with synchronous=NORMAL a commit is in the log but not yet on disk, and one fdatasync of the log
// makes every commit before it durable.

#include <filesystem>
#include <string>
#include <utility>

#include "hookline/result.hpp"
#include "sqlite_layer/file_descriptor.hpp"

namespace hookline::sqlite {

/// An open descriptor of `<database>-wal`, closed on destruction. Move-only.
class WriteAheadLog {
 public:
  /// Opens the log of `database` (O_RDONLY | O_CLOEXEC) and syncs the directory that holds it, so
  /// that a log just created stays there. Open it once a connection has turned WAL mode on: the
  /// connections keep the file in place for as long as one of them is open.
  [[nodiscard]] static Result<WriteAheadLog, std::string> open(const std::filesystem::path& database);

  /// Flushes the log to disk (fdatasync); the error names the errno.
  [[nodiscard]] Status<std::string> sync() const;

 private:
  explicit WriteAheadLog(FileDescriptor fd) noexcept : fd_(std::move(fd)) {}
  FileDescriptor fd_;
};

}  // namespace hookline::sqlite
