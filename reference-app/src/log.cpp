#include "log.hpp"

#include <cstdio>

#include "hookline/threads.hpp"
#include "toolkit/dates.hpp"
#include "toolkit/json_writer.hpp"

namespace fulfillment {

std::string Logger::format(std::chrono::system_clock::time_point at, std::string_view level,
                           std::string_view message, std::initializer_list<Field> fields) {
  const auto seconds = std::chrono::time_point_cast<std::chrono::seconds>(at);
  const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(at - seconds).count();
  std::string stamp = hookline::toolkit::format_iso8601_utc(seconds);
  char fraction[8];
  std::snprintf(fraction, sizeof fraction, ".%03dZ", static_cast<int>(millis));
  stamp.replace(stamp.size() - 1, 1, fraction);
  hookline::toolkit::JsonWriter out;
  out.begin_object();
  out.key("ts").string(stamp);
  out.key("level").string(level);
  out.key("msg").string(message);
  for (const auto& [name, value] : fields) out.key(name).string(value);
  out.end_object();
  return out.take();
}

Logger::Logger(std::ostream& out) : out_(&out), writer_([this] { run_writer(); }) {}

Logger::~Logger() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wanted_.notify_one();
  writer_.join();
}

void Logger::write(std::string_view level, std::string_view message, std::initializer_list<Field> fields) {
  std::string line = format(std::chrono::system_clock::now(), level, message, fields);
  line += '\n';
  std::unique_lock lock(mutex_);
  written_.wait(lock, [this] { return pending_.size() < max_pending_bytes; });
  const bool was_empty = pending_.empty();
  pending_ += line;
  ++logged_lines_;
  if (was_empty || pending_.size() >= max_pending_bytes / 2) {
    wanted_.notify_one();  // later lines join this one: the writer is awake for it
  }
}

void Logger::flush() {
  std::unique_lock lock(mutex_);
  const std::uint64_t through = logged_lines_;
  if (written_lines_ >= through) {
    return;
  }
  flush_waiting_ = true;
  wanted_.notify_one();
  written_.wait(lock, [&] { return written_lines_ >= through; });
}

void Logger::run_writer() {
  hookline::name_this_thread("hl-log");
  std::string taken;
  std::unique_lock lock(mutex_);
  for (;;) {
    wanted_.wait(lock, [this] { return stopping_ || !pending_.empty(); });
    if (pending_.empty()) {
      return;  // stopping, and every line is written
    }
    wanted_.wait_for(lock, gather_time, [this] {
      return stopping_ || flush_waiting_ || pending_.size() >= max_pending_bytes / 2;
    });
    flush_waiting_ = false;
    taken.swap(pending_);
    const std::uint64_t through = logged_lines_;
    lock.unlock();
    out_->write(taken.data(), static_cast<std::streamsize>(taken.size()));
    out_->flush();
    taken.clear();
    lock.lock();
    written_lines_ = through;
    written_.notify_all();
  }
}

}  // namespace fulfillment
