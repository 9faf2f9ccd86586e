#include "detail/json_reader.hpp"

#include <charconv>
#include <cstdint>
#include <cstring>
#include <string>

#include "toolkit/dates.hpp"

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

/// Why a number's text cannot be read as wanted.
enum class NumberProblem {
  none,          ///< it can
  not_a_number,  ///< the text is no number
  fraction,      ///< an integer was wanted and the value has a fractional part
  out_of_range,  ///< beyond a 64-bit integer, or a decimal of more than max_decimal_digits digits
};

/// Decimals (amounts) longer than this many digits are refused rather than kept.
constexpr std::int64_t max_decimal_digits = 40;

/// A number's text split into its parts: -?digits(.digits)?([eE][+-]?digits)?. Leading zeros are
/// let through (strings such as VRIO's "007" carry them; a JSON number token was checked by
/// is_json_number first). The value is 0.<digits> x 10^point, the digits being those of the integer
/// part then of the fraction.
struct NumberParts {
  bool negative = false;
  std::string_view integer;
  std::string_view fraction;
  std::int64_t point = 0;  ///< Where the decimal point falls in integer+fraction, the exponent applied.
};

/// Exponents beyond this many places make any value out of range (or a fraction) for every reader.
constexpr std::int64_t exponent_limit = 1'000'000;

std::optional<NumberParts> split_number(std::string_view text) noexcept {
  NumberParts parts;
  std::size_t at = 0;
  const auto digits = [&] {
    const std::size_t start = at;
    while (at < text.size() && is_digit(text[at])) ++at;
    return text.substr(start, at - start);
  };
  if (at < text.size() && text[at] == '-') {
    parts.negative = true;
    ++at;
  }
  parts.integer = digits();
  if (parts.integer.empty()) return std::nullopt;
  if (at < text.size() && text[at] == '.') {
    ++at;
    parts.fraction = digits();
    if (parts.fraction.empty()) return std::nullopt;
  }
  std::int64_t exponent = 0;
  if (at < text.size() && (text[at] == 'e' || text[at] == 'E')) {
    ++at;
    bool negative_exponent = false;
    if (at < text.size() && (text[at] == '+' || text[at] == '-')) negative_exponent = text[at++] == '-';
    const std::string_view exponent_digits = digits();
    if (exponent_digits.empty()) return std::nullopt;
    for (const char c : exponent_digits) {
      exponent = std::min<std::int64_t>(exponent * 10 + (c - '0'), exponent_limit);
    }
    if (negative_exponent) exponent = -exponent;
  }
  if (at != text.size()) return std::nullopt;
  parts.point = static_cast<std::int64_t>(parts.integer.size()) + exponent;
  return parts;
}

/// Digit `index` of integer+fraction.
char digit_at(const NumberParts& parts, std::size_t index) noexcept {
  return index < parts.integer.size() ? parts.integer[index] : parts.fraction[index - parts.integer.size()];
}

/// `text` (a number's text, in any form JSON allows) as an exact 64-bit integer.
NumberProblem integer_of(std::string_view text, std::int64_t& out) noexcept {
  const auto parts = split_number(text);
  if (!parts) return NumberProblem::not_a_number;
  const std::size_t count = parts->integer.size() + parts->fraction.size();
  std::size_t first = 0;  // the first non-zero digit
  while (first < count && digit_at(*parts, first) == '0') ++first;
  if (first == count) {  // 0, -0, 0.000, 0e5
    out = 0;
    return NumberProblem::none;
  }
  const std::int64_t point = parts->point;
  if (point <= static_cast<std::int64_t>(first)) return NumberProblem::fraction;
  for (std::size_t i = static_cast<std::size_t>(point); i < count; ++i) {
    if (digit_at(*parts, i) != '0') return NumberProblem::fraction;
  }
  if (point - static_cast<std::int64_t>(first) > 19) return NumberProblem::out_of_range;
  const std::uint64_t limit = parts->negative ? std::uint64_t{1} << 63 : (std::uint64_t{1} << 63) - 1;
  std::uint64_t magnitude = 0;
  for (std::int64_t i = static_cast<std::int64_t>(first); i < point; ++i) {
    const auto index = static_cast<std::size_t>(i);
    const unsigned digit = index < count ? static_cast<unsigned>(digit_at(*parts, index) - '0') : 0U;
    if (magnitude > (limit - digit) / 10) return NumberProblem::out_of_range;
    magnitude = magnitude * 10 + digit;
  }
  out = parts->negative ? static_cast<std::int64_t>(~magnitude + 1) : static_cast<std::int64_t>(magnitude);
  return NumberProblem::none;
}

