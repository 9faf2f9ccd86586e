// End to end on loopback: `hookline simulate --generate N` feeds the reference server
// `hookline-fulfillment`, which fulfills due shipments and posts tracking back to the simulator's
// platform API. Every due, non-cancelled, non-skipped shipment gets exactly one tracking post; the
// cancelled, skipped and future ones get none; each event is attempted once; and the simulator's
// log and platform state agree with the server's fulfillments.

#include <boost/test/unit_test.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <simdjson.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

const fs::path hookline_binary = fs::path(HOOKLINE_BINARY_DIR) / "sdk" / "cli" / "hookline";
const fs::path fulfillment_binary = fs::path(HOOKLINE_BINARY_DIR) / "reference-app" / "hookline-fulfillment";

/// A child process with its output in a log file; terminated (then killed) when destroyed.
class Child {
 public:
  Child(const fs::path& binary, const std::vector<std::string>& args, const std::vector<std::string>& env,
        const fs::path& log) {
    pid_ = ::fork();
    if (pid_ == 0) {
      const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      std::vector<char*> argv{const_cast<char*>(binary.c_str())};
      for (const auto& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
      argv.push_back(nullptr);
      std::vector<char*> envp;
      for (const auto& entry : env) envp.push_back(const_cast<char*>(entry.c_str()));
      envp.push_back(nullptr);
      ::execve(binary.c_str(), argv.data(), envp.data());
      ::_exit(127);
    }
  }
  ~Child() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    for (int i = 0; i < 100; ++i) {
      if (::waitpid(pid_, nullptr, WNOHANG) == pid_) return;
      std::this_thread::sleep_for(50ms);
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  /// True while the process runs.
  [[nodiscard]] bool running() const { return ::waitpid(pid_, nullptr, WNOHANG) == 0; }

 private:
  pid_t pid_ = -1;
};

std::string file_text(const fs::path& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

/// A port that was free a moment ago (bound to 0 and released).
int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t length = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

/// GET http://127.0.0.1:port/path; the body of a 200 answer, nothing otherwise.
std::optional<std::string> http_get(int port, const std::string& path) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    return std::nullopt;
  }
  const std::string request = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  ::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string response;
  char buffer[65536];
  for (ssize_t got = 0; (got = ::recv(fd, buffer, sizeof buffer, 0)) > 0;) response.append(buffer, static_cast<std::size_t>(got));
  ::close(fd);
  if (!response.starts_with("HTTP/1.1 200")) return std::nullopt;
  const auto body = response.find("\r\n\r\n");
  if (body == std::string::npos) return std::nullopt;
  return response.substr(body + 4);
}

/// The port in hookline-fulfillment's JSON "listening" log line, once it is there.
int fulfillment_port(const fs::path& log, const Child& server) {
  for (int i = 0; i < 300 && server.running(); ++i) {
    std::istringstream lines(file_text(log));
    for (std::string line; std::getline(lines, line);) {
      if (line.find("\"msg\":\"listening\"") == std::string::npos) continue;
      const std::string needle = "\"port\":\"";
      const auto at = line.find(needle);
      if (at != std::string::npos) return std::stoi(line.substr(at + needle.size()));
    }
    std::this_thread::sleep_for(50ms);
  }
  return 0;
}

/// "YYYY-MM-DD HH:MM:SS" of the system clock now, the simulator's date format.
std::string now_text() {
  const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  const auto day = std::chrono::floor<std::chrono::days>(now);
  const std::chrono::year_month_day date{day};
  const std::chrono::hh_mm_ss time{now - day};
  char text[32];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u %02d:%02d:%02d", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                static_cast<int>(time.hours().count()), static_cast<int>(time.minutes().count()),
                static_cast<int>(time.seconds().count()));
  return text;
}

/// A shipment as the simulator's platform API shows it.
struct PlatformShipment {
  std::string status;
  std::string date_scheduled;
  std::string tracking_id;
  std::int64_t posts = 0;
  std::int64_t effective_posts = 0;
};

