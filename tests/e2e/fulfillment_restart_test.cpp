// The real hookline-fulfillment binary across restarts: a clean SIGTERM stop, a future shipment
// that comes due while the server is down, and kill -9 right after the acks (nothing acknowledged is
// lost, nothing ships or posts tracking twice).
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "fulfillment_events.hpp"
#include "fulfillment_platform.hpp"
#include "fulfillment_process.hpp"
#include "store_backend.hpp"

using namespace std::chrono_literals;
using fulfillment_test::call;
using fulfillment_test::ChildServer;
using fulfillment_test::eventually;
using fulfillment_test::json_string;
using fulfillment_test::now_seconds;
using fulfillment_test::scheduled;
using fulfillment_test::send_webhook;
using fulfillment_test::shipment_event;
using fulfillment_test::StandInPlatform;

namespace {

constexpr auto bound = 20s;  // a correctness bound for a stuck server, not a timing target
const std::string secret = "whsec-test-fulfillment-restart";
const std::string api_key = "pk_test_restart_91c2";

/// The binary on one database, started and restarted by the test.
struct Deployment {
  fulfillment_test::TempDir dir;
  StandInPlatform platform;
  std::filesystem::path log = dir.path() / "server.log";
  std::string database = hookline::test::fresh_database(dir.path() / "fulfillment.db");
  std::unique_ptr<ChildServer> server;
  int port = 0;        // the public listener's
  int admin_port = 0;  // the admin listener's

