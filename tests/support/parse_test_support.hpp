#pragma once
// Helpers for the platform parser suites: reading samples, the malformed-sample tables of the
// READMEs, and running the `hookline` binary.

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <sstream>
#include <string>
#include <string_view>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#include "run_hookline.hpp"

namespace platform_tests {

using cli_tests::Run;
using cli_tests::run_hookline;
using cli_tests::slurp;

/// The error text of a failed parse, or "" when it succeeded (safe in assertion messages).
template <class ParseResult>
std::string error_of(const ParseResult& result) {
  return result.has_value() ? std::string() : result.error().to_string();
}

/// samples/<platform>.
inline std::filesystem::path samples_dir(std::string_view platform) {
  return std::filesystem::path(HOOKLINE_SAMPLES_DIR) / std::string(platform);
}

/// The `*.json` files directly in `dir`, sorted.
inline std::vector<std::filesystem::path> json_files(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

/// One row of a malformed/README.md table: the file and the exact error it must give.
struct MalformedSample {
  std::string file;
  std::string error;
};

inline std::ostream& operator<<(std::ostream& out, const MalformedSample& sample) { return out << sample.file; }

/// The rows "| `file.json` | what | `error` |" of samples/<platform>/malformed/README.md.
inline std::vector<MalformedSample> malformed_samples(std::string_view platform) {
  std::vector<MalformedSample> rows;
  std::istringstream readme(slurp(samples_dir(platform) / "malformed" / "README.md"));
  for (std::string line; std::getline(readme, line);) {
    if (line.rfind("| `", 0) != 0) continue;
    const std::size_t file_end = line.find('`', 3);
    const std::size_t error_start = line.rfind("| `");
    const std::size_t error_end = line.rfind("` |");
    if (file_end == std::string::npos || error_start == 0 || error_end == std::string::npos) continue;
    rows.push_back({line.substr(3, file_end - 3), line.substr(error_start + 3, error_end - error_start - 3)});
  }
  return rows;
}

}  // namespace platform_tests
