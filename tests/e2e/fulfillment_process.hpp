#pragma once
// Runs the real hookline-fulfillment binary as a child process for the crash and restart suites:
// secrets in its environment, its JSON-lines log in a file, its port read back from the log.

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace fulfillment_test {

/// The binary under test.
inline std::filesystem::path fulfillment_binary() {
  return std::filesystem::path(HOOKLINE_BINARY_DIR) / "reference-app" / "hookline-fulfillment";
}

/// A running hookline-fulfillment; killed with SIGKILL if still running when destroyed.
class ChildServer {
 public:
  /// Starts the binary with `args`, the environment `env` (NAME=value), stderr and stdout to `log`.
  ChildServer(const std::vector<std::string>& args, const std::vector<std::string>& env, std::filesystem::path log)
      : ChildServer(fulfillment_binary(), args, env, std::move(log)) {}
  /// Starts `binary` (another program a suite runs beside the server) the same way.
  ChildServer(const std::filesystem::path& binary, const std::vector<std::string>& args,
              const std::vector<std::string>& env, std::filesystem::path log)
      : log_(std::move(log)) {
    // Everything the child needs is made before fork(): it only redirects and execs.
    const std::string program = binary.string();
    std::vector<char*> argv{const_cast<char*>(program.c_str())};
    for (const auto& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    std::vector<char*> envp;
    for (const auto& entry : env) envp.push_back(const_cast<char*>(entry.c_str()));
    envp.push_back(nullptr);
    pid_ = fork();
    if (pid_ == 0) {
      const int fd = open(log_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
      dup2(fd, 1);
      dup2(fd, 2);
      execve(program.c_str(), argv.data(), envp.data());
      _exit(127);
    }
  }
  ~ChildServer() {
    if (running()) {
      kill(pid_, SIGKILL);
      wait_exit(std::chrono::seconds(10));
    }
  }
  ChildServer(const ChildServer&) = delete;
  ChildServer& operator=(const ChildServer&) = delete;

  /// A port from the log's "listening" line (`field`: "port", the public one, or "admin_port"), once
  /// it appears; 0 on timeout or exit.
  int wait_for_port(std::chrono::milliseconds timeout, std::size_t skip_lines_before = 0,
                    const std::string& field = "port") {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline && running()) {
      std::ifstream in(log_);
      std::string line;
      std::size_t number = 0;
      while (std::getline(in, line)) {
        if (number++ < skip_lines_before) continue;
        if (line.find("\"msg\":\"listening\"") == std::string::npos) continue;
        const std::string needle = "\"" + field + "\":\"";
        const auto at = line.find(needle);
        if (at != std::string::npos) return std::stoi(line.substr(at + needle.size()));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return 0;
  }
  /// The process id.
  [[nodiscard]] pid_t pid() const noexcept { return pid_; }
  /// Sends a signal.
  void signal(int number) const { kill(pid_, number); }
  /// True while the process has not exited.
  bool running() {
    if (exit_status_) return false;
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      exit_status_ = status;
      return false;
    }
    return true;
  }
  /// Waits for the exit; the wait status, or nothing on timeout.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (running() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return exit_status_;
  }

 private:
  std::filesystem::path log_;
  pid_t pid_ = -1;
  std::optional<int> exit_status_;
};

/// Lines in a file so far.
inline std::size_t line_count(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::size_t count = 0;
  std::string line;
  while (std::getline(in, line)) ++count;
  return count;
}

/// The whole text of a file.
inline std::string file_text(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace fulfillment_test
