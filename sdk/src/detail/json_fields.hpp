#pragma once
// Private: small reading and writing helpers shared by the Ordergroove, Vero and store admin parsers,
// built only on the public surface of JsonValue and the toolkit's JsonWriter.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "detail/json_reader.hpp"
#include "toolkit/json_writer.hpp"

namespace hookline::detail {

using toolkit::JsonWriter;

/// What every JsonValue read returns (success, or the ParseError with its path).
using ReadResult = decltype(std::declval<JsonValue&>().skip());

/// Any JSON value kept as its compact text (see compact_json).
inline ReadResult read_compact_raw(JsonValue& value, std::string& out) {
  std::string raw;
  if (auto status = value.read_raw(raw); !status) return status;
  out = compact_json(raw);
  return {};
}

/// Seconds since the Unix epoch, sent as an integer or a string of one.
inline ReadResult read_epoch(JsonValue& value, std::chrono::sys_seconds& out) {
  std::int64_t seconds = 0;
  if (auto status = value.read(seconds); !status) return status;
  out = std::chrono::sys_seconds{std::chrono::seconds{seconds}};
  return {};
}

/// As read_epoch, null meaning none.
inline ReadResult read_optional_epoch(JsonValue& value, std::optional<std::chrono::sys_seconds>& out) {
  std::optional<std::int64_t> seconds;
  if (auto status = value.read(seconds); !status) return status;
  if (seconds) {
    out = std::chrono::sys_seconds{std::chrono::seconds{*seconds}};
  } else {
    out.reset();
  }
  return {};
}

/// Any JSON value kept as its compact text (see compact_json); null means none.
inline ReadResult read_optional_raw(JsonValue& value, std::optional<std::string>& out) {
  auto null = value.is_null();
  if (!null) return fail(null.error());
  if (*null) {
    out.reset();
    return {};
  }
  std::string text;
  if (auto status = read_compact_raw(value, text); !status) return status;
  out = std::move(text);
  return {};
}

/// An array read element by element with `read_element(JsonValue&, T&)`; null means empty.
template <class T, class ReadElement>
ReadResult read_list(JsonValue& value, std::vector<T>& out, ReadElement&& read_element) {
  out.clear();
  auto null = value.is_null();
  if (!null) return fail(null.error());
  if (*null) return {};
  return value.for_each_element([&](JsonValue& element) -> ReadResult { return read_element(element, out.emplace_back()); });
}

/// An array of identifiers (strings or integers); null means empty.
inline ReadResult read_id_list(JsonValue& value, std::vector<std::string>& out) {
  return read_list(value, out, [](JsonValue& element, std::string& id) { return element.read_id(id); });
}

/// An object or null (none), read member by member with `read_member(key, value, T&)`; `Value` is
/// JsonValue or TreeValue.
template <class T, class Value, class ReadMember>
ReadResult read_optional_object(Value& value, std::optional<T>& out, ReadMember&& read_member) {
  auto null = value.is_null();
  if (!null) return fail(null.error());
  if (*null) {
    out.reset();
    return {};
  }
  T& object = out.emplace();
  return value.for_each_field(
      [&](std::string_view key, Value& member) -> ReadResult { return read_member(key, member, object); });
}

/// `"name": <raw JSON>` or `"name": null`.
inline void write_raw_member(JsonWriter& out, std::string_view name, const std::optional<std::string>& json) {
  out.key(name);
  if (json) {
    out.raw(*json);
  } else {
    out.null();
  }
}

/// `"name": "text"`.
inline void write_string_member(JsonWriter& out, std::string_view name, std::string_view text) {
  out.key(name);
  out.string(text);
}

/// `"name": ["a", "b"]`.
inline void write_string_list(JsonWriter& out, std::string_view name, const std::vector<std::string>& items) {
  out.key(name);
  out.begin_array();
  for (const std::string& item : items) out.string(item);
  out.end_array();
}

/// `"name": [ ...each written by write_element(out, element)... ]`.
template <class T, class WriteElement>
void write_list(JsonWriter& out, std::string_view name, const std::vector<T>& items, WriteElement&& write_element) {
  out.key(name);
  out.begin_array();
  for (const T& item : items) write_element(out, item);
  out.end_array();
}

}  // namespace hookline::detail
