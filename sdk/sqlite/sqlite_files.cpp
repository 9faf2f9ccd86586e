#include "hookline/sqlite_files.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string_view>
#include <utility>

#include "sqlite_layer/file_descriptor.hpp"

namespace hookline {
namespace {

using sqlite::FileDescriptor;

constexpr mode_t private_mode = S_IRUSR | S_IWUSR;

std::string errno_text(int error) { return std::strerror(error); }

std::string octal(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

/// Opens `path` read-write, creating it mode 0600 (exactly, whatever the umask) when `create` is set
/// and it is missing. fd -1 with errno ENOENT when it is missing and not to be created.
FileDescriptor open_private(const std::filesystem::path& path, bool create, bool& created) {
  created = false;
  if (create) {
    FileDescriptor fresh(::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, private_mode));
    if (fresh.get() >= 0) {
      created = true;
      if (::fchmod(fresh.get(), private_mode) != 0) return FileDescriptor();
      return FileDescriptor(fresh.release());
    }
    if (errno != EEXIST) return FileDescriptor();
  }
  return FileDescriptor(::open(path.c_str(), O_RDWR | O_CLOEXEC | O_NOFOLLOW));
}

/// Narrows an existing file to 0600 when its mode allows anyone else anything; the sentence to log, if any.
Result<std::string, std::string> narrow(int fd, const std::filesystem::path& path) {
  struct stat status {};
  if (::fstat(fd, &status) != 0) return fail("cannot read the mode of " + path.string() + ": " + errno_text(errno));
  if ((status.st_mode & (S_IRWXG | S_IRWXO)) == 0) return std::string();
  if (::fchmod(fd, private_mode) != 0) {
    return fail("cannot narrow " + path.string() + " (mode " + octal(status.st_mode) + ") to 0600: " + errno_text(errno));
  }
  return path.string() + " was mode " + octal(status.st_mode) + ", readable by others: narrowed to 0600";
}

bool has_no_files(const std::filesystem::path& database) {
  const std::string& text = database.native();
  return text.empty() || text == ":memory:" || text.rfind("file:", 0) == 0;
}

}  // namespace

std::filesystem::path DatabaseLock::path_for(const std::filesystem::path& database) {
  return std::filesystem::path(database.native() + ".lock");
}

Result<DatabaseLock, std::string> DatabaseLock::acquire(const std::filesystem::path& database) {
  std::error_code unknown;
  if (std::filesystem::is_directory(database, unknown)) return fail(database.string() + " is a directory, not a database");
  const auto path = path_for(database);
  bool created = false;
  FileDescriptor file = open_private(path, true, created);
  if (file.get() < 0) return fail("cannot open the lock file " + path.string() + ": " + errno_text(errno));
  if (!created) {
    if (auto narrowed = narrow(file.get(), path); !narrowed) return fail(narrowed.error());
  }
  if (::flock(file.get(), LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    if (error != EWOULDBLOCK) return fail("cannot lock " + path.string() + ": " + errno_text(error));
    char holder[32] = {};
    const auto read = ::pread(file.get(), holder, sizeof holder - 1, 0);
    std::string_view pid(holder, read > 0 ? static_cast<std::size_t>(read) : 0);
    while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.remove_suffix(1);
    return fail(database.string() + " is in use by another process" +
                (pid.empty() ? std::string() : " (pid " + std::string(pid) + ")") +
                ": one process per SQLite database; stop it first or give this one another database (its lock: " +
                path.string() + ")");
  }
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(file.get(), 0) != 0 || ::pwrite(file.get(), pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
    return fail("cannot write the pid into " + path.string() + ": " + errno_text(errno));
  }
  return DatabaseLock(file.release());
}

DatabaseLock::DatabaseLock(DatabaseLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

DatabaseLock& DatabaseLock::operator=(DatabaseLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

DatabaseLock::~DatabaseLock() {
  if (fd_ >= 0) ::close(fd_);  // closing the only descriptor of the lock releases it
}

Result<std::vector<std::string>, std::string> make_database_private(const std::filesystem::path& database) {
  std::vector<std::string> notes;
  if (has_no_files(database)) return notes;
  for (const std::string_view suffix : {"", "-wal", "-shm"}) {
    const std::filesystem::path path(database.native() + std::string(suffix));
    bool created = false;
    const FileDescriptor file = open_private(path, suffix.empty(), created);
    if (file.get() < 0) {
      if (errno == ENOENT && !suffix.empty()) continue;  // SQLite creates it with the database's mode
      return fail("cannot open " + path.string() + ": " + errno_text(errno));
    }
    if (created) continue;
    auto narrowed = narrow(file.get(), path);
    if (!narrowed) return fail(narrowed.error());
    if (!narrowed->empty()) notes.push_back(std::move(*narrowed));
  }
  return notes;
}

}  // namespace hookline
