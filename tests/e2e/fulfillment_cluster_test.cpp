// hookline-fulfillment as a merchant runs it for availability: three instances of the real binary on
// one PostgreSQL (a throwaway cluster), behind Debian's haproxy on loopback with health checks on
// /readyz, the platform simulator delivering through it. Instances killed and restarted and the
// database restarted during a batch lose nothing acknowledged and ship nothing twice, and fewer
// deliveries fail than against one instance alone; one event sent to all three at once is handled
// once; a rolling restart with a drain fails no delivery at all.

#include <boost/test/unit_test.hpp>

#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <simdjson.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <latch>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "fulfillment_events.hpp"
#include "fulfillment_platform.hpp"
#include "fulfillment_process.hpp"
#include "postgres_cluster.hpp"
#include "run_hookline.hpp"

using namespace std::chrono_literals;
using fulfillment_test::ChildServer;
using hookline::test::PostgresCluster;

namespace {

namespace fs = std::filesystem;

const fs::path hookline_binary = cli_tests::hookline_binary();
const fs::path haproxy_binary = "/usr/sbin/haproxy";
const std::string secret = "whsec-e2e-fulfillment-cluster";
constexpr auto bound = 90s;  // a correctness bound for a stuck deployment, not a timing target

/// A port that was free a moment ago (bound to 0 and released).
int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    throw std::runtime_error("cannot find a free port");
  }
  ::close(fd);
  return ntohs(address.sin_port);
}

/// The last `size` characters of a file, for failure messages.
std::string tail_of(const fs::path& file, std::size_t size = 3000) {
  const auto text = fulfillment_test::file_text(file);
  return text.size() > size ? text.substr(text.size() - size) : text;
}

/// GET on 127.0.0.1:`port` (with the admin token when `admin`); the body of a 200 answer.
std::optional<std::string> get(int port, const std::string& path, bool admin = false) {
  const auto answer = admin ? fulfillment_test::call(port, "GET", path)
                            : fulfillment_test::call_authorized("", port, "GET", path);
  if (answer.status != 200) return std::nullopt;
  return answer.body;
}

/// Calls `visit` with every entry of a paged listing (`/api/<listing>?limit=1000&cursor=`, the
/// entries under `listing`, `next_cursor` to go on); false when a page cannot be read.
bool for_each_entry(int port, const std::string& listing, bool admin,
                    const std::function<void(simdjson::dom::element)>& visit) {
  std::string cursor;
  simdjson::dom::parser parser;
  do {
    const auto body = get(port, "/api/" + listing + "?limit=1000" + (cursor.empty() ? "" : "&cursor=" + cursor), admin);
    simdjson::dom::element page;
    simdjson::dom::array entries;
    if (!body || parser.parse(*body).get(page) != simdjson::SUCCESS || page[listing].get(entries) != simdjson::SUCCESS) {
      return false;
    }
    for (auto entry : entries) visit(entry);
    std::int64_t next = 0;
    cursor = page["next_cursor"].get(next) == simdjson::SUCCESS ? std::to_string(next) : std::string();
  } while (!cursor.empty());
  return true;
}

