#include "header_lines.hpp"

#include <string_view>

namespace hookline::cli {

namespace {

std::string_view trim(std::string_view text) noexcept {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) text.remove_suffix(1);
  return text;
}

}  // namespace

Result<Headers, std::string> parse_header_lines(const std::vector<std::string>& lines) {
  Headers headers;
  for (const auto& line : lines) {
    const auto colon = line.find(':');
    const auto name = trim(std::string_view(line).substr(0, colon == std::string::npos ? 0 : colon));
    if (colon == std::string::npos || name.empty() || name.find_first_of(" \t") != std::string_view::npos) {
      return fail("a header must look like 'Name: value', not '" + line + "'");
    }
    headers.add(std::string(name), std::string(trim(std::string_view(line).substr(colon + 1))));
  }
  return headers;
}

}  // namespace hookline::cli
