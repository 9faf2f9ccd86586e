// `hookline bench`: the last line is the median, bad input and unknown schemes fail with the right codes.

#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "run_hookline.hpp"

namespace {

const std::string samples = std::string(HOOKLINE_SAMPLES_DIR) + "/vrio";

using cli_tests::Run;

/// Runs `hookline <arguments>`, capturing both streams.
Run run(const std::string& arguments) { return cli_tests::run_hookline(arguments); }

/// The text after "median_ns_per_event: " on the output's last line, or empty when it is not that line.
std::string last_line_median(const std::string& out) {
  const std::string key = "median_ns_per_event: ";
  if (out.empty() || out.back() != '\n') return {};
  const auto start = out.rfind('\n', out.size() - 2);
  const auto line = out.substr(start == std::string::npos ? 0 : start + 1);
  if (line.rfind(key, 0) != 0) return {};
  return line.substr(key.size(), line.size() - key.size() - 1);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(bench_cli)

BOOST_AUTO_TEST_CASE(prints_a_positive_median_as_its_last_line_for_every_body_scheme) {
  for (const char* scheme : {"standard", "vrio", "ordergroove", "stripe", "github", "shopify", "store_admin"}) {
    BOOST_TEST_CONTEXT("scheme " << scheme) {
      const Run result = run(std::string("bench --rounds 1 --scheme ") + scheme + " '" + samples + "/shipment_scheduled.json'");
      BOOST_TEST(result.exit_code == 0);
      BOOST_TEST(result.err.empty());
      const auto median = last_line_median(result.out);
      BOOST_TEST_REQUIRE(!median.empty());
      BOOST_TEST(median.find_first_not_of("0123456789") == std::string::npos);
      BOOST_TEST(std::stoll(median) > 0);
      BOOST_TEST(result.out.find(std::string("scheme: ") + scheme + "\n") != std::string::npos);
    }
  }
}

BOOST_AUTO_TEST_CASE(parses_with_the_platform_given) {
  const std::string all_samples = std::string(HOOKLINE_SAMPLES_DIR);
  for (const char* platform_and_file : {"ordergroove order.create.json", "vero sent.json", "store_admin order.created.json"}) {
    const std::string text = platform_and_file;
    const auto platform = text.substr(0, text.find(' '));
    const auto file = all_samples + "/" + platform + "/" + text.substr(text.find(' ') + 1);
    BOOST_TEST_CONTEXT("platform " << platform) {
      const Run result = run("bench --rounds 1 --platform " + platform + " '" + file + "'");
      BOOST_TEST(result.exit_code == 0);
      BOOST_TEST(result.out.find("platform: " + platform + "\n") != std::string::npos);
      BOOST_TEST(!last_line_median(result.out).empty());
    }
  }
  // A VRIO body is not an Ordergroove webhook.
  BOOST_TEST(run("bench --rounds 1 --platform ordergroove '" + samples + "/shipment_scheduled.json'").exit_code == 1);
}

BOOST_AUTO_TEST_CASE(a_body_that_does_not_parse_exits_1_naming_the_error) {
  const Run result = run("bench --rounds 1 '" + samples + "/malformed/missing_event_id.json'");
  BOOST_TEST(result.exit_code == 1);
  BOOST_TEST(result.err.find("webhook_event_id: missing") != std::string::npos);
  BOOST_TEST(last_line_median(result.out).empty());
}

BOOST_AUTO_TEST_CASE(an_unknown_scheme_or_platform_or_a_missing_file_exits_2) {
  BOOST_TEST(run("bench --scheme nope '" + samples + "/shipment_scheduled.json'").exit_code == 2);
  BOOST_TEST(run("bench --platform nope '" + samples + "/shipment_scheduled.json'").exit_code == 2);
  BOOST_TEST(run("bench '" + samples + "/no_such_file.json'").exit_code == 2);
  BOOST_TEST(run("bench").exit_code == 2);
}

BOOST_AUTO_TEST_SUITE_END()
