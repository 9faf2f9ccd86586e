// Every bad store admin payload is refused with the exact error (JSON path and message) it must give:
// a table of inline bodies and every file of samples/store_admin/malformed.

#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "hookline/store_admin.hpp"
#include "bad_input_cases.hpp"
#include "printing.hpp"

namespace store_admin = hookline::store_admin;

namespace {

using platform_tests::BadInput;

/// An envelope of `type` created at `created_at` whose data is `data`.
std::string envelope(const std::string& type, const std::string& created_at, const std::string& data) {
  return R"({"event_id":"evt_1","event_type":")" + type + R"(","created_at":)" + created_at + R"(,"data":)" + data + "}";
}

/// An order.created envelope whose data is `data`.
std::string order(const std::string& data) { return envelope("order.created", R"("2026-03-22T14:30:00Z")", data); }

/// A payment.completed envelope whose related is `related`.
std::string related(const std::string& related) {
  return R"({"event_id":"e","event_type":"payment.completed","created_at":"2026-03-22T14:30:00Z","data":{"id":"p"},"related":)" +
         related + "}";
}

constexpr const char* iso_expected = R"(expected an ISO 8601 time "YYYY-MM-DDTHH:MM:SSZ")";

const std::vector<BadInput> bad_inputs{
    {"empty", "", "empty document"},
    {"a_number", "7", "expected a JSON object"},
    {"truncated", R"({"event_id":"e","event_type":"order.cr)", "malformed JSON"},
    {"trailing_object", order(R"({"id":"1"})") + "{}", "trailing bytes after the document"},
    {"event_id_missing", R"({"event_type":"order.created","created_at":"2026-03-22T14:30:00Z","data":{"id":"1"}})", "event_id: missing"},
    {"event_id_an_object", R"({"event_id":{},"event_type":"order.created"})", "event_id: expected a string or an integer"},
    {"event_type_missing", R"({"event_id":"e","created_at":"2026-03-22T14:30:00Z","data":{}})", "event_type: missing"},
    {"event_type_empty", R"({"event_id":"e","event_type":"","created_at":"2026-03-22T14:30:00Z","data":{}})",
     "event_type: expected a non-empty string"},
    {"event_type_twice", R"({"event_id":"e","event_type":"order.created","event_type":"order.updated"})", "event_type: duplicated key"},
    {"resource_mismatch",
     R"({"event_id":"e","event_type":"order.created","resource":"orders","created_at":"2026-03-22T14:30:00Z","data":{"id":"1"}})",
     R"(resource: expected "order", the resource of event_type)"},
    {"resource_a_number", R"({"event_id":"e","event_type":"order.created","resource":1})", "resource: expected a string"},
    {"created_at_missing", R"({"event_id":"e","event_type":"order.created","data":{"id":"1"}})", "created_at: missing"},
    {"created_at_null", envelope("order.created", "null", "{}"), std::string("created_at: ") + iso_expected},
    {"created_at_epoch", envelope("order.created", "1774189800", "{}"), std::string("created_at: ") + iso_expected},
    {"created_at_date_only", envelope("order.created", R"("2026-03-22")", "{}"), std::string("created_at: ") + iso_expected},
    {"created_at_space", envelope("order.created", R"("2026-03-22 14:30:00Z")", "{}"), std::string("created_at: ") + iso_expected},
    {"created_at_no_zone", envelope("order.created", R"("2026-03-22T14:30:00")", "{}"), std::string("created_at: ") + iso_expected},
    {"created_at_february_30", envelope("order.created", R"("2026-02-30T14:30:00Z")", "{}"), std::string("created_at: ") + iso_expected},
    {"created_at_hour_24", envelope("order.created", R"("2026-03-22T24:00:00Z")", "{}"), std::string("created_at: ") + iso_expected},
    {"created_at_bad_offset", envelope("order.created", R"("2026-03-22T14:30:00+2:00")", "{}"), std::string("created_at: ") + iso_expected},
    {"created_at_empty_fraction", envelope("order.created", R"("2026-03-22T14:30:00.Z")", "{}"), std::string("created_at: ") + iso_expected},
    {"created_at_trailing_text", envelope("order.created", R"("2026-03-22T14:30:00Zulu")", "{}"), std::string("created_at: ") + iso_expected},
    {"data_missing", R"({"event_id":"e","event_type":"order.created","created_at":"2026-03-22T14:30:00Z"})", "data: missing"},
    {"data_twice", order(R"({"id":"1"},"data":{"id":"2"})"), "data: duplicated key"},
    {"data_a_list", order("[]"), "data: expected an object"},
    {"order_without_id", order(R"({"number":"#1"})"), "data.id: missing"},
    {"order_id_empty", order(R"({"id":""})"), "data.id: expected a non-empty string"},
    {"line_items_an_object", order(R"({"id":"1","line_items":{}})"), "data.line_items: expected an array"},
    {"line_item_without_quantity", order(R"({"id":"1","line_items":[{"sku":"A"}]})"), "data.line_items[0].quantity: missing"},
    {"line_item_quantity_text", order(R"({"id":"1","line_items":[{"quantity":"two"}]})"), "data.line_items[0].quantity: expected an integer"},
    {"total_with_currency", order(R"({"id":"1","total":"53.06 USD"})"), "data.total: expected a decimal number"},
    {"address_a_string", order(R"({"id":"1","shipping_address":"12 Analytical Row"})"), "data.shipping_address: expected an object"},
    {"updated_at_not_iso", order(R"({"id":"1","updated_at":"yesterday"})"), std::string("data.updated_at: ") + iso_expected},
    {"inventory_a_float", envelope("product.updated", R"("2026-03-22T14:30:00Z")", R"({"id":"p","inventory_quantity":1.5})"),
     "data.inventory_quantity: expected an integer, got 1.5"},
    {"accepts_marketing_text", envelope("customer.created", R"("2026-03-22T14:30:00Z")", R"({"id":"c","accepts_marketing":"yes"})"),
     "data.accepts_marketing: expected a boolean"},
    {"related_a_list", related("[]"), "related: expected an object"},
    {"related_order_without_id", related(R"({"order":{"total":"1.00"}})"), "related.order.id: missing"},
    {"related_twice", related(R"({},"related":{})"), "related: duplicated key"},
};

}  // namespace

BOOST_AUTO_TEST_SUITE(store_admin_errors)

HOOKLINE_BAD_INPUT_CASES("store_admin", store_admin::parse, bad_inputs)

BOOST_AUTO_TEST_SUITE_END()
