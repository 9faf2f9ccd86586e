#pragma once
// Private: a path-tracking JSON reader over simdjson on-demand, shared by every platform parser.
//
// Every value of a document is either read by a typed reader or validated by skip(), so malformed
// parts are refused even where nothing is extracted; errors name the JSON path of the offending
// value ("webhook_data.shipment.shipment_items[0].quantity: expected an integer"). Paths are a
// chain of nodes on the stack and rendered only when an error is reported.

#include <simdjson.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "hookline/event.hpp"
#include "hookline/result.hpp"
#include "hookline/time_zone.hpp"

namespace hookline::detail {

/// The outcome of one read: success, or the error. Cheaper than Status<ParseError> on the
/// success path that every value takes (the error is allocated only on failure).
class [[nodiscard]] ReadStatus {
 public:
  /// Success.
  ReadStatus() = default;
  /// Failure, from fail(ParseError{...}).
  ReadStatus(Failure<ParseError> failure)  // NOLINT(google-explicit-constructor)
      : error_(new ParseError(std::move(failure.error))) {}

  /// True on success.
  [[nodiscard]] bool has_value() const noexcept { return error_ == nullptr; }
  /// True on success.
  explicit operator bool() const noexcept { return has_value(); }
  /// The error; only valid when !has_value().
  [[nodiscard]] const ParseError& error() const noexcept { return *error_; }

 private:
  /// Deletes the error out of line, so that destroying a ReadStatus (once per value read) is an
  /// inlined null check rather than a call.
  struct DeleteError {
    void operator()(ParseError* error) const noexcept;
  };

  std::unique_ptr<ParseError, DeleteError> error_;
};

/// True when `key` is exactly `name`. The length being known at compile time, the compiler expands
/// the memcmp into a few word compares (a byte loop took about 4 instructions per byte of every
/// key that matched).
template <std::size_t N>
[[nodiscard]] inline bool key_is(std::string_view key, const char (&name)[N]) noexcept {
  if constexpr (N == 1) {
    return key.empty();
  } else {
    return key.size() == N - 1 && std::memcmp(key.data(), name, N - 1) == 0;
  }
}

/// Objects and arrays nested deeper than this are refused ("nesting too deep").
inline constexpr std::size_t max_json_depth = 64;

/// Where a value sits in a document: a key or an index below a parent, or the root.
class JsonPath {
 public:
  /// The document itself (renders as "").
  JsonPath() = default;
  /// The member `key` of the object at `parent`.
  JsonPath(const JsonPath& parent, std::string_view key) noexcept
      : parent_(&parent), key_(key), depth_(parent.depth_ + 1) {}
  /// The element `index` of the array at `parent`.
  JsonPath(const JsonPath& parent, std::size_t index) noexcept
      : parent_(&parent), index_(index), depth_(parent.depth_ + 1), is_index_(true) {}

  /// How many objects and arrays enclose this value.
  [[nodiscard]] std::size_t depth() const noexcept { return depth_; }
  /// e.g. "webhook_data.shipment.shipment_items[0].quantity".
  [[nodiscard]] std::string to_string() const;

 private:
  void append_to(std::string& out) const;

  const JsonPath* parent_ = nullptr;
  std::string_view key_;
  std::size_t index_ = 0;
  std::size_t depth_ = 0;
  bool is_index_ = false;
};

/// The error text for a simdjson failure where `expected` was wanted.
[[nodiscard]] std::string_view describe(simdjson::error_code code, std::string_view expected) noexcept;

/// One JSON value of an open document and its path; consume it at most once.
class JsonValue {
 public:
  JsonValue(simdjson::ondemand::value value, const JsonPath& path) noexcept : value_(value), path_(&path) {}

  /// Where this value is.
  [[nodiscard]] const JsonPath& path() const noexcept { return *path_; }
  /// An error at this value.
  [[nodiscard]] ParseError error(std::string_view message) const;
  /// An error at the member `key` of this object (e.g. "missing").
  [[nodiscard]] ParseError member_error(std::string_view key, std::string_view message) const;

  /// True when the value is `null` (then it counts as consumed); false leaves it unread.
  [[nodiscard]] Result<bool, ParseError> is_null();
  /// True when the value is an object (left unread); false for any other value or a malformed one.
  [[nodiscard]] bool is_object() noexcept;

