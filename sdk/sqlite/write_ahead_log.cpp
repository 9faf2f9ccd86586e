#include "sqlite_layer/write_ahead_log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace hookline::sqlite {

namespace {

/// Syncs the directory that holds `file`, so that a file just created there survives a power cut.
Status<std::string> sync_directory_of(const std::filesystem::path& file) {
  const auto directory = file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
  const FileDescriptor fd(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0 || ::fsync(fd.get()) != 0) {
    return fail("syncing the directory " + directory.string() + " failed: " + std::strerror(errno));
  }
  return {};
}

}  // namespace

Result<WriteAheadLog, std::string> WriteAheadLog::open(const std::filesystem::path& database) {
  const auto path = database.string() + "-wal";
  FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    return fail("opening " + path + " to sync it: " + std::strerror(errno));
  }
  WriteAheadLog log(std::move(fd));
  // The log may have just been created (the connections delete it when the last of them closes):
  // fdatasync makes its frames durable, not its name in the directory. SQLite syncs the directory
  // at its own first sync of a new log, which synchronous=NORMAL leaves to the first checkpoint.
  if (auto synced = sync_directory_of(path); !synced) {
    return fail(synced.error());
  }
  return log;
}

Status<std::string> WriteAheadLog::sync() const {
  if (::fdatasync(fd_.get()) != 0) {
    return fail(std::string("syncing the write-ahead log failed: ") + std::strerror(errno));
  }
  return {};
}

}  // namespace hookline::sqlite
