#include "sqlite_layer/write_ahead_log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace hookline::sqlite {

Result<WriteAheadLog, std::string> WriteAheadLog::open(const std::filesystem::path& database) {
  const auto path = database.string() + "-wal";
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return fail("opening " + path + " to sync it: " + std::strerror(errno));
  }
  return WriteAheadLog(fd);
}

WriteAheadLog::WriteAheadLog(WriteAheadLog&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

WriteAheadLog& WriteAheadLog::operator=(WriteAheadLog&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) {
      ::close(fd_);
    }
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

WriteAheadLog::~WriteAheadLog() {
  if (fd_ >= 0) {
    ::close(fd_);
  }
}

Status<std::string> WriteAheadLog::sync() const {
  if (::fdatasync(fd_) != 0) {
    return fail(std::string("syncing the write-ahead log failed: ") + std::strerror(errno));
  }
  return {};
}

}  // namespace hookline::sqlite
