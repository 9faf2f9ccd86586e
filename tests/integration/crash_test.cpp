// Crash recovery through the real process: a receiver (hookline_crash_receiver) is killed with
// SIGKILL in the middle of a burst of deliveries, twice, and restarted on the same files each time.
// Every delivery it acknowledged must be handled after the restarts, and no effect applied twice.

#include <boost/test/unit_test.hpp>

#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <SQLiteCpp/SQLiteCpp.h>

#include "http_test_support.hpp"
#include "inbox_test_support.hpp"

extern char** environ;

namespace {

using namespace std::chrono_literals;
using hookline::test::RawConnection;
using hookline::test::signed_post;
using hookline::test::vrio_body;

/// A hookline_crash_receiver child process serving on a port it reports.
class ReceiverProcess {
 public:
  explicit ReceiverProcess(const std::filesystem::path& dir) {
    ::setenv("HOOKLINE_SECRET", std::string(hookline::test::http_test_secret).c_str(), 1);
    int out[2];
    if (::pipe(out) != 0) {
      throw std::runtime_error("pipe failed");
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    const std::string program = HOOKLINE_CRASH_RECEIVER;
    const std::string directory = dir.string();
    std::vector<char*> argv{const_cast<char*>(program.c_str()), const_cast<char*>(directory.c_str()), nullptr};
    const int spawned = ::posix_spawn(&pid_, program.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(out[1]);
    if (spawned != 0) {
      ::close(out[0]);
      throw std::runtime_error("cannot start " + program);
    }
    output_ = out[0];
    port_ = read_port();
  }
  ReceiverProcess(const ReceiverProcess&) = delete;
  ReceiverProcess& operator=(const ReceiverProcess&) = delete;
  ~ReceiverProcess() {
    if (pid_ > 0) {
      signal_and_wait(SIGKILL);
    }
    ::close(output_);
  }

  [[nodiscard]] std::uint16_t port() const { return port_; }

  /// Sends `signal` and reaps the process; its exit status.
  int signal_and_wait(int signal) {
    ::kill(pid_, signal);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return status;
  }

 private:
  std::uint16_t read_port() {
    std::string line;
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (line.find('\n') == std::string::npos && std::chrono::steady_clock::now() < deadline) {
      pollfd descriptor{output_, POLLIN, 0};
      if (::poll(&descriptor, 1, 100) > 0) {
        char buffer[256];
        const auto n = ::read(output_, buffer, sizeof(buffer));
        if (n <= 0) {
          break;
        }
        line.append(buffer, static_cast<std::size_t>(n));
      }
    }
    if (line.rfind("listening ", 0) != 0) {
      throw std::runtime_error("the receiver did not start: " + line);
    }
    return static_cast<std::uint16_t>(std::stoi(line.substr(10)));
  }

  pid_t pid_ = -1;
  int output_ = -1;
  std::uint16_t port_ = 0;
};

/// Sends unique signed deliveries from several keep-alive connections until stopped or the
/// receiver dies; records the ids it acknowledged with 2xx.
class Burst {
 public:
  Burst(std::uint16_t port, std::string prefix) {
    for (int sender = 0; sender < senders; ++sender) {
      threads_.emplace_back([this, port, prefix, sender] {
        try {
          RawConnection connection(port);
          for (int i = 0; !stop_; ++i) {
            const auto id = prefix + "-" + std::to_string(sender) + "-" + std::to_string(i);
            const auto response = connection.exchange(signed_post("/webhooks/vrio", vrio_body(id, sender * 100000 + i)), 5s);
            if (!response) {
              return;  // the receiver died: this delivery was not acknowledged
            }
            if (response->status == 200) {
              const std::lock_guard lock(mutex_);
              acknowledged_.insert(id);
            }
          }
        } catch (const std::exception&) {
          // connect refused: the receiver is gone
        }
      });
    }
  }
  ~Burst() { finish(); }

  /// Waits until at least `count` deliveries were acknowledged (or 30 s passed).
  void wait_for(std::size_t count) {
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (acknowledged().size() < count && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(5ms);
    }
  }

  /// Stops sending and joins.
  void finish() {
    stop_ = true;
    for (auto& thread : threads_) {
      if (thread.joinable()) {
        thread.join();
      }
    }
  }

  [[nodiscard]] std::set<std::string> acknowledged() {
    const std::lock_guard lock(mutex_);
    return acknowledged_;
  }

 private:
  static constexpr int senders = 8;
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::set<std::string> acknowledged_;
  std::vector<std::thread> threads_;
};

/// event id → how many times its effect was applied, and how many handler runs there were.
struct Effects {
  std::map<std::string, int> applied;
  std::size_t runs = 0;
};

Effects read_effects(const std::filesystem::path& dir) {
  Effects effects;
  SQLite::Database db((dir / "effects.db").string(), SQLite::OPEN_READONLY);
  db.setBusyTimeout(5000);
  SQLite::Statement applied(db, "SELECT event_id, count(*) FROM effects GROUP BY event_id");
  while (applied.executeStep()) {
    effects.applied[applied.getColumn(0).getString()] = applied.getColumn(1).getInt();
  }
  SQLite::Statement runs(db, "SELECT count(*) FROM runs");
  runs.executeStep();
  effects.runs = static_cast<std::size_t>(runs.getColumn(0).getInt64());
  return effects;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(crash)

BOOST_AUTO_TEST_CASE(kill_9_during_bursts_loses_no_acknowledged_event_and_applies_none_twice) {
  hookline::test::TempDir dir;
  std::set<std::string> acknowledged;
  for (int round = 0; round < 2; ++round) {
    ReceiverProcess receiver(dir.path());
    Burst burst(receiver.port(), "r" + std::to_string(round));
    burst.wait_for(400);
    const int status = receiver.signal_and_wait(SIGKILL);
    BOOST_TEST((WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL));
    burst.finish();
    const auto acked = burst.acknowledged();
    BOOST_TEST(acked.size() >= 400U);
    acknowledged.insert(acked.begin(), acked.end());
  }

  ReceiverProcess receiver(dir.path());
  // A redelivery of an event acknowledged before a crash is a duplicate.
  RawConnection connection(receiver.port());
  const auto& some_id = *acknowledged.begin();
  const auto sender = std::stoi(some_id.substr(3, some_id.find('-', 3) - 3));
  const auto index = std::stoi(some_id.substr(some_id.rfind('-') + 1));
  const auto again = connection.exchange(signed_post("/webhooks/vrio", vrio_body(some_id, sender * 100000 + index)));
  BOOST_REQUIRE(again);
  BOOST_TEST(again->body == R"({"status":"duplicate"})");

  Effects effects;
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  std::size_t missing = acknowledged.size();
  while (std::chrono::steady_clock::now() < deadline) {
    effects = read_effects(dir.path());
    missing = 0;
    for (const auto& id : acknowledged) {
      missing += effects.applied.count(id) == 0 ? 1 : 0;
    }
    if (missing == 0) {
      break;
    }
    std::this_thread::sleep_for(100ms);
  }
  const int status = receiver.signal_and_wait(SIGTERM);
  BOOST_TEST((WIFEXITED(status) && WEXITSTATUS(status) == 0));
  effects = read_effects(dir.path());

  BOOST_TEST(missing == 0U);
  std::size_t twice = 0;
  for (const auto& [id, count] : effects.applied) {
    twice += count > 1 ? 1 : 0;
  }
  BOOST_TEST(twice == 0U);
  BOOST_TEST(effects.applied.size() >= acknowledged.size());
  BOOST_TEST_MESSAGE("acknowledged " << acknowledged.size() << ", effects " << effects.applied.size()
                                     << ", handler runs " << effects.runs << " (runs beyond one per effect: "
                                     << effects.runs - effects.applied.size() << ")");
}

BOOST_AUTO_TEST_SUITE_END()
