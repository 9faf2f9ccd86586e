// Vero conformance: the 12 example payloads of Vero's "Setting up Webhooks" page (samples/vero,
// byte for byte, the page named in samples/vero/README.md) parse, and their typed values are the page's.

#include <boost/test/unit_test.hpp>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "hookline/vero.hpp"
#include "parse_test_support.hpp"
#include "printing.hpp"

namespace vero = hookline::vero;
using platform_tests::samples_dir;
using platform_tests::slurp;
using Text = std::optional<std::string>;

namespace {

vero::Event parse_example(const std::string& type) {
  auto event = vero::parse(slurp(samples_dir("vero") / (type + ".json")));
  BOOST_TEST_REQUIRE(event.has_value(), type << ": " << platform_tests::error_of(event));
  BOOST_TEST(event->type == type);
  return *event;
}

/// The page's campaign of every message event but unsubscribed.
void check_campaign(const std::optional<vero::Campaign>& campaign, const std::string& locale) {
  BOOST_TEST_REQUIRE(campaign.has_value());
  BOOST_TEST(campaign->id == Text("987"));
  BOOST_TEST(campaign->type == Text("transactional"));
  BOOST_TEST(campaign->name == Text("Order confirmation"));
  BOOST_TEST(campaign->group == Text("Order confirmation - Email 6"));
  BOOST_TEST(campaign->channel == Text("email"));
  BOOST_TEST(campaign->subject == Text("Your order is being processed!"));
  BOOST_TEST(campaign->trigger_event == Text("purchased item"));
  BOOST_TEST(campaign->permalink == Text("http://app.getvero.com/view/1/341d64944577ac1f70f560e37db54a25"));
  BOOST_TEST(campaign->sent_to == Text("user@example.com"));
  BOOST_TEST(campaign->variation == Text("Variation A"));
  BOOST_TEST(campaign->locale == Text(locale));
}

void check_user(const vero::User& user) {
  BOOST_TEST(user.id == Text("123"));
  BOOST_TEST(user.email == Text("steve@getvero.com"));
}

constexpr long long page_time = 1435016238;
const Text message_id("20190730123456.1.1B72E094173067F0F@veromail.com");

}  // namespace

BOOST_AUTO_TEST_SUITE(vero_docs)

BOOST_AUTO_TEST_CASE(the_readme_names_the_page) {
  BOOST_TEST(slurp(samples_dir("vero") / "README.md").find("https://help.getvero.com/vero-2/integrations/setting-up-reporting-webhooks") !=
             std::string::npos);
  BOOST_TEST(vero::known_event_types().size() == 12U);
}

BOOST_AUTO_TEST_CASE(sent_delivered_opened_clicked) {
  const auto sent = std::get<vero::Sent>(parse_example("sent").payload);
  BOOST_TEST(sent.sent_at->time_since_epoch().count() == page_time);
  check_user(sent.user);
  check_campaign(sent.campaign, "en-US");
  BOOST_TEST(sent.message_id == message_id);

  const auto delivered = std::get<vero::Delivered>(parse_example("delivered").payload);
  BOOST_TEST(delivered.delivered_at->time_since_epoch().count() == page_time);
  check_campaign(delivered.campaign, "en-US");

  const auto opened = std::get<vero::Opened>(parse_example("opened").payload);
  BOOST_TEST(opened.opened_at->time_since_epoch().count() == page_time);
  BOOST_TEST(opened.user_agent == Text("Mozilla/5.0 (compatible; MSIE 9.0; Windows NT 6.1; Trident/5.0)"));
  check_campaign(opened.campaign, "en-US");

  const auto clicked = std::get<vero::Clicked>(parse_example("clicked").payload);
  BOOST_TEST(clicked.clicked_at->time_since_epoch().count() == page_time);
  BOOST_TEST(clicked.message_id == message_id);
}

BOOST_AUTO_TEST_CASE(failed_and_bounced) {
  const auto failed = std::get<vero::Failed>(parse_example("failed").payload);
  BOOST_TEST(failed.bounce_code == Text("500"));
  BOOST_TEST(failed.bounce_message == Text("FusionBadResponse"));
  check_user(failed.user);
  check_campaign(failed.campaign, "en-US");

  const auto bounced = std::get<vero::Bounced>(parse_example("bounced").payload);
  BOOST_TEST(bounced.bounced_at->time_since_epoch().count() == page_time);
  BOOST_TEST(bounced.bounce_type == Text("hard"));
  BOOST_TEST(bounced.bounce_code == Text("550"));
  BOOST_TEST(bounced.bounce_message == Text("5.5.1 The email account that you tried to reach does not exist."));
  BOOST_TEST(bounced.message_id == message_id);
}

BOOST_AUTO_TEST_CASE(converted_resubscribed_unsubscribed) {
  const auto converted = std::get<vero::Converted>(parse_example("converted").payload);
  check_user(converted.user);
  check_campaign(converted.campaign, "en-US");

  check_user(std::get<vero::Resubscribed>(parse_example("resubscribed").payload).user);

  const auto unsubscribed = std::get<vero::Unsubscribed>(parse_example("unsubscribed").payload);
  BOOST_TEST(unsubscribed.unsubscribed_at->time_since_epoch().count() == page_time);
  BOOST_TEST_REQUIRE(unsubscribed.campaign.has_value());
  BOOST_TEST(unsubscribed.campaign->campaign_title == Text("Order confirmation"));
  BOOST_TEST(unsubscribed.campaign->series_title == Text("Order Tracking"));
  BOOST_TEST(unsubscribed.campaign->channel == Text("email"));
  BOOST_TEST(unsubscribed.campaign->message_id == message_id);
  BOOST_TEST(unsubscribed.campaign->email_subject == Text("Your order is being processed!"));
  BOOST_TEST(unsubscribed.campaign->variation_name == Text("Control"));
  BOOST_TEST(unsubscribed.campaign->template_name == Text("Order Template"));
}

BOOST_AUTO_TEST_CASE(complained_carries_its_trigger_event) {
  const auto complained = std::get<vero::Complained>(parse_example("complained").payload);
  BOOST_TEST(complained.complained_at->time_since_epoch().count() == page_time);
  BOOST_TEST_REQUIRE(complained.event.has_value());
  BOOST_TEST(complained.event->name == Text("Test event"));
  BOOST_TEST(complained.event->triggered_at->time_since_epoch().count() == 1424012238);
  BOOST_TEST(complained.event->data == Text(R"({"key":"value"})"));
  check_campaign(complained.campaign, "en");
  BOOST_TEST(complained.message_id == message_id);
}

BOOST_AUTO_TEST_CASE(user_created_and_user_updated) {
  const auto created = std::get<vero::UserCreated>(parse_example("user_created").payload);
  check_user(created.user);
  BOOST_TEST((created.user.attributes ==
              std::vector<std::pair<std::string, std::string>>{{"firstname", R"("Steve")"}, {"company", R"("Vero")"}, {"role", R"("Bot")"}}));

  const auto updated = std::get<vero::UserUpdated>(parse_example("user_updated").payload);
  BOOST_TEST(updated.action == Text("user_updated"));
  check_user(updated.user);
  BOOST_TEST(updated.id == Text("123"));
  BOOST_TEST(updated.email == Text("steve@getvero.com"));
  BOOST_TEST((updated.changes.tags_added == std::vector<std::string>{"active-customer"}));
  BOOST_TEST((updated.changes.tags_removed == std::vector<std::string>{"unactive-180-days"}));
}

BOOST_AUTO_TEST_SUITE_END()