std::map<std::int64_t, PlatformShipment> platform_shipments(int port) {
  std::map<std::int64_t, PlatformShipment> out;
  const auto body = http_get(port, "/api/shipments");
  if (!body) return out;
  simdjson::dom::parser parser;
  simdjson::dom::array list;
  if (parser.parse(*body).get(list) != simdjson::SUCCESS) return out;
  for (auto item : list) {
    PlatformShipment shipment;
    std::string_view text;
    shipment.status = std::string(item["shipment_status_id"].get_string().value());
    if (item["date_scheduled"].get(text) == simdjson::SUCCESS) shipment.date_scheduled = std::string(text);
    if (item["shipment_tracking_id"].get(text) == simdjson::SUCCESS) shipment.tracking_id = std::string(text);
    shipment.posts = item["tracking_posts"].get_int64().value();
    shipment.effective_posts = item["tracking_posts_effective"].get_int64().value();
    out[item["shipment_id"].get_int64().value()] = shipment;
  }
  return out;
}

/// A fulfillment as the reference server's admin API shows it.
struct Fulfillment {
  std::string state;
  std::string tracking_id;
};

std::map<std::int64_t, Fulfillment> fulfillments(int port) {
  std::map<std::int64_t, Fulfillment> out;
  const auto body = http_get(port, "/api/fulfillments?limit=1000");
  if (!body) return out;
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(*body).get(root) != simdjson::SUCCESS) return out;
  for (auto item : root["fulfillments"].get_array()) {
    Fulfillment fulfillment;
    fulfillment.state = std::string(item["state"].get_string().value());
    std::string_view tracking;
    if (item["tracking"]["shipment_tracking_id"].get(tracking) == simdjson::SUCCESS) fulfillment.tracking_id = tracking;
    out[item["shipment_id"].get_int64().value()] = fulfillment;
  }
  return out;
}

/// How many attempts the simulator logged, and how many got a 2xx; how many events it queued.
struct DeliveryTotals {
  std::size_t events = 0;
  std::size_t attempts = 0;
  std::size_t succeeded = 0;
};

DeliveryTotals delivery_totals(int port) {
  DeliveryTotals totals;
  simdjson::dom::parser parser;
  if (const auto events = http_get(port, "/api/events")) {
    simdjson::dom::array list;
    if (parser.parse(*events).get(list) == simdjson::SUCCESS) totals.events = list.size();
  }
  if (const auto log = http_get(port, "/api/deliveries")) {
    simdjson::dom::array list;
    if (parser.parse(*log).get(list) == simdjson::SUCCESS) {
      totals.attempts = list.size();
      for (auto entry : list) {
        const auto code = entry["response_code"].get_int64().value();
        if (code >= 200 && code < 300) ++totals.succeeded;
      }
    }
  }
  return totals;
}

