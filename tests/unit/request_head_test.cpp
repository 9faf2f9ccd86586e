// The HTTP adapter's request head check (sdk/httplib/detail/request_head.hpp) without a network:
// each head as one piece, a byte at a time and split at every place gives the same fields or the
// same refusal, the head's end is found exactly, and a flood keeps at most its cap of fields.

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "detail/request_head.hpp"
#include "printing.hpp"

namespace hookline::detail {
inline std::ostream& operator<<(std::ostream& out, HeadSyntaxError error) { return out << to_string(error); }
}  // namespace hookline::detail

namespace {

using namespace hookline;
using namespace hookline::detail;
using namespace std::string_literals;

using Fields = std::vector<std::pair<std::string, std::string>>;

/// What the parser made of `head` fed in the pieces that start at `cuts` (offsets, ascending).
struct Outcome {
  bool complete = false;
  std::optional<HeadSyntaxError> error;
  std::size_t used = 0;
  Fields fields;

  bool operator==(const Outcome&) const = default;
};

std::ostream& operator<<(std::ostream& out, const Outcome& outcome) {
  out << (outcome.complete ? "complete" : "incomplete") << " used=" << outcome.used << " error="
      << (outcome.error ? std::string(to_string(*outcome.error)) : "none");
  for (const auto& [name, value] : outcome.fields) out << " [" << name << ": " << value << "]";
  return out;
}

Outcome parse(const std::string& head, const std::vector<std::size_t>& cuts, std::size_t max_fields = 65) {
  HeadParser parser;
  parser.reset(max_fields);
  Outcome outcome;
  std::size_t from = 0;
  for (std::size_t piece = 0; piece <= cuts.size() && !parser.complete() && !parser.error(); ++piece) {
    const std::size_t to = piece < cuts.size() ? cuts[piece] : head.size();
    outcome.used += parser.feed(std::string_view(head).substr(from, to - from));
    from = to;
  }
  outcome.complete = parser.complete();
  outcome.error = parser.error();
  const Headers fields = parser.take_fields();
  for (const auto& field : fields.fields()) outcome.fields.emplace_back(field.name, field.value);
  return outcome;
}

/// Every way of feeding `head` checked against feeding it whole: byte by byte, and in two pieces
/// cut at each place.
void check_every_split(const std::string& head, const Outcome& expected) {
  BOOST_TEST(parse(head, {}) == expected);
  std::vector<std::size_t> bytes;
  for (std::size_t at = 1; at < head.size(); ++at) bytes.push_back(at);
  BOOST_TEST(parse(head, bytes) == expected);
  for (std::size_t at = 1; at < head.size(); ++at) {
    BOOST_TEST(parse(head, {at}) == expected, "cut at " << at);
  }
}

struct ValidHead {
  const char* name;
  std::string head;
  Fields fields;
};
std::ostream& operator<<(std::ostream& out, const ValidHead& c) { return out << c.name; }

const ValidHead valid_heads[] = {
    {"no_fields", "GET / HTTP/1.1\r\n\r\n", {}},
    {"fields_with_and_without_spaces", "POST /webhooks/vrio HTTP/1.1\r\nHost: x\r\nContent-Length:5\r\nX-A: \t v \t\r\n\r\n",
     {{"Host", "x"}, {"Content-Length", "5"}, {"X-A", "v"}}},
    {"empty_value", "GET / HTTP/1.1\r\nX-Empty:\r\nX-Blank:   \r\n\r\n", {{"X-Empty", ""}, {"X-Blank", ""}}},
    {"values_kept_byte_for_byte", "GET / HTTP/1.1\r\nX-A: a%41 b,\"c\"\x80\r\n\r\n"s, {{"X-A", "a%41 b,\"c\"\x80"s}}},
    {"inner_whitespace_kept", "GET / HTTP/1.1\r\nX-A: a \t b\r\n\r\n", {{"X-A", "a \t b"}}},
    {"token_characters", "GET / HTTP/1.1\r\n!#$%&'*+-.^_`|~09azAZ: t\r\n\r\n", {{"!#$%&'*+-.^_`|~09azAZ", "t"}}},
    {"pseudo_fields_dropped", "GET / HTTP/1.1\r\nREMOTE_ADDR: 6.6.6.6\r\nremote_port: 1\r\nLocal_Addr: x\r\nLOCAL_PORT: 2\r\nX: y\r\n\r\n",
     {{"X", "y"}}},
};

struct MalformedHead {
  const char* name;
  std::string head;
  HeadSyntaxError error;
};
std::ostream& operator<<(std::ostream& out, const MalformedHead& c) { return out << c.name; }

const MalformedHead malformed_heads[] = {
    {"nul_in_request_line", "GET /\0 HTTP/1.1\r\n\r\n"s, HeadSyntaxError::nul},
    {"bare_lf_after_request_line", "GET / HTTP/1.1\nHost: x\r\n\r\n", HeadSyntaxError::bare_lf},
    {"bare_cr_in_request_line", "GET /\r HTTP/1.1\r\n\r\n", HeadSyntaxError::bare_cr},
    {"space_before_colon", "GET / HTTP/1.1\r\nTransfer-Encoding : chunked\r\n\r\n", HeadSyntaxError::space_before_colon},
    {"tab_before_colon", "GET / HTTP/1.1\r\nHost\t: x\r\n\r\n", HeadSyntaxError::space_before_colon},
    {"obsolete_fold", "GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n", HeadSyntaxError::obsolete_fold},
    {"whitespace_before_the_first_field", "GET / HTTP/1.1\r\n Host: x\r\n\r\n", HeadSyntaxError::obsolete_fold},
    {"nul_in_value", "GET / HTTP/1.1\r\nX: a\0b\r\n\r\n"s, HeadSyntaxError::nul},
    {"nul_in_name", "GET / HTTP/1.1\r\nX\0: a\r\n\r\n"s, HeadSyntaxError::nul},
    {"nul_at_line_start", "GET / HTTP/1.1\r\n\0X: a\r\n\r\n"s, HeadSyntaxError::nul},
    {"nul_after_cr", "GET / HTTP/1.1\r\nX: a\r\0\r\n\r\n"s, HeadSyntaxError::nul},
    {"bare_cr_in_value", "GET / HTTP/1.1\r\nX: a\rb\r\n\r\n", HeadSyntaxError::bare_cr},
    {"bare_lf_in_value", "GET / HTTP/1.1\r\nX: a\nTransfer-Encoding: chunked\r\n\r\n", HeadSyntaxError::bare_lf},
    {"bare_lf_ends_the_head", "GET / HTTP/1.1\r\nX: a\r\n\n", HeadSyntaxError::bare_lf},
    {"bare_cr_ends_the_head", "GET / HTTP/1.1\r\nX: a\r\n\rX", HeadSyntaxError::bare_cr},
    {"missing_colon", "GET / HTTP/1.1\r\nX-Note\r\n\r\n", HeadSyntaxError::missing_colon},
    {"empty_name", "GET / HTTP/1.1\r\n: a\r\n\r\n", HeadSyntaxError::invalid_field_name},
    {"name_not_a_token", "GET / HTTP/1.1\r\nX(1): a\r\n\r\n", HeadSyntaxError::invalid_field_name},
    {"name_with_a_non_ascii_byte", "GET / HTTP/1.1\r\nX\xC3\xA9: a\r\n\r\n", HeadSyntaxError::invalid_field_name},
};

}  // namespace

