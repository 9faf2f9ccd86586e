// `hookline inspect`: exit codes, output on stdout, errors on stderr, --zone, standard input.

#include <boost/test/unit_test.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "printing.hpp"
#include "run_hookline.hpp"

namespace {

const std::string samples = std::string(HOOKLINE_SAMPLES_DIR) + "/vrio";

using cli_tests::Run;

/// Runs `hookline <arguments>`, capturing both streams.
Run run(const std::string& arguments) { return cli_tests::run_hookline(arguments); }

}  // namespace

BOOST_AUTO_TEST_SUITE(vrio_cli)

BOOST_AUTO_TEST_CASE(inspect_prints_the_typed_event_and_exits_0) {
  const Run result = run("inspect '" + samples + "/shipment_cancelled.json'");
  BOOST_TEST(result.exit_code == 0);
  BOOST_TEST(result.err.empty());
  BOOST_TEST(result.out ==
             R"({"platform":"vrio","event":"shipment_cancelled","event_id":"10002","event_date":"2026-03-22T16:00:00Z",)"
             R"("webhook_type":"shipment","webhook_data":{"shipment":{"shipment_id":251606,"customer_id":null,)"
             R"("order_id":null,"shipment_status_id":"Cancelled","date_scheduled":null,"date_cancel":"2026-03-22T16:00:00Z",)"
             R"("shipment_items":null,"customer_address_shipping":null,"shipment_tracking_id":null,"carrier_id":null,)"
             R"("shipment_notes":"Shipment cancelled."}}})"
             "\n");
}

BOOST_AUTO_TEST_CASE(inspect_accepts_every_sample) {
  for (const auto& entry : std::filesystem::directory_iterator(samples)) {
    if (entry.path().extension() != ".json") continue;
    const Run result = run("inspect '" + entry.path().string() + "'");
    BOOST_TEST(result.exit_code == 0, entry.path().filename() << ": " << result.err);
    BOOST_TEST(result.out.find(R"("platform":"vrio")") == 1U);
  }
}

BOOST_AUTO_TEST_CASE(inspect_reads_standard_input_and_applies_the_zone) {
  const Run result = run("inspect --zone America/New_York - <'" + samples + "/shipment_scheduled.json'");
  BOOST_TEST(result.exit_code == 0);
  BOOST_TEST(result.out.find(R"("event_date":"2026-03-22T18:30:00Z")") != std::string::npos);
  BOOST_TEST(result.out.find(R"("date_scheduled":"2026-03-22T18:30:00Z")") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_bad_payload_exits_1_with_the_error_on_stderr) {
  const Run result = run("inspect '" + samples + "/malformed/quantity_wrong_type.json'");
  BOOST_TEST(result.exit_code == 1);
  BOOST_TEST(result.out.empty());
  BOOST_TEST(result.err ==
             "hookline inspect: webhook_data.shipment.shipment_items[0].quantity: expected an integer\n");
}

BOOST_AUTO_TEST_CASE(every_malformed_sample_exits_1) {
  for (const auto& entry : std::filesystem::directory_iterator(samples + "/malformed")) {
    if (entry.path().extension() != ".json") continue;
    const Run result = run("inspect '" + entry.path().string() + "'");
    BOOST_TEST(result.exit_code == 1, entry.path().filename());
    BOOST_TEST(result.out.empty());
    BOOST_TEST(!result.err.empty());
  }
}

BOOST_AUTO_TEST_CASE(a_missing_file_exits_1) {
  const Run result = run("inspect '" + samples + "/no_such_file.json'");
  BOOST_TEST(result.exit_code == 1);
  BOOST_TEST(result.err.find("no file " + samples + "/no_such_file.json") != std::string::npos, result.err);
}

BOOST_AUTO_TEST_CASE(usage_errors_exit_2) {
  BOOST_TEST(run("inspect").exit_code == 2);
  BOOST_TEST(run("inspect --no-such-flag x").exit_code == 2);
  BOOST_TEST(run("inspect --zone Mars/Base '" + samples + "/shipment_scheduled.json'").exit_code == 2);
  BOOST_TEST(run("inspect --platform acme '" + samples + "/shipment_scheduled.json'").exit_code == 2);
}

BOOST_AUTO_TEST_CASE(help_lists_the_flags) {
  const Run result = run("inspect --help");
  BOOST_TEST(result.exit_code == 0);
  BOOST_TEST(result.out.find("--zone") != std::string::npos);
  BOOST_TEST(result.out.find("--platform") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
