#pragma once
// Private toolkit: the one compact JSON writer of hookline's SDK, CLI, simulator and fulfillment server.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hookline::toolkit {

/// Appends `text` to `out` as a quoted JSON string (RFC 8259 escapes; bytes above 0x7F as they are).
void append_json_string(std::string& out, std::string_view text);

/// `text` as a quoted JSON string.
[[nodiscard]] std::string json_string(std::string_view text);

/// Appends compact JSON text; the caller keeps the nesting right, the writer places the commas.
class JsonWriter {
 public:
  /// Starts an object as a value.
  JsonWriter& begin_object() { return open('{'); }
  /// Ends the innermost object.
  JsonWriter& end_object() { return close('}'); }
  /// Starts an array as a value.
  JsonWriter& begin_array() { return open('['); }
  /// Ends the innermost array.
  JsonWriter& end_array() { return close(']'); }
  /// Writes a member name; the next call writes its value.
  JsonWriter& key(std::string_view name);

  /// A string value.
  JsonWriter& string(std::string_view text);
  /// An integer value.
  JsonWriter& integer(std::int64_t number);
  /// A number with a fraction (six significant digits).
  JsonWriter& number(double value);
  /// A boolean value.
  JsonWriter& boolean(bool flag);
  /// A null value.
  JsonWriter& null();
  /// Already valid, compact JSON text, written as it is.
  JsonWriter& raw(std::string_view json);
  /// A point in time as an ISO 8601 UTC string, e.g. "2026-03-22T14:30:00Z".
  JsonWriter& time(std::chrono::sys_seconds when);

  /// `"name": value`: a member with a value of one of the kinds above.
  JsonWriter& member(std::string_view name, std::string_view text) { return key(name).string(text); }
  JsonWriter& member(std::string_view name, const char* text) { return key(name).string(text); }
  JsonWriter& member(std::string_view name, const std::string& text) { return key(name).string(text); }
  JsonWriter& member(std::string_view name, std::int64_t number) { return key(name).integer(number); }
  JsonWriter& member(std::string_view name, int number) { return key(name).integer(number); }
  JsonWriter& member(std::string_view name, bool flag) { return key(name).boolean(flag); }
  JsonWriter& member(std::string_view name, std::chrono::sys_seconds when) { return key(name).time(when); }
  /// `"name": value`, or `"name": null` when the optional is empty.
  JsonWriter& member(std::string_view name, const std::optional<std::string>& text);
  JsonWriter& member(std::string_view name, const std::optional<std::int64_t>& number);
  JsonWriter& member(std::string_view name, const std::optional<bool>& flag);
  JsonWriter& member(std::string_view name, const std::optional<std::chrono::sys_seconds>& when);
  /// `"name": json`, the value already valid compact JSON text.
  JsonWriter& raw_member(std::string_view name, std::string_view json) { return key(name).raw(json); }

  /// The text written so far.
  [[nodiscard]] const std::string& text() const noexcept { return out_; }
  /// Moves the text out; the writer is empty afterwards.
  [[nodiscard]] std::string take() noexcept;

 private:
  void before_value();
  JsonWriter& open(char bracket);
  JsonWriter& close(char bracket);

  std::string out_;
  bool need_comma_ = false;
};

}  // namespace hookline::toolkit
