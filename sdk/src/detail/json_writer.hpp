#pragma once
// Private: a small compact JSON writer (commas, string escaping, ISO 8601 times) for output such
// as `hookline inspect`.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hookline::detail {

/// Appends JSON text; the caller keeps the nesting right, the writer places the commas.
class JsonWriter {
 public:
  /// Starts an object or an array (as a value).
  void begin_object() { open('{'); }
  void begin_array() { open('['); }
  /// Ends the innermost object or array.
  void end_object() { close('}'); }
  void end_array() { close(']'); }

  /// Writes a member name; the next call writes its value.
  void key(std::string_view name);

  /// Values.
  void string(std::string_view text);
  void integer(std::int64_t number);
  void boolean(bool flag);
  void null();
  /// Already valid JSON text (e.g. a decimal number or a kept fragment), written without the
  /// whitespace between its tokens so that the output stays on one line.
  void raw(std::string_view json);
  /// A point in time as an ISO 8601 UTC string, e.g. "2026-03-22T14:30:00Z".
  void time(std::chrono::sys_seconds when);

  /// `"name": value`, or `"name": null` when the optional is empty.
  void member(std::string_view name, const std::optional<std::string>& text);
  void member(std::string_view name, const std::optional<std::int64_t>& number);
  void member(std::string_view name, const std::optional<bool>& flag);
  void member(std::string_view name, const std::optional<std::chrono::sys_seconds>& when);

  /// The text written so far.
  [[nodiscard]] const std::string& text() const noexcept { return out_; }
  /// Moves the text out.
  [[nodiscard]] std::string take() && noexcept { return std::move(out_); }

 private:
  void before_value();
  void open(char bracket);
  void close(char bracket);

  std::string out_;
  bool need_comma_ = false;
};

/// Appends `text` to `out` as a quoted JSON string.
void append_json_string(std::string& out, std::string_view text);

/// "2026-03-22T14:30:00Z".
[[nodiscard]] std::string format_iso8601_utc(std::chrono::sys_seconds when);

}  // namespace hookline::detail
