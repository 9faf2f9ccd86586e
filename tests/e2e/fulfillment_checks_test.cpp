// The real hookline-fulfillment binary checking with the platform before it ships: the platform API
// down, failing with 5xx, slow past the timeout and answering 429 with Retry-After during the checks.
// Whatever the platform does, nothing due is lost and nothing ships or takes effect twice; a release
// waits while the platform cannot be read (or, with --check-unavailable ship, goes ahead on what the
// webhooks said after --check-attempts reads), and each read is in the shipment's history and metrics.
#include <boost/test/unit_test.hpp>

#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "fulfillment_deployment.hpp"
#include "fulfillment_events.hpp"
#include "fulfillment_platform.hpp"

using namespace std::chrono_literals;
using fulfillment_test::bound;
using fulfillment_test::call;
using fulfillment_test::check_one_effect_per_shipment;
using fulfillment_test::Deployment;
using fulfillment_test::eventually;
using fulfillment_test::json_string;
using fulfillment_test::now_seconds;
using fulfillment_test::sample_of;
using fulfillment_test::scheduled;
using fulfillment_test::ScriptedAnswer;
using fulfillment_test::shipped_transitions;
using fulfillment_test::StandInPlatform;

namespace {

/// A port that was free a moment ago (bound to 0 and released).
int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t length = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

/// Delivers a due shipment_scheduled for each of `shipments`, dated ten minutes ago (VRIO delivers in
/// batches every five minutes): older than any read the server makes of it.
void deliver_due(const Deployment& deployment, const std::set<std::int64_t>& shipments, int first_event) {
  const std::string recorded = fulfillment_test::vrio_date(now_seconds() - 10min);
  const std::string today = fulfillment_test::vrio_date(now_seconds());
  for (const auto id : shipments) {
    BOOST_TEST_REQUIRE(deployment.deliver(scheduled(std::to_string(first_event++), recorded, id, today)) == 200);
  }
}

/// True once every one of `shipments` had its tracking post recorded as sent.
bool all_sent(const Deployment& deployment, const std::set<std::int64_t>& shipments) {
  return std::all_of(shipments.begin(), shipments.end(), [&](auto id) { return deployment.tracking_sent(id); });
}

/// Each shipment moved to shipped exactly once, and nothing else did.
void check_shipped_once(const Deployment& deployment, const std::set<std::int64_t>& shipments) {
  const auto shipped = shipped_transitions(deployment.database);
  BOOST_TEST(shipped.size() == shipments.size());
  for (const auto id : shipments) {
    const auto found = shipped.find(id);
    BOOST_TEST((found != shipped.end() && found->second == 1), "shipment " << id << " shipped once");
  }
}

/// The check lines of a shipment's admin detail ("decision" of each history line of kind "check").
std::vector<std::string> check_outcomes(const std::string& detail) {
  std::vector<std::string> outcomes;
  const std::string needle = R"("kind":"check","decision":")";
  for (auto at = detail.find(needle); at != std::string::npos; at = detail.find(needle, at + 1)) {
    const auto start = at + needle.size();
    outcomes.push_back(detail.substr(start, detail.find('"', start) - start));
  }
  return outcomes;
}

