#include "json_edit.hpp"

#include <simdjson.h>

#include "toolkit/json_writer.hpp"

namespace hookline::cli {

std::string pointer_of(std::string_view dotted) {
  std::string pointer = "/";
  for (const char c : dotted) {
    if (c == '.') {
      pointer += '/';
    } else if (c == '~') {
      pointer += "~0";
    } else if (c == '/') {
      pointer += "~1";
    } else {
      pointer += c;
    }
  }
  return pointer;
}

namespace {

/// The path of a pointer for messages: "/a/b" back to "a.b".
std::string dotted_of(std::string_view pointer) {
  std::string dotted(pointer.substr(pointer.empty() ? 0 : 1));
  for (auto& c : dotted) c = c == '/' ? '.' : c;
  return dotted;
}

bool is_one_json_value(std::string_view text) {
  simdjson::dom::parser parser;
  simdjson::dom::element ignored;
  return parser.parse(simdjson::padded_string(text)).get(ignored) == simdjson::SUCCESS;
}

}  // namespace

Result<std::string, std::string> replace_value(std::string_view json, std::string_view pointer,
                                               std::string_view replacement) {
  const simdjson::padded_string padded(json);
  simdjson::ondemand::parser parser;
  simdjson::ondemand::document document;
  if (parser.iterate(padded).get(document) != simdjson::SUCCESS) return fail(std::string("the body is not JSON"));
  simdjson::ondemand::value value;
  if (document.at_pointer(pointer).get(value) != simdjson::SUCCESS) {
    return fail("no field " + dotted_of(pointer) + " in the body");
  }
  simdjson::ondemand::json_type type;
  if (value.type().get(type) != simdjson::SUCCESS) return fail("cannot read " + dotted_of(pointer));
  std::string_view token;
  simdjson::error_code read = simdjson::SUCCESS;
  if (type == simdjson::ondemand::json_type::object) {
    simdjson::ondemand::object object;
    read = value.get_object().get(object);
    if (read == simdjson::SUCCESS) read = object.raw_json().get(token);
  } else if (type == simdjson::ondemand::json_type::array) {
    simdjson::ondemand::array array;
    read = value.get_array().get(array);
    if (read == simdjson::SUCCESS) read = array.raw_json().get(token);
  } else {
    token = value.raw_json_token();
  }
  if (read != simdjson::SUCCESS) return fail("cannot read " + dotted_of(pointer));
  while (!token.empty() && (token.back() == ' ' || token.back() == '\n' || token.back() == '\r' || token.back() == '\t')) {
    token.remove_suffix(1);
  }
  std::string text(replacement);
  if (type == simdjson::ondemand::json_type::string) {
    if (!(text.size() >= 2 && text.front() == '"' && is_one_json_value(text))) text = toolkit::json_string(text);
  } else if (!is_one_json_value(text)) {
    return fail(dotted_of(pointer) + " is not a string: give it a JSON value (a number, true, false, null, an object...), "
                                     "not " + std::string(replacement));
  }
  const auto offset = static_cast<std::size_t>(token.data() - padded.data());
  std::string out(json);
  out.replace(offset, token.size(), text);
  return out;
}

}  // namespace hookline::cli
