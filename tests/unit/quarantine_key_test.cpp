// The quarantine's key of a body that does not parse: the platform's documented event id, read by a
// tolerant probe even from a body wrong elsewhere or cut short, else the body's SHA-256.

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "http_test_support.hpp"
#include "hookline/parse.hpp"
#include "hookline/quarantine.hpp"
#include "printing.hpp"

namespace {

using hookline::Platform;
using hookline::test::sample_body;

/// One body and the id the probe must read from it (none: the SHA-256 keys it).
struct Probe {
  std::string name;
  Platform platform;
  std::string body;
  std::optional<std::string> id;
};

std::ostream& operator<<(std::ostream& out, const Probe& probe) { return out << probe.name; }

const std::string vrio_sample = sample_body("vrio/shipment_scheduled.json");

const std::vector<Probe> probes{
    {"vrio_wrong_type_elsewhere", Platform::vrio, sample_body("vrio/malformed/quantity_wrong_type.json"), "10001"},
    {"vrio_truncated_after_the_id", Platform::vrio, sample_body("vrio/malformed/truncated.json"), "10001"},
    {"vrio_cut_inside_a_later_string", Platform::vrio, vrio_sample.substr(0, vrio_sample.find("Pending") + 3), "10001"},
    {"vrio_string_id", Platform::vrio, R"({"webhook_event_id":"e-77","webhook_data":[})", "e-77"},
    {"vrio_id_last_of_a_whole_object", Platform::vrio, R"({"webhook_event":1,"webhook_event_id":"e-78"})", "e-78"},
    {"vrio_missing_id", Platform::vrio, sample_body("vrio/malformed/missing_event_id.json"), std::nullopt},
    {"vrio_id_of_the_wrong_type", Platform::vrio, sample_body("vrio/malformed/event_id_wrong_type.json"), std::nullopt},
    {"vrio_empty_id", Platform::vrio, R"({"webhook_event_id":"","x":1})", std::nullopt},
    {"vrio_cut_inside_the_id", Platform::vrio, R"({"webhook_event_id":"e-10)", std::nullopt},
    {"vrio_cut_right_after_a_number_id", Platform::vrio, R"({"webhook_event_id":100)", std::nullopt},
    {"vrio_not_json", Platform::vrio, "not json at all", std::nullopt},
    {"vrio_an_array", Platform::vrio, R"([{"webhook_event_id":"e-1"}])", std::nullopt},
    {"ordergroove_truncated", Platform::ordergroove, sample_body("ordergroove/malformed/truncated.json"),
     "5f15ef298dc15df9bc72"},
    {"ordergroove_wrong_type", Platform::ordergroove, sample_body("ordergroove/malformed/quantity_wrong_type.json"),
     "5f15ef298dc15df9bc8b"},
    {"ordergroove_missing_id", Platform::ordergroove, sample_body("ordergroove/malformed/missing_id.json"), std::nullopt},
    {"store_admin_trailing_brace", Platform::store_admin, sample_body("store_admin/malformed/trailing_brace.json"), "evt_9001"},
    {"store_admin_missing_created_at", Platform::store_admin, sample_body("store_admin/malformed/missing_created_at.json"), "evt_9001"},
    {"store_admin_missing_event_id", Platform::store_admin, sample_body("store_admin/malformed/missing_event_id.json"), std::nullopt},
    {"vero_names_no_id", Platform::vero, sample_body("vero/malformed/truncated.json"), std::nullopt},
    {"vero_even_with_an_id_member", Platform::vero, R"({"id":"x","type":"sent"})", std::nullopt},
};

}  // namespace

BOOST_AUTO_TEST_SUITE(quarantine_key)

BOOST_DATA_TEST_CASE(the_probe_reads_the_documented_id_or_none, boost::unit_test::data::make(probes), probe) {
  BOOST_TEST(hookline::probe_event_id(probe.platform, probe.body) == probe.id);
}

BOOST_AUTO_TEST_CASE(the_key_is_the_id_when_read_else_the_sha256_of_the_body) {
  BOOST_TEST(hookline::quarantine_key(Platform::vrio, sample_body("vrio/malformed/truncated.json")) == "10001");
  // SHA-256("abc"), FIPS 180-2 appendix B.1.
  BOOST_TEST(hookline::quarantine_key(Platform::vero, "abc") ==
             "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  BOOST_TEST(hookline::quarantine_key(Platform::vrio, "abc") == hookline::quarantine_key(Platform::vero, "abc"));
  BOOST_TEST(hookline::quarantine_key(Platform::vrio, "abd") != hookline::quarantine_key(Platform::vrio, "abc"));
}

BOOST_AUTO_TEST_SUITE_END()
