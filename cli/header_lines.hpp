#pragma once
// -H 'Name: value' options, shared by the commands that take extra request headers.

#include <string>
#include <vector>

#include "hookline/headers.hpp"
#include "hookline/result.hpp"

namespace hookline::cli {

/// The headers of -H values "Name: value" (spaces around the value trimmed); the error quotes the
/// first value that is not of that form.
[[nodiscard]] Result<Headers, std::string> parse_header_lines(const std::vector<std::string>& lines);

}  // namespace hookline::cli
