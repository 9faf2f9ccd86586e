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

namespace platform_tests {

/// The error text of a failed parse, or "" when it succeeded (safe in assertion messages).
template <class ParseResult>
std::string error_of(const ParseResult& result) {
  return result.ok() ? std::string() : result.error().to_string();
}

/// samples/<platform>.
inline std::filesystem::path samples_dir(std::string_view platform) {
  return std::filesystem::path(HOOKLINE_SAMPLES_DIR) / std::string(platform);
}

/// The whole file.
inline std::string slurp(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  std::ostringstream content;
  content << file.rdbuf();
  return std::move(content).str();
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

/// What a run of the `hookline` binary gave.
struct Run {
  int exit_code = -1;
  std::string out;
  std::string err;
};

/// Runs `hookline <arguments>` through the shell, capturing both streams.
inline Run run_hookline(const std::string& arguments) {
  static int counter = 0;
  const auto dir = std::filesystem::temp_directory_path();
  const std::string tag = std::to_string(::getpid()) + "_" + std::to_string(++counter);
  const auto out_path = dir / ("hookline_platforms_out_" + tag);
  const auto err_path = dir / ("hookline_platforms_err_" + tag);
  const std::string binary = std::string(HOOKLINE_BINARY_DIR) + "/sdk/cli/hookline";
  const std::string command =
      "'" + binary + "' " + arguments + " >'" + out_path.string() + "' 2>'" + err_path.string() + "'";
  const int status = std::system(command.c_str());
  Run result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.out = slurp(out_path);
  result.err = slurp(err_path);
  std::filesystem::remove(out_path);
  std::filesystem::remove(err_path);
  return result;
}

}  // namespace platform_tests