  void start() {
    const auto skip = fulfillment_test::line_count(log);
    std::vector<std::string> args{"--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0", "--db", database,
                                  "--platform-url", platform.url(), "--warehouse-delay-ms", "0"};
    // On PostgreSQL, the work a killed process held is taken up when its claims' leases end.
    if (hookline::test::on_postgres()) args.insert(args.end(), {"--lease-s", "3", "--platform-timeout-ms", "2000"});
    server = std::make_unique<ChildServer>(
        args,
        std::vector<std::string>{"HOOKLINE_SECRET=" + secret, "HOOKLINE_PLATFORM_API_KEY=" + api_key,
                                 "HOOKLINE_ADMIN_TOKEN=" + fulfillment_test::test_admin_token},
        log);
    port = server->wait_for_port(bound, skip);
    BOOST_TEST_REQUIRE(port != 0, "the server did not start; log:\n" << fulfillment_test::file_text(log));
    admin_port = server->wait_for_port(bound, skip, "admin_port");
  }
  std::string state_of(std::int64_t id) const {
    const auto answer = call(admin_port, "GET", "/api/fulfillments/" + std::to_string(id));
    return answer.status == 200 ? json_string(answer.body, "state") : "";
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(fulfillment_restart)

BOOST_AUTO_TEST_CASE(help_lists_every_flag) {
  fulfillment_test::TempDir dir;
  const std::string command = fulfillment_test::fulfillment_binary().string() + " --help";
  std::FILE* pipe = popen(command.c_str(), "r");
  BOOST_TEST_REQUIRE(pipe != nullptr);
  std::string text;
  char buffer[512];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) text += buffer;
  BOOST_TEST(pclose(pipe) == 0);
  for (const char* flag : {"--listen", "--db", "--platform-url", "--warehouse-delay-ms", "--zone", "--api-key-header",
                           "--secret-file", "--check-before-ship", "--check-unavailable", "--check-attempts",
                           "--reconcile-interval-s", "--reconcile-reads-per-s", "--held-lookup-after-s", "--help",
                           "--admin-listen", "--admin-token-file", "--tls-cert", "--tls-key", "--admin-tls-cert",
                           "--admin-tls-key", "--trusted-proxy", "--config", "--refused-max-entries",
                           "--refused-max-bytes", "--platform-api-key-file", "HOOKLINE_SECRET",
                           "HOOKLINE_SECRET_PREVIOUS", "HOOKLINE_ADMIN_TOKEN", "HOOKLINE_PLATFORM_API_KEY"}) {
    BOOST_TEST(text.find(flag) != std::string::npos, flag);
  }
}

BOOST_AUTO_TEST_CASE(bad_usage_exits_2_before_opening_anything) {
  fulfillment_test::TempDir dir;
  const auto log = dir.path() / "usage.log";
  const auto db = (dir.path() / "var" / "f.db").string();
  const std::vector<std::vector<std::string>> cases{
      {"--zone", "Not/AZone", "--db", db},
      {"--listen", "nonsense", "--db", db},
      {"--warehouse-delay-ms", "-5", "--db", db},
      {"--check-before-ship", "maybe", "--db", db},
      {"--check-unavailable", "later", "--db", db},
      {"--check-attempts", "0", "--db", db},
      {"--reconcile-interval-s", "-1", "--db", db},
      {"--reconcile-reads-per-s", "0", "--db", db},
  };
  for (const auto& args : cases) {
    ChildServer child(args, {"HOOKLINE_SECRET=" + secret}, log);
    const auto status = child.wait_exit(bound);
    BOOST_TEST_REQUIRE(status.has_value());
    BOOST_TEST(WEXITSTATUS(*status) == 2, args[0]);
  }
  ChildServer no_secret({"--db", db}, {}, log);
  const auto status = no_secret.wait_exit(bound);
  BOOST_TEST_REQUIRE(status.has_value());
  BOOST_TEST(WEXITSTATUS(*status) == 2);
  BOOST_TEST(fulfillment_test::file_text(log).find("HOOKLINE_SECRET") != std::string::npos);
  BOOST_TEST(!std::filesystem::exists(dir.path() / "var"));
}

BOOST_AUTO_TEST_CASE(a_future_shipment_waits_across_a_clean_restart_then_ships_once) {
  Deployment deployment;
  deployment.start();
  const auto due = now_seconds() + 4s;
  BOOST_TEST(send_webhook(deployment.port, scheduled("30001", fulfillment_test::vrio_date(now_seconds()), 7001,
                                                     fulfillment_test::vrio_date(due)),
                          secret) == 200);
  BOOST_TEST(eventually([&] { return deployment.state_of(7001) == "waiting"; }, bound));
  deployment.server->signal(SIGTERM);
  const auto status = deployment.server->wait_exit(bound);
  BOOST_TEST_REQUIRE(status.has_value());
  BOOST_TEST(WIFEXITED(*status));
  BOOST_TEST(WEXITSTATUS(*status) == 0);
  BOOST_TEST(fulfillment_test::file_text(deployment.log).find("\"msg\":\"stopped\"") != std::string::npos);
  BOOST_TEST(deployment.platform.posts().empty());

  deployment.start();
  BOOST_TEST(deployment.state_of(7001) == "waiting");
  BOOST_TEST_REQUIRE(deployment.platform.wait_for_effects(1, bound));
  BOOST_TEST((std::chrono::system_clock::now() >= due));
  BOOST_TEST(eventually([&] { return deployment.state_of(7001) == "shipped"; }, bound));
  std::this_thread::sleep_for(500ms);
  BOOST_TEST(deployment.platform.posts().size() == 1u);
  const auto log = fulfillment_test::file_text(deployment.log);
  BOOST_TEST(log.find(secret) == std::string::npos);
  BOOST_TEST(log.find(api_key) == std::string::npos);
}

BOOST_AUTO_TEST_CASE(kill_9_right_after_the_acks_loses_nothing_and_ships_nothing_twice) {
  Deployment deployment;
  deployment.start();
  const std::string today = fulfillment_test::vrio_date(now_seconds());
  const std::string next_month = fulfillment_test::vrio_date(now_seconds() + 24h * 30);
  int event = 40000;
  std::set<std::int64_t> due_now;
  for (std::int64_t id = 5000; id < 5020; ++id) {
    const auto body = scheduled(std::to_string(++event), today, id, today);
    BOOST_TEST_REQUIRE(send_webhook(deployment.port, body, secret) == 200);
    if (id % 4 == 0) BOOST_TEST_REQUIRE(send_webhook(deployment.port, body, secret) == 200);  // duplicates
    due_now.insert(id);
  }
  for (std::int64_t id = 6000; id < 6005; ++id) {
    if (id < 6003) {  // cancelled before their shipment_scheduled arrives
      BOOST_TEST_REQUIRE(send_webhook(deployment.port, shipment_event("shipment_cancelled", std::to_string(++event), today, id),
                                      secret) == 200);
    }
    BOOST_TEST_REQUIRE(send_webhook(deployment.port, scheduled(std::to_string(++event), today, id, next_month), secret) ==
                       200);
  }
  deployment.server->signal(SIGKILL);  // right after the last ack
  BOOST_TEST_REQUIRE(deployment.server->wait_exit(bound).has_value());

  deployment.start();
  BOOST_TEST_REQUIRE(deployment.platform.wait_for_effects(due_now.size(), bound));
  BOOST_TEST(eventually([&] {
    for (const auto id : due_now) {
      if (deployment.state_of(id) != "shipped") return false;
    }
    return true;
  }, bound));
  for (std::int64_t id = 6000; id < 6005; ++id) {
    BOOST_TEST(deployment.state_of(id) == (id < 6003 ? "cancelled" : "waiting"), "shipment " << id);
  }
  std::this_thread::sleep_for(500ms);
  // Every post of a shipment carries one tracking number and one key; one effect per due shipment.
  std::map<std::int64_t, std::set<std::string>> bodies;
  for (const auto& post : deployment.platform.posts()) {
    bodies[post.shipment_id].insert(post.body);
    BOOST_TEST(post.idempotency_key == "hookline-track-" + std::to_string(post.shipment_id));
    BOOST_TEST(post.api_key == api_key);
  }
  BOOST_TEST(bodies.size() == due_now.size());
  for (const auto& [id, distinct] : bodies) {
    BOOST_TEST(due_now.count(id) == 1u, "shipment " << id);
    BOOST_TEST(distinct.size() == 1u, "shipment " << id);
  }
  BOOST_TEST(deployment.platform.effects().size() == due_now.size());
  const auto events = call(deployment.admin_port, "GET", "/api/events?limit=1000").body;
  std::size_t logged = 0;
  for (auto at = events.find("\"event_id\""); at != std::string::npos; at = events.find("\"event_id\"", at + 1)) ++logged;
  BOOST_TEST(logged == static_cast<std::size_t>(event - 40000));  // every acknowledged event, once
}

BOOST_AUTO_TEST_CASE(a_crash_after_the_platform_took_the_post_reposts_with_the_same_key) {
  Deployment deployment;
  deployment.start();
  // The platform applies the first post, then the server dies before it hears the answer.
  const pid_t first = deployment.server->pid();
  deployment.platform.on_post([first](const fulfillment_test::RecordedPost&) { kill(first, SIGKILL); });
  const std::string today = fulfillment_test::vrio_date(now_seconds());
  BOOST_TEST_REQUIRE(send_webhook(deployment.port, scheduled("50001", today, 8001, today), secret) == 200);
  BOOST_TEST_REQUIRE(deployment.platform.wait_for_posts(1, bound));
  BOOST_TEST_REQUIRE(deployment.server->wait_exit(bound).has_value());
  deployment.platform.on_post({});

  deployment.start();
  BOOST_TEST_REQUIRE(deployment.platform.wait_for_posts(2, bound));
  const auto posts = deployment.platform.posts();
  BOOST_TEST(posts[1].idempotency_key == posts[0].idempotency_key);
  BOOST_TEST(posts[1].body == posts[0].body);
  BOOST_TEST(deployment.platform.effects().size() == 1u);
  BOOST_TEST(eventually([&] {
    return call(deployment.admin_port, "GET", "/api/fulfillments/8001").body.find(R"("outcome":"sent")") != std::string::npos;
  }, bound));
  std::this_thread::sleep_for(500ms);
  BOOST_TEST(deployment.platform.posts().size() == 2u);
}

BOOST_AUTO_TEST_SUITE_END()
