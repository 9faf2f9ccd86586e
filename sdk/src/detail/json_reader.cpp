#include "detail/json_reader.hpp"

#include <bit>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <string>

namespace hookline::detail {

namespace {

constexpr bool is_json_space(char c) noexcept { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
constexpr bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

std::string_view trim_trailing_space(std::string_view text) noexcept {
  while (!text.empty() && is_json_space(text.back())) text.remove_suffix(1);
  return text;
}

/// True when `text` is exactly one JSON number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
bool is_json_number(std::string_view text) noexcept {
  std::size_t at = 0;
  const auto digits = [&] {
    const std::size_t start = at;
    while (at < text.size() && is_digit(text[at])) ++at;
    return at - start;
  };
  if (at < text.size() && text[at] == '-') ++at;
  if (at < text.size() && text[at] == '0') {
    ++at;
  } else if (digits() == 0) {
    return false;
  }
  if (at < text.size() && text[at] == '.') {
    ++at;
    if (digits() == 0) return false;
  }
  if (at < text.size() && (text[at] == 'e' || text[at] == 'E')) {
    ++at;
    if (at < text.size() && (text[at] == '+' || text[at] == '-')) ++at;
    if (digits() == 0) return false;
  }
  return at == text.size();
}

/// An optional sign and digits only, as in "4806" or "-3".
std::optional<std::int64_t> parse_integer_text(std::string_view text) noexcept {
  if (text.empty()) return std::nullopt;
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

/// A plain decimal as VRIO sends amounts: -?[0-9]+(\.[0-9]+)?
bool is_decimal_text(std::string_view text) noexcept {
  std::size_t at = 0;
  if (at < text.size() && text[at] == '-') ++at;
  const std::size_t integer_start = at;
  while (at < text.size() && is_digit(text[at])) ++at;
  if (at == integer_start) return false;
  if (at < text.size() && text[at] == '.') {
    const std::size_t fraction_start = ++at;
    while (at < text.size() && is_digit(text[at])) ++at;
    if (at == fraction_start) return false;
  }
  return at == text.size();
}

static_assert(std::endian::native == std::endian::little,
              "the date reader takes the first byte of a word as its lowest");

/// Eight bytes of `text` from `at`, the first in the lowest byte.
std::uint64_t word_at(std::string_view text, std::size_t at) noexcept {
  std::uint64_t word = 0;
  std::memcpy(&word, text.data() + at, sizeof(word));
  return word;
}

/// Byte `index` of a word read by word_at.
constexpr unsigned byte_of(std::uint64_t word, unsigned index) noexcept {
  return static_cast<unsigned>(word >> (8 * index)) & 0xffu;
}

/// `value` at byte `index` of a word.
constexpr std::uint64_t at_byte(unsigned index, unsigned char value) noexcept {
  return std::uint64_t{value} << (8 * index);
}

/// True when the bytes of `word` picked by `mask` hold exactly `expected`, and every other byte is a
/// decimal digit. A byte minus '0' wraps past 0x80 below '0', and plus 0x76 reaches 0x80 above '9'.
constexpr bool matches_with_digits(std::uint64_t word, std::uint64_t mask, std::uint64_t expected) noexcept {
  constexpr std::uint64_t ones = 0x0101010101010101ULL;
  const std::uint64_t digits = (word & ~mask) | (ones * '0' & mask);  // separators read as '0' here
  const std::uint64_t values = digits - ones * '0';
  return (word & mask) == expected && ((values | (values + ones * 0x76)) & ones * 0x80) == 0;
}

/// The two digits at byte `index` of a word whose digits matches_with_digits checked.
constexpr int two_digits(std::uint64_t word, unsigned index) noexcept {
  return static_cast<int>((byte_of(word, index) - '0') * 10 + (byte_of(word, index + 1) - '0'));
}

/// "YYYY-MM-DD HH:MM:SS" as a local time, if it is one. Every event carries two or three dates: the
/// 14 digits and 5 separators are checked with three word compares, not one branch per byte.
std::optional<std::chrono::local_seconds> parse_local_time(std::string_view text) noexcept {
  if (text.size() != 19) return std::nullopt;
  const std::uint64_t date = word_at(text, 0);   // "YYYY-MM-"
  const std::uint64_t middle = word_at(text, 8);  // "DD HH:MM"
  const std::uint64_t time = word_at(text, 11);  // "HH:MM:SS"
  if (!matches_with_digits(date, at_byte(4, 0xff) | at_byte(7, 0xff), at_byte(4, '-') | at_byte(7, '-')) ||
      !matches_with_digits(middle, at_byte(2, 0xff) | at_byte(5, 0xff), at_byte(2, ' ') | at_byte(5, ':')) ||
      !matches_with_digits(time, at_byte(2, 0xff) | at_byte(5, 0xff), at_byte(2, ':') | at_byte(5, ':'))) {
    return std::nullopt;
  }
  const int year = two_digits(date, 0) * 100 + two_digits(date, 2);
  const int month = two_digits(date, 5);
  const int day = two_digits(middle, 0);
  const int hour = two_digits(time, 0);
  const int minute = two_digits(time, 3);
  const int second = two_digits(time, 6);
  const std::chrono::year_month_day calendar_date{std::chrono::year{year},
                                                  std::chrono::month(static_cast<unsigned>(month)),
                                                  std::chrono::day(static_cast<unsigned>(day))};
  if (!calendar_date.ok() || hour > 23 || minute > 59 || second > 59) return std::nullopt;
  return std::chrono::local_days{calendar_date} + std::chrono::hours{hour} + std::chrono::minutes{minute} +
         std::chrono::seconds{second};
}

}  // namespace

void ReadStatus::DeleteError::operator()(ParseError* error) const noexcept { delete error; }

void JsonPath::append_to(std::string& out) const {
  if (parent_ != nullptr) parent_->append_to(out);
  if (is_index_) {
    out += '[';
    out += std::to_string(index_);
    out += ']';
    return;
  }
  if (key_.empty() && parent_ == nullptr) return;
  if (!out.empty()) out += '.';
  out += key_;
}

std::string JsonPath::to_string() const {
  std::string out;
  append_to(out);
  return out;
}

std::string_view describe(simdjson::error_code code, std::string_view expected) noexcept {
  switch (code) {
    case simdjson::INCORRECT_TYPE:
      return expected;
    case simdjson::DEPTH_ERROR:
      return "nesting too deep";
    case simdjson::UTF8_ERROR:
      return "invalid UTF-8";
    case simdjson::EMPTY:
      return "empty document";
    default:
      return "malformed JSON";
  }
}

ParseError JsonValue::error(std::string_view message) const { return {path_->to_string(), std::string(message)}; }

ParseError JsonValue::member_error(std::string_view key, std::string_view message) const {
  return {JsonPath(*path_, key).to_string(), std::string(message)};
}

std::string_view JsonValue::token() { return trim_trailing_space(value_.raw_json_token()); }

simdjson::error_code JsonValue::string_text(std::string_view& out) {
  // The token runs to the next structural character, so once the whitespace after it is trimmed a
  // string's token ends with its closing quote (an unescaped quote always ends a string's token).
  // When the text between the quotes holds no backslash it is the string itself: find() (memchr)
  // checks that in a few vector steps where a byte loop would take one step per byte of a long note.
  //
  // The value is consumed either way: a value left unread is skipped by simdjson without checking
  // what follows it, and a string followed by ':' would then be taken for a key, so that
  // {"a":"b":1} was accepted. get_raw_json_string() consumes the token without unescaping it.
  const std::string_view token = trim_trailing_space(value_.raw_json_token());
  if (token.size() >= 2 && token.front() == '"' && token.back() == '"') {
    const std::string_view inside = token.substr(1, token.size() - 2);
    if (inside.find('\\') == std::string_view::npos) {
      simdjson::ondemand::raw_json_string consumed;
      if (auto code = value_.get_raw_json_string().get(consumed)) return code;
      out = inside;
      return simdjson::SUCCESS;
    }
  }
  return value_.get_string().get(out);
}

Result<bool, ParseError> JsonValue::is_null() {
  simdjson::ondemand::json_type type;
  if (auto code = value_.type().get(type)) return fail(error(describe(code, "malformed JSON")));
  if (type != simdjson::ondemand::json_type::null) return false;
  if (token() != "null") return fail(error("malformed JSON"));
  return true;
}

ReadStatus JsonValue::read(std::int64_t& out) {
  simdjson::ondemand::json_type type;
  if (auto code = value_.type().get(type)) return fail(error(describe(code, "malformed JSON")));
  if (type == simdjson::ondemand::json_type::number) {
    if (value_.get_int64().get(out) == simdjson::SUCCESS) return {};
    return fail(error(is_json_number(token()) ? "expected an integer" : "malformed JSON"));
  }
  if (type == simdjson::ondemand::json_type::string) {
    std::string_view text;
    if (auto code = string_text(text)) return fail(error(describe(code, "expected an integer")));
    if (const auto value = parse_integer_text(text)) {
      out = *value;
      return {};
    }
  }
  return fail(error("expected an integer"));
}

ReadStatus JsonValue::read(std::optional<std::int64_t>& out) {
  std::int64_t value = 0;
  if (value_.get_int64().get(value) == simdjson::SUCCESS) {  // the common case, one step
    out = value;
    return {};
  }
  auto null = is_null();
  if (!null) return fail(null.error());
  if (*null) {
    out.reset();
    return {};
  }
  if (auto status = read(value); !status) return status;
  out = value;
  return {};
}

ReadStatus JsonValue::read(std::string& out) {
  std::string_view text;
  if (auto code = string_text(text)) {
    return fail(error(describe(code, "expected a string")));
  }
  out.assign(text);
  return {};
}

ReadStatus JsonValue::read(std::optional<std::string>& out) {
  std::string_view text;
  const auto code = string_text(text);
  if (code == simdjson::SUCCESS) {
    out.emplace(text);
    return {};
  }
  if (code != simdjson::INCORRECT_TYPE) return fail(error(describe(code, "expected a string")));
  auto null = is_null();
  if (!null) return fail(null.error());
  if (!*null) return fail(error("expected a string"));
  out.reset();
  return {};
}

ReadStatus JsonValue::read(std::optional<bool>& out) {
  simdjson::ondemand::json_type type;
  if (auto code = value_.type().get(type)) return fail(error(describe(code, "malformed JSON")));
  switch (type) {
    case simdjson::ondemand::json_type::null:
      if (token() != "null") return fail(error("malformed JSON"));
      out.reset();
      return {};
    case simdjson::ondemand::json_type::boolean: {
      bool value = false;
      if (auto code = value_.get_bool().get(value)) return fail(error(describe(code, "malformed JSON")));
      out = value;
      return {};
    }
    case simdjson::ondemand::json_type::number: {
      const std::string_view text = token();
      if (!is_json_number(text)) return fail(error("malformed JSON"));
      if (text != "0" && text != "1") return fail(error("expected a boolean"));
      out = text == "1";
      return {};
    }
    case simdjson::ondemand::json_type::string: {
      std::string_view text;
      if (auto code = string_text(text)) return fail(error(describe(code, "malformed JSON")));
      if (text != "0" && text != "1") return fail(error("expected a boolean"));
      out = text == "1";
      return {};
    }
    default:
      return fail(error("expected a boolean"));
  }
}

ReadStatus JsonValue::read_decimal(std::optional<std::string>& out) {
  simdjson::ondemand::json_type type;
  if (auto code = value_.type().get(type)) return fail(error(describe(code, "malformed JSON")));
  if (type == simdjson::ondemand::json_type::null) {
    if (token() != "null") return fail(error("malformed JSON"));
    out.reset();
    return {};
  }
  if (type == simdjson::ondemand::json_type::number) {
    const std::string_view text = token();
    if (!is_json_number(text)) return fail(error("malformed JSON"));
    if (!is_decimal_text(text)) return fail(error("expected a decimal number"));
    out.emplace(text);
    return {};
  }
  if (type == simdjson::ondemand::json_type::string) {
    std::string_view text;
    if (auto code = string_text(text)) return fail(error(describe(code, "malformed JSON")));
    if (!is_decimal_text(text)) return fail(error("expected a decimal number"));
    out.emplace(text);
    return {};
  }
  return fail(error("expected a decimal number"));
}

ReadStatus JsonValue::read_id(std::string& out) {
  simdjson::ondemand::json_type type;
  if (auto code = value_.type().get(type)) return fail(error(describe(code, "malformed JSON")));
  if (type == simdjson::ondemand::json_type::number) {
    std::int64_t value = 0;
    if (value_.get_int64().get(value) != simdjson::SUCCESS) {
      return fail(error(is_json_number(token()) ? "expected a string or an integer" : "malformed JSON"));
    }
    out = std::to_string(value);
    return {};
  }
  if (type == simdjson::ondemand::json_type::string) {
    std::string_view text;
    if (auto code = string_text(text)) return fail(error(describe(code, "malformed JSON")));
    if (text.empty()) return fail(error("expected a non-empty string"));
    out.assign(text);
    return {};
  }
  return fail(error("expected a string or an integer"));
}

ReadStatus JsonValue::read_date(std::optional<std::chrono::sys_seconds>& out, const TimeZone& zone) {
  constexpr std::string_view expected = "expected a date \"YYYY-MM-DD HH:MM:SS\"";
  std::string_view text;
  const auto code = string_text(text);
  if (code == simdjson::INCORRECT_TYPE) {
    auto null = is_null();
    if (!null) return fail(null.error());
    if (!*null) return fail(error(expected));
    out.reset();
    return {};
  }
  if (code != simdjson::SUCCESS) return fail(error(describe(code, expected)));
  if (text.empty() || text == "0000-00-00 00:00:00") {
    out.reset();
    return {};
  }
  const auto local = parse_local_time(text);
  if (!local) return fail(error(expected));
  out = zone.to_sys(*local);
  return {};
}

ReadStatus JsonValue::read_raw(std::string& out) {
  simdjson::ondemand::json_type type;
  if (auto code = value_.type().get(type)) return fail(error(describe(code, "malformed JSON")));
  if (type != simdjson::ondemand::json_type::object && type != simdjson::ondemand::json_type::array) {
    out.assign(token());
    return skip();
  }
  // A container's text runs from its first token to the token after it (a ',' or a '}').
  const char* start = nullptr;
  if (auto code = value_.current_location().get(start)) return fail(error(describe(code, "malformed JSON")));
  if (auto status = skip(); !status) return status;
  const char* end = nullptr;
  if (auto code = value_.current_location().get(end)) return fail(error(describe(code, "malformed JSON")));
  out.assign(trim_trailing_space(std::string_view(start, static_cast<std::size_t>(end - start))));
  return {};
}

ReadStatus JsonValue::skip() {
  simdjson::ondemand::json_type type;
  if (auto code = value_.type().get(type)) return fail(error(describe(code, "malformed JSON")));
  switch (type) {
    case simdjson::ondemand::json_type::object:
      return for_each_field([](std::string_view, JsonValue& member) { return member.skip(); });
    case simdjson::ondemand::json_type::array:
      return for_each_element([](JsonValue& element) { return element.skip(); });
    case simdjson::ondemand::json_type::string: {
      std::string_view ignored;
      if (auto code = string_text(ignored)) return fail(error(describe(code, "malformed JSON")));
      return {};
    }
    case simdjson::ondemand::json_type::number:
      if (!is_json_number(token())) return fail(error("malformed JSON"));
      return {};
    case simdjson::ondemand::json_type::boolean: {
      const std::string_view text = token();
      if (text != "true" && text != "false") return fail(error("malformed JSON"));
      return {};
    }
    case simdjson::ondemand::json_type::null:
      if (token() != "null") return fail(error("malformed JSON"));
      return {};
  }
  return fail(error("malformed JSON"));
}

namespace {

// Buffers grown for a large body are given back once bodies are small again.
constexpr std::size_t retained_bytes = std::size_t{1} << 20;

/// `body` copied into this thread's buffer, followed by simdjson's padding; valid until the next
/// call on this thread. `shrunk` is set when a large buffer was given back (parsers follow suit).
const char* padded_copy(std::string_view body, bool& shrunk) {
  thread_local std::string padded;
  const std::size_t needed = body.size() + simdjson::SIMDJSON_PADDING;
  shrunk = padded.size() > retained_bytes && needed <= retained_bytes;
  if (shrunk) padded = std::string();
  if (padded.size() < needed) padded.resize(needed);
  if (!body.empty()) std::memcpy(padded.data(), body.data(), body.size());  // data() may be null when empty
  std::memset(padded.data() + body.size(), ' ', simdjson::SIMDJSON_PADDING);
  return padded.data();
}

}  // namespace

Result<JsonDocument, ParseError> JsonDocument::open(std::string_view body) {
  thread_local simdjson::ondemand::parser parser;
  bool shrunk = false;
  const char* padded = padded_copy(body, shrunk);
  if (shrunk) parser = simdjson::ondemand::parser();
  simdjson::ondemand::document document;
  // iterate() runs simdjson's stage 1 over the whole body, which also validates UTF-8 (refused as
  // UTF8_ERROR, "invalid UTF-8"): a separate validate_utf8() pass would read the body twice.
  if (auto code = parser.iterate(padded, body.size(), body.size() + simdjson::SIMDJSON_PADDING).get(document)) {
    return fail(ParseError{"", std::string(describe(code, "malformed JSON"))});
  }
  return JsonDocument(std::move(document));
}

// ---------------------------------------------------------------------------------------------
// JsonTree

std::optional<JsonTree> JsonTree::open(std::string_view body) {
  // The parser's depth limit is JsonDocument's: a document the tree accepts nests no deeper than
  // max_json_depth objects and arrays (the root being the first), which JsonDocument accepts too.
  const auto new_parser = [] {
    simdjson::dom::parser parser;
    if (parser.allocate(simdjson::SIMDJSON_PADDING, max_json_depth) != simdjson::SUCCESS) return std::optional<simdjson::dom::parser>();
    return std::optional<simdjson::dom::parser>(std::move(parser));
  };
  thread_local std::optional<simdjson::dom::parser> parser = new_parser();
  bool shrunk = false;
  const char* padded = padded_copy(body, shrunk);
  if (shrunk) parser = new_parser();
  if (!parser) return std::nullopt;
  simdjson::dom::element root;
  // realloc_if_needed = false: the copy above is already padded.
  if (parser->parse(padded, body.size(), false).get(root) != simdjson::SUCCESS) return std::nullopt;
  if (root.type() != simdjson::dom::element_type::OBJECT) return std::nullopt;
  return JsonTree(root);
}

ReadStatus TreeValue::read(std::int64_t& out) const {
  switch (element_.type()) {
    case simdjson::dom::element_type::INT64:
      out = element_.get_int64().value_unsafe();
      return {};
    case simdjson::dom::element_type::STRING:
      if (const auto value = parse_integer_text(element_.get_string().value_unsafe())) {
        out = *value;
        return {};
      }
      return give_up();
    default:
      return give_up();
  }
}

ReadStatus TreeValue::read(std::optional<std::int64_t>& out) const {
  if (element_.type() == simdjson::dom::element_type::NULL_VALUE) {
    out.reset();
    return {};
  }
  std::int64_t value = 0;
  if (auto status = read(value); !status) return status;
  out = value;
  return {};
}

ReadStatus TreeValue::read(std::string& out) const {
  std::string_view text;
  if (element_.get(text) != simdjson::SUCCESS) return give_up();
  out.assign(text);
  return {};
}

ReadStatus TreeValue::read(std::optional<std::string>& out) const {
  switch (element_.type()) {
    case simdjson::dom::element_type::STRING:
      out.emplace(element_.get_string().value_unsafe());
      return {};
    case simdjson::dom::element_type::NULL_VALUE:
      out.reset();
      return {};
    default:
      return give_up();
  }
}

ReadStatus TreeValue::read(std::optional<bool>& out) const {
  switch (element_.type()) {
    case simdjson::dom::element_type::NULL_VALUE:
      out.reset();
      return {};
    case simdjson::dom::element_type::BOOL:
      out = element_.get_bool().value_unsafe();
      return {};
    case simdjson::dom::element_type::STRING: {
      const std::string_view text = element_.get_string().value_unsafe();
      if (text != "0" && text != "1") return give_up();
      out = text == "1";
      return {};
    }
    default:
      return give_up();
  }
}

ReadStatus TreeValue::read_decimal(std::optional<std::string>& out) const {
  switch (element_.type()) {
    case simdjson::dom::element_type::NULL_VALUE:
      out.reset();
      return {};
    case simdjson::dom::element_type::STRING: {
      const std::string_view text = element_.get_string().value_unsafe();
      if (!is_decimal_text(text)) return give_up();
      out.emplace(text);
      return {};
    }
    default:
      return give_up();
  }
}

ReadStatus TreeValue::read_id(std::string& out) const {
  switch (element_.type()) {
    case simdjson::dom::element_type::INT64:
      out = std::to_string(element_.get_int64().value_unsafe());
      return {};
    case simdjson::dom::element_type::STRING: {
      const std::string_view text = element_.get_string().value_unsafe();
      if (text.empty()) return give_up();
      out.assign(text);
      return {};
    }
    default:
      return give_up();
  }
}

ReadStatus TreeValue::read_date(std::optional<std::chrono::sys_seconds>& out, const TimeZone& zone) const {
  switch (element_.type()) {
    case simdjson::dom::element_type::NULL_VALUE:
      out.reset();
      return {};
    case simdjson::dom::element_type::STRING: {
      const std::string_view text = element_.get_string().value_unsafe();
      if (text.empty() || text == "0000-00-00 00:00:00") {
        out.reset();
        return {};
      }
      const auto local = parse_local_time(text);
      if (!local) return give_up();
      out = zone.to_sys(*local);
      return {};
    }
    default:
      return give_up();
  }
}

ReadStatus TreeValue::read_raw(std::string& /*out*/) const { return give_up(); }

}  // namespace hookline::detail