/// Debian's haproxy in front of the instances, configured as docs/postgresql.md advises: round robin,
/// a server out at its first failed /readyz check and back after two good ones (200 ms apart), a
/// request whose connection failed or got no answer retried up to three times on another server.
/// Its statistics page (CSV) tells the test what the checks found. Stopped when destroyed.
class Balancer {
 public:
  Balancer(const fs::path& dir, const std::vector<int>& backends) : port_(free_port()), stats_port_(free_port()) {
    const auto config = dir / "haproxy.cfg";
    std::ofstream out(config);
    out << "global\n"
           "  maxconn 512\n"
           "defaults\n"
           "  log stdout format raw local0\n"
           "  option httplog\n"
           "  mode http\n"
           "  timeout connect 1s\n"
           "  timeout client 10s\n"
           "  timeout server 10s\n"
           "  timeout check 1s\n"
           "  retries 3\n"
           "  option redispatch\n"
           "  retry-on conn-failure empty-response response-timeout\n"
           "frontend webhooks\n"
           "  bind 127.0.0.1:"
        << port_
        << "\n"
           "  default_backend fulfillment\n"
           "backend fulfillment\n"
           "  balance roundrobin\n"
           "  option httpchk GET /readyz\n"
           "  http-check expect status 200\n";
    for (std::size_t i = 0; i < backends.size(); ++i) {
      out << "  server instance" << i << " 127.0.0.1:" << backends[i] << " check inter 200ms fall 1 rise 2\n";
    }
    out << "listen stats\n"
           "  bind 127.0.0.1:"
        << stats_port_
        << "\n"
           "  stats enable\n"
           "  stats uri /stats\n";
    out.close();
    log_ = dir / "haproxy.log";
    process_ = std::make_unique<ChildServer>(haproxy_binary, std::vector<std::string>{"-f", config.string(), "-db"},
                                             std::vector<std::string>{}, log_);
    BOOST_TEST_REQUIRE(fulfillment_test::eventually([&] { return statuses().size() == backends.size(); }, 20s),
                       "haproxy did not start:\n" << tail_of(log_));
  }

  /// The port the platform delivers to.
  [[nodiscard]] int port() const noexcept { return port_; }
  /// What haproxy's checks make of each server now ("UP", "DOWN", "UP 1/2", ...), in order.
  [[nodiscard]] std::vector<std::string> statuses() const {
    std::vector<std::string> found;
    httplib::Client client("127.0.0.1", stats_port_);
    client.set_url_encode(false);  // the ';' of the CSV request stays as it is
    client.set_connection_timeout(2, 0);
    client.set_read_timeout(5, 0);
    const auto csv = client.Get("/stats;csv;norefresh");
    if (!csv || csv->status != 200) return found;
    std::istringstream lines(csv->body);
    std::string line;
    std::size_t status_column = 0;
    while (std::getline(lines, line)) {
      std::vector<std::string> columns;
      std::istringstream cells(line);
      for (std::string cell; std::getline(cells, cell, ',');) columns.push_back(cell);
      if (line.starts_with("# ")) {
        for (std::size_t i = 0; i < columns.size(); ++i) {
          if (columns[i] == "status") status_column = i;
        }
      } else if (columns.size() > status_column && columns[0] == "fulfillment" && columns[1].starts_with("instance")) {
        found.push_back(columns[status_column]);
      }
    }
    return found;
  }
  /// True when every server is in.
  [[nodiscard]] bool all_up() const {
    const auto now = statuses();
    return !now.empty() && std::all_of(now.begin(), now.end(), [](const std::string& s) { return s == "UP"; });
  }

 private:
  int port_;
  int stats_port_;
  fs::path log_;
  std::unique_ptr<ChildServer> process_;
};

/// One hookline-fulfillment instance on a port of its own, started again on the same port after a
/// kill or a stop; its log (every run's) in one file.
class Instance {
 public:
  Instance(fs::path log, std::vector<std::string> args) : log_(std::move(log)), args_(std::move(args)) { start(); }

  /// Starts the binary and waits for its listeners.
  void start() {
    const auto skip = fulfillment_test::line_count(log_);
    process_ = std::make_unique<ChildServer>(
        args_,
        std::vector<std::string>{"HOOKLINE_SECRET=" + secret, "HOOKLINE_ADMIN_TOKEN=" + fulfillment_test::test_admin_token,
                                 "PATH=/usr/bin:/bin"},
        log_);
    BOOST_TEST_REQUIRE(process_->wait_for_port(20s, skip) != 0, "an instance did not start:\n" << tail_of(log_));
    admin_port_ = process_->wait_for_port(20s, skip, "admin_port");
  }
  /// SIGKILL, and the wait for it to be gone.
  void kill() {
    process_->signal(SIGKILL);
    BOOST_TEST_REQUIRE(process_->wait_exit(10s).has_value());
  }
  /// SIGTERM; the wait status once it exited.
  std::optional<int> stop() {
    process_->signal(SIGTERM);
    return process_->wait_exit(30s);
  }
  /// The admin listener's port of the current run.
  [[nodiscard]] int admin_port() const noexcept { return admin_port_; }
  /// The log of every run.
  [[nodiscard]] const fs::path& log() const noexcept { return log_; }