/// `text` (a number's text, in any form JSON allows) as plain decimal text: no exponent, no
/// leading zeros, no sign on zero, the fraction's digits kept ("2.0e1" -> "20", "1.50e1" -> "15.0",
/// "1.5e-1" -> "0.15", "-0" -> "0", "007.50" -> "7.50"). Plain text is kept as it is.
NumberProblem decimal_of(std::string_view text, std::string& out) {
  const auto parts = split_number(text);
  if (!parts) return NumberProblem::not_a_number;
  const auto count = static_cast<std::int64_t>(parts->integer.size() + parts->fraction.size());
  const std::int64_t point = parts->point;
  if (point > max_decimal_digits || point < -max_decimal_digits) return NumberProblem::out_of_range;
  std::string integer;
  for (std::int64_t i = 0; i < point; ++i) integer += i < count ? digit_at(*parts, static_cast<std::size_t>(i)) : '0';
  const std::size_t nonzero = integer.find_first_not_of('0');
  integer.erase(0, nonzero == std::string::npos ? integer.size() : nonzero);
  std::string fraction;
  for (std::int64_t i = std::min<std::int64_t>(point, 0); i < 0; ++i) fraction += '0';
  for (std::int64_t i = std::max<std::int64_t>(point, 0); i < count; ++i) fraction += digit_at(*parts, static_cast<std::size_t>(i));
  if (static_cast<std::int64_t>(integer.size() + fraction.size()) > max_decimal_digits) return NumberProblem::out_of_range;
  const bool zero = integer.empty() && fraction.find_first_not_of('0') == std::string::npos;
  out.clear();
  if (parts->negative && !zero) out += '-';
  out += integer.empty() ? "0" : integer;
  if (!fraction.empty()) {
    out += '.';
    out += fraction;
  }
  return NumberProblem::none;
}

/// At most 32 bytes of a number's text, for an error message.
std::string shown(std::string_view text) {
  return text.size() <= 32 ? std::string(text) : std::string(text.substr(0, 32)) + "...";
}

/// The error of a number that is not an exact integer; `expected` as "expected an integer".
std::string integer_problem(std::string_view expected, NumberProblem problem, std::string_view text) {
  if (problem == NumberProblem::out_of_range) {
    return std::string(expected) + " from -9223372036854775808 to 9223372036854775807, got " + shown(text);
  }
  if (problem == NumberProblem::fraction) return std::string(expected) + ", got " + shown(text);
  return std::string(expected);
}

/// The error of a decimal that cannot be kept.
std::string decimal_problem(NumberProblem problem, std::string_view text) {
  if (problem == NumberProblem::out_of_range) {
    return "expected a decimal number of at most " + std::to_string(max_decimal_digits) + " digits, got " + shown(text);
  }
  return "expected a decimal number";
}

/// A flag sent as a number (in any form) or a string of one: 0 or 1.
std::optional<bool> flag_of(std::string_view text) noexcept {
  std::int64_t value = 0;
  if (integer_of(text, value) != NumberProblem::none || (value != 0 && value != 1)) return std::nullopt;
  return value == 1;
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

ReadStatus JsonValue::read_integer(std::int64_t& out, std::string_view expected) {
  simdjson::ondemand::json_type type;
  if (auto code = value_.type().get(type)) return fail(error(describe(code, "malformed JSON")));
  if (type == simdjson::ondemand::json_type::number) {
    if (value_.get_int64().get(out) == simdjson::SUCCESS) return {};  // plain integers, one step
    const std::string_view text = token();
    if (!is_json_number(text)) return fail(error("malformed JSON"));
    const NumberProblem problem = integer_of(text, out);
    if (problem != NumberProblem::none) return fail(error(integer_problem(expected, problem, text)));
    return {};
  }
  if (type == simdjson::ondemand::json_type::string) {
    std::string_view text;
    if (auto code = string_text(text)) return fail(error(describe(code, expected)));
    const NumberProblem problem = integer_of(text, out);
    if (problem == NumberProblem::none) return {};
    return fail(error(integer_problem(expected, problem, "\"" + shown(text) + "\"")));
  }
  return fail(error(expected));
}

bool JsonValue::is_object() noexcept {
  simdjson::ondemand::json_type type;
  return value_.type().get(type) == simdjson::SUCCESS && type == simdjson::ondemand::json_type::object;
}

ReadStatus JsonValue::read(std::int64_t& out) { return read_integer(out, "expected an integer"); }

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
      const auto flag = flag_of(text);
      if (!flag) return fail(error("expected a boolean"));
      out = *flag;
      return {};
    }
    case simdjson::ondemand::json_type::string: {
      std::string_view text;
      if (auto code = string_text(text)) return fail(error(describe(code, "malformed JSON")));
      const auto flag = flag_of(text);
      if (!flag) return fail(error("expected a boolean"));
      out = *flag;
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
    const NumberProblem problem = decimal_of(text, out.emplace());
    if (problem != NumberProblem::none) return fail(error(decimal_problem(problem, text)));
    return {};
  }
  if (type == simdjson::ondemand::json_type::string) {
    std::string_view text;
    if (auto code = string_text(text)) return fail(error(describe(code, "malformed JSON")));
    const NumberProblem problem = decimal_of(text, out.emplace());
    if (problem != NumberProblem::none) return fail(error(decimal_problem(problem, "\"" + shown(text) + "\"")));
    return {};
  }
  return fail(error("expected a decimal number"));
}

