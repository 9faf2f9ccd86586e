#include "detail/json_writer.hpp"

#include <cstdio>

namespace hookline::detail {

void append_json_string(std::string& out, std::string_view text) {
  static constexpr char hex[] = "0123456789abcdef";
  out += '"';
  for (const char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += "\\u00";
          out += hex[(static_cast<unsigned char>(c) >> 4) & 0xF];
          out += hex[static_cast<unsigned char>(c) & 0xF];
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

std::string format_iso8601_utc(std::chrono::sys_seconds when) {
  const auto day = std::chrono::floor<std::chrono::days>(when);
  const std::chrono::year_month_day date{day};
  const std::chrono::hh_mm_ss time{when - day};
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                static_cast<int>(time.hours().count()), static_cast<int>(time.minutes().count()),
                static_cast<int>(time.seconds().count()));
  return buffer;
}

void JsonWriter::before_value() {
  if (need_comma_) out_ += ',';
  need_comma_ = true;
}

void JsonWriter::open(char bracket) {
  before_value();
  out_ += bracket;
  need_comma_ = false;
}

void JsonWriter::close(char bracket) {
  out_ += bracket;
  need_comma_ = true;
}

void JsonWriter::key(std::string_view name) {
  before_value();
  append_json_string(out_, name);
  out_ += ':';
  need_comma_ = false;
}

void JsonWriter::string(std::string_view text) {
  before_value();
  append_json_string(out_, text);
}

void JsonWriter::integer(std::int64_t number) {
  before_value();
  out_ += std::to_string(number);
}

void JsonWriter::boolean(bool flag) {
  before_value();
  out_ += flag ? "true" : "false";
}

void JsonWriter::null() {
  before_value();
  out_ += "null";
}

void JsonWriter::raw(std::string_view json) {
  before_value();
  bool in_string = false;
  bool escaped = false;
  for (const char c : json) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      continue;
    }
    out_ += c;
  }
}

void JsonWriter::time(std::chrono::sys_seconds when) {
  before_value();
  append_json_string(out_, format_iso8601_utc(when));
}

void JsonWriter::member(std::string_view name, const std::optional<std::string>& text) {
  key(name);
  if (text) {
    string(*text);
  } else {
    null();
  }
}

void JsonWriter::member(std::string_view name, const std::optional<std::int64_t>& number) {
  key(name);
  if (number) {
    integer(*number);
  } else {
    null();
  }
}

void JsonWriter::member(std::string_view name, const std::optional<bool>& flag) {
  key(name);
  if (flag) {
    boolean(*flag);
  } else {
    null();
  }
}

void JsonWriter::member(std::string_view name, const std::optional<std::chrono::sys_seconds>& when) {
  key(name);
  if (when) {
    time(*when);
  } else {
    null();
  }
}

}  // namespace hookline::detail
