// Vero: the 12 documented events parse to their types with their differing shapes; the
// idempotency key is stable for one delivery and distinct between events; meta(); to_json().

#include <boost/test/unit_test.hpp>

#include <set>
#include <string>

#include "hookline/vero.hpp"
#include "parse_test_support.hpp"
#include "printing.hpp"

namespace vero = hookline::vero;
using platform_tests::error_of;
using platform_tests::json_files;
using platform_tests::samples_dir;
using platform_tests::slurp;

namespace {

vero::Event parse_sample(const std::string& type) {
  auto event = vero::parse(slurp(samples_dir("vero") / (type + ".json")));
  BOOST_TEST_REQUIRE(event.has_value(), type << ": " << error_of(event));
  return *event;
}

std::string key_of(const std::string& body) {
  auto event = vero::parse(body);
  BOOST_TEST_REQUIRE(event.has_value(), error_of(event));
  return vero::idempotency_key(*event);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(vero_events)

BOOST_AUTO_TEST_CASE(every_sample_parses_to_the_type_of_its_file_name) {
  std::set<std::string> seen;
  for (const auto& path : json_files(samples_dir("vero"))) {
    const std::string type = path.stem().string();
    auto event = vero::parse(slurp(path));
    BOOST_TEST_REQUIRE(event.has_value(), type << ": " << error_of(event));
    BOOST_TEST(event->type == type);
    BOOST_TEST(!std::holds_alternative<vero::Unknown>(event->payload), type);
    BOOST_TEST(event->meta().entity == "user:123");
    seen.insert(type);
  }
  BOOST_TEST(seen.size() == 12U);
  for (std::string_view type : vero::known_event_types()) BOOST_TEST(seen.count(std::string(type)) == 1U, type);
}

BOOST_AUTO_TEST_CASE(sent_reads_user_campaign_and_time) {
  const vero::Event event = parse_sample("sent");
  const auto& sent = std::get<vero::Sent>(event.payload);
  BOOST_TEST(sent.sent_at.value().time_since_epoch().count() == 1435016238);
  BOOST_TEST(sent.user.id == std::optional<std::string>("123"));
  BOOST_TEST(sent.user.email == std::optional<std::string>("steve@getvero.com"));
  BOOST_TEST_REQUIRE(sent.campaign.has_value());
  BOOST_TEST(sent.campaign->id == std::optional<std::string>("987"));
  BOOST_TEST(sent.campaign->trigger_event == std::optional<std::string>("purchased item"));
  BOOST_TEST(sent.campaign->locale == std::optional<std::string>("en-US"));
  BOOST_TEST(sent.message_id == std::optional<std::string>("20190730123456.1.1B72E094173067F0F@veromail.com"));

  const hookline::EventMeta meta = event.meta();
  BOOST_TEST(meta.platform == hookline::Platform::vero);
  BOOST_TEST(meta.type == "sent");
  BOOST_TEST(meta.id == vero::idempotency_key(event));
  BOOST_TEST(meta.occurred_at.time_since_epoch().count() == 1435016238);
}

BOOST_AUTO_TEST_CASE(the_shapes_that_differ_are_read_as_such) {
  const auto unsubscribed = std::get<vero::Unsubscribed>(parse_sample("unsubscribed").payload);
  BOOST_TEST_REQUIRE(unsubscribed.campaign.has_value());
  BOOST_TEST(unsubscribed.campaign->campaign_title == std::optional<std::string>("Order confirmation"));
  BOOST_TEST(unsubscribed.campaign->series_title == std::optional<std::string>("Order Tracking"));
  BOOST_TEST(unsubscribed.campaign->template_name == std::optional<std::string>("Order Template"));

  const auto updated = std::get<vero::UserUpdated>(parse_sample("user_updated").payload);
  BOOST_TEST(updated.action == std::optional<std::string>("user_updated"));
  BOOST_TEST(updated.id == std::optional<std::string>("123"));
  BOOST_TEST(updated.changes.tags_added == std::vector<std::string>{"active-customer"}, boost::test_tools::per_element());
  BOOST_TEST(updated.changes.tags_removed == std::vector<std::string>{"unactive-180-days"}, boost::test_tools::per_element());

  const auto created = std::get<vero::UserCreated>(parse_sample("user_created").payload);
  BOOST_TEST_REQUIRE(created.user.attributes.size() == 3U);
  BOOST_TEST(created.user.attributes[0].first == "firstname");
  BOOST_TEST(created.user.attributes[0].second == R"("Steve")");

  const auto complained = std::get<vero::Complained>(parse_sample("complained").payload);
  BOOST_TEST_REQUIRE(complained.event.has_value());
  BOOST_TEST(complained.event->name == std::optional<std::string>("Test event"));
  BOOST_TEST(complained.event->triggered_at.value().time_since_epoch().count() == 1424012238);
  BOOST_TEST(complained.event->data == std::optional<std::string>(R"({"key":"value"})"));

  const auto failed = std::get<vero::Failed>(parse_sample("failed").payload);
  BOOST_TEST(failed.bounce_code == std::optional<std::string>("500"));
  BOOST_TEST(failed.bounce_message == std::optional<std::string>("FusionBadResponse"));
  BOOST_TEST(parse_sample("failed").meta().occurred_at.time_since_epoch().count() == 0);

  const auto bounced = std::get<vero::Bounced>(parse_sample("bounced").payload);
  BOOST_TEST(bounced.bounce_type == std::optional<std::string>("hard"));
  BOOST_TEST(bounced.bounce_code == std::optional<std::string>("550"));

  const auto opened = std::get<vero::Opened>(parse_sample("opened").payload);
  BOOST_TEST(opened.user_agent.value().find("MSIE 9.0") != std::string::npos);
  BOOST_TEST(std::get<vero::Resubscribed>(parse_sample("resubscribed").payload).user.id == std::optional<std::string>("123"));
}

BOOST_AUTO_TEST_CASE(members_before_the_type_are_read_by_the_type) {
  auto event = vero::parse(R"({"campaign":{"campaign_title":"T","id":9},"unsubscribed_at":5,"sent_at":"x",)"
                           R"("user":{"id":1},"type":"unsubscribed"})");
  BOOST_TEST_REQUIRE(event.has_value(), error_of(event));
  const auto& unsubscribed = std::get<vero::Unsubscribed>(event->payload);
  BOOST_TEST(unsubscribed.campaign.value().campaign_title == std::optional<std::string>("T"));
  BOOST_TEST(unsubscribed.unsubscribed_at.value().time_since_epoch().count() == 5);
  auto refused = vero::parse(R"({"campaign":{"campaign_title":7},"user":{"id":1},"type":"unsubscribed"})");
  BOOST_TEST_REQUIRE(!refused.has_value());
  BOOST_TEST(refused.error().to_string() == "campaign.campaign_title: expected a string");
}

BOOST_AUTO_TEST_CASE(ids_may_be_numbers_or_strings) {
  auto event = vero::parse(R"({"type":"delivered","delivered_at":"1435016238","user":{"id":"u-9"},"campaign":{"id":"c7"}})");
  BOOST_TEST_REQUIRE(event.has_value(), error_of(event));
  const auto& delivered = std::get<vero::Delivered>(event->payload);
  BOOST_TEST(delivered.user.id == std::optional<std::string>("u-9"));
  BOOST_TEST(delivered.campaign->id == std::optional<std::string>("c7"));
  BOOST_TEST(delivered.delivered_at.value().time_since_epoch().count() == 1435016238);
}

BOOST_AUTO_TEST_CASE(a_user_known_only_by_email_is_the_entity) {
  auto event = vero::parse(R"({"type":"resubscribed","user":{"email":"a@example.com"}})");
  BOOST_TEST_REQUIRE(event.has_value(), error_of(event));
  BOOST_TEST(event->meta().entity == "user:a@example.com");
}

BOOST_AUTO_TEST_CASE(an_unknown_type_is_kept_never_an_error) {
  auto event = vero::parse(R"({"type": "forwarded", "user": {"id": 5}, "extra": [1, 2]})");
  BOOST_TEST_REQUIRE(event.has_value(), error_of(event));
  const auto& unknown = std::get<vero::Unknown>(event->payload);
  BOOST_TEST(unknown.type == "forwarded");
  BOOST_TEST(unknown.body == R"({"type":"forwarded","user":{"id":5},"extra":[1,2]})");
  BOOST_TEST(event->meta().entity == "user:5");
  BOOST_TEST(vero::to_json(*event).find(R"("body":{"type":"forwarded")") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(the_key_is_the_same_for_the_same_delivery) {
  for (const auto& path : json_files(samples_dir("vero"))) {
    const std::string body = slurp(path);
    BOOST_TEST(key_of(body) == key_of(body), path.filename());
    BOOST_TEST(key_of(body).size() == 64U);
  }
  // Layout and member order do not change the key.
  BOOST_TEST(key_of(R"({"type":"opened","opened_at":10,"user":{"id":1,"email":"a@x"},"campaign":{"id":2},"message_id":"m"})") ==
             key_of(R"({ "message_id" : "m", "campaign": {"id": "2"}, "user": {"email": "a@x", "id": "1"},
                        "opened_at": 10, "type": "opened" })"));
  // Nor do fields that may differ between copies of one occurrence.
  BOOST_TEST(key_of(R"({"type":"opened","opened_at":10,"user":{"id":1},"user_agent":"A","message_id":"m"})") ==
             key_of(R"({"type":"opened","opened_at":10,"user":{"id":1},"user_agent":"B","message_id":"m"})"));
}

BOOST_AUTO_TEST_CASE(different_events_have_different_keys) {
  std::set<std::string> keys;
  for (const auto& path : json_files(samples_dir("vero"))) keys.insert(key_of(slurp(path)));
  BOOST_TEST(keys.size() == 12U);

  const std::string base = R"({"type":"clicked","clicked_at":10,"user":{"id":1,"email":"a@x"},"campaign":{"id":2},"message_id":"m"})";
  const std::vector<std::string> variants{
      R"({"type":"clicked","clicked_at":11,"user":{"id":1,"email":"a@x"},"campaign":{"id":2},"message_id":"m"})",
      R"({"type":"clicked","clicked_at":10,"user":{"id":3,"email":"a@x"},"campaign":{"id":2},"message_id":"m"})",
      R"({"type":"clicked","clicked_at":10,"user":{"id":1,"email":"b@x"},"campaign":{"id":2},"message_id":"m"})",
      R"({"type":"clicked","clicked_at":10,"user":{"id":1,"email":"a@x"},"campaign":{"id":4},"message_id":"m"})",
      R"({"type":"clicked","clicked_at":10,"user":{"id":1,"email":"a@x"},"campaign":{"id":2},"message_id":"n"})",
      R"({"type":"opened","opened_at":10,"user":{"id":1,"email":"a@x"},"campaign":{"id":2},"message_id":"m"})",
      R"({"type":"clicked","clicked_at":10,"user":{"id":1,"email":"a@x"},"campaign":{"id":2}})",
  };
  for (const std::string& variant : variants) BOOST_TEST(key_of(variant) != key_of(base), variant);

  // Fields are length-prefixed: moving characters between two fields changes the key.
  BOOST_TEST(key_of(R"({"type":"resubscribed","user":{"id":"12","email":"3@x"}})") !=
             key_of(R"({"type":"resubscribed","user":{"id":"1","email":"23@x"}})"));
  // user_updated: what changed tells two updates apart.
  BOOST_TEST(key_of(R"({"type":"user_updated","user":{"id":1},"changes":{"_tags":{"add":["a"]}}})") !=
             key_of(R"({"type":"user_updated","user":{"id":1},"changes":{"_tags":{"add":["b"]}}})"));
  BOOST_TEST(key_of(R"({"type":"user_updated","user":{"id":1},"changes":{"plan":"gold"}})") !=
             key_of(R"({"type":"user_updated","user":{"id":1},"changes":{"plan":"silver"}})"));
  // bounced: a hard and a soft bounce of one message are two events.
  BOOST_TEST(key_of(R"({"type":"bounced","bounced_at":1,"bounce_type":"hard","user":{"id":1},"message_id":"m"})") !=
             key_of(R"({"type":"bounced","bounced_at":1,"bounce_type":"soft","user":{"id":1},"message_id":"m"})"));
}

BOOST_AUTO_TEST_CASE(to_json_prints_the_event_under_veros_names) {
  auto event = vero::parse(R"({"type":"bounced","bounced_at":1435016238,"bounce_type":"soft","bounce_code":"4.2.2",)"
                           R"("bounce_message":"Mailbox full","user":{"id":123},"message_id":"m1"})");
  BOOST_TEST_REQUIRE(event.has_value(), error_of(event));
  BOOST_TEST(vero::to_json(*event) ==
             R"({"platform":"vero","event":"bounced","event_id":")" + vero::idempotency_key(*event) +
                 R"(","event_date":"2015-06-22T23:37:18Z","bounced_at":"2015-06-22T23:37:18Z","bounce_type":"soft",)"
                 R"("bounce_code":"4.2.2","bounce_message":"Mailbox full","user":{"id":"123","email":null},)"
                 R"("campaign":null,"message_id":"m1"})");
  auto failed = parse_sample("failed");
  BOOST_TEST(vero::to_json(failed).find(R"("bounce_code":500,)") != std::string::npos);
  BOOST_TEST(vero::to_json(failed).find(R"("event_date":null)") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
