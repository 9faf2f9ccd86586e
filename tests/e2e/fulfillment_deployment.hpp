#pragma once
// The real hookline-fulfillment binary in the end-to-end suites: one database (by default in a fresh
// directory) and a stand-in platform, the server started and restarted by the test; and the checks
// those suites share (one effect per shipment at the platform, shipped transitions, metric samples).

#include <SQLiteCpp/SQLiteCpp.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "fulfillment_events.hpp"
#include "fulfillment_platform.hpp"
#include "fulfillment_process.hpp"
#include "store_backend.hpp"

namespace fulfillment_test {

inline constexpr auto bound = std::chrono::seconds(30);  // a correctness bound for a stuck server, not a timing target
inline const std::string deployment_secret = "whsec-test-fulfillment-deployment";
inline const std::string deployment_api_key = "pk_test_deployment_5d0e";

/// The Idempotency-Key of a shipment's tracking post.
inline std::string key_of(std::int64_t shipment_id) { return "hookline-track-" + std::to_string(shipment_id); }

/// The binary on one database (by default in a fresh directory), started and restarted by the test.
struct Deployment {
  fulfillment_test::TempDir dir;
  StandInPlatform platform;
  std::filesystem::path log = dir.path() / "server.log";
  std::filesystem::path database;
  std::vector<std::string> flags;
  std::vector<std::string> extra_env;  ///< NAME=value added to the server's environment.
  std::string warehouse_delay_ms = "0";
  std::string platform_url = platform.url();  ///< Where the server's --platform-url points.
  std::unique_ptr<ChildServer> server;
  int port = 0;        ///< The public listener's.
  int admin_port = 0;  ///< The admin listener's.

  explicit Deployment(std::vector<std::string> extra_flags = {}, std::filesystem::path database_path = {})
      : database(database_path.empty() ? std::filesystem::path(hookline::test::fresh_database(dir.path() / "fulfillment.db"))
                                       : std::move(database_path)),
        flags(std::move(extra_flags)) {}
  /// Stops the server; in sanitizer builds, its log must hold no sanitizer report.
  ~Deployment() {
    server.reset();
    const auto text = fulfillment_test::file_text(log);
    for (const char* report : {"ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:", "WARNING: ThreadSanitizer"}) {
      BOOST_TEST(text.find(report) == std::string::npos, "the server's log:\n" << text);
    }
  }
  Deployment(const Deployment&) = delete;
  Deployment& operator=(const Deployment&) = delete;

  void start() {
    const auto skip = fulfillment_test::line_count(log);
    std::vector<std::string> args{"--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0", "--db",
                                  database.string(), "--platform-url", platform_url, "--warehouse-delay-ms",
                                  warehouse_delay_ms};
    args.insert(args.end(), flags.begin(), flags.end());
    std::vector<std::string> env{"HOOKLINE_SECRET=" + deployment_secret, "HOOKLINE_PLATFORM_API_KEY=" + deployment_api_key,
                                 "HOOKLINE_ADMIN_TOKEN=" + test_admin_token};
    env.insert(env.end(), extra_env.begin(), extra_env.end());
    for (const char* name : {"ASAN_OPTIONS", "UBSAN_OPTIONS", "TSAN_OPTIONS"}) {  // the sanitizer runs' settings
      if (const char* value = std::getenv(name)) env.push_back(std::string(name) + "=" + value);
    }
    server = std::make_unique<ChildServer>(args, env, log);
    port = server->wait_for_port(bound, skip);
    BOOST_TEST_REQUIRE(port != 0, "the server did not start; log:\n" << fulfillment_test::file_text(log));
    admin_port = server->wait_for_port(bound, skip, "admin_port");
    // Bound is not yet answering (its request threads may still be starting, slowly under TSan).
    BOOST_TEST_REQUIRE(eventually([&] { return call(port, "GET", "/healthz").status == 200; }, bound));
  }
  void kill_9() {
    server->signal(SIGKILL);
    BOOST_TEST_REQUIRE(server->wait_exit(bound).has_value());
  }
  void stop() {
    server->signal(SIGTERM);
    const auto status = server->wait_exit(bound);
    BOOST_TEST_REQUIRE(status.has_value());
    BOOST_TEST(WIFEXITED(*status));
    BOOST_TEST(WEXITSTATUS(*status) == 0);
  }
  int deliver(const std::string& body) const { return send_webhook(port, body, deployment_secret); }
  std::string detail(std::int64_t id) const { return call(admin_port, "GET", "/api/fulfillments/" + std::to_string(id)).body; }
  std::string state_of(std::int64_t id) const {
    const auto answer = call(admin_port, "GET", "/api/fulfillments/" + std::to_string(id));
    return answer.status == 200 ? json_string(answer.body, "state") : "";
  }
  /// True once the server recorded its tracking post as sent.
  bool tracking_sent(std::int64_t id) const { return detail(id).find(R"("outcome":"sent")") != std::string::npos; }
  std::string metrics() const { return call(admin_port, "GET", "/metrics").body; }
  /// The inbox database next to the fulfillment database.
  std::filesystem::path inbox() const { return database.parent_path() / "fulfillment.inbox.db"; }
};

/// Every post of each of `shipments` carried the shipment's own Idempotency-Key and the same body,
/// no other shipment was posted, and the platform took exactly one effect per shipment.
inline void check_one_effect_per_shipment(const StandInPlatform& platform, const std::set<std::int64_t>& shipments) {
  std::map<std::int64_t, std::set<std::string>> keys;
  std::map<std::int64_t, std::set<std::string>> bodies;
  for (const auto& post : platform.posts()) {
    keys[post.shipment_id].insert(post.idempotency_key);
    bodies[post.shipment_id].insert(post.body);
    BOOST_TEST(post.api_key == deployment_api_key);
  }
  std::set<std::string> expected_effects;
  for (const auto id : shipments) {
    expected_effects.insert(key_of(id));
    BOOST_TEST((keys[id] == std::set<std::string>{key_of(id)}), "shipment " << id << ": one key on every attempt");
    BOOST_TEST(bodies[id].size() == 1u, "shipment " << id << ": one tracking number and date on every attempt");
  }
  BOOST_TEST(keys.size() == shipments.size());
  BOOST_TEST((platform.effects() == expected_effects));
}

/// How many times each shipment moved to shipped, read from the fulfillment database.
inline std::map<std::int64_t, int> shipped_transitions(const std::filesystem::path& database) {
  constexpr const char* sql = "SELECT shipment_id, count(*) FROM history WHERE kind = 'transition' AND "
                              "to_state = 'shipped' GROUP BY shipment_id";
  std::map<std::int64_t, int> counts;
  if (hookline::test::on_postgres()) {
    for (const auto& row : hookline::test::PostgresCluster::shared().query(sql, database.string())) {
      counts[std::stoll(row.at(0))] = std::stoi(row.at(1));
    }
    return counts;
  }
  SQLite::Database db(database.string(), SQLite::OPEN_READONLY);
  SQLite::Statement query(db, sql);
  while (query.executeStep()) counts[query.getColumn(0).getInt64()] = query.getColumn(1).getInt();
  return counts;
}

/// The value of an unlabelled or labelled sample in Prometheus text, e.g. `hookline_tracking_outbox_depth`.
inline std::string sample_of(const std::string& metrics, const std::string& name) {
  const auto at = metrics.find("\n" + name + " ");
  if (at == std::string::npos) return "";
  const auto start = at + name.size() + 2;
  return metrics.substr(start, metrics.find('\n', start) - start);
}

}  // namespace fulfillment_test