  /// An exact integer from a JSON number in any form RFC 8259 allows ("20", "2.0e1", "-0") or a
  /// string of one ("4806"); a fraction or a value beyond 64 bits is refused, naming the value.
  [[nodiscard]] ReadStatus read(std::int64_t& out);
  /// As read(std::int64_t&), null meaning none.
  [[nodiscard]] ReadStatus read(std::optional<std::int64_t>& out);
  /// A string.
  [[nodiscard]] ReadStatus read(std::string& out);
  /// A string, null meaning none.
  [[nodiscard]] ReadStatus read(std::optional<std::string>& out);
  /// A flag from true/false, 0/1 (in any number form) or "0"/"1"; null means none.
  [[nodiscard]] ReadStatus read(std::optional<bool>& out);
  /// A decimal amount from a JSON number in any form or a numeric string, kept exactly as plain
  /// decimal text ("39.95" stays "39.95"; "2.0e1" becomes "20", "1.5e-1" "0.15", "-0" "0").
  [[nodiscard]] ReadStatus read_decimal(std::optional<std::string>& out);
  /// An identifier that may be sent as a non-empty string or an integer (in any exact number
  /// form), as text: 2.0e1 is "20".
  [[nodiscard]] ReadStatus read_id(std::string& out);
  /// As read_id, null and "" meaning none (Ordergroove sends an empty `subscription` where an event
  /// has several).
  [[nodiscard]] ReadStatus read_optional_id(std::optional<std::string>& out);
  /// A zone-less "YYYY-MM-DD HH:MM:SS" read in `zone`; null, "" and "0000-00-00 00:00:00" mean none.
  [[nodiscard]] ReadStatus read_date(std::optional<std::chrono::sys_seconds>& out, const TimeZone& zone);
  /// The exact JSON text of the value (validated), e.g. to keep an unknown event's data.
  [[nodiscard]] ReadStatus read_raw(std::string& out);
  /// Validates the value, whatever it is, and discards it.
  [[nodiscard]] ReadStatus skip();

  /// Calls `on_field(std::string_view key, JsonValue& value) -> ReadStatus` for each member
  /// of this object, stopping at the first error; a member not read by on_field must be skip()ped.
  template <class OnField>
  [[nodiscard]] ReadStatus for_each_field(OnField&& on_field);
  /// Calls `on_element(JsonValue& value) -> ReadStatus` for each element of this array.
  template <class OnElement>
  [[nodiscard]] ReadStatus for_each_element(OnElement&& on_element);

 private:
  /// As read_id; "" is kept (as "") when `empty_allowed`, refused otherwise.
  [[nodiscard]] ReadStatus read_id_text(std::string& out, bool empty_allowed);
  /// As read(std::int64_t&), `expected` naming what was wanted in the error.
  [[nodiscard]] ReadStatus read_integer(std::int64_t& out, std::string_view expected);
  /// The scalar's text without the whitespace that follows it.
  [[nodiscard]] std::string_view token();
  /// A string value's text, consuming the value: in place when it has no escape, else unescaped by
  /// simdjson; INCORRECT_TYPE (the value left unread) when the value is not a string.
  [[nodiscard]] simdjson::error_code string_text(std::string_view& out);

