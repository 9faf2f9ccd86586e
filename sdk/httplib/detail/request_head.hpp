#pragma once
// The head of a request (request line and header fields) checked against RFC 9112's syntax as the
// connection receives it, before cpp-httplib reads it, with its fields kept exactly as sent.
//
// A proxy in front may read a malformed head differently from cpp-httplib 0.11.4 (request
// smuggling): 0.11.4 takes "Transfer-Encoding : chunked" for a field named "Transfer-Encoding ",
// reads a folded line as a field of its own, skips a line that ends in a bare LF, keeps a NUL, and
// percent-decodes every field value. So the head is refused on any of those, and the fields the
// adapter screens and passes on are the ones parsed here, byte for byte.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "hookline/headers.hpp"
#include "hookline/receiver.hpp"

namespace hookline::detail {

/// Why a request head is refused (RFC 9112 §2.2, §5.1, §5.2 and RFC 9110 §5.5).
enum class HeadSyntaxError : std::uint8_t {
  nul,                 ///< a NUL byte anywhere in the head
  bare_cr,             ///< a CR that is not followed by LF
  bare_lf,             ///< a LF that does not follow a CR
  obsolete_fold,       ///< a field line that starts with SP or HTAB (obsolete line folding)
  space_before_colon,  ///< whitespace between a field name and its colon
  invalid_field_name,  ///< an empty field name, or one with a character that is not a token character
  missing_colon,       ///< a field line without a colon
};

/// The error's name in snake_case, e.g. "obsolete_fold" (the `reason` of the 400's body).
[[nodiscard]] std::string_view to_string(HeadSyntaxError error) noexcept;

/// The 400 that answers a head with `error`: the one error body, and the connection closes.
[[nodiscard]] HttpResponse head_syntax_refusal(HeadSyntaxError error);

/// The answer, in the one error body, for a head cpp-httplib itself could not parse and answered
/// with a bare `status` (400: a bad request line or a header line over 8 KiB; 414: a request target
/// over 8 KiB); the connection closes.
[[nodiscard]] HttpResponse unreadable_head_refusal(int status);

/// The bytes of `response` (a 400, 414 or 500) as an HTTP/1.1 response of its own: status line,
/// Content-Type, Content-Length, its extra fields, Connection: close, then the body. For answers
/// sent without cpp-httplib (it never parsed the request).
[[nodiscard]] std::string serialize_closing_response(const HttpResponse& response);

/// Follows one request head through its bytes. reset() before each request; feed() the bytes as
/// they arrive, in pieces of any size, until complete() or error(); take_fields() then gives the fields.
class HeadParser {
 public:
  /// Starts a new head. At most `max_fields` fields are kept (ReceiverLimits::max_header_count + 1
  /// is enough for the screen to refuse a flood); the REMOTE_ADDR-like names cpp-httplib uses for
  /// its own pseudo fields are never kept.
  void reset(std::size_t max_fields) noexcept;

  /// Takes the next bytes of the connection; returns how many of them belong to the head (all of
  /// them until its blank line; none once it is complete or refused).
  std::size_t feed(std::string_view bytes);

  /// True once the blank line that ends the head went by.
  [[nodiscard]] bool complete() const noexcept { return state_ == State::done; }
  /// Why the head is refused, once it is.
  [[nodiscard]] std::optional<HeadSyntaxError> error() const noexcept { return error_; }
  /// The fields kept so far, in arrival order, values without their surrounding whitespace; moves them out.
  [[nodiscard]] Headers take_fields() noexcept { return std::move(fields_); }

 private:
  enum class State : std::uint8_t { request_line, request_line_cr, line_start, name, value_start, value, value_cr, end_cr, done, failed };

  void fail(HeadSyntaxError error) noexcept;
  void end_line(char c, State after_cr) noexcept;
  void step(char c);
  void finish_field();

  State state_ = State::request_line;
  std::optional<HeadSyntaxError> error_;
  std::size_t max_fields_ = 0;
  std::string name_;
  std::string value_;
  Headers fields_;
};

}  // namespace hookline::detail