 private:
  fs::path log_;
  std::vector<std::string> args_;
  std::unique_ptr<ChildServer> process_;
  int admin_port_ = 0;
};

/// Instances on a fresh schema of the shared cluster, the platform at `platform_url`, each on a
/// fixed port; a balancer in front of them when `balanced`.
struct Deployment {
  fulfillment_test::TempDir dir;
  std::string db = PostgresCluster::shared().fresh_schema_uri();
  int simulator_port = free_port();
  std::vector<int> ports;
  std::vector<std::unique_ptr<Instance>> instances;
  std::unique_ptr<Balancer> balancer;
  std::unique_ptr<ChildServer> simulator;
  fs::path simulator_log = dir.path() / "simulator.log";

  /// `platform_url` empty: the simulator (started by simulate()) is the platform.
  Deployment(std::size_t count, bool balanced, const std::vector<std::string>& extra = {},
             const std::string& platform_url = "") {
    for (std::size_t i = 0; i < count; ++i) {
      ports.push_back(free_port());
      std::vector<std::string> args{"--listen", "127.0.0.1:" + std::to_string(ports.back()), "--admin-listen",
                                    "127.0.0.1:0", "--db", db, "--platform-url",
                                    platform_url.empty() ? "http://127.0.0.1:" + std::to_string(simulator_port) : platform_url,
                                    // Warehouse work and tracking posts of a killed instance go to another soon.
                                    "--lease-s", "3", "--platform-timeout-ms", "1000", "--warehouse-delay-ms", "20",
                                    "--held-lookup-after-s", "1"};
      args.insert(args.end(), extra.begin(), extra.end());
      instances.push_back(std::make_unique<Instance>(dir.path() / ("instance" + std::to_string(i) + ".log"), args));
    }
    if (balanced) {
      balancer = std::make_unique<Balancer>(dir.path(), ports);
      BOOST_TEST_REQUIRE(fulfillment_test::eventually([&] { return balancer->all_up(); }, 20s));
    }
  }

  /// Where the platform delivers: the balancer, or the only instance.
  [[nodiscard]] int webhook_port() const { return balancer ? balancer->port() : ports.front(); }
  /// An admin listener (all instances show the same database).
  [[nodiscard]] int admin_port() const { return instances.front()->admin_port(); }

  /// Starts `hookline simulate` delivering shipment webhooks to webhook_port(), with `more` arguments.
  void simulate(const std::vector<std::string>& more) {
    std::vector<std::string> args{"simulate", "--listen", "127.0.0.1:" + std::to_string(simulator_port), "--db",
                                  (dir.path() / "simulator.db").string(), "--shipment-url",
                                  "http://127.0.0.1:" + std::to_string(webhook_port()) + "/webhooks/vrio",
                                  "--secret-env", "HOOKLINE_SECRET"};
    args.insert(args.end(), more.begin(), more.end());
    simulator = std::make_unique<ChildServer>(hookline_binary, args,
                                              std::vector<std::string>{"HOOKLINE_SECRET=" + secret, "PATH=/usr/bin:/bin"},
                                              simulator_log);
    BOOST_TEST_REQUIRE(fulfillment_test::eventually([&] { return get(simulator_port, "/api/shipments").has_value(); }, 20s),
                       "hookline simulate did not start:\n" << tail_of(simulator_log));
  }
};

