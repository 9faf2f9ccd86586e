// Every bad Vero payload is refused with the exact error (JSON path and message) it must give:
// a table of inline bodies and every file of samples/vero/malformed.

#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "hookline/vero.hpp"
#include "bad_input_cases.hpp"
#include "printing.hpp"

namespace vero = hookline::vero;

namespace {

using platform_tests::BadInput;

const std::vector<BadInput> bad_inputs{
    {"empty", "", "empty document"},
    {"a_list", R"([{"type":"sent"}])", "expected a JSON object"},
    {"truncated", R"({"type":"sent","user":{"id":1)", "malformed JSON"},
    {"trailing_brace", R"({"type":"sent","user":{"id":1}}})", "trailing bytes after the document"},
    {"invalid_utf8", "{\"type\":\"sent\",\"user\":{\"email\":\"\xe9@x\"}}", "invalid UTF-8"},
    {"type_missing", R"({"user":{"id":1}})", "type: missing"},
    {"type_empty", R"({"type":"","user":{"id":1}})", "type: expected a non-empty string"},
    {"type_null", R"({"type":null,"user":{"id":1}})", "type: expected a string"},
    {"type_twice", R"({"type":"sent","user":{"id":1},"type":"sent"})", "type: duplicated key"},
    {"user_missing", R"({"type":"resubscribed"})", "user: missing"},
    {"user_twice", R"({"type":"resubscribed","user":{"id":1},"user":{"id":2}})", "user: duplicated key"},
    {"user_a_string", R"({"type":"opened","user":"steve"})", "user: expected an object"},
    {"user_without_id_or_email", R"({"type":"opened","user":{"firstname":"Steve"}})", "user: expected an id or an email"},
    {"user_id_a_float", R"({"type":"opened","user":{"id":1.5}})", "user.id: expected a string or an integer, got 1.5"},
    {"user_email_a_number", R"({"type":"opened","user":{"id":1,"email":5}})", "user.email: expected a string"},
    {"opened_at_a_date", R"({"type":"opened","opened_at":"2015-06-22","user":{"id":1}})", "opened_at: expected an integer"},
    {"campaign_a_list", R"({"type":"clicked","user":{"id":1},"campaign":[]})", "campaign: expected an object"},
    {"campaign_id_a_boolean", R"({"type":"clicked","user":{"id":1},"campaign":{"id":true}})",
     "campaign.id: expected a string or an integer"},
    {"unsubscribe_campaign_title_a_number", R"({"type":"unsubscribed","user":{"id":1},"campaign":{"campaign_title":7}})",
     "campaign.campaign_title: expected a string"},
    {"bounce_code_a_boolean", R"({"type":"bounced","user":{"id":1},"bounce_code":false})",
     "bounce_code: expected a string or an integer"},
    {"event_triggered_at_text", R"({"type":"complained","user":{"id":1},"event":{"triggered_at":"soon"}})",
     "event.triggered_at: expected an integer"},
    {"changes_a_list", R"({"type":"user_updated","user":{"id":1},"changes":[]})", "changes: expected an object"},
    {"tags_remove_of_objects", R"({"type":"user_updated","user":{"id":1},"changes":{"_tags":{"remove":[{}]}}})",
     "changes._tags.remove[0]: expected a string or an integer"},
    {"message_id_a_number", R"({"type":"sent","user":{"id":1},"message_id":5})", "message_id: expected a string"},
    {"unknown_field_malformed", R"({"type":"sent","user":{"id":1},"x":nul})", "x: malformed JSON"},
};

}  // namespace

BOOST_AUTO_TEST_SUITE(vero_errors)

HOOKLINE_BAD_INPUT_CASES("vero", vero::parse, bad_inputs)

BOOST_AUTO_TEST_SUITE_END()
