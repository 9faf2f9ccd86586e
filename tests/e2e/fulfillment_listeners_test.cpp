// The real hookline-fulfillment binary's two listeners: the public one serves webhooks and health
// only, the admin one serves the admin API and /metrics behind its bearer token; state-changing admin
// requests are audited (never with the token), work without a body and never count as webhooks; the
// quarantine and the refused record are listed, read, replayed, retried and deleted through it.
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <filesystem>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "fulfillment_deployment.hpp"
#include "fulfillment_events.hpp"
#include "hookline/sqlite_inbox.hpp"

using namespace std::chrono_literals;
using fulfillment_test::Answer;
using fulfillment_test::bound;
using fulfillment_test::call;
using fulfillment_test::call_authorized;
using fulfillment_test::ChildServer;
using fulfillment_test::Deployment;
using fulfillment_test::eventually;
using fulfillment_test::file_text;
using fulfillment_test::json_string;
using fulfillment_test::now_seconds;
using fulfillment_test::sample_of;
using fulfillment_test::scheduled;
using fulfillment_test::send_webhook;
using fulfillment_test::test_admin_token;

namespace {

std::string today() { return fulfillment_test::vrio_date(now_seconds()); }
std::string next_year() { return fulfillment_test::vrio_date(now_seconds() + std::chrono::days(365)); }

/// The integer value of `"name":N` in a JSON text (the first occurrence); nullopt when absent.
std::optional<long long> json_integer(const std::string& text, const std::string& name) {
  const std::string needle = "\"" + name + "\":";
  const auto at = text.find(needle);
  if (at == std::string::npos) return std::nullopt;
  try {
    return std::stoll(text.substr(at + needle.size()));
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

/// The "admin action" lines of a log.
std::vector<std::string> audit_lines(const std::filesystem::path& log) {
  std::vector<std::string> lines;
  std::istringstream in(file_text(log));
  for (std::string line; std::getline(in, line);) {
    if (line.find(R"("msg":"admin action")") != std::string::npos) lines.push_back(line);
  }
  return lines;
}

/// An unsigned-body-free GET/POST/DELETE on the admin listener with `authorization` as sent.
Answer admin_as(const Deployment& deployment, const std::string& authorization, const std::string& method,
                const std::string& path) {
  return call_authorized(authorization, deployment.admin_port, method, path, std::nullopt);
}

/// A bodyless request with the right token.
Answer bodyless(const Deployment& deployment, const std::string& method, const std::string& path) {
  return admin_as(deployment, "Bearer " + test_admin_token, method, path);
}

/// The peer the refused record noted for an unsigned delivery that names `forwarded_for` in
/// X-Forwarded-For, sent from 127.0.0.1 to the public listener.
std::string refused_peer(const Deployment& deployment, const std::string& forwarded_for) {
  httplib::Client client("127.0.0.1", deployment.port);
  const auto answer = client.Post("/webhooks/vrio", {{"X-Forwarded-For", forwarded_for}}, "{}", "application/json");
  BOOST_TEST_REQUIRE(static_cast<bool>(answer));
  BOOST_TEST(answer->status == 401);
  const auto listed = call(deployment.admin_port, "GET", "/api/refused").body;
  return json_string(listed.substr(listed.rfind(R"("id":)")), "peer");
}

}  // namespace

BOOST_AUTO_TEST_SUITE(fulfillment_listeners)

BOOST_AUTO_TEST_CASE(x_forwarded_for_names_the_peer_only_from_a_trusted_proxy) {
  Deployment direct;
  direct.start();
  BOOST_TEST(refused_peer(direct, "203.0.113.9") == "127.0.0.1");
  Deployment proxied({"--trusted-proxy", "127.0.0.1/32"});
  proxied.start();
  BOOST_TEST(refused_peer(proxied, "203.0.113.9") == "203.0.113.9");
  BOOST_TEST(refused_peer(proxied, "198.51.100.4, 203.0.113.10") == "203.0.113.10");
}

BOOST_AUTO_TEST_CASE(the_public_listener_serves_webhooks_and_health_and_the_same_404_for_everything_else) {
  Deployment deployment;
  deployment.start();
  BOOST_TEST(deployment.deliver(scheduled("p-1", today(), 5101, next_year())) == 200);
  BOOST_TEST(call(deployment.port, "GET", "/healthz").status == 200);
  BOOST_TEST(call(deployment.port, "GET", "/readyz").status == 200);
  const Answer unknown = call(deployment.port, "GET", "/no/such/path");
  BOOST_TEST(unknown.status == 404);
  for (const auto& [method, path] : std::vector<std::pair<std::string, std::string>>{
           {"GET", "/api/fulfillments"}, {"GET", "/api/fulfillments/5101"}, {"POST", "/api/fulfillments/5101/ship"},
           {"POST", "/api/fulfillments/5101/retry"}, {"GET", "/api/quarantine"}, {"GET", "/api/refused"},
           {"POST", "/api/refused/1/retry"}, {"DELETE", "/api/quarantine/1"}, {"GET", "/api/events"}, {"GET", "/metrics"},
           {"GET", "/api/dead-letters/inbox"}}) {
    const Answer answer = call(deployment.port, method, path, R"({"tracking":"1Z","carrier_id":1})");
    BOOST_TEST(answer.status == 404, method << " " << path);
    BOOST_TEST(answer.body == unknown.body, method << " " << path << ": " << answer.body);
  }
  BOOST_TEST(unknown.body.find("api") == std::string::npos, unknown.body);
  BOOST_TEST(eventually([&] { return deployment.state_of(5101) == "waiting"; }, bound));  // the admin listener has it
  // Every line about the event names it and its shipment; a refusal says why.
  BOOST_TEST(send_webhook(deployment.port, scheduled("p-2", today(), 5102, next_year()), "a wrong secret") == 401);
  BOOST_TEST_REQUIRE(eventually([&] { return file_text(deployment.log).find("webhook refused") != std::string::npos; }, bound));
  const auto log = file_text(deployment.log);
  BOOST_TEST(log.find(R"("msg":"webhook received","outcome":"accepted","event":"shipment_scheduled","event_id":"p-1","shipment_id":"5101")") !=
                 std::string::npos,
             log);
  BOOST_TEST(log.find(R"("msg":"event handled","event":"shipment_scheduled","event_id":"p-1","shipment_id":"5101")") !=
                 std::string::npos,
             log);
  httplib::Client client("127.0.0.1", deployment.port);
  const auto encoded = client.Post("/webhooks/vrio", {{"Content-Encoding", "gzip"}}, "x", "application/json");
  BOOST_TEST_REQUIRE(static_cast<bool>(encoded));
  BOOST_TEST(encoded->status == 415);
  BOOST_TEST_REQUIRE(eventually([&] { return file_text(deployment.log).find("unsupported_encoding") != std::string::npos; }, bound));
  const auto refusals = file_text(deployment.log);
  BOOST_TEST(refusals.find(R"("reason":"unsupported_encoding","detail":"Content-Encoding is refused)") != std::string::npos,
             refusals);
  BOOST_TEST(log.find(R"("reason":"bad_signature","detail":"")") == std::string::npos, log);
  BOOST_TEST(log.find(R"("reason":"bad_signature","detail":")") != std::string::npos, log);
}

BOOST_AUTO_TEST_CASE(the_admin_listener_answers_401_to_a_missing_or_wrong_token_alike_and_serves_the_right_one) {
  Deployment deployment;
  deployment.start();
  const Answer missing = admin_as(deployment, "", "GET", "/api/fulfillments");
  const Answer wrong = admin_as(deployment, "Bearer " + test_admin_token.substr(0, test_admin_token.size() - 1) + "X",
                                "GET", "/api/fulfillments");
  const Answer basic = admin_as(deployment, "Basic dXNlcjpwYXNz", "GET", "/metrics");
  for (const Answer* answer : {&missing, &wrong, &basic}) {
    BOOST_TEST(answer->status == 401);
    BOOST_TEST(answer->body == missing.body);
  }
  BOOST_TEST(json_string(missing.body, "code") == "unauthorized");
  BOOST_TEST(admin_as(deployment, "", "GET", "/no/such/path").status == 401);  // reveals nothing either
  BOOST_TEST(admin_as(deployment, "", "GET", "/healthz").status == 200);
  BOOST_TEST(admin_as(deployment, "", "GET", "/readyz").status == 200);
  BOOST_TEST(call(deployment.admin_port, "GET", "/api/fulfillments").status == 200);
  BOOST_TEST(call(deployment.admin_port, "GET", "/metrics").status == 200);
  // Webhooks are not served here.
  BOOST_TEST(send_webhook(deployment.admin_port, scheduled("a-1", today(), 5201, next_year()),
                          fulfillment_test::deployment_secret) == 401);
  // None of it counts as a webhook.
  const auto metrics = deployment.metrics();
  BOOST_TEST(metrics.find("hookline_webhooks_rejected_total{") == std::string::npos, metrics);
  BOOST_TEST(metrics.find("hookline_webhooks_received_total{") == std::string::npos, metrics);
}

BOOST_AUTO_TEST_CASE(without_a_token_the_admin_routes_answer_401_naming_the_variable) {
  const fulfillment_test::TempDir dir;
  ChildServer server({"--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0", "--db", (dir.path() / "f.db").string()},
                     {"HOOKLINE_SECRET=" + fulfillment_test::deployment_secret}, dir.path() / "server.log");
  const int admin_port = server.wait_for_port(bound, 0, "admin_port");
  BOOST_TEST_REQUIRE(admin_port != 0, file_text(dir.path() / "server.log"));
  BOOST_TEST_REQUIRE(eventually([&] { return call(admin_port, "GET", "/healthz").status == 200; }, bound));
  const Answer answer = call(admin_port, "GET", "/api/fulfillments");
  BOOST_TEST(answer.status == 401);
  BOOST_TEST(answer.body.find("HOOKLINE_ADMIN_TOKEN") != std::string::npos, answer.body);
  BOOST_TEST(file_text(dir.path() / "server.log").find("HOOKLINE_ADMIN_TOKEN is not set") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(bodyless_admin_posts_reach_their_route_and_state_changes_are_audited_without_the_token) {
  Deployment deployment;
  deployment.start();
  BOOST_TEST_REQUIRE(deployment.deliver(scheduled("b-1", today(), 5301, next_year())) == 200);
  BOOST_TEST_REQUIRE(eventually([&] { return deployment.state_of(5301) == "waiting"; }, bound));

  const Answer retry = bodyless(deployment, "POST", "/api/fulfillments/5301/retry");
  BOOST_TEST(retry.status == 409, retry.body);  // reached the route: waiting is not an error
  BOOST_TEST(json_string(retry.body, "code") == "conflict");
  const Answer outbox = bodyless(deployment, "POST", "/api/dead-letters/outbox/5301/retry");
  BOOST_TEST(outbox.status == 404, outbox.body);
  const Answer ship = call(deployment.admin_port, "POST", "/api/fulfillments/5301/ship", R"({"tracking":"1Z999AA1","carrier_id":3})");
  BOOST_TEST(ship.status == 200, ship.body);
  BOOST_TEST(call(deployment.admin_port, "GET", "/api/fulfillments/5301").status == 200);  // reads are not audited

  BOOST_TEST_REQUIRE(eventually([&] { return audit_lines(deployment.log).size() >= 3; }, bound));
  const auto lines = audit_lines(deployment.log);
  BOOST_TEST(lines.size() == 3U);
  BOOST_TEST(lines[0].find(R"("action":"retry","target":"shipment:5301","peer":"127.0.0.1","status":"409")") !=
                 std::string::npos,
             lines[0]);
  BOOST_TEST(lines[1].find(R"("action":"retry_outbox","target":"shipment:5301")") != std::string::npos, lines[1]);
  BOOST_TEST(lines[2].find(R"("action":"ship","target":"shipment:5301","peer":"127.0.0.1","status":"200")") !=
                 std::string::npos,
             lines[2]);
  BOOST_TEST(file_text(deployment.log).find(test_admin_token) == std::string::npos);
  const auto metrics = deployment.metrics();
  BOOST_TEST(metrics.find("hookline_webhooks_rejected_total{") == std::string::npos, metrics);
}

BOOST_AUTO_TEST_CASE(the_quarantine_is_listed_read_replayed_and_deleted_through_the_admin_api) {
  Deployment deployment;
  deployment.start();
  const std::string unparseable =
      R"({"webhook_type":"shipment","webhook_event":"shipment_scheduled","webhook_event_id":77001,"webhook_data":7})";
  BOOST_TEST_REQUIRE(deployment.deliver(unparseable) == 200);
  BOOST_TEST_REQUIRE(eventually([&] { return file_text(deployment.log).find("webhook quarantined") != std::string::npos; }, bound));
  const auto log = file_text(deployment.log);
  BOOST_TEST(log.find(R"("reason":"unparseable","detail":"webhook_data)") != std::string::npos, log);

  const Answer list = call(deployment.admin_port, "GET", "/api/quarantine");
  BOOST_TEST_REQUIRE(list.status == 200);
  const auto id = json_integer(list.body, "id");
  BOOST_TEST_REQUIRE(id.has_value(), list.body);
  BOOST_TEST(json_string(list.body, "key") == "77001");
  BOOST_TEST(list.body.find(R"("path":"webhook_data")") != std::string::npos, list.body);
  BOOST_TEST(sample_of(deployment.metrics(), "hookline_quarantine_depth") == "1");

  const std::string entry = "/api/quarantine/" + std::to_string(*id);
  const Answer read = call(deployment.admin_port, "GET", entry);
  BOOST_TEST(read.status == 200);
  BOOST_TEST(read.body.find(R"(\"webhook_data\":7})") != std::string::npos, read.body);
  BOOST_TEST(read.body.find(R"("name":"X-Webhook-Signature")") != std::string::npos, read.body);
  BOOST_TEST(read.body.find(R"("body_base64":")") != std::string::npos, read.body);

  const Answer replay = bodyless(deployment, "POST", entry + "/replay");
  BOOST_TEST(replay.status == 422, replay.body);
  BOOST_TEST(json_string(replay.body, "code") == "unparseable");
  BOOST_TEST(json_integer(call(deployment.admin_port, "GET", entry).body, "failed_replays").value_or(-1) == 1);

  BOOST_TEST(bodyless(deployment, "DELETE", entry).status == 200);
  BOOST_TEST(bodyless(deployment, "DELETE", entry).status == 404);
  BOOST_TEST(call(deployment.admin_port, "GET", entry).status == 404);
  BOOST_TEST(sample_of(deployment.metrics(), "hookline_quarantine_depth") == "0");
  BOOST_TEST_REQUIRE(eventually([&] { return audit_lines(deployment.log).size() >= 3; }, bound));
  const auto lines = audit_lines(deployment.log);
  BOOST_TEST(lines[0].find(R"("action":"replay_quarantined","target":"quarantine:)" + std::to_string(*id)) !=
             std::string::npos);
  BOOST_TEST(lines[1].find(R"("action":"delete_quarantined")") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_delivery_an_older_version_quarantined_is_replayed_into_the_inbox_and_handled_once) {
  Deployment deployment;
  // What an older version could not parse: kept in the inbox database while no server runs.
  const auto body = scheduled("q-1", today(), 5401, next_year());
  {
    auto inbox = hookline::SqliteInbox::open(deployment.inbox());
    BOOST_TEST_REQUIRE(inbox.has_value());
    hookline::QuarantinedDelivery delivery;
    delivery.key = hookline::quarantine_key(hookline::Platform::vrio, body);
    delivery.body = body;
    delivery.received_at = now_seconds();
    delivery.error = hookline::ParseError{"webhook_data.shipment", "a shape this version did not know"};
    BOOST_TEST_REQUIRE((*inbox)->quarantine(delivery).has_value());
  }
  deployment.start();
  const Answer list = call(deployment.admin_port, "GET", "/api/quarantine");
  const auto id = json_integer(list.body, "id");
  BOOST_TEST_REQUIRE(id.has_value(), list.body);
  const std::string entry = "/api/quarantine/" + std::to_string(*id);
  const Answer replay = bodyless(deployment, "POST", entry + "/replay");
  BOOST_TEST(replay.status == 200, replay.body);
  BOOST_TEST(json_string(replay.body, "status") == "accepted");
  BOOST_TEST(json_string(replay.body, "event_id") == "q-1");
  BOOST_TEST(bodyless(deployment, "POST", entry + "/replay").status == 404);
  BOOST_TEST(eventually([&] { return deployment.state_of(5401) == "waiting"; }, bound));
  BOOST_TEST(deployment.deliver(body) == 200);  // the platform's redelivery is a duplicate
  const auto events = call(deployment.admin_port, "GET", "/api/events?shipment_id=5401").body;
  BOOST_TEST(events.find(R"("event_id":"q-1")") == events.rfind(R"("event_id":"q-1")"), events);
}

BOOST_AUTO_TEST_CASE(a_delivery_refused_for_a_wrong_secret_is_retried_once_the_right_one_is_configured_and_handled_once) {
  Deployment deployment;
  deployment.start();
  const std::string platform_secret = "the secret the platform signs with";
  const auto body = scheduled("r-1", today(), 5501, next_year());
  BOOST_TEST_REQUIRE(send_webhook(deployment.port, body, platform_secret) == 401);
  const Answer refused = call(deployment.admin_port, "GET", "/api/refused");
  BOOST_TEST_REQUIRE(refused.status == 200);
  BOOST_TEST(json_string(refused.body, "reason") == "bad_signature");
  BOOST_TEST(json_string(refused.body, "peer") == "127.0.0.1");
  const auto id = json_integer(refused.body, "id");
  BOOST_TEST_REQUIRE(id.has_value(), refused.body);
  const std::string retry = "/api/refused/" + std::to_string(*id) + "/retry";
  const Answer too_soon = bodyless(deployment, "POST", retry);
  BOOST_TEST(too_soon.status == 422, too_soon.body);
  BOOST_TEST(json_string(too_soon.body, "code") == "bad_signature");
  BOOST_TEST(sample_of(deployment.metrics(), "hookline_refused_record_entries") == "1");

  deployment.stop();
  deployment.extra_env = {"HOOKLINE_SECRET_PREVIOUS=" + platform_secret};
  deployment.start();
  const Answer retried = bodyless(deployment, "POST", retry);
  BOOST_TEST(retried.status == 200, retried.body);
  BOOST_TEST(json_string(retried.body, "status") == "accepted");
  BOOST_TEST(bodyless(deployment, "POST", retry).status == 404);
  BOOST_TEST(eventually([&] { return deployment.state_of(5501) == "waiting"; }, bound));
  BOOST_TEST(send_webhook(deployment.port, body, platform_secret) == 200);  // a redelivery: a duplicate
  BOOST_TEST(sample_of(deployment.metrics(), "hookline_refused_record_entries") == "0");
  const auto events = call(deployment.admin_port, "GET", "/api/events?shipment_id=5501").body;
  BOOST_TEST(events.find(R"("event_id":"r-1")") != std::string::npos, events);
  BOOST_TEST(events.find(R"("event_id":"r-1")") == events.rfind(R"("event_id":"r-1")"), events);
  BOOST_TEST_REQUIRE(eventually([&] { return !audit_lines(deployment.log).empty(); }, bound));
  BOOST_TEST(audit_lines(deployment.log).back().find(R"("action":"retry_refused","target":"refused:)") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
