#pragma once
// Runs the built `hookline` binary the way a user would, for the command line tests.

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

namespace cli_tests {

/// What a run of the `hookline` binary gave.
struct Run {
  int exit_code = -1;
  std::string out;
  std::string err;
};

/// The whole file.
inline std::string slurp(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  std::ostringstream content;
  content << file.rdbuf();
  return std::move(content).str();
}

/// The built `hookline` binary, for tests that start it themselves (e.g. in the background).
inline std::string hookline_binary() { return std::string(HOOKLINE_BINARY_DIR) + "/cli/hookline"; }

/// Runs `hookline <arguments>` through the shell, capturing both streams; `environment` (shell
/// assignments such as "SECRET='a b'") is set for that run only.
inline Run run_hookline(const std::string& arguments, const std::string& environment = "") {
  static int counter = 0;
  const auto dir = std::filesystem::temp_directory_path();
  const std::string tag = std::to_string(::getpid()) + "_" + std::to_string(++counter);
  const auto out_path = dir / ("hookline_cli_out_" + tag);
  const auto err_path = dir / ("hookline_cli_err_" + tag);
  const std::string command = environment + " '" + hookline_binary() + "' " + arguments + " >'" + out_path.string() +
                              "' 2>'" + err_path.string() + "'";
  const int status = std::system(command.c_str());
  Run result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.out = slurp(out_path);
  result.err = slurp(err_path);
  std::filesystem::remove(out_path);
  std::filesystem::remove(err_path);
  return result;
}

}  // namespace cli_tests
