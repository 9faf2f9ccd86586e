// The `hookline` binary's answers to mistakes, as a new user meets them: an unknown command, no
// command, a folder or a missing or unreadable file given to inspect, a plain secret for the
// standard scheme, numbers out of range; usage errors exit 2 with a sentence, never CLI11's codes.

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "hookline/version.hpp"
#include "run_hookline.hpp"

using cli_tests::run_hookline;

namespace {

const std::string samples = HOOKLINE_SAMPLES_DIR;

}  // namespace

BOOST_AUTO_TEST_SUITE(cli_usage)

BOOST_AUTO_TEST_CASE(an_unknown_command_is_named_and_the_commands_listed) {
  const auto run = run_hookline("frobnicate --to x");
  BOOST_TEST(run.exit_code == 2);
  BOOST_TEST(run.err.find("hookline: unknown command frobnicate (the commands: inspect, verify, sign, trigger, simulate, "
                          "replay, bench;") == 0U,
             run.err);
}

BOOST_AUTO_TEST_CASE(version_prints_the_version_the_project_was_built_as) {
  const auto run = run_hookline("--version");
  BOOST_TEST(run.exit_code == 0);
  BOOST_TEST(run.out == std::string("hookline ") + hookline::version + "\n");
}

BOOST_AUTO_TEST_CASE(no_command_lists_the_commands) {
  const auto run = run_hookline("");
  BOOST_TEST(run.exit_code == 2);
  BOOST_TEST(run.err.find("give a command: inspect, verify, sign, trigger, simulate, replay, bench") != std::string::npos,
             run.err);
}

BOOST_AUTO_TEST_CASE(inspect_says_what_is_wrong_with_the_file) {
  const auto folder = run_hookline("inspect '" + samples + "/vrio'");
  BOOST_TEST(folder.exit_code == 1);
  BOOST_TEST(folder.err == "hookline inspect: " + samples + "/vrio is a folder, not a file\n");
  const auto missing = run_hookline("inspect '" + samples + "/vrio/absent.json'");
  BOOST_TEST(missing.exit_code == 1);
  BOOST_TEST(missing.err == "hookline inspect: no file " + samples + "/vrio/absent.json\n");
  // Its own memory file opens but reading at offset 0 fails (nothing is mapped there), whoever runs it.
  const auto unreadable = run_hookline("inspect /proc/self/mem");
  BOOST_TEST(unreadable.exit_code == 1);
  BOOST_TEST(unreadable.err == "hookline inspect: cannot read /proc/self/mem: Input/output error\n");
}

BOOST_AUTO_TEST_CASE(the_standard_scheme_says_it_wants_whsec_base64) {
  ::setenv("HOOKLINE_USAGE_PLAIN_SECRET", "a plain secret", 1);
  const auto run = run_hookline("sign --scheme standard --secret-env HOOKLINE_USAGE_PLAIN_SECRET '" + samples +
                                "/vrio/shipment_scheduled.json'");
  BOOST_TEST(run.exit_code == 2);
  BOOST_TEST(run.err.find("the standard scheme wants each secret as whsec_<base64>") != std::string::npos, run.err);
  BOOST_TEST(run.err.find("a plain secret") == std::string::npos, run.err);
}

BOOST_DATA_TEST_CASE(a_number_out_of_range_says_the_range_and_exits_2,
                     boost::unit_test::data::make({std::string("simulate --db :memory: --drop-rate 2|--drop-rate: must be a number from 0 to 1, not 2"),
                                                   std::string("simulate --db :memory: --batch-interval 0|--batch-interval: must be a number from 1 to 31536000, not 0"),
                                                   std::string("simulate --db :memory: --concurrency 0|--concurrency: must be a number from 1 to 256, not 0"),
                                                   std::string("bench --rounds 0 x|--rounds: must be a number from 1 to 1000, not 0"),
                                                   std::string("trigger vrio shipment_scheduled --to http://127.0.0.1:1/ --timeout 0|--timeout: must be a number from 0.001 to 3600, not 0"),
                                                   std::string("replay x --to http://127.0.0.1:1/ --rate -1|--rate: must be a number from 0 to 1000000, not -1")}),
                     line) {
  const auto bar = line.find('|');
  const auto run = run_hookline(line.substr(0, bar));
  BOOST_TEST(run.exit_code == 2);
  BOOST_TEST(run.err.find(line.substr(bar + 1)) != std::string::npos, run.err);
}

BOOST_DATA_TEST_CASE(every_parse_error_exits_2,
                     boost::unit_test::data::make({std::string("inspect"), std::string("inspect --no-such-flag x"),
                                                   std::string("verify x"), std::string("sign --scheme"),
                                                   std::string("replay"), std::string("simulate --listen"),
                                                   std::string("trigger --no-such-flag"), std::string("bench"),
                                                   std::string("--no-such-flag")}),
                     arguments) {
  const auto run = run_hookline(arguments);
  BOOST_TEST(run.exit_code == 2, arguments);
  BOOST_TEST(!run.err.empty(), arguments);
}

BOOST_AUTO_TEST_SUITE_END()
