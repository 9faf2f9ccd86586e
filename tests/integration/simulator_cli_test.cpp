// `hookline simulate` as a user runs it: --help lists every flag, bad usage exits 2 before anything
// listens, and a started simulator serves its API and stops cleanly on SIGTERM.

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
#include "printing.hpp"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

const std::string binary = std::string(HOOKLINE_BINARY_DIR) + "/sdk/cli/hookline";

struct Run {
  int exit_code = -1;
  std::string out;
  std::string err;
};

std::string slurp(const fs::path& path) {
  std::ifstream file(path, std::ios::binary);
  std::ostringstream content;
  content << file.rdbuf();
  return content.str();
}

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
    const auto out = dir / "out.txt";
    const auto err = dir / "err.txt";
    const std::string command = "SIM_SECRET=sim-secret EMPTY_SECRET= '" + binary + "' simulate " + arguments +
                                " >'" + out.string() + "' 2>'" + err.string() + "'";
    const int status = std::system(command.c_str());
    Run result;
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    result.out = slurp(out);
    result.err = slurp(err);
    return result;
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(simulator_cli)

BOOST_AUTO_TEST_CASE(help_lists_every_flag) {
  Scratch scratch;
  const auto run = scratch.run("--help");
  BOOST_TEST(run.exit_code == 0);
  for (const std::string flag :
       {"--listen", "--db", "--mode", "--batch-interval", "--transaction-url", "--order-url", "--order-offer-url",
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
                          std::string("--no-such-flag")}),
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

BOOST_AUTO_TEST_SUITE_END()