  simdjson::ondemand::value value_;
  const JsonPath* path_;
};

/// The text of `field`'s key when it holds no escape, read in place; a null view when it needs
/// unescaping. The key's closing quote is found backwards from the value's first token: only
/// whitespace and the ':' lie between them, a few steps where scanning the key forwards would
/// take one step per byte of every key.
[[nodiscard]] inline std::string_view plain_key(simdjson::ondemand::field& field) noexcept {
  const char* const start = field.key().raw();
  const char* end = field.value().raw_json_token().data() - 1;
  while (*end != ':') --end;
  --end;
  while (*end != '"') --end;
  const std::string_view key(start, static_cast<std::size_t>(end - start));
  // Keys are short: a plain loop beats a call to memchr here.
  if (std::find(key.begin(), key.end(), '\\') != key.end()) return {};
  return key;
}

/// Calls on_field for each member of `object` at `path`.
template <class OnField>
[[nodiscard]] ReadStatus walk_object(simdjson::ondemand::object& object, const JsonPath& path,
                                             OnField& on_field) {
  for (auto member : object) {
    if (auto code = member.error()) return fail(ParseError{path.to_string(), std::string(describe(code, "a member"))});
    // Used where it lies: copying the field out (get()) costs a stall on every member.
    auto&& field = std::move(member).value_unsafe();
    std::string_view key = plain_key(field);
    if (key.data() == nullptr) {
      if (auto code = field.unescaped_key().get(key)) return fail(ParseError{path.to_string(), std::string(describe(code, "a key"))});
    }
    const JsonPath child_path(path, key);
    JsonValue child(field.value(), child_path);
    if (auto status = on_field(key, child); !status) return status;
  }
  return {};
}

template <class OnField>
ReadStatus JsonValue::for_each_field(OnField&& on_field) {
  if (path_->depth() >= max_json_depth) return fail(error("nesting too deep"));
  simdjson::ondemand::object object;
  if (auto code = value_.get_object().get(object)) return fail(error(describe(code, "expected an object")));
  return walk_object(object, *path_, on_field);
}

template <class OnElement>
ReadStatus JsonValue::for_each_element(OnElement&& on_element) {
  if (path_->depth() >= max_json_depth) return fail(error("nesting too deep"));
  simdjson::ondemand::array array;
  if (auto code = value_.get_array().get(array)) return fail(error(describe(code, "expected an array")));
  std::size_t index = 0;
  for (auto element : array) {
    if (auto code = element.error()) return fail(error(describe(code, "an element")));
    const JsonPath child_path(*path_, index++);
    JsonValue child(std::move(element).value_unsafe(), child_path);
    if (auto status = on_element(child); !status) return status;
  }
  return {};
}

/// Why a body that starts with a byte-order mark (UTF-8, or UTF-16 either way round) is refused, with
/// what to do about it; empty when it starts with none.
[[nodiscard]] std::string_view byte_order_mark_error(std::string_view body) noexcept;

/// A whole JSON document whose root must be an object, parsed with this thread's parser from a
/// padded copy of the input. At most one document per thread is open at a time: opening another
/// invalidates the first and every JsonValue and key taken from it.
class JsonDocument {
 public:
  /// Copies `body` once into this thread's padded buffer and starts parsing it; simdjson's first
  /// pass over the whole body refuses invalid UTF-8 there and then. A byte-order mark is refused
  /// with byte_order_mark_error().
  [[nodiscard]] static Result<JsonDocument, ParseError> open(std::string_view body);

  /// Calls `on_field(key, value)` for each member of the root object, then refuses anything
  /// after the object ("trailing bytes after the document").
  template <class OnField>
  [[nodiscard]] ReadStatus for_each_field(OnField&& on_field);
  /// Goes back to the start of the document for another pass.
  void rewind() noexcept { document_.rewind(); }

 private:
  explicit JsonDocument(simdjson::ondemand::document document) noexcept : document_(std::move(document)) {}

  [[nodiscard]] ParseError root_error(std::string_view message) const { return {root_.to_string(), std::string(message)}; }

  simdjson::ondemand::document document_;
  JsonPath root_;
};

template <class OnField>
ReadStatus JsonDocument::for_each_field(OnField&& on_field) {
  simdjson::ondemand::object object;
  if (auto code = document_.get_object().get(object)) return fail(root_error(describe(code, "expected a JSON object")));
  if (auto status = walk_object(object, root_, on_field); !status) return status;
  // current_location() is out of bounds exactly when every token has been consumed.
  const char* rest = nullptr;
  if (document_.current_location().get(rest) != simdjson::OUT_OF_BOUNDS) {
    return fail(root_error("trailing bytes after the document"));
  }
  return {};
}

// ---------------------------------------------------------------------------------------------
// The fast path: a whole-document DOM parse, then a walk that only ever answers "read" or "give up".
//
// simdjson's DOM parse validates the whole document with the CPU's best kernels in about 0.35 us
// per KB, and reading its tape is a few nanoseconds per value; the on-demand reader above spends
// about 25 ns per value. A parser written against JsonValue's interface as a template over the
// value type runs first on a JsonTree: when that succeeds, its result is exactly the one the
// on-demand reader would give. On any failure of the tree (simdjson refuses the document, a value
// is not what was expected, or the value's exact text is needed) the caller throws that attempt
// away and reads the document with JsonDocument, which produces the error with its path. So the
// tree never reports an error itself: it may only give up more often than JsonDocument refuses,
// never accept what JsonDocument refuses.

/// One value of a JsonTree, with the same reading interface as JsonValue. Every failure is
/// "give up" (an empty ParseError); error() and member_error() return empty errors.
class TreeValue {
 public:
  explicit TreeValue(simdjson::dom::element element) noexcept : element_(element) {}

