// samples/receiver-example on PostgreSQL, as a merchant runs it behind a load balancer: instances of
// the real binary on one throwaway cluster. The same event sent to all of them at once is stored
// and handled once; while the database is down webhooks and /readyz answer 503, and they recover
// by themselves; SIGTERM fails /readyz first, keeps serving through the drain, then exits 0 having
// lost nothing it acknowledged, and a second signal ends the drain.

#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <latch>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "hookline/parse.hpp"
#include "hookline/postgres_inbox.hpp"
#include "http_test_support.hpp"
#include "postgres_cluster.hpp"

using namespace std::chrono_literals;
using hookline::test::PostgresCluster;

namespace {

std::string file_text(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

/// One receiver-example process on `db`, its stdout and stderr in files of a temporary directory;
/// killed with SIGKILL if still running when destroyed.
class Instance {
 public:
  Instance(const std::string& db, const std::filesystem::path& dir, const std::vector<std::string>& extra = {})
      : out_(dir / "stdout"), err_(dir / "stderr") {
    std::vector<std::string> args{HOOKLINE_RECEIVER_EXAMPLE, "--listen", "127.0.0.1:0", "--db", db};
    args.insert(args.end(), extra.begin(), extra.end());
    const std::string secret = "HOOKLINE_SECRET=" + std::string(hookline::test::http_test_secret);
    // Everything the child needs is made before fork(): it only redirects and execs.
    std::vector<char*> argv;
    for (const auto& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    char* envp[] = {const_cast<char*>(secret.c_str()), nullptr};
    pid_ = ::fork();
    if (pid_ == 0) {
      const int out = ::open(out_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      const int err = ::open(err_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      ::dup2(out, 1);
      ::dup2(err, 2);
      ::execve(argv[0], argv.data(), envp);
      ::_exit(127);
    }
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (port_ == 0 && running() && std::chrono::steady_clock::now() < deadline) {
      const std::string err = file_text(err_);
      const std::string marker = "listening on 127.0.0.1:";
      if (const auto at = err.find(marker); at != std::string::npos && err.find('\n', at) != std::string::npos) {
        port_ = static_cast<std::uint16_t>(std::stoi(err.substr(at + marker.size())));
      } else {
        std::this_thread::sleep_for(20ms);
      }
    }
    if (port_ == 0) {
      throw std::runtime_error("receiver-example did not start: " + file_text(err_));
    }
  }
  Instance(const Instance&) = delete;
  Instance& operator=(const Instance&) = delete;
  ~Instance() {
    if (running()) {
      ::kill(pid_, SIGKILL);
      wait_exit(10s);
    }
  }

  [[nodiscard]] std::uint16_t port() const noexcept { return port_; }
  void signal(int number) const { ::kill(pid_, number); }
  /// Its stdout so far: one `handled <event> <id>` line per handler run.
  [[nodiscard]] std::string out() const { return file_text(out_); }
  [[nodiscard]] std::string err() const { return file_text(err_); }

  bool running() {
    if (exit_status_) return false;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      exit_status_ = status;
      return false;
    }
    return true;
  }
  /// The wait status once it exited within `timeout`.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (running() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(10ms);
    return exit_status_;
  }

 private:
  std::filesystem::path out_;
  std::filesystem::path err_;
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
  std::optional<int> exit_status_;
};

/// A temporary directory per instance, removed at the end.
struct Dirs {
  Dirs() {
    std::string pattern = (std::filesystem::temp_directory_path() / "hookline-example-pg-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    root = pattern;
  }
  ~Dirs() {
    std::error_code ignored;
    std::filesystem::remove_all(root, ignored);
  }
  std::filesystem::path make(const std::string& name) const {
    std::filesystem::create_directory(root / name);
    return root / name;
  }
  std::filesystem::path root;
};

/// The status and body of one request on a connection of its own; status 0 when nothing answered.
hookline::test::RawResponse send_alone(std::uint16_t port, const std::string& request) {
  try {
    hookline::test::RawConnection connection(port);
    return connection.exchange(request, 15s).value_or(hookline::test::RawResponse{});
  } catch (const std::runtime_error&) {
    return {};  // nothing listens
  }
}

hookline::test::RawResponse deliver(std::uint16_t port, const std::string& event_id) {
  return send_alone(port, hookline::test::signed_post("/webhooks/vrio", hookline::test::vrio_body(event_id)));
}

hookline::test::RawResponse readyz(std::uint16_t port) {
  return send_alone(port, "GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
}

bool is_2xx(int status) { return status >= 200 && status < 300; }

std::size_t occurrences(const std::string& text, const std::string& needle) {
  std::size_t count = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + needle.size())) ++count;
  return count;
}

/// Entries in the inbox at `uri`, every state.
std::size_t inbox_rows(const std::string& uri) {
  auto inbox = hookline::test::open_postgres(uri);
  auto counts = inbox->counts();
  BOOST_TEST_REQUIRE(counts.has_value());
  return counts->pending + counts->in_flight + counts->handled + counts->dead;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(receiver_example_postgres)

BOOST_AUTO_TEST_CASE(a_uri_with_a_password_is_a_usage_error) {
  Dirs dirs;
  const auto dir = dirs.make("password");
  const std::string command = std::string("HOOKLINE_SECRET=s '") + HOOKLINE_RECEIVER_EXAMPLE +
                              "' --listen 127.0.0.1:0 --db postgresql://merchant:hunter2@127.0.0.1:1/shop 2>'" +
                              (dir / "err").string() + "'";
  const int status = std::system(command.c_str());
  BOOST_TEST_REQUIRE(WIFEXITED(status));
  BOOST_TEST(WEXITSTATUS(status) == 2);
  const std::string err = file_text(dir / "err");
  BOOST_TEST(err.starts_with("receiver-example: --db: the database URI holds a password"));
  BOOST_TEST(err.find("PGPASSWORD") != std::string::npos);
  BOOST_TEST(err.find("hunter2") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(fifty_copies_over_three_instances_are_stored_and_handled_once) {
  const std::string uri = PostgresCluster::shared().fresh_schema_uri();
  Dirs dirs;
  std::vector<std::unique_ptr<Instance>> instances;
  for (int i = 0; i < 3; ++i) instances.push_back(std::make_unique<Instance>(uri, dirs.make("i" + std::to_string(i))));

  constexpr int copies = 50;
  std::latch start(copies);
  std::mutex mutex;
  std::vector<hookline::test::RawResponse> responses;
  std::vector<std::thread> senders;
  for (int copy = 0; copy < copies; ++copy) {
    senders.emplace_back([&, copy] {
      const auto port = instances[static_cast<std::size_t>(copy) % instances.size()]->port();
      const auto request = hookline::test::signed_post("/webhooks/vrio", hookline::test::vrio_body("cross-1"));
      start.arrive_and_wait();
      auto response = send_alone(port, request);
      const std::lock_guard lock(mutex);
      responses.push_back(std::move(response));
    });
  }
  for (auto& sender : senders) sender.join();

  std::size_t accepted = 0;
  for (const auto& response : responses) {
    BOOST_TEST(response.status == 200, "a copy got " << response.status << ' ' << response.body);
    if (response.body == R"({"status":"accepted"})") ++accepted;
  }
  BOOST_TEST(accepted == 1U);
  BOOST_TEST(inbox_rows(uri) == 1U);

  // Once the entry is recorded handled no instance takes it again: count the handler runs then.
  auto inbox = hookline::test::open_postgres(uri);
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (std::chrono::steady_clock::now() < deadline) {
    auto counts = inbox->counts();
    if (counts && counts->handled == 1) break;
    std::this_thread::sleep_for(50ms);
  }
  BOOST_TEST_REQUIRE(inbox->counts()->handled == 1U);
  std::size_t runs = 0;
  for (const auto& instance : instances) runs += occurrences(instance->out(), "handled shipment_scheduled cross-1\n");
  BOOST_TEST(runs == 1U);
}

BOOST_AUTO_TEST_CASE(the_database_stopped_is_503_and_started_again_is_2xx_without_a_restart) {
  auto& cluster = PostgresCluster::shared();
  const std::string uri = cluster.fresh_schema_uri();
  Dirs dirs;
  Instance instance(uri, dirs.make("only"));
  BOOST_TEST_REQUIRE(deliver(instance.port(), "before-1").status == 200);
  BOOST_TEST_REQUIRE(readyz(instance.port()).status == 200);

  cluster.stop();
  const auto refused = deliver(instance.port(), "during-1");
  const auto not_ready = readyz(instance.port());
  cluster.start();
  BOOST_TEST(refused.status == 503);
  BOOST_TEST(refused.body.find(R"("code":"store_unavailable")") != std::string::npos, refused.body);
  BOOST_TEST(not_ready.status == 503);
  BOOST_TEST(not_ready.body.find(R"("code":"store_unavailable")") != std::string::npos, not_ready.body);

  // The first statement on a connection the restart ended fails; the store connects again after it.
  hookline::test::RawResponse delivered;
  hookline::test::RawResponse ready;
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (std::chrono::steady_clock::now() < deadline) {
    delivered = deliver(instance.port(), "during-1");  // the platform's retry
    ready = readyz(instance.port());
    if (delivered.status == 200 && ready.status == 200) break;
    std::this_thread::sleep_for(100ms);
  }
  BOOST_TEST(delivered.status == 200, delivered.body);
  BOOST_TEST(ready.status == 200, ready.body);
  BOOST_TEST(instance.running());
  BOOST_TEST(inbox_rows(uri) == 2U);
}

BOOST_AUTO_TEST_CASE(sigterm_fails_readyz_first_serves_through_the_drain_and_loses_nothing_acknowledged) {
  const std::string uri = PostgresCluster::shared().fresh_schema_uri();
  Dirs dirs;
  Instance instance(uri, dirs.make("draining"), {"--drain-seconds", "2"});
  BOOST_TEST_REQUIRE(readyz(instance.port()).status == 200);

  // Steady sends, each event new, each on a connection of its own (as a balancer's health-checked
  // traffic arrives), until the listener is gone.
  std::atomic<bool> not_ready_seen{false};
  std::atomic<int> acknowledged_after_not_ready{0};
  std::mutex mutex;
  std::vector<std::string> acknowledged;
  std::vector<std::thread> senders;
  std::atomic<bool> listener_gone{false};
  for (int sender = 0; sender < 2; ++sender) {
    senders.emplace_back([&, sender] {
      for (int n = 0; !listener_gone.load(); ++n) {
        const std::string id = "drain-" + std::to_string(sender) + "-" + std::to_string(n);
        const bool after_not_ready = not_ready_seen.load();
        const auto response = deliver(instance.port(), id);
        if (response.status == 0) {
          listener_gone = true;
        } else if (is_2xx(response.status)) {
          const std::lock_guard lock(mutex);
          acknowledged.push_back(id);
          if (after_not_ready) ++acknowledged_after_not_ready;
        }
        std::this_thread::sleep_for(5ms);
      }
    });
  }
  std::this_thread::sleep_for(300ms);
  instance.signal(SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  hookline::test::RawResponse ready;
  while (std::chrono::steady_clock::now() < deadline) {
    ready = readyz(instance.port());
    if (ready.status != 200) break;
    std::this_thread::sleep_for(20ms);
  }
  BOOST_TEST(ready.status == 503);
  BOOST_TEST(ready.body.find(R"("code":"draining")") != std::string::npos, ready.body);
  not_ready_seen = true;

  const auto exited = instance.wait_exit(15s);
  listener_gone = true;
  for (auto& sender : senders) sender.join();
  BOOST_TEST_REQUIRE(exited.has_value());
  BOOST_TEST(WIFEXITED(*exited));
  BOOST_TEST(WEXITSTATUS(*exited) == 0, instance.err());
  BOOST_TEST(acknowledged_after_not_ready.load() > 0);

  // Every acknowledged event is in the inbox: claimed again, each one is a duplicate.
  auto inbox = hookline::test::open_postgres(uri);
  const auto parser = hookline::meta_parser(hookline::Platform::vrio);
  std::size_t missing = 0;
  for (const auto& id : acknowledged) {
    const std::string body = hookline::test::vrio_body(id);
    const auto meta = parser(body);
    BOOST_TEST_REQUIRE(meta.has_value());
    const auto claimed = inbox->claim(*meta, body, std::chrono::sys_seconds{});
    BOOST_TEST_REQUIRE(claimed.has_value());
    if (*claimed != hookline::ClaimOutcome::duplicate) ++missing;
  }
  BOOST_TEST(missing == 0U);
  BOOST_TEST(acknowledged.size() > 10U);
}

BOOST_AUTO_TEST_CASE(a_second_signal_ends_the_drain_at_once) {
  const std::string uri = PostgresCluster::shared().fresh_schema_uri();
  Dirs dirs;
  Instance instance(uri, dirs.make("impatient"), {"--drain-seconds", "600"});
  BOOST_TEST_REQUIRE(deliver(instance.port(), "impatient-1").status == 200);
  instance.signal(SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (readyz(instance.port()).status == 200 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
  }
  BOOST_TEST_REQUIRE(readyz(instance.port()).status == 503);  // draining, and still listening
  instance.signal(SIGINT);
  const auto exited = instance.wait_exit(30s);  // far less than the drain asked for
  BOOST_TEST_REQUIRE(exited.has_value());
  BOOST_TEST(WIFEXITED(*exited));
  BOOST_TEST(WEXITSTATUS(*exited) == 0, instance.err());
}

BOOST_AUTO_TEST_SUITE_END()
