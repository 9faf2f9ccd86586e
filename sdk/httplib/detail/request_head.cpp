#include "detail/request_head.hpp"

#include <algorithm>
#include <array>

#include "toolkit/name_table.hpp"

namespace hookline::detail {
namespace {

/// RFC 9110 §5.6.2 tchar: the characters of a field name.
constexpr std::array<bool, 256> token_characters = [] {
  std::array<bool, 256> table{};
  for (int c = '0'; c <= '9'; ++c) table[static_cast<std::size_t>(c)] = true;
  for (int c = 'A'; c <= 'Z'; ++c) table[static_cast<std::size_t>(c)] = true;
  for (int c = 'a'; c <= 'z'; ++c) table[static_cast<std::size_t>(c)] = true;
  for (const char c : std::string_view("!#$%&'*+-.^_`|~")) table[static_cast<unsigned char>(c)] = true;
  return table;
}();

bool is_token_character(char c) noexcept { return token_characters[static_cast<unsigned char>(c)]; }
bool is_whitespace(char c) noexcept { return c == ' ' || c == '\t'; }
/// The characters that end a run of a request line or a field value: CR, LF and NUL.
bool is_line_special(char c) noexcept { return c == '\r' || c == '\n' || c == '\0'; }

/// The pseudo fields cpp-httplib 0.11.4 adds to a request from the socket; a client's own copy
/// would be the one its get_header_value() returns, so a client's are dropped.
constexpr std::array<std::string_view, 4> pseudo_fields{"REMOTE_ADDR", "REMOTE_PORT", "LOCAL_ADDR", "LOCAL_PORT"};

std::string_view sentence(HeadSyntaxError error) noexcept {
  switch (error) {
    case HeadSyntaxError::nul: return "the request head contains a NUL byte";
    case HeadSyntaxError::bare_cr: return "the request head contains a CR that does not end a line";
    case HeadSyntaxError::bare_lf: return "a line of the request head ends in LF without CR";
    case HeadSyntaxError::obsolete_fold: return "a header line starts with whitespace (obsolete line folding)";
    case HeadSyntaxError::space_before_colon: return "a header field name is followed by whitespace before its colon";
    case HeadSyntaxError::invalid_field_name: return "a header field name is empty or not a token";
    case HeadSyntaxError::missing_colon: return "a header line has no colon";
  }
  return "the request head is malformed";
}

constexpr auto head_syntax_error_names = toolkit::name_table<HeadSyntaxError>({
    {HeadSyntaxError::nul, "nul"},
    {HeadSyntaxError::bare_cr, "bare_cr"},
    {HeadSyntaxError::bare_lf, "bare_lf"},
    {HeadSyntaxError::obsolete_fold, "obsolete_fold"},
    {HeadSyntaxError::space_before_colon, "space_before_colon"},
    {HeadSyntaxError::invalid_field_name, "invalid_field_name"},
    {HeadSyntaxError::missing_colon, "missing_colon"},
});
}  // namespace

std::string_view to_string(HeadSyntaxError error) noexcept {
  return toolkit::name_of(head_syntax_error_names, error, "malformed");
}

HttpResponse head_syntax_refusal(HeadSyntaxError error) {
  auto response = error_response(400, "bad_header_syntax", sentence(error), {{"reason", std::string(to_string(error))}});
  response.close_connection = true;
  return response;
}

HttpResponse unreadable_head_refusal(int status) {
  auto response = status == 414 ? error_response(414, "uri_too_long", "the request target is over 8 KiB")
                  : status >= 500 ? error_response(500, "internal", "internal error")
                                  : error_response(400, "bad_request", "the request line or a header line is malformed or over 8 KiB");
  response.close_connection = true;
  return response;
}

std::string serialize_closing_response(const HttpResponse& response) {
  const std::string_view reason = response.status == 400   ? " Bad Request"
                                  : response.status == 414 ? " URI Too Long"
                                                           : " Internal Server Error";
  std::string bytes = "HTTP/1.1 " + std::to_string(response.status) + std::string(reason);
  bytes += "\r\nContent-Type: " + response.content_type;
  bytes += "\r\nContent-Length: " + std::to_string(response.body.size());
  for (const auto& field : response.headers.fields()) {
    bytes += "\r\n" + field.name + ": " + field.value;
  }
  bytes += "\r\nConnection: close\r\n\r\n";
  bytes += response.body;
  return bytes;
}

void HeadParser::reset(std::size_t max_fields) noexcept {
  state_ = State::request_line;
  error_.reset();
  max_fields_ = max_fields;
  name_.clear();
  value_.clear();
  fields_ = Headers{};
}

void HeadParser::fail(HeadSyntaxError error) noexcept {
  state_ = State::failed;
  error_ = error;
}

void HeadParser::finish_field() {
  while (!value_.empty() && is_whitespace(value_.back())) {
    value_.pop_back();
  }
  const bool pseudo = std::any_of(pseudo_fields.begin(), pseudo_fields.end(),
                                  [this](std::string_view pseudo_name) { return header_name_equals(name_, pseudo_name); });
  if (!pseudo && fields_.size() < max_fields_) {
    fields_.add(name_, value_);
  }
  name_.clear();
  value_.clear();
}

// The connection hands over what it has buffered (usually the whole head at once), so runs of
// plain characters (a field name, a value) are scanned and copied in one go.
std::size_t HeadParser::feed(std::string_view bytes) {
  const char* const first = bytes.data();
  const char* const last = first + bytes.size();
  const char* at = first;
  while (at < last && state_ != State::done && state_ != State::failed) {
    switch (state_) {
      case State::request_line: {
        at = std::find_if(at, last, is_line_special);
        if (at < last) {
          const char c = *at++;
          end_line(c, State::request_line_cr);
        }
        break;
      }
      case State::name: {
        const char* run = at;
        at = std::find_if_not(at, last, is_token_character);
        name_.append(run, at);
        if (at < last) {
          const char c = *at++;
          if (c == ':') {
            state_ = State::value_start;
          } else {
            fail(is_whitespace(c)               ? HeadSyntaxError::space_before_colon
                 : c == '\r' || c == '\n'       ? HeadSyntaxError::missing_colon
                 : c == '\0'                    ? HeadSyntaxError::nul
                                                : HeadSyntaxError::invalid_field_name);
          }
        }
        break;
      }
      case State::value_start:
        at = std::find_if_not(at, last, is_whitespace);
        if (at < last) {
          state_ = State::value;
        }
        break;
      case State::value: {
        const char* run = at;
        at = std::find_if(at, last, is_line_special);
        value_.append(run, at);
        if (at < last) {
          const char c = *at++;
          end_line(c, State::value_cr);
        }
        break;
      }
      case State::request_line_cr:
      case State::value_cr:
      case State::line_start:
      case State::end_cr:
        step(*at++);
        break;
      case State::done:
      case State::failed:
        break;
    }
  }
  return static_cast<std::size_t>(at - first);
}

/// After a run of a request line or value, at `c` (CR, LF or NUL): the CR goes on to `after_cr`.
void HeadParser::end_line(char c, State after_cr) noexcept {
  if (c == '\r') {
    state_ = after_cr;
  } else {
    fail(c == '\n' ? HeadSyntaxError::bare_lf : HeadSyntaxError::nul);
  }
}

/// The states that take one character at a time: after a CR, and at the start of a line.
void HeadParser::step(char c) {
  if (c == '\0') {
    fail(HeadSyntaxError::nul);
    return;
  }
  switch (state_) {
    case State::request_line_cr:
    case State::value_cr:
      if (c != '\n') {
        fail(HeadSyntaxError::bare_cr);
        return;
      }
      if (state_ == State::value_cr) {
        finish_field();
      }
      state_ = State::line_start;
      return;
    case State::line_start:
      if (c == '\r') {
        state_ = State::end_cr;
      } else if (is_token_character(c)) {
        name_ += c;
        state_ = State::name;
      } else {
        fail(is_whitespace(c) ? HeadSyntaxError::obsolete_fold
             : c == '\n'      ? HeadSyntaxError::bare_lf
                              : HeadSyntaxError::invalid_field_name);
      }
      return;
    case State::end_cr:
      if (c == '\n') {
        state_ = State::done;
      } else {
        fail(HeadSyntaxError::bare_cr);
      }
      return;
    default:
      return;
  }
}

}  // namespace hookline::detail
