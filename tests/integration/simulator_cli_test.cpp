// `hookline simulate` as a user runs it: --help lists every flag, bad usage (a destination URL that
// is not one included) exits 2 before anything listens, a started simulator delivers its first batch
// at start, serves its API (the platform API only with its key when one is set) and stops cleanly
// on SIGTERM.

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "hookline/sender.hpp"
#include "sender_loopback.hpp"
#include "printing.hpp"
#include "run_hookline.hpp"

namespace {

namespace fs = std::filesystem;
using cli_tests::Run;
using cli_tests::run_hookline;
using cli_tests::slurp;
const std::string binary = cli_tests::hookline_binary();
using namespace std::chrono_literals;

struct Scratch {
  fs::path dir = fs::temp_directory_path() / ("hookline_simulate_cli_" + std::to_string(::getpid()));
  Scratch() { fs::create_directories(dir); }
  ~Scratch() {
    std::error_code ignored;
    fs::remove_all(dir, ignored);
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;

  [[nodiscard]] Run run(const std::string& arguments) const {
    return run_hookline("simulate " + arguments, "SIM_SECRET=sim-secret EMPTY_SECRET=");
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(simulator_cli)

BOOST_AUTO_TEST_CASE(help_lists_every_flag) {
  Scratch scratch;
  const auto run = scratch.run("--help");
  BOOST_TEST(run.exit_code == 0);
  for (const std::string flag :
       {"--listen", "--db", "--mode", "--batch-interval", "--first-batch-after", "--transaction-url", "--order-url", "--order-offer-url",
        "--shipment-url", "--target-url", "--secret-env", "--secret-file", "--scheme", "--campaign", "--inactive", "--concurrency",
        "--max-attempts", "--generate", "--max-prepaid-cycles", "--cancel-rate", "--skip-rate",
        "--address-change-rate", "--item-change-rate", "--duplicate-rate", "--reorder-rate", "--seed", "--drop-rate",
        "HOOKLINE_PLATFORM_API_KEY", "/api/shipments/{id}"}) {
    BOOST_TEST(run.out.find(flag) != std::string::npos, flag);
  }
}

BOOST_DATA_TEST_CASE(bad_usage_exits_two,
                     boost::unit_test::data::make(
                         {std::string("--mode shopify"), std::string("--listen nowhere"),
                          std::string("--batch-interval 0"), std::string("--mode vrio --target-url http://127.0.0.1:1/"),
                          std::string("--mode vero --shipment-url http://127.0.0.1:1/"),
                          std::string("--secret-env UNSET_VARIABLE_X"), std::string("--secret-env EMPTY_SECRET"),
                          std::string("--scheme nope"), std::string("--mode vero --secret-env SIM_SECRET"),
                          std::string("--mode ordergroove --generate 3"), std::string("--cancel-rate 1.5"),
                          std::string("--drop-rate 1.5"), std::string("--drop-rate -0.1"),
                          std::string("--shipment-url 127.0.0.1:8080/webhooks/vrio"),
                          std::string("--order-url http://127.0.0.1:99999/"),
                          std::string("--mode vero --target-url ftp://127.0.0.1/"),
                          std::string("--first-batch-after -1"), std::string("--no-such-flag")}),
                     arguments) {
  Scratch scratch;
  const auto run = scratch.run("--db :memory: " + arguments);
  BOOST_TEST(run.exit_code == 2, run.err);
  BOOST_TEST(!run.err.empty());
  BOOST_TEST(run.err.find("sim-secret") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_started_simulator_serves_its_api_and_stops_on_sigterm) {
  Scratch scratch;
  const auto log = scratch.dir / "simulate.log";
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(fd, 2);
    ::execl(binary.c_str(), binary.c_str(), "simulate", "--db", ":memory:", "--listen", "127.0.0.1:0", "--generate",
            "2", "--seed", "9", "--cancel-rate", "0", "--skip-rate", "0", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  // The port from "listening on http://127.0.0.1:PORT".
  int port = 0;
  for (int i = 0; i < 200 && port == 0; ++i) {
    const auto text = slurp(log);
    const auto at = text.find("listening on http://127.0.0.1:");
    if (at != std::string::npos) port = std::stoi(text.substr(at + 30));
    std::this_thread::sleep_for(25ms);
  }
  BOOST_REQUIRE_MESSAGE(port > 0, slurp(log));
  BOOST_TEST(slurp(log).find("generated 2 subscriptions") != std::string::npos);

  // The platform API answers over HTTP: an unknown shipment is a 404 with a JSON error.
  const hookline::Sender sender;
  const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  const auto refused = sender.send(
      hookline::Outgoing{"http://127.0.0.1:" + std::to_string(port) + "/shipments/1/track",
                         R"({"shipment_tracking_id":"1Z"})", "", {}},
      now);
  BOOST_TEST(refused.status == 404);
  BOOST_TEST(refused.response_body.find(R"("code":"not_found")") != std::string::npos);
  const auto shipped = sender.send(
      hookline::Outgoing{"http://127.0.0.1:" + std::to_string(port) + "/shipments/300000/track",
                         R"({"shipment_tracking_id":"1Z"})", "", {}},
      now);
  BOOST_TEST(shipped.status == 200, shipped.response_body);

  ::kill(pid, SIGTERM);
  int status = 0;
  bool reaped = false;
  for (int i = 0; i < 200 && !reaped; ++i) {
    reaped = ::waitpid(pid, &status, WNOHANG) == pid;
    if (!reaped) std::this_thread::sleep_for(25ms);
  }
  if (!reaped) ::kill(pid, SIGKILL);
  BOOST_REQUIRE(reaped);
  BOOST_TEST(WIFEXITED(status));
  BOOST_TEST(WEXITSTATUS(status) == 0);
}

BOOST_AUTO_TEST_CASE(a_destination_that_is_not_a_url_is_named) {
  Scratch scratch;
  const auto run = scratch.run("--db :memory: --shipment-url 127.0.0.1:8080/webhooks/vrio");
  BOOST_TEST(run.exit_code == 2);
  BOOST_TEST(run.err.find("--shipment-url: not an http://host[:port][/path] or https:// URL: \"127.0.0.1:8080/webhooks/vrio\"") !=
                 std::string::npos,
             run.err);
}

namespace {

/// A `hookline simulate` started with `arguments` (after the binary and "simulate"), stderr in `log`;
/// SIGTERM and reaped when destroyed.
class Simulating {
 public:
  Simulating(const fs::path& log, std::vector<std::string> arguments, const std::vector<std::string>& environment = {})
      : log_(log) {
    pid_ = ::fork();
    if (pid_ == 0) {
      const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      ::dup2(fd, 2);
      for (const auto& entry : environment) ::putenv(const_cast<char*>(entry.c_str()));
      std::vector<char*> argv{const_cast<char*>(binary.c_str()), const_cast<char*>("simulate")};
      for (auto& argument : arguments) argv.push_back(argument.data());
      argv.push_back(nullptr);
      ::execv(binary.c_str(), argv.data());
      ::_exit(127);
    }
    for (int i = 0; i < 200 && port_ == 0; ++i) {
      const auto text = slurp(log_);
      const auto at = text.find("listening on http://127.0.0.1:");
      if (at != std::string::npos) port_ = std::stoi(text.substr(at + 30));
      std::this_thread::sleep_for(25ms);
    }
  }
  ~Simulating() {
    ::kill(pid_, SIGTERM);
    for (int i = 0; i < 200; ++i) {
      if (::waitpid(pid_, nullptr, WNOHANG) == pid_) return;
      std::this_thread::sleep_for(25ms);
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  Simulating(const Simulating&) = delete;
  Simulating& operator=(const Simulating&) = delete;

  [[nodiscard]] int port() const { return port_; }
  [[nodiscard]] std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }

 private:
  fs::path log_;
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace

BOOST_AUTO_TEST_CASE(the_first_batch_goes_out_at_start_not_one_interval_later) {
  Scratch scratch;
  hookline::testing::LoopbackReceiver receiver;
  const Simulating simulating(scratch.dir / "simulate.log",
                              {"--db", ":memory:", "--listen", "127.0.0.1:0", "--batch-interval", "86400", "--generate", "1",
                               "--seed", "3", "--shipment-url", receiver.url("/webhooks/vrio")});
  BOOST_REQUIRE_MESSAGE(simulating.port() > 0, slurp(scratch.dir / "simulate.log"));
  // A day-long interval: only a batch at start can deliver within the wait (a bound, not a timing target).
  bool delivered = false;
  for (int i = 0; i < 400 && !delivered; ++i) {
    delivered = !receiver.received().empty();
    if (!delivered) std::this_thread::sleep_for(25ms);
  }
  BOOST_TEST(delivered, slurp(scratch.dir / "simulate.log"));
}

BOOST_AUTO_TEST_CASE(the_platform_api_wants_the_key_it_is_given) {
  Scratch scratch;
  const Simulating simulating(scratch.dir / "simulate.log", {"--db", ":memory:", "--listen", "127.0.0.1:0"},
                              {"HOOKLINE_PLATFORM_API_KEY=pk_cli_test_5"});
  BOOST_REQUIRE_MESSAGE(simulating.port() > 0, slurp(scratch.dir / "simulate.log"));
  BOOST_TEST(slurp(scratch.dir / "simulate.log").find("platform API key required in X-Api-Key") != std::string::npos);
  const hookline::Sender sender;
  const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  const std::string track = R"({"shipment_tracking_id":"1Z"})";
  const auto without = sender.send(hookline::Outgoing{simulating.url("/shipments/1/track"), track, "", {}}, now);
  BOOST_TEST(without.status == 401);
  BOOST_TEST(without.response_body.find(R"("code":"unauthorized")") != std::string::npos, without.response_body);
  const auto wrong = sender.send(hookline::Outgoing{simulating.url("/shipments/1/track"), track, "", {{"X-Api-Key", "pk_other"}}}, now);
  BOOST_TEST(wrong.status == 401);
  const auto right = sender.send(hookline::Outgoing{simulating.url("/shipments/1/track"), track, "", {{"X-Api-Key", "pk_cli_test_5"}}}, now);
  BOOST_TEST(right.status == 404);  // past the key: no shipment 1
  // The control API needs no key.
  const auto control = sender.send(hookline::Outgoing{simulating.url("/api/batches"), "", "", {}}, now);
  BOOST_TEST(control.status == 200);
}

BOOST_AUTO_TEST_SUITE_END()