BOOST_AUTO_TEST_SUITE(request_head)

BOOST_DATA_TEST_CASE(a_valid_head_gives_its_fields_however_it_is_cut, boost::unit_test::data::make(valid_heads), c) {
  check_every_split(c.head, Outcome{true, std::nullopt, c.head.size(), c.fields});
}

BOOST_DATA_TEST_CASE(a_malformed_head_is_refused_at_its_first_bad_byte_however_it_is_cut,
                     boost::unit_test::data::make(malformed_heads), c) {
  const auto whole = parse(c.head, {});
  BOOST_TEST(whole.error == std::optional<HeadSyntaxError>(c.error));
  BOOST_TEST(!whole.complete);
  check_every_split(c.head, whole);
}

BOOST_AUTO_TEST_CASE(the_head_ends_at_its_blank_line_and_the_body_is_not_read) {
  const std::string head = "POST / HTTP/1.1\r\nContent-Length: 9\r\n\r\n";
  const std::string request = head + "\0\r\n : bad"s;  // a body that would be a malformed head
  const auto outcome = parse(request, {});
  BOOST_TEST(outcome.complete);
  BOOST_TEST(!outcome.error.has_value());
  BOOST_TEST(outcome.used == head.size());
  BOOST_TEST(parse(request, {head.size() - 1}) == outcome);
}

BOOST_AUTO_TEST_CASE(an_unfinished_head_is_neither_complete_nor_refused) {
  const auto outcome = parse("GET / HTTP/1.1\r\nX: a\r\n", {});
  BOOST_TEST(!outcome.complete);
  BOOST_TEST(!outcome.error.has_value());
  BOOST_TEST(outcome.fields == (Fields{{"X", "a"}}));
}

BOOST_AUTO_TEST_CASE(a_field_flood_keeps_at_most_the_cap) {
  std::string head = "GET / HTTP/1.1\r\n";
  for (int i = 0; i < 1000; ++i) head += "X-" + std::to_string(i) + ": v\r\n";
  head += "\r\n";
  const auto outcome = parse(head, {}, 65);
  BOOST_TEST(outcome.complete);
  BOOST_TEST(outcome.fields.size() == 65U);
  BOOST_TEST(outcome.fields.back().first == "X-64");
}

BOOST_AUTO_TEST_CASE(reset_starts_a_new_head) {
  HeadParser parser;
  parser.reset(65);
  (void)parser.feed("GET / HTTP/1.1\r\nX : bad\r\n\r\n");
  BOOST_REQUIRE(parser.error());
  parser.reset(65);
  BOOST_TEST(parser.feed("GET / HTTP/1.1\r\nX: good\r\n\r\n") == 27U);
  BOOST_TEST(parser.complete());
  BOOST_TEST(parser.take_fields().get("X") == std::optional<std::string_view>("good"));
}

BOOST_AUTO_TEST_CASE(the_refusal_is_the_one_error_body_and_closes) {
  const auto response = head_syntax_refusal(HeadSyntaxError::obsolete_fold);
  BOOST_TEST(response.status == 400);
  BOOST_TEST(response.close_connection);
  BOOST_TEST(response.body ==
             R"json({"error":{"code":"bad_header_syntax","message":"a header line starts with whitespace (obsolete line folding)","reason":"obsolete_fold"}})json");
  const auto bytes = serialize_closing_response(response);
  BOOST_TEST(bytes.starts_with("HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: " +
                               std::to_string(response.body.size()) + "\r\nConnection: close\r\n\r\n"));
  BOOST_TEST(bytes.ends_with(response.body));
}

BOOST_AUTO_TEST_SUITE_END()
