// The fulfillment server end to end in this process: signed webhooks over HTTP on 127.0.0.1, the
// dispatcher, scheduler and simulated warehouse (no delay), and tracking posted to a stand-in
// platform API that records every post and fails on purpose.
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>

#include "app.hpp"
#include "fulfillment_events.hpp"
#include "fulfillment_platform.hpp"

using namespace std::chrono_literals;
using fulfillment_test::call;
using fulfillment_test::eventually;
using fulfillment_test::json_string;
using fulfillment_test::scheduled;
using fulfillment_test::send_webhook;
using fulfillment_test::shipment_event;
using fulfillment_test::StandInPlatform;

namespace {

constexpr auto bound = 15s;  // a correctness bound for a stuck pipeline, not a timing target
const std::string secret = "whsec-test-fulfillment-flow";
const std::string api_key = "pk_test_flow_7f3a";

std::string now_date(std::chrono::seconds offset = 0s) {
  return fulfillment_test::vrio_date(
      std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now()) + offset);
}

/// A running server in this process, with its own database, log and stand-in platform.
struct Server {
  fulfillment_test::TempDir dir;
  StandInPlatform platform;
  std::ofstream log{dir.path() / "server.log"};
  std::unique_ptr<fulfillment::App> app;

  explicit Server(const std::string& api_key_header = "X-Api-Key") : platform(api_key_header) {
    fulfillment::AppConfig config;
    config.api_key_header = api_key_header;
    config.listen = {"127.0.0.1", 0};
    config.admin_listen = {"127.0.0.1", 0};
    config.admin_token = hookline::Secret(fulfillment_test::test_admin_token);
    config.database = dir.path() / "var" / "fulfillment.db";  // a directory that does not exist yet
    config.platform_url = platform.url();
    config.warehouse_delay = 0ms;
    config.webhook_secrets.emplace_back(secret);
    config.platform_api_key = hookline::Secret(api_key);
    config.check_before_ship = true;  // as hookline-fulfillment does when given --platform-url
    config.log = &log;
    auto created = fulfillment::App::create(std::move(config));
    BOOST_TEST_REQUIRE(created.has_value(), (created.has_value() ? "" : created.error()));
    app = std::move(*created);
    BOOST_TEST_REQUIRE(app->start().has_value());
  }
  ~Server() { app->stop(); }

