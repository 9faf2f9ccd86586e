#pragma once
// Private: the little JSON the simulator writes (API answers, generated payloads) and reads (posted
// events, tracking bodies). Reading goes through simdjson's DOM; writing appends to a string.

#include <simdjson.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hookline::simulator::json {

/// Appends `text` as a quoted JSON string.
void append_string(std::string& out, std::string_view text);
/// `text` as a quoted JSON string.
[[nodiscard]] std::string quote(std::string_view text);

/// Builds one JSON object member by member: `Object().add("a", 1).add("b", "x").close()`.
class Object {
 public:
  Object() : text_("{") {}
  /// A string member.
  Object& add(std::string_view name, std::string_view value);
  Object& add(std::string_view name, const char* value) { return add(name, std::string_view(value)); }
  Object& add(std::string_view name, const std::string& value) { return add(name, std::string_view(value)); }
  /// An integer member.
  Object& add(std::string_view name, std::int64_t value);
  Object& add(std::string_view name, int value) { return add(name, static_cast<std::int64_t>(value)); }
  /// A boolean member.
  Object& add(std::string_view name, bool value);
  /// An optional string or integer member: null when empty.
  Object& add(std::string_view name, const std::optional<std::string>& value);
  Object& add(std::string_view name, const std::optional<std::int64_t>& value);
  /// A member whose value is already JSON text.
  Object& raw(std::string_view name, std::string_view json);
  /// The finished object.
  [[nodiscard]] std::string close();

 private:
  void key(std::string_view name);
  std::string text_;
  bool first_ = true;
};

/// Joins JSON texts into an array.
class Array {
 public:
  /// Appends one element (JSON text).
  void push(std::string_view json);
  /// The finished array.
  [[nodiscard]] std::string close();

 private:
  std::string text_ = "[";
  bool first_ = true;
};

/// A member as text: a string as is, an integer in decimal; nullopt when absent, null or of another type.
[[nodiscard]] std::optional<std::string> text_of(simdjson::dom::object object, std::string_view name);
/// A member as an integer: a JSON integer or a string of digits; nullopt otherwise.
[[nodiscard]] std::optional<std::int64_t> integer_of(simdjson::dom::object object, std::string_view name);

/// "YYYY-MM-DD HH:MM:SS", the zone-less UTC form VRIO uses.
[[nodiscard]] std::string format_date(std::chrono::sys_seconds when);
/// Reads "YYYY-MM-DD HH:MM:SS"; nullopt when `text` is not of that form or not a real date.
[[nodiscard]] std::optional<std::chrono::sys_seconds> parse_date(std::string_view text);

}  // namespace hookline::simulator::json