/// A scratch folder for the databases and logs.
struct Scratch {
  fs::path dir = fs::temp_directory_path() / ("hookline_e2e_simulator_" + std::to_string(::getpid()));
  Scratch() { fs::create_directories(dir); }
  ~Scratch() {
    std::error_code ignored;
    fs::remove_all(dir, ignored);
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(simulator_fulfillment)

BOOST_AUTO_TEST_CASE(every_due_live_shipment_gets_exactly_one_tracking_post) {
  Scratch scratch;
  const std::vector<std::string> env{"HOOKLINE_SECRET=e2e-shared-secret", "PATH=/usr/bin:/bin"};
  const int simulator_port = free_port();

  const auto server_log = scratch.dir / "fulfillment.log";
  const Child server(fulfillment_binary,
                     {"--listen", "127.0.0.1:0", "--db", (scratch.dir / "fulfillment.db").string(), "--platform-url",
                      "http://127.0.0.1:" + std::to_string(simulator_port), "--warehouse-delay-ms", "0"},
                     env, server_log);
  const int server_port = fulfillment_port(server_log, server);
  BOOST_REQUIRE_MESSAGE(server_port > 0, "hookline-fulfillment did not start:\n" + file_text(server_log));

  const auto simulator_log = scratch.dir / "simulator.log";
  const Child simulator(hookline_binary,
                        {"simulate", "--listen", "127.0.0.1:" + std::to_string(simulator_port), "--db",
                         (scratch.dir / "simulator.db").string(), "--shipment-url",
                         "http://127.0.0.1:" + std::to_string(server_port) + "/webhooks/vrio", "--secret-env",
                         "HOOKLINE_SECRET", "--generate", "40", "--seed", "11", "--batch-interval", "1",
                         "--cancel-rate", "0.3", "--skip-rate", "0.3", "--address-change-rate", "0.3",
                         "--item-change-rate", "0.3", "--duplicate-rate", "0.2", "--reorder-rate", "0.3"},
                        env, simulator_log);

  // Wait until every event was attempted and no due shipment is still pending (a correctness bound,
  // not a timing target).
  const auto deadline = std::chrono::steady_clock::now() + 90s;
  bool settled = false;
  while (!settled && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(200ms);
    BOOST_REQUIRE_MESSAGE(simulator.running(), "hookline simulate exited:\n" + file_text(simulator_log));
    BOOST_REQUIRE_MESSAGE(server.running(), "hookline-fulfillment exited:\n" + file_text(server_log));
    const auto totals = delivery_totals(simulator_port);
    if (totals.events == 0 || totals.attempts < totals.events) continue;
    const auto now = now_text();
    settled = true;
    for (const auto& [id, shipment] : platform_shipments(simulator_port)) {
      if (shipment.status == "Pending Post" && shipment.date_scheduled <= now) settled = false;
    }
  }
  BOOST_REQUIRE_MESSAGE(settled, "not settled in time; simulator log:\n" + file_text(simulator_log));
  std::this_thread::sleep_for(2s);  // room for any extra post that should not come

  const auto now = now_text();
  const auto shipments = platform_shipments(simulator_port);
  const auto served = fulfillments(server_port);
  std::size_t shipped = 0, cancelled = 0, skipped = 0, future = 0;
  for (const auto& [id, shipment] : shipments) {
    BOOST_TEST_CONTEXT("shipment " << id << " (" << shipment.status << ", due " << shipment.date_scheduled << ")") {
      const bool due = shipment.date_scheduled <= now;
      const auto found = served.find(id);
      BOOST_REQUIRE(found != served.end());
      const auto& fulfillment = found->second;
      if (shipment.status == "Shipped") {
        ++shipped;
        BOOST_TEST(due);
        BOOST_TEST(shipment.posts == 1);
        BOOST_TEST(shipment.effective_posts == 1);
        BOOST_TEST(fulfillment.state == "shipped");
        BOOST_TEST(fulfillment.tracking_id == shipment.tracking_id);
      } else if (shipment.status == "Cancelled" || shipment.status == "Skipped") {
        ++(shipment.status == "Cancelled" ? cancelled : skipped);
        BOOST_TEST(shipment.posts == 0);
        BOOST_TEST(fulfillment.state == (shipment.status == "Cancelled" ? "cancelled" : "skipped"));
      } else {
        ++future;
        BOOST_TEST(shipment.status == "Pending Post");
        BOOST_TEST(!due);
        BOOST_TEST(shipment.posts == 0);
        BOOST_TEST(fulfillment.state == "waiting");
      }
    }
  }
  BOOST_TEST(served.size() == shipments.size());
  // The scenario exercised every case.
  BOOST_TEST(shipped > 0U);
  BOOST_TEST(cancelled > 0U);
  BOOST_TEST(skipped > 0U);
  BOOST_TEST(future > 0U);

  // VRIO's rule: each queued event was attempted exactly once, and the server acknowledged it.
  const auto totals = delivery_totals(simulator_port);
  BOOST_TEST(totals.attempts == totals.events);
  BOOST_TEST(totals.succeeded == totals.events);
}

BOOST_AUTO_TEST_SUITE_END()
