#pragma once
/// @file
/// JSON-lines logging: one object per line with time, level, message and string fields. Callers never
/// pass secrets; nothing here reads them.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <initializer_list>
#include <mutex>
#include <ostream>
#include <string>
#include <string_view>
#include <thread>
#include <utility>

namespace fulfillment {

/// Writes `{"ts":"…","level":"info","msg":"…",…}` lines to a stream, whole lines at a time. A thread
/// of the logger's own ("hl-log") writes them, gathering for up to gather_time the lines that come
/// after the first: one write for many lines under load. A thread that logs (one answering a webhook)
/// never waits for the stream; it waits only when more than max_pending_bytes are not written yet.
/// A process killed outright loses at most the lines of its last gather_time.
class Logger {
 public:
  /// A field of a log line.
  using Field = std::pair<std::string_view, std::string>;

  /// Bytes of lines not yet written at which logging waits for the stream.
  static constexpr std::size_t max_pending_bytes = 4 << 20;
  /// How long the writer lets lines gather before it writes them.
  static constexpr std::chrono::milliseconds gather_time{10};

  /// A logger writing to `out` (which must outlive it).
  explicit Logger(std::ostream& out);
  Logger(const Logger&) = delete;
  Logger& operator=(const Logger&) = delete;
  /// Writes every line logged, then stops its thread.
  ~Logger();

  /// An informational line.
  void info(std::string_view message, std::initializer_list<Field> fields = {}) { write("info", message, fields); }
  /// A warning line.
  void warn(std::string_view message, std::initializer_list<Field> fields = {}) { write("warn", message, fields); }
  /// An error line.
  void error(std::string_view message, std::initializer_list<Field> fields = {}) { write("error", message, fields); }

  /// Waits until every line logged before the call is written and the stream flushed.
  void flush();

  /// The line as written, without the newline (for tests).
  [[nodiscard]] static std::string format(std::chrono::system_clock::time_point at, std::string_view level,
                                          std::string_view message, std::initializer_list<Field> fields);

 private:
  void write(std::string_view level, std::string_view message, std::initializer_list<Field> fields);
  void run_writer();

  std::ostream* out_;
  std::mutex mutex_;                 // guards everything below
  std::condition_variable wanted_;   // lines are pending (or many are, or a flush waits), or the logger stops
  std::condition_variable written_;  // the writer wrote what it took
  std::string pending_;              // lines logged, not yet taken by the writer
  std::uint64_t logged_lines_ = 0;   // lines logged so far
  std::uint64_t written_lines_ = 0;  // lines written and flushed so far
  bool flush_waiting_ = false;       // a flush() waits: write without gathering
  bool stopping_ = false;
  std::thread writer_;  // last: starts once the members above exist
};

}  // namespace fulfillment
