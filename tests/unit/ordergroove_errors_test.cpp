// Every bad Ordergroove payload is refused with the exact error (JSON path and message) it must
// give: a table of inline bodies and every file of samples/ordergroove/malformed.

#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "hookline/ordergroove.hpp"
#include "bad_input_cases.hpp"
#include "printing.hpp"

namespace og = hookline::ordergroove;

namespace {

using platform_tests::BadInput;

/// An envelope of `type` whose data.object is `object`.
std::string with_object(const std::string& type, const std::string& object) {
  return R"({"id":"e1","type":")" + type + R"(","created":1774190400,"data":{"object":)" + object + "}}";
}

/// An order.create envelope whose data.snapshot is `snapshot`.
std::string with_snapshot(const std::string& snapshot) {
  return R"({"id":"e1","type":"order.create","created":1,"data":{"object":{"public_id":"o1"},"snapshot":)" + snapshot + "}}";
}

const std::vector<BadInput> bad_inputs{
    {"empty", "", "empty document"},
    {"an_array", "[]", "expected a JSON object"},
    {"truncated", R"({"id":"e1","type":"order.create")", "malformed JSON"},
    {"trailing_object", with_object("order.create", R"({"public_id":"o1"})") + "{}", "trailing bytes after the document"},
    {"invalid_utf8", "{\"id\":\"e\xff\",\"type\":\"order.create\"}", "invalid UTF-8"},
    {"id_missing", R"({"type":"order.create","created":1,"data":{"object":{"public_id":"o1"}}})", "id: missing"},
    {"id_empty", R"({"id":"","type":"order.create","created":1,"data":{}})", "id: expected a non-empty string"},
    {"id_a_boolean", R"({"id":true,"type":"order.create","created":1,"data":{}})", "id: expected a string or an integer"},
    {"id_twice", R"({"id":"a","id":"b","type":"order.create","created":1,"data":{}})", "id: duplicated key"},
    {"type_missing", R"({"id":"e1","created":1,"data":{}})", "type: missing"},
    {"type_empty", R"({"id":"e1","type":"","created":1,"data":{}})", "type: expected a non-empty string"},
    {"type_a_number", R"({"id":"e1","type":3,"created":1,"data":{}})", "type: expected a string"},
    {"type_twice", R"({"id":"e1","type":"order.create","type":"order.cancel","created":1,"data":{}})", "type: duplicated key"},
    {"created_missing", R"({"id":"e1","type":"order.create","data":{"object":{"public_id":"o1"}}})", "created: missing"},
    {"created_a_float", R"({"id":"e1","type":"order.create","created":1.5,"data":{}})", "created: expected an integer, got 1.5"},
    {"created_a_date", R"({"id":"e1","type":"order.create","created":"2026-03-22","data":{}})", "created: expected an integer"},
    {"data_missing", R"({"id":"e1","type":"order.create","created":1})", "data: missing"},
    {"data_null", R"({"id":"e1","type":"order.create","created":1,"data":null})", "data: expected an object"},
    {"data_twice", R"({"id":"e1","type":"order.create","created":1,"data":{"object":{"public_id":"o1"}},"data":{}})",
     "data: duplicated key"},
    {"object_missing", R"({"id":"e1","type":"order.create","created":1,"data":{}})", "data.object: missing"},
    {"object_twice", R"({"id":"e1","type":"order.create","created":1,"data":{"object":{"public_id":"a"},"object":{"public_id":"b"}}})",
     "data.object: duplicated key"},
    {"object_a_string", with_object("order.create", R"("o1")"), "data.object: expected an object"},
    {"order_without_public_id", with_object("order.cancel", R"({"total":"1.00"})"), "data.object.public_id: missing"},
    {"item_without_public_id", with_object("item.create", "{}"), "data.object.public_id: missing"},
    {"subscriber_without_merchant_user_id", with_object("subscriber.cancel", R"({"merchant":"m","customer":"c"})"),
     "data.object.merchant_user_id: missing"},
    {"total_not_a_decimal", with_object("order.success", R"({"public_id":"o1","total":"25 USD"})"),
     "data.object.total: expected a decimal number"},
    {"status_a_word", with_object("order.success", R"({"public_id":"o1","status":"success"})"), "data.object.status: expected an integer"},
    {"live_a_word", with_object("subscription.cancel", R"({"public_id":"s1","live":"yes"})"), "data.object.live: expected a boolean"},
    {"components_an_object", with_object("subscription.change_components", R"({"public_id":"s1","components":{}})"),
     "data.object.components: expected an array"},
    {"component_quantity_text", with_object("item.create", R"({"public_id":"i1","components":[{"quantity":"x"}]})"),
     "data.object.components[0].quantity: expected an integer"},
    {"subscriptions_of_objects", with_object("subscriber.cancel", R"({"merchant_user_id":"c","subscriptions":[{}]})"),
     "data.object.subscriptions[0]: expected a string or an integer"},
    {"snapshot_a_list", with_snapshot("[]"), "data.snapshot: expected an object"},
    {"snapshot_order_without_id", with_snapshot(R"({"orders":[{"public_id":"a"},{"total":"1.00"}]})"),
     "data.snapshot.orders[1].public_id: missing"},
    {"snapshot_customer_a_string", with_snapshot(R"({"customer":"c1"})"), "data.snapshot.customer: expected an object"},
    {"snapshot_payment_cc_type_text", with_snapshot(R"({"payments":[{"cc_type":"visa"}]})"),
     "data.snapshot.payments[0].cc_type: expected an integer"},
    {"unknown_field_malformed", R"({"id":"e1","type":"order.create","created":1,"extra":tru,"data":{}})", "extra: malformed JSON"},
};

}  // namespace

BOOST_AUTO_TEST_SUITE(ordergroove_errors)

HOOKLINE_BAD_INPUT_CASES("ordergroove", og::parse, bad_inputs)

BOOST_AUTO_TEST_SUITE_END()
