#pragma once
// An open file descriptor owned by one object: closed when it is destroyed, moved rather than copied.

#include <unistd.h>

#include <utility>

namespace hookline::sqlite {

/// Owns `fd` (none when negative); closes it on destruction. Move-only.
class FileDescriptor {
 public:
  FileDescriptor() noexcept = default;
  explicit FileDescriptor(int fd) noexcept : fd_(fd) {}
  FileDescriptor(FileDescriptor&& other) noexcept : fd_(other.release()) {}
  FileDescriptor& operator=(FileDescriptor&& other) noexcept {
    if (this != &other) {
      close();
      fd_ = other.release();
    }
    return *this;
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor() { close(); }

  /// The descriptor; negative when none is held.
  [[nodiscard]] int get() const noexcept { return fd_; }
  /// Gives up ownership: the caller closes what is returned.
  [[nodiscard]] int release() noexcept { return std::exchange(fd_, -1); }

 private:
  void close() noexcept {
    if (fd_ >= 0) ::close(fd_);
  }
  int fd_ = -1;
};

}  // namespace hookline::sqlite
