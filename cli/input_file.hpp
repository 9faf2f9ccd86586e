#pragma once
// Reading the body file a command is given, with a message that says what is wrong with it.

#include <string>

#include "hookline/result.hpp"

namespace hookline::cli {

/// The whole file, or standard input for "-". The error names the path and says why: no such file,
/// a folder, or the system's reason it cannot be read.
[[nodiscard]] Result<std::string, std::string> read_input(const std::string& path);

}  // namespace hookline::cli
