#include "toolkit/json_writer.hpp"

#include <cstdio>
#include <utility>

#include "toolkit/dates.hpp"

namespace hookline::toolkit {

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

std::string json_string(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  append_json_string(out, text);
  return out;
}

void JsonWriter::before_value() {
  if (need_comma_) out_ += ',';
  need_comma_ = true;
}

JsonWriter& JsonWriter::open(char bracket) {
  before_value();
  out_ += bracket;
  need_comma_ = false;
  return *this;
}

JsonWriter& JsonWriter::close(char bracket) {
  out_ += bracket;
  need_comma_ = true;
  return *this;
}

JsonWriter& JsonWriter::key(std::string_view name) {
  before_value();
  append_json_string(out_, name);
  out_ += ':';
  need_comma_ = false;
  return *this;
}

JsonWriter& JsonWriter::string(std::string_view text) {
  before_value();
  append_json_string(out_, text);
  return *this;
}

JsonWriter& JsonWriter::integer(std::int64_t number) {
  before_value();
  out_ += std::to_string(number);
  return *this;
}

JsonWriter& JsonWriter::number(double value) {
  before_value();
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.6g", value);
  out_ += buffer;
  return *this;
}

JsonWriter& JsonWriter::boolean(bool flag) {
  before_value();
  out_ += flag ? "true" : "false";
  return *this;
}

JsonWriter& JsonWriter::null() {
  before_value();
  out_ += "null";
  return *this;
}

JsonWriter& JsonWriter::raw(std::string_view json) {
  before_value();
  out_ += json;
  return *this;
}

JsonWriter& JsonWriter::time(std::chrono::sys_seconds when) { return string(format_iso8601_utc(when)); }

JsonWriter& JsonWriter::member(std::string_view name, const std::optional<std::string>& text) {
  return text ? member(name, *text) : key(name).null();
}

JsonWriter& JsonWriter::member(std::string_view name, const std::optional<std::int64_t>& number) {
  return number ? member(name, *number) : key(name).null();
}

JsonWriter& JsonWriter::member(std::string_view name, const std::optional<bool>& flag) {
  return flag ? member(name, *flag) : key(name).null();
}

JsonWriter& JsonWriter::member(std::string_view name, const std::optional<std::chrono::sys_seconds>& when) {
  return when ? member(name, *when) : key(name).null();
}

std::string JsonWriter::take() noexcept {
  need_comma_ = false;
  return std::exchange(out_, std::string());
}

}  // namespace hookline::toolkit