/// What the platform's webhook log says: the events, the attempts, the failed ones, the events the
/// server acknowledged and the shipments it heard of through them.
struct Delivered {
  std::size_t events = 0;
  std::size_t unattempted = 0;
  std::size_t attempts = 0;
  std::size_t failed = 0;
  std::chrono::microseconds delivering{0};  // the attempts' durations added up
  std::set<std::string> acknowledged;
  /// Shipments whose shipment_scheduled was acknowledged: the server must ship them when due. (A
  /// shipment whose other events alone got through is held, never scheduled here.)
  std::set<std::int64_t> known;
  std::map<std::string, std::size_t> failures;  // by answer ("HTTP 503") or, when none came, why
};

Delivered delivered(int simulator_port) {
  Delivered out;
  for_each_entry(simulator_port, "events", false, [&](simdjson::dom::element event) {
    ++out.events;
    const std::string_view status = event["status"].get_string().value();
    if (status == "pending" || status == "retrying") ++out.unattempted;
    if (status != "succeeded") return;
    out.acknowledged.insert(std::string(event["event_id"].get_string().value()));
    std::string_view entity;
    std::string_view name;
    if (event["entity"].get(entity) == simdjson::SUCCESS && entity.starts_with("shipment:") &&
        event["event"].get(name) == simdjson::SUCCESS && name == "shipment_scheduled") {
      out.known.insert(std::stoll(std::string(entity.substr(9))));
    }
  });
  for_each_entry(simulator_port, "deliveries", false, [&](simdjson::dom::element delivery) {
    ++out.attempts;
    out.delivering += std::chrono::microseconds(delivery["duration_us"].get_int64().value());
    const auto code = delivery["response_code"].get_int64().value();
    if (code < 200 || code >= 300) {
      ++out.failed;
      std::string_view error;
      ++out.failures[code != 0 || delivery["error"].get(error) != simdjson::SUCCESS ? "HTTP " + std::to_string(code)
                                                                                    : std::string(error)];
    }
  });
  return out;
}

/// The event ids in the server's event log.
std::set<std::string> logged_events(int admin_port) {
  std::set<std::string> out;
  for_each_entry(admin_port, "events", true,
                 [&](simdjson::dom::element event) { out.insert(std::string(event["event_id"].get_string().value())); });
  return out;
}

/// A shipment as the simulator's platform API shows it.
struct PlatformShipment {
  std::string status;
  std::string date_scheduled;
  std::int64_t effective_posts = 0;
};

std::map<std::int64_t, PlatformShipment> platform_shipments(int simulator_port) {
  std::map<std::int64_t, PlatformShipment> out;
  const auto body = get(simulator_port, "/api/shipments");
  simdjson::dom::parser parser;
  simdjson::dom::array list;
  if (!body || parser.parse(*body).get(list) != simdjson::SUCCESS) return out;
  for (auto item : list) {
    PlatformShipment shipment;
    shipment.status = std::string(item["shipment_status_id"].get_string().value());
    std::string_view date;
    if (item["date_scheduled"].get(date) == simdjson::SUCCESS) shipment.date_scheduled = std::string(date);
    shipment.effective_posts = item["tracking_posts_effective"].get_int64().value();
    out[item["shipment_id"].get_int64().value()] = shipment;
  }
  return out;
}

/// What keeps the deployment busy, empty once every event was attempted, every acknowledged one is
/// in the server's event log, and every due shipment the server heard of that is live at the
/// platform has shipped there.
std::string busy(const Deployment& deployment) {
  const auto log = delivered(deployment.simulator_port);
  if (log.events == 0 || log.unattempted > 0) return std::to_string(log.unattempted) + " events not attempted yet";
  const auto logged = logged_events(deployment.admin_port());
  for (const auto& id : log.acknowledged) {
    if (!logged.contains(id)) return "event " + id + " acknowledged, not in the event log";
  }
  const auto now = fulfillment_test::vrio_date(fulfillment_test::now_seconds());
  for (const auto& [id, shipment] : platform_shipments(deployment.simulator_port)) {
    if (log.known.contains(id) && shipment.status == "Pending Post" && shipment.date_scheduled <= now) {
      return "shipment " + std::to_string(id) + " due and not shipped: " +
             get(deployment.admin_port(), "/api/fulfillments/" + std::to_string(id), true).value_or("(no fulfillment)");
    }
  }
  return "";
}

