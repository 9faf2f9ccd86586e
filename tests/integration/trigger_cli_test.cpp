// `hookline trigger` as a user runs it against a loopback receiver: one event of each platform built
// from its sample, signed the way the platform signs (Vero: unsigned), with a fresh event id and the
// current time, --set applied, parsed by hookline's own parsers; --list; the exit codes.

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <simdjson.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <vector>

#include "hookline/parse.hpp"
#include "hookline/verify.hpp"
#include "printing.hpp"
#include "run_hookline.hpp"
#include "sender_loopback.hpp"

using cli_tests::run_hookline;
using hookline::HttpRequest;
using hookline::testing::LoopbackReceiver;
using hookline::testing::respond;

namespace {

constexpr const char* secret = "trigger secret 7";

/// Answers 200 to bodies that verify under `scheme` with the test's secret, 401 to others.
LoopbackReceiver::Behaviour verifying(hookline::Scheme scheme) {
  return [scheme](const HttpRequest& request) {
    const std::vector<hookline::Secret> keys{hookline::Secret(secret)};
    const auto verifier = hookline::Verifier::create(scheme, keys);
    const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    return verifier->verify(request.body, request.headers, now).has_value() ? respond(200, R"({"status":"accepted"})")
                                                                     : respond(401);
  };
}

struct Environment {
  Environment() { ::setenv("TRIGGER_SECRET", secret, 1); }
};

std::string now_vrio_date_prefix() {
  const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  const std::time_t seconds = now.time_since_epoch().count();
  std::tm fields{};
  ::gmtime_r(&seconds, &fields);
  char text[16];
  std::strftime(text, sizeof text, "%Y-%m-%d", &fields);
  return text;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(trigger_cli, Environment)

BOOST_AUTO_TEST_CASE(a_vrio_event_is_signed_fresh_and_set) {
  LoopbackReceiver receiver(verifying(hookline::Scheme::vrio));
  const auto run = run_hookline("trigger vrio shipment_scheduled --to " + receiver.url("/webhooks/vrio") +
                                " --secret-env TRIGGER_SECRET --set webhook_data.shipment.shipment_id=42"
                                " --set webhook_data.shipment.customer_address_shipping.city='Boulder \"CO\"'"
                                " --set webhook_data.shipment.shipment_items.0.quantity=3");
  BOOST_TEST(run.exit_code == 0, run.out + run.err);
  BOOST_TEST(run.out.find("sent vrio shipment_scheduled (event id ") == 0U, run.out);
  BOOST_TEST(run.out.find(R"(: 200 {"status":"accepted"})") != std::string::npos, run.out);
  const auto received = receiver.received();
  BOOST_REQUIRE_EQUAL(received.size(), 1U);
  const auto event = hookline::parse_any(hookline::Platform::vrio, received[0].body);
  BOOST_REQUIRE(event.has_value());
  const auto meta = hookline::meta_of(*event);
  BOOST_TEST(meta.id != "10001");  // the sample's id
  BOOST_TEST(run.out.find("(event id " + meta.id + ")") != std::string::npos, run.out);
  simdjson::dom::parser parser;
  const auto root = parser.parse(received[0].body);
  BOOST_TEST(std::string(root["webhook_event_date"].get_string().value()).starts_with(now_vrio_date_prefix()));
  const auto shipment = root["webhook_data"]["shipment"];
  BOOST_TEST(shipment["shipment_id"].get_int64().value() == 42);
  BOOST_TEST(std::string(shipment["customer_address_shipping"]["city"].get_string().value()) == R"(Boulder "CO")");
  BOOST_TEST(shipment["shipment_items"].at(0)["quantity"].get_int64().value() == 3);
  // Everything the sample has besides is kept.
  BOOST_TEST(std::string(shipment["shipment_items"].at(0)["item_sku"].get_string().value()) == "SUP-001");
}

BOOST_AUTO_TEST_CASE(two_triggers_are_two_events) {
  LoopbackReceiver receiver;
  for (int i = 0; i < 2; ++i) {
    const auto run = run_hookline("trigger ordergroove order.create --to " + receiver.url() + " --secret-env TRIGGER_SECRET");
    BOOST_TEST(run.exit_code == 0, run.out + run.err);
  }
  const auto received = receiver.received();
  BOOST_REQUIRE_EQUAL(received.size(), 2U);
  const auto first = hookline::meta_of(*hookline::parse_any(hookline::Platform::ordergroove, received[0].body));
  const auto second = hookline::meta_of(*hookline::parse_any(hookline::Platform::ordergroove, received[1].body));
  BOOST_TEST(first.id != second.id);
  BOOST_TEST(first.id != "5f15ef298dc15df9bc7c");
}

BOOST_DATA_TEST_CASE(every_platform_signs_as_it_does,
                     boost::unit_test::data::make({std::string("vrio order_updated vrio"),
                                                   std::string("ordergroove subscriber.create ordergroove"),
                                                   std::string("store_admin payment.completed store_admin")}),
                     line) {
  const auto platform = line.substr(0, line.find(' '));
  const auto event = line.substr(platform.size() + 1, line.rfind(' ') - platform.size() - 1);
  LoopbackReceiver receiver(verifying(*hookline::scheme_from_string(line.substr(line.rfind(' ') + 1))));
  const auto run = run_hookline("trigger " + platform + " " + event + " --to " + receiver.url() + " --secret-env TRIGGER_SECRET");
  BOOST_TEST(run.exit_code == 0, run.out + run.err);
  BOOST_REQUIRE_EQUAL(receiver.received().size(), 1U);
  BOOST_TEST(hookline::parse_any(*hookline::platform_from_string(platform), receiver.received()[0].body).has_value());
}

BOOST_AUTO_TEST_CASE(vero_is_sent_unsigned_with_its_time_now) {
  LoopbackReceiver receiver;
  const auto before = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()).time_since_epoch().count();
  const auto run = run_hookline("trigger vero sent --to " + receiver.url() + " -H 'X-Vero-Token: t1'");
  BOOST_TEST(run.exit_code == 0, run.out + run.err);
  const auto received = receiver.received();
  BOOST_REQUIRE_EQUAL(received.size(), 1U);
  BOOST_TEST(received[0].headers.get("X-Vero-Token") == std::optional<std::string_view>("t1"));
  simdjson::dom::parser parser;
  BOOST_TEST(parser.parse(received[0].body)["sent_at"].get_int64().value() >= before);
}

BOOST_AUTO_TEST_CASE(a_refusal_is_shown_and_exits_1) {
  LoopbackReceiver receiver(verifying(hookline::Scheme::vrio));
  ::setenv("TRIGGER_OTHER_SECRET", "not the one", 1);
  const auto run = run_hookline("trigger vrio shipment_cancelled --to " + receiver.url() + " --secret-env TRIGGER_OTHER_SECRET");
  BOOST_TEST(run.exit_code == 1);
  BOOST_TEST(run.out.find(": 401 {}") != std::string::npos, run.out);
}

BOOST_AUTO_TEST_CASE(list_shows_each_platforms_events) {
  const auto all = run_hookline("trigger --list");
  BOOST_TEST(all.exit_code == 0);
  for (const std::string line : {"ordergroove: item.change_order ", "store_admin: customer.created ", "vero: bounced ",
                                 "vrio: order_abandoned "}) {
    BOOST_TEST(("\n" + all.out).find("\n" + line) != std::string::npos, line);
  }
  BOOST_TEST(all.out.find(" shipment_scheduled ") != std::string::npos);
  const auto vrio = run_hookline("trigger --list vrio");
  BOOST_TEST(vrio.out.starts_with("vrio: "));
  BOOST_TEST(vrio.out.find("ordergroove") == std::string::npos);
}

BOOST_DATA_TEST_CASE(bad_usage_says_why_and_exits_2,
                     boost::unit_test::data::make(
                         {std::string("trigger vrio nope --to http://127.0.0.1:1/ --secret-env TRIGGER_SECRET|no vrio event \"nope\""),
                          std::string("trigger shopify x --to http://127.0.0.1:1/|unknown platform \"shopify\""),
                          std::string("trigger vrio shipment_scheduled --secret-env TRIGGER_SECRET|give --to URL"),
                          std::string("trigger vrio shipment_scheduled --to ftp://x/ --secret-env TRIGGER_SECRET|--to: not an http"),
                          std::string("trigger vrio shipment_scheduled --to http://127.0.0.1:1/|give --secret-env VAR or --secret-file FILE"),
                          std::string("trigger vrio|give PLATFORM and EVENT"),
                          std::string("trigger vrio shipment_scheduled --to http://127.0.0.1:1/ --secret-env TRIGGER_SECRET "
                                      "--set webhook_data.nothing=1|no field webhook_data.nothing"),
                          std::string("trigger vrio shipment_scheduled --to http://127.0.0.1:1/ --secret-env TRIGGER_SECRET "
                                      "--set webhook_data.shipment.shipment_id=abc|is not a string: give it a JSON value"),
                          std::string("trigger vrio shipment_scheduled --to http://127.0.0.1:1/ --secret-env TRIGGER_SECRET "
                                      "--set webhook_event=order_updated|is not a valid vrio shipment_scheduled"),
                          std::string("trigger vrio shipment_scheduled --to http://127.0.0.1:1/ --secret-env TRIGGER_SECRET "
                                      "--set novalue|--set wants path=value")}),
                     line) {
  const auto bar = line.find('|');
  const auto run = run_hookline(line.substr(0, bar));
  BOOST_TEST(run.exit_code == 2, run.out + run.err);
  BOOST_TEST(run.err.find(line.substr(bar + 1)) != std::string::npos, run.err);
}

BOOST_AUTO_TEST_SUITE_END()
