#pragma once
/// @file
/// JSON-lines logging: one object per line with time, level, message and string fields. Callers never
/// pass secrets; nothing here reads them.

#include <chrono>
#include <initializer_list>
#include <mutex>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>

namespace fulfillment {

/// Writes `{"ts":"…","level":"info","msg":"…",…}` lines to a stream, whole lines at a time.
class Logger {
 public:
  /// A field of a log line.
  using Field = std::pair<std::string_view, std::string>;

  /// A logger writing to `out` (which must outlive it).
  explicit Logger(std::ostream& out) : out_(&out) {}

  /// An informational line.
  void info(std::string_view message, std::initializer_list<Field> fields = {}) { write("info", message, fields); }
  /// A warning line.
  void warn(std::string_view message, std::initializer_list<Field> fields = {}) { write("warn", message, fields); }
  /// An error line.
  void error(std::string_view message, std::initializer_list<Field> fields = {}) { write("error", message, fields); }

  /// The line as written, without the newline (for tests).
  [[nodiscard]] static std::string format(std::chrono::system_clock::time_point at, std::string_view level,
                                          std::string_view message, std::initializer_list<Field> fields);

 private:
  void write(std::string_view level, std::string_view message, std::initializer_list<Field> fields);
  std::mutex mutex_;
  std::ostream* out_;
};

}  // namespace fulfillment