/// Waits until nothing is busy(), then 2 s more for any post that should not come.
void wait_until_idle(const Deployment& deployment) {
  const auto deadline = std::chrono::steady_clock::now() + bound;
  std::string doing = "not looked at";
  while (!doing.empty() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(500ms);
    doing = busy(deployment);
  }
  BOOST_TEST_REQUIRE(doing.empty(), "not idle in time: " << doing << "\nsimulator log:\n"
                                                         << tail_of(deployment.simulator_log) << "\ninstance log:\n"
                                                         << tail_of(deployment.instances.front()->log()));
  std::this_thread::sleep_for(2s);
}

/// Transitions to "shipped" in a fulfillment's history.
std::size_t times_shipped(int admin_port, std::int64_t shipment_id) {
  const auto body = get(admin_port, "/api/fulfillments/" + std::to_string(shipment_id), true);
  BOOST_TEST_REQUIRE(body.has_value());
  simdjson::dom::parser parser;
  std::size_t count = 0;
  for (auto line : parser.parse(*body)["history"].get_array()) {
    std::string_view to;
    if (line["kind"].get_string().value() == "transition" && line["to"].get(to) == simdjson::SUCCESS && to == "shipped") {
      ++count;
    }
  }
  return count;
}

/// Checks the end state of a run; the platform's webhook log.
Delivered check_outcome(const Deployment& deployment) {
  const auto log = delivered(deployment.simulator_port);
  const auto admin = deployment.admin_port();

  // Every acknowledged event was handled: it is in the event log.
  const auto logged = logged_events(admin);
  std::size_t lost = 0;
  for (const auto& id : log.acknowledged) lost += logged.contains(id) ? 0 : 1;
  BOOST_TEST(lost == 0U, lost << " acknowledged events are not in the event log");

  // Every tracking post carries the shipment's one key, whichever instance sent it.
  const auto calls_body = get(deployment.simulator_port, "/api/tracking-calls");
  BOOST_TEST_REQUIRE(calls_body.has_value());
  simdjson::dom::parser parser;
  std::map<std::int64_t, std::size_t> accepted;
  for (auto call : parser.parse(*calls_body).get_array()) {
    const auto id = call["shipment_id"].get_int64().value();
    std::string_view key;
    BOOST_TEST((call["idempotency_key"].get(key) == simdjson::SUCCESS && key == "hookline-track-" + std::to_string(id)),
               "a tracking post for shipment " << id << " with another Idempotency-Key");
    if (call["effective"].get_bool().value()) ++accepted[id];
  }

  const auto now = fulfillment_test::vrio_date(fulfillment_test::now_seconds());
  std::size_t shipped = 0;
  for (const auto& [id, shipment] : platform_shipments(deployment.simulator_port)) {
    BOOST_TEST_CONTEXT("shipment " << id << " (" << shipment.status << ", due " << shipment.date_scheduled << ")") {
      const auto posts = accepted.contains(id) ? accepted.at(id) : 0U;
      BOOST_TEST(posts <= 1U);
      BOOST_TEST(shipment.effective_posts == static_cast<std::int64_t>(posts));
      if (shipment.status == "Shipped") {
        ++shipped;
        BOOST_TEST(posts == 1U);
        BOOST_TEST(times_shipped(admin, id) == 1U);
      } else if (shipment.status == "Cancelled" || shipment.status == "Skipped") {
        BOOST_TEST(posts == 0U);
      } else if (log.known.contains(id)) {
        BOOST_TEST(shipment.date_scheduled > now);  // acknowledged, live and due: shipped
        BOOST_TEST(posts == 0U);
      }
    }
  }
  BOOST_TEST(shipped > 0U);
  return log;
}

