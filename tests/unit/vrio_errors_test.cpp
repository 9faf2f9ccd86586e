// Every bad VRIO payload is refused with the exact error (JSON path and message) it must give:
// a table of inline bodies and every file of samples/vrio/malformed.

#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "hookline/vrio.hpp"
#include "printing.hpp"

namespace {

struct BadInput {
  std::string name;
  std::string body;
  std::string path;
  std::string message;
};

std::ostream& operator<<(std::ostream& out, const BadInput& input) { return out << input.name; }

/// A shipment_scheduled body whose webhook_data.shipment is `shipment`.
std::string shipment_body(const std::string& shipment) {
  return R"({"webhook_type":"shipment","webhook_event":"shipment_scheduled","webhook_event_id":"1",)"
         R"("webhook_event_date":"2026-03-22 14:30:00","webhook_data":{"shipment":)" +
         shipment + "}}";
}

/// A shipment_scheduled body with one item `item`.
std::string item_body(const std::string& item) {
  return shipment_body(R"({"shipment_id":1,"shipment_items":[{"shipment_item_id":1,"quantity":1,"item_id":1},)" + item + "]}");
}

std::string nested(std::size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

const std::vector<BadInput> bad_inputs{
    {"empty", "", "", "empty document"},
    {"only_whitespace", "  \n", "", "empty document"},
    {"not_json", "hello", "", "expected a JSON object"},
    {"a_string", R"("webhook")", "", "expected a JSON object"},
    {"a_number", "42", "", "expected a JSON object"},
    {"null", "null", "", "expected a JSON object"},
    {"an_array", R"([{"webhook_event":"x"}])", "", "expected a JSON object"},
    {"truncated_object", R"({"webhook_event":"x","webhook_event_id":"1")", "", "malformed JSON"},
    {"truncated_inside_data", shipment_body(R"({"shipment_id":1)").substr(0, 120), "", "malformed JSON"},
    {"unterminated_string", R"({"webhook_event":"x)", "", "malformed JSON"},
    {"trailing_object", R"({"webhook_event":"x","webhook_event_id":"1"}{})", "", "trailing bytes after the document"},
    {"trailing_brace", R"({"webhook_event":"x","webhook_event_id":"1"}})", "", "trailing bytes after the document"},
    {"trailing_word", R"({"webhook_event":"x","webhook_event_id":"1"} true)", "", "malformed JSON"},
    {"trailing_comma", R"({"webhook_event":"x","webhook_event_id":"1",})", "", "malformed JSON"},
    {"missing_colon", R"({"webhook_event" "x","webhook_event_id":"1"})", "", "malformed JSON"},
    {"invalid_utf8_in_value", "{\"webhook_event\":\"x\xff\",\"webhook_event_id\":\"1\"}", "", "invalid UTF-8"},
    {"invalid_utf8_in_key", "{\"webhook_event\":\"x\",\"webhook_event_id\":\"1\",\"\xc3\x28\":1}", "", "invalid UTF-8"},
    {"overlong_utf8", "{\"webhook_event\":\"\xc0\xaf\",\"webhook_event_id\":\"1\"}", "", "invalid UTF-8"},
    {"bad_escape", R"({"webhook_event":"x","webhook_event_id":"1","note":"\q"})", "note", "malformed JSON"},
    {"bad_literal_in_unknown_field", R"({"webhook_event":"x","webhook_event_id":"1","flag":nul})", "flag", "malformed JSON"},
    {"bad_number_in_unknown_field", R"({"webhook_event":"x","webhook_event_id":"1","n":01})", "n", "malformed JSON"},
    {"bad_value_in_unknown_array", R"({"webhook_event":"x","webhook_event_id":"1","a":[1,2,fals]})", "a[2]", "malformed JSON"},
    {"bad_value_in_ignored_entity",
     R"({"webhook_event":"shipment_skipped","webhook_event_id":"1","webhook_data":{"order":{"id":1e},"shipment":{"shipment_id":1}}})",
     "webhook_data.order.id", "malformed JSON"},
    {"missing_event", R"({"webhook_event_id":"1","webhook_data":{}})", "webhook_event", "missing"},
    {"missing_event_id", R"({"webhook_event":"x"})", "webhook_event_id", "missing"},
    {"empty_event", R"({"webhook_event":"","webhook_event_id":"1"})", "webhook_event", "expected a non-empty string"},
    {"empty_event_id", R"({"webhook_event":"x","webhook_event_id":""})", "webhook_event_id", "expected a non-empty string"},
    {"event_as_number", R"({"webhook_event":7,"webhook_event_id":"1"})", "webhook_event", "expected a string"},
    {"event_id_null", R"({"webhook_event":"x","webhook_event_id":null})", "webhook_event_id", "expected a string or an integer"},
    {"event_id_float", R"({"webhook_event":"x","webhook_event_id":1.5})", "webhook_event_id", "expected a string or an integer, got 1.5"},
    {"event_id_object", R"({"webhook_event":"x","webhook_event_id":{}})", "webhook_event_id", "expected a string or an integer"},
    {"event_id_too_big", R"({"webhook_event":"x","webhook_event_id":99999999999999999999})", "webhook_event_id",
     "expected a string or an integer from -9223372036854775808 to 9223372036854775807, got 99999999999999999999"},
    {"duplicated_event_id", R"({"webhook_event":"x","webhook_event_id":"1","webhook_event_id":"2"})", "webhook_event_id", "duplicated key"},
    {"duplicated_event", R"({"webhook_event":"x","webhook_event_id":"1","webhook_event":"y"})", "webhook_event", "duplicated key"},
    {"duplicated_data", R"({"webhook_event":"x","webhook_event_id":"1","webhook_data":{},"webhook_data":{}})", "webhook_data", "duplicated key"},
    {"duplicated_date", R"({"webhook_event":"x","webhook_event_id":"1","webhook_event_date":null,"webhook_event_date":null})", "webhook_event_date", "duplicated key"},
    {"type_as_number", R"({"webhook_event":"x","webhook_event_id":"1","webhook_type":3})", "webhook_type", "expected a string"},
    {"event_date_not_a_date", R"({"webhook_event":"x","webhook_event_id":"1","webhook_event_date":"yesterday"})", "webhook_event_date", "expected a date \"YYYY-MM-DD HH:MM:SS\""},
    {"event_date_iso_t", R"({"webhook_event":"x","webhook_event_id":"1","webhook_event_date":"2026-03-22T14:30:00"})", "webhook_event_date", "expected a date \"YYYY-MM-DD HH:MM:SS\""},
    {"event_date_number", R"({"webhook_event":"x","webhook_event_id":"1","webhook_event_date":1774189800})", "webhook_event_date", "expected a date \"YYYY-MM-DD HH:MM:SS\""},
    {"event_date_hour_24", R"({"webhook_event":"x","webhook_event_id":"1","webhook_event_date":"2026-03-22 24:00:00"})", "webhook_event_date", "expected a date \"YYYY-MM-DD HH:MM:SS\""},
    {"event_date_february_29_2026", R"({"webhook_event":"x","webhook_event_id":"1","webhook_event_date":"2026-02-29 10:00:00"})", "webhook_event_date", "expected a date \"YYYY-MM-DD HH:MM:SS\""},
    {"missing_data", R"({"webhook_event":"shipment_cancelled","webhook_event_id":"1"})", "webhook_data", "missing"},
    {"data_null", R"({"webhook_event":"shipment_cancelled","webhook_event_id":"1","webhook_data":null})", "webhook_data", "expected an object"},
    {"data_array", R"({"webhook_event":"order_updated","webhook_event_id":"1","webhook_data":[]})", "webhook_data", "expected an object"},
    {"missing_shipment", R"({"webhook_event":"shipment_cancelled","webhook_event_id":"1","webhook_data":{"order":{"id":1}}})", "webhook_data.shipment", "missing"},
    {"shipment_not_object", R"({"webhook_event":"shipment_cancelled","webhook_event_id":"1","webhook_data":{"shipment":"251606"}})", "webhook_data.shipment", "expected an object"},
    {"missing_shipment_id", shipment_body(R"({"shipment_status_id":"Cancelled"})"), "webhook_data.shipment.shipment_id", "missing"},
    {"shipment_id_null", shipment_body(R"({"shipment_id":null})"), "webhook_data.shipment.shipment_id", "expected an integer"},
    {"shipment_id_text", shipment_body(R"({"shipment_id":"SHP-1"})"), "webhook_data.shipment.shipment_id", "expected an integer"},
    {"shipment_id_float", shipment_body(R"({"shipment_id":1.5})"), "webhook_data.shipment.shipment_id", "expected an integer, got 1.5"},
    {"shipment_id_float_string", shipment_body(R"({"shipment_id":"1.5"})"), "webhook_data.shipment.shipment_id", "expected an integer, got \"1.5\""},
    {"shipment_id_empty_string", shipment_body(R"({"shipment_id":""})"), "webhook_data.shipment.shipment_id", "expected an integer"},
    {"shipment_id_spaces", shipment_body(R"({"shipment_id":" 12"})"), "webhook_data.shipment.shipment_id", "expected an integer"},
    {"shipment_id_overflow", shipment_body(R"({"shipment_id":"9223372036854775808"})"), "webhook_data.shipment.shipment_id",
     "expected an integer from -9223372036854775808 to 9223372036854775807, got \"9223372036854775808\""},
    {"shipment_id_bool", shipment_body(R"({"shipment_id":true})"), "webhook_data.shipment.shipment_id", "expected an integer"},
    {"customer_id_object", shipment_body(R"({"shipment_id":1,"customer_id":{}})"), "webhook_data.shipment.customer_id", "expected an integer"},
    {"status_number", shipment_body(R"({"shipment_id":1,"shipment_status_id":3})"), "webhook_data.shipment.shipment_status_id", "expected a string"},
    {"date_scheduled_bad", shipment_body(R"({"shipment_id":1,"date_scheduled":"2026-13-01 00:00:00"})"), "webhook_data.shipment.date_scheduled", "expected a date \"YYYY-MM-DD HH:MM:SS\""},
    {"date_cancel_short", shipment_body(R"({"shipment_id":1,"date_cancel":"2026-03-22"})"), "webhook_data.shipment.date_cancel", "expected a date \"YYYY-MM-DD HH:MM:SS\""},
    {"items_not_array", shipment_body(R"({"shipment_id":1,"shipment_items":{}})"), "webhook_data.shipment.shipment_items", "expected an array"},
    {"item_not_object", shipment_body(R"({"shipment_id":1,"shipment_items":[7]})"), "webhook_data.shipment.shipment_items[0]", "expected an object"},
    {"item_quantity_text", item_body(R"({"shipment_item_id":2,"quantity":"two","item_id":1})"), "webhook_data.shipment.shipment_items[1].quantity", "expected an integer"},
    {"item_quantity_null", item_body(R"({"shipment_item_id":2,"quantity":null,"item_id":1})"), "webhook_data.shipment.shipment_items[1].quantity", "expected an integer"},
    {"item_missing_quantity", item_body(R"({"shipment_item_id":2,"item_id":1})"), "webhook_data.shipment.shipment_items[1].quantity", "missing"},
    {"item_missing_id", item_body(R"({"quantity":2,"item_id":1})"), "webhook_data.shipment.shipment_items[1].shipment_item_id", "missing"},
    {"item_missing_item_id", item_body(R"({"shipment_item_id":2,"quantity":2})"), "webhook_data.shipment.shipment_items[1].item_id", "missing"},
    {"item_sku_number", item_body(R"({"shipment_item_id":2,"quantity":1,"item_id":1,"item_sku":5})"), "webhook_data.shipment.shipment_items[1].item_sku", "expected a string"},
    {"address_not_object", shipment_body(R"({"shipment_id":1,"customer_address_shipping":"Denver"})"), "webhook_data.shipment.customer_address_shipping", "expected an object"},
    {"address_zip_number", shipment_body(R"({"shipment_id":1,"customer_address_shipping":{"zipcode":80014}})"), "webhook_data.shipment.customer_address_shipping.zipcode", "expected a string"},
    {"carrier_text", shipment_body(R"({"shipment_id":1,"carrier_id":"UPS"})"), "webhook_data.shipment.carrier_id", "expected an integer"},
    {"tracking_number", shipment_body(R"({"shipment_id":1,"shipment_tracking_id":1234})"), "webhook_data.shipment.shipment_tracking_id", "expected a string"},
    {"order_missing_id", R"({"webhook_event":"order_updated","webhook_event_id":"1","webhook_data":{"order":{"customer_id":"1"}}})", "webhook_data.order.id", "missing"},
    {"order_is_test_text", R"({"webhook_event":"order_updated","webhook_event_id":"1","webhook_data":{"order":{"id":1,"is_test":"yes"}}})", "webhook_data.order.is_test", "expected a boolean"},
    {"order_is_test_two", R"({"webhook_event":"order_updated","webhook_event_id":"1","webhook_data":{"order":{"id":1,"is_test":2}}})", "webhook_data.order.is_test", "expected a boolean"},
    {"order_offer_missing_id", R"({"webhook_event":"order_offer_updated","webhook_event_id":"1","webhook_data":{"order_offer":{}}})", "webhook_data.order_offer.id", "missing"},
    {"order_offer_price_text", R"({"webhook_event":"order_offer_updated","webhook_event_id":"1","webhook_data":{"order_offer":{"id":1,"order_offer_price":"free"}}})", "webhook_data.order_offer.order_offer_price", "expected a decimal number"},
    {"order_offer_price_beyond_40_digits", R"({"webhook_event":"order_offer_updated","webhook_event_id":"1","webhook_data":{"order_offer":{"id":1,"order_offer_price":1e400}}})", "webhook_data.order_offer.order_offer_price", "expected a decimal number of at most 40 digits, got 1e400"},
    {"order_offer_billing_address_array", R"({"webhook_event":"order_offer_cancelled","webhook_event_id":"1","webhook_data":{"order_offer":{"id":1,"customer_address_billing":[]}}})", "webhook_data.order_offer.customer_address_billing", "expected an object"},
    {"transaction_missing_id", R"({"webhook_event":"transaction_completed","webhook_event_id":"1","webhook_data":{"transaction":{"order_id":1}}})", "webhook_data.transaction.transaction_id", "missing"},
    {"transaction_total_bool", R"({"webhook_event":"transaction_skipped","webhook_event_id":"1","webhook_data":{"transaction":{"id":1,"transaction_total":true}}})", "webhook_data.transaction.transaction_total", "expected a decimal number"},
    {"data_second_pass_error", R"({"webhook_data":{"shipment":{"shipment_id":"x"}},"webhook_event":"shipment_rma","webhook_event_id":"1"})", "webhook_data.shipment.shipment_id", "expected an integer"},
    {"unknown_event_bad_data", R"({"webhook_event":"new","webhook_event_id":"1","webhook_data":{"a":[tru]}})", "webhook_data.a[0]", "malformed JSON"},
    {"deep_nesting_in_unknown_field", R"({"webhook_event":"x","webhook_event_id":"1","deep":)" + nested(100000) + "}",
     "deep" + [] { std::string p; for (int i = 0; i < 63; ++i) p += "[0]"; return p; }(), "nesting too deep"},
    {"deep_objects_in_unknown_event_data", R"({"webhook_event":"x","webhook_event_id":"1","webhook_data":)" + [] {
       std::string s; for (int i = 0; i < 70; ++i) s += R"({"a":)"; s += "1"; for (int i = 0; i < 70; ++i) s += "}"; return s; }() + "}",
     "webhook_data" + [] { std::string p; for (int i = 0; i < 63; ++i) p += ".a"; return p; }(), "nesting too deep"},
    {"deep_unclosed_document", std::string(100000, '['), "", "expected a JSON object"},
    {"deep_unclosed_in_data", R"({"webhook_event":"x","webhook_event_id":"1","webhook_data":)" + std::string(100000, '['), "", "malformed JSON"},
};

/// What samples/vrio/malformed/README.md says each file must give.
struct MalformedFile {
  std::string file;
  std::string path;
  std::string message;
};

std::ostream& operator<<(std::ostream& out, const MalformedFile& input) { return out << input.file; }

const std::vector<MalformedFile> malformed_files{
    {"empty.json", "", "empty document"},
    {"truncated.json", "", "malformed JSON"},
    {"trailing_brace.json", "", "trailing bytes after the document"},
    {"trailing_garbage.json", "", "trailing bytes after the document"},
    {"trailing_text.json", "", "malformed JSON"},
    {"invalid_utf8.json", "", "invalid UTF-8"},
    {"not_an_object.json", "", "expected a JSON object"},
    {"missing_event.json", "webhook_event", "missing"},
    {"missing_event_id.json", "webhook_event_id", "missing"},
    {"event_id_wrong_type.json", "webhook_event_id", "expected a string or an integer"},
    {"duplicated_event.json", "webhook_event", "duplicated key"},
    {"duplicated_event_id.json", "webhook_event_id", "duplicated key"},
    {"data_not_an_object.json", "webhook_data", "expected an object"},
    {"missing_shipment_id.json", "webhook_data.shipment.shipment_id", "missing"},
    {"quantity_wrong_type.json", "webhook_data.shipment.shipment_items[0].quantity", "expected an integer"},
    {"impossible_date.json", "webhook_data.shipment.date_scheduled", "expected a date \"YYYY-MM-DD HH:MM:SS\""},
    {"malformed_unknown_field.json", "webhook_retry", "malformed JSON"},
    {"deep_nesting.json", "webhook_extra" + [] { std::string p; for (int i = 0; i < 63; ++i) p += "[0]"; return p; }(), "nesting too deep"},
    {"deep_nesting_unclosed.json", "", "malformed JSON"},
};

const std::string malformed_dir = std::string(HOOKLINE_SAMPLES_DIR) + "/vrio/malformed";

std::string read_file(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  BOOST_TEST_REQUIRE(file.good(), "cannot open " << path);
  std::ostringstream content;
  content << file.rdbuf();
  return std::move(content).str();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(vrio_errors)

BOOST_DATA_TEST_CASE(bad_input_is_refused_with_path_and_message, boost::unit_test::data::make(bad_inputs), input) {
  const auto event = hookline::vrio::parse(input.body);
  BOOST_TEST_REQUIRE(!event.has_value());
  BOOST_TEST(event.error().path == input.path);
  BOOST_TEST(event.error().message == input.message);
}

BOOST_DATA_TEST_CASE(malformed_sample_is_refused_as_its_readme_says, boost::unit_test::data::make(malformed_files), input) {
  const auto event = hookline::vrio::parse(read_file(malformed_dir + "/" + input.file));
  BOOST_TEST_REQUIRE(!event.has_value());
  BOOST_TEST(event.error().path == input.path);
  BOOST_TEST(event.error().message == input.message);
}

BOOST_AUTO_TEST_CASE(every_malformed_sample_is_in_the_table) {
  std::set<std::string> listed;
  for (const auto& input : malformed_files) listed.insert(input.file);
  for (const auto& entry : std::filesystem::directory_iterator(malformed_dir)) {
    const std::string name = entry.path().filename().string();
    if (entry.path().extension() == ".json") BOOST_TEST(listed.count(name) == 1U, name << " has no expected error");
  }
}

BOOST_AUTO_TEST_CASE(every_printable_byte_in_every_place_of_a_date_is_judged_like_a_plain_reading) {
  // A date is accepted exactly when it is "YYYY-MM-DD HH:MM:SS" with a real day and a time of day;
  // the reference below reads it character by character, the parser word by word.
  const auto plainly_valid = [](const std::string& text) {
    for (std::size_t at = 0; at < text.size(); ++at) {
      const char separator = at == 4 || at == 7 ? '-' : at == 10 ? ' ' : at == 13 || at == 16 ? ':' : '\0';
      if (separator != '\0' ? text[at] != separator : (text[at] < '0' || text[at] > '9')) return false;
    }
    const auto number = [&text](std::size_t at, std::size_t count) { return std::stoi(text.substr(at, count)); };
    const std::chrono::year_month_day date{std::chrono::year{number(0, 4)}, std::chrono::month(static_cast<unsigned>(number(5, 2))),
                                           std::chrono::day(static_cast<unsigned>(number(8, 2)))};
    return date.ok() && number(11, 2) <= 23 && number(14, 2) <= 59 && number(17, 2) <= 59;
  };
  const std::string valid = "2028-02-29 23:59:59";
  for (std::size_t at = 0; at < valid.size(); ++at) {
    for (char byte = ' '; byte <= '~'; ++byte) {
      if (byte == '"' || byte == '\\') continue;
      std::string date = valid;
      date[at] = byte;
      const auto event = hookline::vrio::parse(R"({"webhook_event":"x","webhook_event_id":"1","webhook_event_date":")" + date + R"("})");
      BOOST_TEST_REQUIRE(event.has_value() == plainly_valid(date), date);
    }
  }
}

BOOST_AUTO_TEST_CASE(error_text_is_path_colon_message) {
  const auto event = hookline::vrio::parse(item_body(R"({"shipment_item_id":2,"quantity":"two","item_id":1})"));
  BOOST_TEST_REQUIRE(!event.has_value());
  BOOST_TEST(event.error().to_string() == "webhook_data.shipment.shipment_items[1].quantity: expected an integer");
}

BOOST_AUTO_TEST_CASE(an_empty_body_without_storage_is_refused) {
  // A default string_view has a null data(): the parser must not copy from it (UBSan: nonnull).
  const auto event = hookline::vrio::parse(std::string_view{});
  BOOST_TEST_REQUIRE(!event.has_value());
  BOOST_TEST(!event.error().message.empty());
}

BOOST_AUTO_TEST_CASE(a_refused_body_does_not_spoil_the_next_parse) {
  BOOST_TEST(!hookline::vrio::parse(std::string(100000, '[')).has_value());
  BOOST_TEST(!hookline::vrio::parse(R"({"webhook_event":"x")").has_value());
  const auto event = hookline::vrio::parse(R"({"webhook_event":"x","webhook_event_id":"1"})");
  BOOST_TEST(event.has_value());
}

BOOST_AUTO_TEST_CASE(every_truncation_of_a_sample_is_refused) {
  // Cut the sample at every byte before its closing brace: each prefix must be an error, never a
  // crash or a half-read event.
  const std::string body = read_file(std::string(HOOKLINE_SAMPLES_DIR) + "/vrio/shipment_scheduled.json");
  const std::size_t end = body.rfind('}');
  for (std::size_t size = 0; size < end; ++size) {
    const auto event = hookline::vrio::parse(std::string_view(body).substr(0, size));
    BOOST_TEST(!event.has_value(), "prefix of " << size << " bytes was accepted");
  }
  BOOST_TEST(hookline::vrio::parse(std::string_view(body).substr(0, end + 1)).has_value());
}

BOOST_AUTO_TEST_CASE(every_single_byte_change_of_a_sample_is_handled) {
  // Replace each byte by characters that break JSON in different ways; whatever the outcome, the
  // parser must return (an event or an error with a message), never crash.
  const std::string body = read_file(std::string(HOOKLINE_SAMPLES_DIR) + "/vrio/shipment_item_updated.json");
  for (const char replacement : {'"', '{', ']', ',', ':', '\\', 'x', '\0', '\xff'}) {
    for (std::size_t at = 0; at < body.size(); ++at) {
      std::string changed = body;
      changed[at] = replacement;
      const auto event = hookline::vrio::parse(changed);
      if (event.has_value()) {
        BOOST_TEST(!hookline::vrio::to_json(*event).empty());
      } else {
        BOOST_TEST(!event.error().message.empty());
      }
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