  /// An empty error: the tree gives up, the on-demand reader reports.
  [[nodiscard]] ParseError error(std::string_view /*message*/) const { return {}; }
  /// An empty error: the tree gives up, the on-demand reader reports.
  [[nodiscard]] ParseError member_error(std::string_view /*key*/, std::string_view /*message*/) const { return {}; }

  /// True when the value is `null`.
  [[nodiscard]] Result<bool, ParseError> is_null() const { return element_.type() == simdjson::dom::element_type::NULL_VALUE; }

  /// As JsonValue::read(std::int64_t&).
  [[nodiscard]] ReadStatus read(std::int64_t& out) const;
  /// As JsonValue::read(std::optional<std::int64_t>&).
  [[nodiscard]] ReadStatus read(std::optional<std::int64_t>& out) const;
  /// As JsonValue::read(std::string&).
  [[nodiscard]] ReadStatus read(std::string& out) const;
  /// As JsonValue::read(std::optional<std::string>&).
  [[nodiscard]] ReadStatus read(std::optional<std::string>& out) const;
  /// As JsonValue::read(std::optional<bool>&); gives up on a number (its exact text decides).
  [[nodiscard]] ReadStatus read(std::optional<bool>& out) const;
  /// As JsonValue::read_decimal; gives up on a number (its exact text is kept).
  [[nodiscard]] ReadStatus read_decimal(std::optional<std::string>& out) const;
  /// As JsonValue::read_id.
  [[nodiscard]] ReadStatus read_id(std::string& out) const;
  /// As JsonValue::read_date.
  [[nodiscard]] ReadStatus read_date(std::optional<std::chrono::sys_seconds>& out, const TimeZone& zone) const;
  /// Always gives up: the tree does not keep the document's text.
  [[nodiscard]] ReadStatus read_raw(std::string& out) const;
  /// Nothing to do: the parse validated every value.
  [[nodiscard]] ReadStatus skip() const noexcept { return {}; }

  /// As JsonValue::for_each_field, `on_field(std::string_view key, TreeValue& value)`.
  template <class OnField>
  [[nodiscard]] ReadStatus for_each_field(OnField&& on_field) const;
  /// As JsonValue::for_each_element, `on_element(TreeValue& value)`.
  template <class OnElement>
  [[nodiscard]] ReadStatus for_each_element(OnElement&& on_element) const;

 private:
  simdjson::dom::element element_;
};

/// The failure by which a TreeValue gives up.
[[nodiscard]] inline ReadStatus give_up() { return fail(ParseError{}); }

template <class OnField>
ReadStatus TreeValue::for_each_field(OnField&& on_field) const {
  simdjson::dom::object object;
  if (element_.get(object) != simdjson::SUCCESS) return give_up();
  for (const simdjson::dom::key_value_pair field : object) {
    TreeValue child(field.value);
    if (auto status = on_field(field.key, child); !status) return status;
  }
  return {};
}

template <class OnElement>
ReadStatus TreeValue::for_each_element(OnElement&& on_element) const {
  simdjson::dom::array array;
  if (element_.get(array) != simdjson::SUCCESS) return give_up();
  for (const simdjson::dom::element element : array) {
    TreeValue child(element);
    if (auto status = on_element(child); !status) return status;
  }
  return {};
}

/// A whole document parsed by this thread's simdjson DOM parser from a padded copy of the input;
/// the same interface as JsonDocument. At most one tree per thread is open at a time.
class JsonTree {
 public:
  /// The parsed document, or nullopt when simdjson refuses it (malformed, invalid UTF-8, trailing
  /// bytes, nested deeper than max_json_depth) or its root is not an object: read it with
  /// JsonDocument then, for the error.
  [[nodiscard]] static std::optional<JsonTree> open(std::string_view body);

  /// Calls `on_field(key, value)` for each member of the root object.
  template <class OnField>
  [[nodiscard]] ReadStatus for_each_field(OnField&& on_field) const {
    return TreeValue(root_).for_each_field(std::forward<OnField>(on_field));
  }
  /// Nothing to do: a tree is read in any order.
  void rewind() const noexcept {}

 private:
  explicit JsonTree(simdjson::dom::element root) noexcept : root_(root) {}

  simdjson::dom::element root_;
};

/// Valid JSON text without the whitespace between its tokens (simdjson's minifier; strings are kept
/// as they are), so that kept fragments print on one line and compare alike whatever their layout.
[[nodiscard]] std::string compact_json(std::string_view json);

}  // namespace hookline::detail