/// A fault during the batch: SIGKILL an instance and start it again, or restart PostgreSQL.
struct Fault {
  std::chrono::milliseconds at;  // after the simulator started
  std::size_t instance = 0;      // which, modulo the instances there are
  bool database = false;
};

/// Three kills of random instances at random moments of the batch, then the database restart,
/// the same for a seed. The restart comes last: while PostgreSQL is down every instance answers 503,
/// and the platform, which tries each event once, fails what it delivers then whatever the balancer.
std::vector<Fault> fault_schedule(unsigned seed) {
  std::mt19937 random(seed);
  std::uniform_int_distribution<int> gap(250, 500);
  std::uniform_int_distribution<std::size_t> instance(0, 2);
  std::vector<Fault> faults;
  auto at = 0ms;
  for (int kill = 0; kill < 3; ++kill) {
    at += std::chrono::milliseconds(gap(random));
    faults.push_back(Fault{at, instance(random), false});
  }
  faults.push_back(Fault{at + std::chrono::milliseconds(gap(random)), 0, true});
  return faults;
}

/// The generated batch of case 1 (a few hundred events, cancels, skips, changes, duplicates).
const std::vector<std::string> generated_batch{"--generate", "400", "--seed", "17", "--concurrency", "1",
                                               "--batch-interval", "86400", "--cancel-rate", "0.3",
                                               "--skip-rate", "0.2", "--address-change-rate", "0.3",
                                               "--item-change-rate", "0.2", "--duplicate-rate", "0.2",
                                               "--reorder-rate", "0.2"};

/// "HTTP 503 x12, connection_refused x40", or "none".
std::string failures_text(const Delivered& log) {
  std::string text;
  for (const auto& [kind, count] : log.failures) text += (text.empty() ? "" : ", ") + kind + " x" + std::to_string(count);
  return text.empty() ? "none" : text;
}

/// Runs the generated batch against `count` instances (behind the balancer when `balanced`) with the
/// fault schedule; checks the end state; the platform's webhook log.
Delivered batch_with_faults(std::size_t count, bool balanced) {
  Deployment deployment(count, balanced);
  deployment.simulate(generated_batch);
  const auto started = std::chrono::steady_clock::now();
  for (const auto& fault : fault_schedule(20261203)) {
    std::this_thread::sleep_until(started + fault.at);
    if (fault.database) {
      PostgresCluster::shared().restart();
    } else {
      auto& instance = *deployment.instances[fault.instance % count];
      instance.kill();
      instance.start();
    }
  }
  const auto faults_took = std::chrono::steady_clock::now() - started;
  wait_until_idle(deployment);
  const auto log = check_outcome(deployment);
  BOOST_TEST_MESSAGE(count << (balanced ? " instances behind haproxy: " : " instance, no balancer: ") << log.events
                           << " events, " << log.failed << " deliveries failed, " << log.known.size()
                           << " shipments scheduled here; deliveries took "
                           << std::chrono::duration_cast<std::chrono::milliseconds>(log.delivering).count()
                           << " ms in all; failed: " << failures_text(log) << "; the faults took "
                           << std::chrono::duration_cast<std::chrono::milliseconds>(faults_took).count() << " ms");
  return log;
}

/// `body` signed and POSTed to 127.0.0.1:`port`/webhooks/vrio: the status (0 when none) and the body.
fulfillment_test::Answer deliver(int port, const std::string& body) {
  hookline::Headers headers_signed =
      hookline::Signer::create(hookline::Scheme::vrio, std::vector<hookline::Secret>{hookline::Secret(secret)})
          ->sign(body, "", fulfillment_test::now_seconds());
  httplib::Headers headers;
  for (const auto& field : headers_signed.fields()) headers.emplace(field.name, field.value);
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(5, 0);
  client.set_read_timeout(15, 0);
  const auto answer = client.Post("/webhooks/vrio", headers, body, "application/json");
  if (!answer) return {};
  return {answer->status, answer->body};
}