  int port() const { return app->port(); }
  int admin_port() const { return app->admin_port(); }
  int deliver(const std::string& body) { return send_webhook(port(), body, secret); }
  std::string state_of(std::int64_t id) {
    const auto answer = call(admin_port(), "GET", "/api/fulfillments/" + std::to_string(id));
    return answer.status == 200 ? json_string(answer.body, "state") : "";
  }
  bool reaches(std::int64_t id, const std::string& state) {
    return eventually([&] { return state_of(id) == state; }, bound);
  }
  /// The log file as the server's log thread has written it so far.
  std::string log_text() {
    std::ifstream in(dir.path() / "server.log");
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(fulfillment_flow)

BOOST_AUTO_TEST_CASE(a_due_shipment_ships_and_posts_tracking_once) {
  Server server;
  const auto body = scheduled("20001", now_date(), 251606, now_date());
  BOOST_TEST(server.deliver(body) == 200);
  BOOST_TEST(server.deliver(body) == 200);  // a duplicate delivery acts once
  BOOST_TEST_REQUIRE(server.platform.wait_for_effects(1, bound));
  BOOST_TEST(server.reaches(251606, "shipped"));
  BOOST_TEST(eventually([&] { return json_string(call(server.admin_port(), "GET", "/api/fulfillments/251606").body, "state") ==
                                         "shipped" &&
                                     call(server.admin_port(), "GET", "/api/fulfillments/251606").body.find(R"("outcome":"sent")") !=
                                         std::string::npos; },
                        bound));
  const auto posts = server.platform.posts();
  BOOST_TEST_REQUIRE(posts.size() == 1u);
  BOOST_TEST(posts[0].shipment_id == 251606);
  BOOST_TEST(posts[0].idempotency_key == "hookline-track-251606");
  BOOST_TEST(posts[0].api_key == api_key);
  const auto detail = call(server.admin_port(), "GET", "/api/fulfillments/251606").body;
  const std::string tracking = json_string(detail, "shipment_tracking_id");
  BOOST_TEST(tracking.substr(0, 2) == "1Z");
  BOOST_TEST(posts[0].body.find(R"("shipment_tracking_id":")" + tracking + "\"") != std::string::npos);
  BOOST_TEST(posts[0].body.find(R"("carrier_id":2)") != std::string::npos);
  BOOST_TEST(json_string(posts[0].body, "date_complete").size() == 19u);  // "YYYY-MM-DD HH:MM:SS"
  BOOST_TEST(detail.find(R"("decision":"apply")") != std::string::npos);

  const auto metrics = call(server.admin_port(), "GET", "/metrics");
  BOOST_TEST(metrics.status == 200);
  BOOST_TEST(metrics.body.find(R"(hookline_webhooks_received_total{outcome="accepted"} 1)") != std::string::npos);
  BOOST_TEST(metrics.body.find("hookline_webhooks_duplicates_total 1") != std::string::npos);
  BOOST_TEST(metrics.body.find(R"(hookline_fulfillments{state="shipped"} 1)") != std::string::npos);
  BOOST_TEST(metrics.body.find("hookline_tracking_outbox_depth 0") != std::string::npos);
  BOOST_TEST(call(server.port(), "GET", "/healthz").status == 200);
  BOOST_TEST(call(server.port(), "GET", "/readyz").status == 200);

  BOOST_TEST(eventually([&] { return server.log_text().find("\"msg\":\"shipped\"") != std::string::npos; }, bound));
  const auto log = server.log_text();
  BOOST_TEST(log.find(secret) == std::string::npos);
  BOOST_TEST(log.find(api_key) == std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_future_shipment_waits_and_a_cancel_before_its_schedule_wins) {
  Server server;
  BOOST_TEST(server.deliver(scheduled("20011", now_date(), 1001, now_date(24h * 30))) == 200);
  BOOST_TEST(server.deliver(shipment_event("shipment_cancelled", "20013", now_date(), 1002)) == 200);
  BOOST_TEST(server.deliver(scheduled("20012", now_date(-60s), 1002, now_date())) == 200);
  BOOST_TEST(server.reaches(1001, "waiting"));
  BOOST_TEST(server.reaches(1002, "cancelled"));
  BOOST_TEST(server.app->wait_until_idle(bound));
  BOOST_TEST(server.state_of(1001) == "waiting");
  BOOST_TEST(server.platform.posts().empty());
  const auto waiting = call(server.admin_port(), "GET", "/api/fulfillments?state=waiting").body;
  BOOST_TEST(waiting.find(R"("shipment_id":1001)") != std::string::npos);
  BOOST_TEST(waiting.find(R"("shipment_id":1002)") == std::string::npos);
  BOOST_TEST(call(server.admin_port(), "GET", "/api/fulfillments?state=nonsense").status == 400);
  const auto events = call(server.admin_port(), "GET", "/api/events?shipment_id=1002").body;
  BOOST_TEST(events.find(R"("event":"shipment_cancelled")") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(the_platform_failing_twice_then_accepting_yields_one_effect) {
  Server server;
  server.platform.script({{503, ""}, {500, ""}});
  BOOST_TEST(server.deliver(scheduled("20021", now_date(), 4242, now_date())) == 200);
  BOOST_TEST_REQUIRE(server.platform.wait_for_posts(3, bound));
  BOOST_TEST(server.platform.effects().size() == 1u);
  const auto posts = server.platform.posts();
  for (const auto& post : posts) {
    BOOST_TEST(post.idempotency_key == "hookline-track-4242");
    BOOST_TEST(post.body == posts[0].body);
  }
  // First retry within about a second or two (full jitter over a 1 s ceiling).
  BOOST_TEST(std::chrono::duration_cast<std::chrono::milliseconds>(posts[1].at - posts[0].at).count() <= 1500);
  BOOST_TEST(eventually([&] {
    return call(server.admin_port(), "GET", "/api/fulfillments/4242").body.find(R"("outcome":"sent")") != std::string::npos;
  }, bound));
  std::this_thread::sleep_for(300ms);
  BOOST_TEST(server.platform.posts().size() == 3u);
}

BOOST_AUTO_TEST_CASE(a_429_is_retried_no_sooner_than_retry_after) {
  Server server;
  server.platform.script({{429, "2"}});
  BOOST_TEST(server.deliver(scheduled("20031", now_date(), 4343, now_date())) == 200);
  BOOST_TEST_REQUIRE(server.platform.wait_for_posts(2, bound));
  const auto posts = server.platform.posts();
  BOOST_TEST(std::chrono::duration_cast<std::chrono::milliseconds>(posts[1].at - posts[0].at).count() >= 1900);
  BOOST_TEST(server.platform.effects().size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_4xx_dead_letters_at_once_and_an_operator_retry_posts_it) {
  Server server;
  server.platform.script({{422, ""}});
  BOOST_TEST(server.deliver(scheduled("20041", now_date(), 4444, now_date())) == 200);
  BOOST_TEST_REQUIRE(server.platform.wait_for_posts(1, bound));
  BOOST_TEST(eventually([&] {
    return call(server.admin_port(), "GET", "/api/dead-letters/outbox").body.find(R"("shipment_id":4444)") != std::string::npos;
  }, bound));
  std::this_thread::sleep_for(1500ms);
  BOOST_TEST(server.platform.posts().size() == 1u);  // not retried on its own
  BOOST_TEST(call(server.admin_port(), "POST", "/api/dead-letters/outbox/4444/retry").status == 200);
  BOOST_TEST(server.platform.wait_for_effects(1, bound));
  BOOST_TEST(call(server.admin_port(), "POST", "/api/dead-letters/outbox/4444/retry").status == 404);
  BOOST_TEST(call(server.admin_port(), "GET", "/api/dead-letters/inbox").status == 200);
}

BOOST_AUTO_TEST_CASE(manual_shipping_from_the_admin_api_posts_its_tracking) {
  Server server;
  BOOST_TEST(server.deliver(scheduled("20051", now_date(), 4545, now_date(24h))) == 200);
  BOOST_TEST(server.reaches(4545, "waiting"));
  const auto shipped = call(server.admin_port(), "POST", "/api/fulfillments/4545/ship",
                            R"({"tracking":"9400111899223197428490","carrier_id":1})");
  BOOST_TEST(shipped.status == 200);
  BOOST_TEST_REQUIRE(server.platform.wait_for_effects(1, bound));
  BOOST_TEST(server.platform.posts()[0].body.find("9400111899223197428490") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(the_api_key_goes_in_the_configured_header) {
  Server server("X-Platform-Token");
  BOOST_TEST(server.deliver(scheduled("20071", now_date(-600s), 4747, now_date())) == 200);
  BOOST_TEST_REQUIRE(server.platform.wait_for_effects(1, bound));
  BOOST_TEST(server.platform.posts()[0].api_key == api_key);
  const auto reads = server.platform.reads();  // the check before release, through the same client
  BOOST_TEST_REQUIRE(reads.size() == 1u);
  BOOST_TEST(reads[0].shipment_id == 4747);
  BOOST_TEST(reads[0].api_key == api_key);
  BOOST_TEST((reads[0].at < server.platform.posts()[0].at));
  const auto detail = call(server.admin_port(), "GET", "/api/fulfillments/4747").body;
  BOOST_TEST(detail.find(R"("kind":"check","decision":"matches")") != std::string::npos, detail);
  const auto metrics = call(server.admin_port(), "GET", "/metrics").body;
  BOOST_TEST(metrics.find(R"(hookline_platform_checks_total{purpose="release",outcome="matches"} 1)") != std::string::npos);
  BOOST_TEST(metrics.find("hookline_platform_check_latency_seconds_count 1") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_bad_signature_is_refused_and_counted) {
  Server server;
  const auto body = scheduled("20061", now_date(), 4646, now_date());
  BOOST_TEST(send_webhook(server.port(), body, "not-the-secret") == 401);
  BOOST_TEST(server.app->wait_until_idle(bound));
  BOOST_TEST(call(server.admin_port(), "GET", "/api/fulfillments/4646").status == 404);
  const auto metrics = call(server.admin_port(), "GET", "/metrics").body;
  BOOST_TEST(metrics.find(R"(hookline_webhooks_rejected_total{reason="bad_signature"} 1)") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