ReadStatus JsonValue::read_id_text(std::string& out, bool empty_allowed) {
  simdjson::ondemand::json_type type;
  if (auto code = value_.type().get(type)) return fail(error(describe(code, "malformed JSON")));
  if (type == simdjson::ondemand::json_type::number) {
    std::int64_t value = 0;
    if (auto status = read_integer(value, "expected a string or an integer"); !status) return status;
    out = std::to_string(value);
    return {};
  }
  if (type == simdjson::ondemand::json_type::string) {
    std::string_view text;
    if (auto code = string_text(text)) return fail(error(describe(code, "malformed JSON")));
    if (text.empty() && !empty_allowed) return fail(error("expected a non-empty string"));
    out.assign(text);
    return {};
  }
  return fail(error("expected a string or an integer"));
}

ReadStatus JsonValue::read_id(std::string& out) { return read_id_text(out, false); }

ReadStatus JsonValue::read_optional_id(std::optional<std::string>& out) {
  auto null = is_null();
  if (!null) return fail(null.error());
  std::string text;
  if (!*null) {
    if (auto status = read_id_text(text, true); !status) return status;
  }
  if (text.empty()) {
    out.reset();
  } else {
    out = std::move(text);
  }
  return {};
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
  const auto local = toolkit::parse_date_time(text);
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

std::string_view byte_order_mark_error(std::string_view body) noexcept {
  if (body.substr(0, 3) == "\xEF\xBB\xBF") {
    return "the body starts with a UTF-8 byte-order mark (bytes EF BB BF), which JSON forbids (RFC 8259, "
           "section 8.1): send or save the body without it, or strip those 3 bytes before parsing";
  }
  if (body.substr(0, 2) == "\xFE\xFF" || body.substr(0, 2) == "\xFF\xFE") {
    return "the body starts with a UTF-16 byte-order mark: webhook bodies must be UTF-8 JSON without a "
           "byte-order mark; re-encode the body as UTF-8";
  }
  return {};
}

Result<JsonDocument, ParseError> JsonDocument::open(std::string_view body) {
  if (const std::string_view bom = byte_order_mark_error(body); !bom.empty()) return fail(ParseError{"", std::string(bom)});
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
  if (!byte_order_mark_error(body).empty()) return std::nullopt;  // JsonDocument reports it
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
      if (integer_of(element_.get_string().value_unsafe(), out) == NumberProblem::none) return {};
      return give_up();
    default:  // a number in another form: its exact text decides
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
      const auto flag = flag_of(element_.get_string().value_unsafe());
      if (!flag) return give_up();
      out = *flag;
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
    case simdjson::dom::element_type::STRING:
      if (decimal_of(element_.get_string().value_unsafe(), out.emplace()) != NumberProblem::none) return give_up();
      return {};
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
      const auto local = toolkit::parse_date_time(text);
      if (!local) return give_up();
      out = zone.to_sys(*local);
      return {};
    }
    default:
      return give_up();
  }
}

ReadStatus TreeValue::read_raw(std::string& /*out*/) const { return give_up(); }

std::string compact_json(std::string_view json) {
  std::string out(json.size(), '\0');
  std::size_t length = 0;
  if (simdjson::minify(json.data(), json.size(), out.data(), length) != simdjson::SUCCESS) {
    return std::string(json);  // the reader let through only valid JSON; kept as it came otherwise
  }
  out.resize(length);
  return out;
}

}  // namespace hookline::detail