/// The deliveries that failed for want of an instance (refused, cut off, unanswered), not the 503s
/// every instance answers while the database itself restarts, which no balancer can hide.
std::size_t lost_to_instances(const Delivered& log) {
  const auto unavailable = log.failures.find("HTTP 503");
  return log.failed - (unavailable == log.failures.end() ? 0 : unavailable->second);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(fulfillment_cluster)

BOOST_AUTO_TEST_CASE(kills_and_a_database_restart_lose_nothing_acknowledged_and_ship_nothing_twice) {
  const auto three = batch_with_faults(3, true);
  const auto one = batch_with_faults(1, false);
  BOOST_TEST(three.events == one.events);
  BOOST_TEST_MESSAGE("failed deliveries: " << three.failed << " behind haproxy (" << lost_to_instances(three)
                                           << " for want of an instance), " << one.failed << " alone ("
                                           << lost_to_instances(one) << ")");
  BOOST_TEST(lost_to_instances(three) < lost_to_instances(one),
             "lost for want of an instance: behind haproxy " << lost_to_instances(three) << ", alone "
                                                              << lost_to_instances(one));
}

BOOST_AUTO_TEST_CASE(without_its_database_an_instance_answers_503_and_recovers_by_itself) {
  fulfillment_test::StandInPlatform platform;
  Deployment deployment(1, false, {}, platform.url());
  const int port = deployment.ports.front();
  const auto now = fulfillment_test::now_seconds();
  const auto event = [&](const std::string& id, std::int64_t shipment_id) {
    return fulfillment_test::scheduled(id, fulfillment_test::vrio_date(now), shipment_id,
                                       fulfillment_test::vrio_date(now + std::chrono::days(30)));
  };
  BOOST_TEST(fulfillment_test::call(port, "GET", "/readyz").status == 200);
  PostgresCluster::shared().stop();
  // Nothing is acknowledged that is not committed: the delivery is refused with 503 (a retrying
  // platform retries), and the balancer's check fails, naming the store.
  const auto refused = deliver(port, event("db-away-1", 7200001));
  const auto ready = fulfillment_test::call(port, "GET", "/readyz");
  PostgresCluster::shared().start();
  BOOST_TEST(refused.status == 503, refused.body);
  BOOST_TEST(ready.status == 503);
  BOOST_TEST(ready.body.find("store_unavailable") != std::string::npos, ready.body);
  // The database is back: the same instance, never restarted, answers again.
  BOOST_TEST(fulfillment_test::eventually([&] { return fulfillment_test::call(port, "GET", "/readyz").status == 200; }, 20s));
  const auto accepted = deliver(port, event("db-away-2", 7200002));
  BOOST_TEST(accepted.status == 200, accepted.body);
  BOOST_TEST(accepted.body.find("accepted") != std::string::npos, accepted.body);
}

BOOST_AUTO_TEST_CASE(fifty_copies_over_three_instances_are_logged_and_handled_once) {
  fulfillment_test::StandInPlatform platform;
  Deployment deployment(3, false, {}, platform.url());
  const auto now = fulfillment_test::now_seconds();
  constexpr std::int64_t shipment_id = 7100042;
  const std::string event_id = "cluster-copies-1";
  const auto body = fulfillment_test::scheduled(event_id, fulfillment_test::vrio_date(now), shipment_id,
                                                fulfillment_test::vrio_date(now + std::chrono::days(30)));

  constexpr int copies = 50;
  std::latch start(copies);
  std::mutex mutex;
  std::vector<fulfillment_test::Answer> answers;
  std::vector<std::thread> senders;
  for (int copy = 0; copy < copies; ++copy) {
    senders.emplace_back([&, copy] {
      const int port = deployment.ports[static_cast<std::size_t>(copy) % deployment.ports.size()];
      start.arrive_and_wait();
      auto answer = deliver(port, body);
      const std::lock_guard lock(mutex);
      answers.push_back(std::move(answer));
    });
  }
  for (auto& sender : senders) sender.join();

  std::size_t accepted = 0, duplicate = 0;
  for (const auto& answer : answers) {
    BOOST_TEST((answer.status >= 200 && answer.status < 300), "a copy got " << answer.status << ' ' << answer.body);
    accepted += answer.body.find("\"accepted\"") != std::string::npos ? 1 : 0;
    duplicate += answer.body.find("\"duplicate\"") != std::string::npos ? 1 : 0;
  }
  BOOST_TEST(accepted == 1U);
  BOOST_TEST(duplicate == static_cast<std::size_t>(copies - 1));

  // One row in the event log, one handler run in the fulfillment's history.
  const auto admin = deployment.admin_port();
  BOOST_TEST_REQUIRE(fulfillment_test::eventually([&] { return logged_events(admin).contains(event_id); }, 20s));
  std::this_thread::sleep_for(1s);  // room for a second run that should not come
  const auto listed = get(admin, "/api/events?event_id=" + event_id, true);
  BOOST_TEST_REQUIRE(listed.has_value());
  simdjson::dom::parser parser;
  BOOST_TEST(parser.parse(*listed)["events"].get_array().size() == 1U, *listed);
  const auto detail = get(admin, "/api/fulfillments/" + std::to_string(shipment_id), true);
  BOOST_TEST_REQUIRE(detail.has_value());
  std::size_t runs = 0;
  for (auto line : parser.parse(*detail)["history"].get_array()) {
    std::string_view logged_id;
    if (line["kind"].get_string().value() == "event" && line["event_id"].get(logged_id) == simdjson::SUCCESS &&
        logged_id == event_id) {
      ++runs;
    }
  }
  BOOST_TEST(runs == 1U, *detail);
}

BOOST_AUTO_TEST_CASE(a_rolling_restart_with_a_drain_fails_no_delivery) {
  Deployment deployment(3, true, {"--drain-seconds", "2"});
  deployment.simulate({"--generate", "30", "--seed", "29", "--batch-interval", "1", "--cancel-rate", "0.2",
                       "--skip-rate", "0.2", "--duplicate-rate", "0.1"});

  // After the generated batch, new shipments keep coming, each delivered at once as a batch of its
  // own, one after the other, so deliveries go on through every stop and start.
  std::atomic<bool> restarted{false};
  std::atomic<int> sent{0};
  std::thread stream([&] {
    for (std::int64_t n = 0; !restarted.load(); ++n) {
      const auto now = fulfillment_test::now_seconds();
      const auto body = fulfillment_test::scheduled("rolling-" + std::to_string(n), fulfillment_test::vrio_date(now),
                                                    8800000 + n, fulfillment_test::vrio_date(now - 1h));
      const auto answer =
          fulfillment_test::call_authorized("", deployment.simulator_port, "POST", "/api/events?deliver=now", body);
      if (answer.status == 200) ++sent;
      std::this_thread::sleep_for(10ms);
    }
  });
  std::this_thread::sleep_for(1s);
  for (std::size_t i = 0; i < deployment.instances.size(); ++i) {
    const auto exited = deployment.instances[i]->stop();
    BOOST_TEST_REQUIRE(exited.has_value());
    BOOST_TEST((WIFEXITED(*exited) && WEXITSTATUS(*exited) == 0), "instance " << i << " after SIGTERM: " << *exited);
    deployment.instances[i]->start();
    BOOST_TEST_REQUIRE(fulfillment_test::eventually([&] { return deployment.balancer->all_up(); }, 20s));
    std::this_thread::sleep_for(500ms);
  }
  restarted = true;
  stream.join();
  BOOST_TEST(sent.load() > 100);

  wait_until_idle(deployment);
  const auto log = check_outcome(deployment);
  BOOST_TEST(log.failed == 0U, log.failed << " of " << log.attempts << " deliveries failed");
  BOOST_TEST_MESSAGE("rolling restart: " << log.attempts << " deliveries, failed: " << failures_text(log));
}

BOOST_AUTO_TEST_SUITE_END()
