#include "log.hpp"

#include <cstdio>

#include "json.hpp"

namespace fulfillment {

std::string Logger::format(std::chrono::system_clock::time_point at, std::string_view level,
                           std::string_view message, std::initializer_list<Field> fields) {
  const auto seconds = std::chrono::time_point_cast<std::chrono::seconds>(at);
  const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(at - seconds).count();
  std::string stamp = json::iso8601(seconds);
  char fraction[8];
  std::snprintf(fraction, sizeof fraction, ".%03dZ", static_cast<int>(millis));
  stamp.replace(stamp.size() - 1, 1, fraction);
  json::Writer out;
  out.begin_object();
  out.key("ts").string(stamp);
  out.key("level").string(level);
  out.key("msg").string(message);
  for (const auto& [name, value] : fields) out.key(name).string(value);
  out.end_object();
  return std::move(out).take();
}

void Logger::write(std::string_view level, std::string_view message, std::initializer_list<Field> fields) {
  const std::string line = format(std::chrono::system_clock::now(), level, message, fields);
  const std::lock_guard lock(mutex_);
  *out_ << line << '\n';
  out_->flush();
}

}  // namespace fulfillment