/// The reads of each shipment, in order.
std::map<std::int64_t, std::vector<fulfillment_test::RecordedRead>> reads_by_shipment(const StandInPlatform& platform) {
  std::map<std::int64_t, std::vector<fulfillment_test::RecordedRead>> by;
  for (const auto& read : platform.reads()) by[read.shipment_id].push_back(read);
  return by;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(fulfillment_checks_e2e)

BOOST_AUTO_TEST_CASE(while_the_platform_api_is_down_nothing_ships_and_once_it_is_back_each_ships_once) {
  Deployment deployment;
  const int platform_port = free_port();
  deployment.platform_url = "http://127.0.0.1:" + std::to_string(platform_port);  // nothing listens there yet
  deployment.start();
  const std::set<std::int64_t> shipments{9501, 9502, 9503};
  deliver_due(deployment, shipments, 65000);
  BOOST_TEST_REQUIRE(eventually([&] {
    return sample_of(deployment.metrics(), "hookline_platform_checks_releases_held") == "3";
  }, bound), deployment.metrics());
  std::this_thread::sleep_for(3s);  // several reads fail meanwhile
  for (const auto id : shipments) {
    BOOST_TEST(deployment.state_of(id) == "waiting");
    const auto outcomes = check_outcomes(deployment.detail(id));
    BOOST_TEST(!outcomes.empty());
    BOOST_TEST(std::all_of(outcomes.begin(), outcomes.end(), [](const auto& o) { return o == "unavailable"; }));
    BOOST_TEST(deployment.detail(id).find("release held") != std::string::npos);
  }
  const auto metrics = deployment.metrics();
  BOOST_TEST(metrics.find(R"(hookline_platform_checks_total{purpose="release",outcome="unavailable"})") !=
             std::string::npos);
  BOOST_TEST(metrics.find(R"(hookline_fulfillments{state="shipped"} 0)") != std::string::npos);

  StandInPlatform platform("X-Api-Key", platform_port);  // the platform is back
  BOOST_TEST(eventually([&] {
    return std::all_of(shipments.begin(), shipments.end(), [&](auto id) {
      return deployment.detail(id).find(R"("outcome":"sent")") != std::string::npos;
    });
  }, bound), deployment.metrics());
  std::this_thread::sleep_for(500ms);
  for (const auto id : shipments) {
    BOOST_TEST(check_outcomes(deployment.detail(id)).back() == "matches");
    const auto posts = platform.posts();
    BOOST_TEST(std::count_if(posts.begin(), posts.end(), [&](const auto& post) { return post.shipment_id == id; }) == 1);
  }
  for (const auto& read : platform.reads()) BOOST_TEST(read.api_key == fulfillment_test::deployment_api_key);
  BOOST_TEST(platform.effects().size() == shipments.size());
  BOOST_TEST(sample_of(deployment.metrics(), "hookline_platform_checks_releases_held") == "0");
  deployment.stop();
  check_shipped_once(deployment, shipments);
}

BOOST_AUTO_TEST_CASE(reads_failing_with_5xx_or_dropped_are_retried_with_backoff_and_each_shipment_ships_once) {
  Deployment deployment;
  ScriptedAnswer dropped;
  dropped.drop = true;
  deployment.platform.script_reads({{503, ""}, {500, ""}, dropped, {502, ""}, {503, ""}});
  deployment.start();
  const std::set<std::int64_t> shipments{9601, 9602};
  deliver_due(deployment, shipments, 66000);
  BOOST_TEST(eventually([&] { return all_sent(deployment, shipments); }, bound), deployment.metrics());
  std::this_thread::sleep_for(500ms);
  for (const auto& [id, reads] : reads_by_shipment(deployment.platform)) {
    for (std::size_t i = 1; i < reads.size(); ++i) {  // never two reads of one shipment back to back
      BOOST_TEST(std::chrono::duration_cast<std::chrono::milliseconds>(reads[i].at - reads[i - 1].at).count() >= 40,
                 "shipment " << id);
    }
  }
  BOOST_TEST(deployment.platform.reads().size() >= 7u);  // five failures, then one answer each
  check_one_effect_per_shipment(deployment.platform, shipments);
  deployment.stop();
  check_shipped_once(deployment, shipments);
}

BOOST_AUTO_TEST_CASE(reads_slower_than_the_timeout_are_retried_and_nothing_ships_twice) {
  Deployment deployment({"--platform-timeout-ms", "400"});
  deployment.platform.script_reads({{200, "", 1500ms}, {200, "", 1500ms}});  // answered long after the server gave up
  deployment.start();
  const std::set<std::int64_t> shipments{9701, 9702, 9703};
  deliver_due(deployment, shipments, 67000);
  BOOST_TEST(eventually([&] { return all_sent(deployment, shipments); }, bound), deployment.metrics());
  std::this_thread::sleep_for(2s);  // the late answers have gone out
  std::size_t timed_out = 0;
  for (const auto id : shipments) {
    const auto detail = deployment.detail(id);
    if (detail.find("read 1 failed: no answer") != std::string::npos) ++timed_out;
    BOOST_TEST(json_string(detail, "state") == "shipped");
  }
  BOOST_TEST(timed_out >= 1u);
  check_one_effect_per_shipment(deployment.platform, shipments);
  BOOST_TEST(call(deployment.port, "GET", "/healthz").status == 200);
  deployment.stop();
  check_shipped_once(deployment, shipments);
}

BOOST_AUTO_TEST_CASE(a_429_with_retry_after_holds_back_every_read_until_it_has_passed) {
  Deployment deployment;
  deployment.platform.script_reads({{429, "2"}});
  deployment.start();
  // The first shipment's read is answered 429 with Retry-After: 2. Once the server has recorded that
  // answer, the other shipments come due: none of them may be read, nor the first read again, until
  // the two seconds have passed. (Reads are counted from the platform's side, so a slow machine can
  // only make them later, never earlier.)
  constexpr std::int64_t limited_shipment = 9801;
  deliver_due(deployment, {limited_shipment}, 68000);
  BOOST_TEST_REQUIRE(eventually(
      [&] { return deployment.detail(limited_shipment).find("HTTP 429") != std::string::npos; }, bound),
      deployment.detail(limited_shipment));
  const auto first_reads = deployment.platform.reads();
  BOOST_TEST_REQUIRE(first_reads.size() == 1u);
  BOOST_TEST_REQUIRE(first_reads.front().answered == 429);
  const auto limited_at = first_reads.front().at;
  const std::set<std::int64_t> later{9802, 9803, 9804};
  deliver_due(deployment, later, 68100);
  std::set<std::int64_t> shipments = later;
  shipments.insert(limited_shipment);
  BOOST_TEST(eventually([&] { return all_sent(deployment, shipments); }, bound), deployment.metrics());
  const auto reads = deployment.platform.reads();
  BOOST_TEST(reads.size() >= shipments.size() + 1);  // the 429, then a read of each at least
  for (auto read = std::next(reads.begin()); read != reads.end(); ++read) {
    const auto after = std::chrono::duration_cast<std::chrono::milliseconds>(read->at - limited_at).count();
    BOOST_TEST(after >= 1900, "shipment " << read->shipment_id << " read " << after << " ms after the 429");
  }
  check_one_effect_per_shipment(deployment.platform, shipments);
  deployment.stop();
  check_shipped_once(deployment, shipments);
}

BOOST_AUTO_TEST_CASE(with_check_unavailable_ship_a_platform_api_that_stays_unavailable_ships_on_the_webhooks) {
  Deployment deployment({"--check-unavailable", "ship", "--check-attempts", "3"});
  deployment.platform.script_reads(std::vector<ScriptedAnswer>(3, ScriptedAnswer{503, ""}));
  deployment.start();
  deliver_due(deployment, {9901}, 69000);
  BOOST_TEST(eventually([&] { return deployment.tracking_sent(9901); }, bound), deployment.detail(9901));
  const auto outcomes = check_outcomes(deployment.detail(9901));
  BOOST_TEST((outcomes == std::vector<std::string>{"unavailable", "unavailable", "released_unchecked"}));
  BOOST_TEST(deployment.platform.reads().size() == 3u);
  BOOST_TEST(deployment.metrics().find(R"(hookline_platform_checks_total{purpose="release",outcome="released_unchecked"} 1)") !=
             std::string::npos);
  check_one_effect_per_shipment(deployment.platform, {9901});
}

BOOST_AUTO_TEST_CASE(what_the_platform_holds_decides_before_the_label_cancelled_skipped_changed_or_shipped_there) {
  Deployment deployment({"--reconcile-interval-s", "0"});
  const std::string due = fulfillment_test::vrio_date(now_seconds() - 1h);
  const auto record = [&](std::int64_t id, const std::string& status, const std::string& extra = "") {
    std::string body = R"({"shipment_id":)" + std::to_string(id) + R"(,"shipment_status_id":")" + status +
                       R"(","date_scheduled":")" + due + "\"";
    return body + (extra.empty() ? "" : "," + extra) + "}";
  };
  deployment.platform.hold(9911, record(9911, "Cancelled"));
  deployment.platform.hold(9912, record(9912, "Skipped"));
  deployment.platform.hold(9913, record(9913, "Pending Post",
                                        fulfillment_test::address_fields("9 Elm Ct", "Portland") + "," +
                                            fulfillment_test::item_fields("VIT-D-001", 2)));
  deployment.platform.hold(9914, record(9914, "Shipped", R"("shipment_tracking_id":"9400111899223197428490","carrier_id":1)"));
  deployment.start();
  deliver_due(deployment, {9911, 9912, 9913, 9914}, 69100);
  BOOST_TEST_REQUIRE(eventually([&] { return deployment.tracking_sent(9913); }, bound), deployment.detail(9913));
  BOOST_TEST(eventually([&] { return deployment.state_of(9914) == "shipped"; }, bound));
  BOOST_TEST(deployment.state_of(9911) == "cancelled");
  BOOST_TEST(deployment.state_of(9912) == "skipped");
  const auto changed = deployment.detail(9913);
  BOOST_TEST(changed.find(R"("address1":"9 Elm Ct")") != std::string::npos, changed);
  BOOST_TEST(changed.find(R"("item_sku":"VIT-D-001")") != std::string::npos);
  BOOST_TEST(json_string(deployment.detail(9914), "source") == "platform");
  std::this_thread::sleep_for(500ms);
  check_one_effect_per_shipment(deployment.platform, {9913});  // only the one shipped here is posted
}

BOOST_AUTO_TEST_SUITE_END()
