// `hookline inspect` on every platform: it detects the platform by itself (exit 0 on every
// sample, 1 on every malformed one), `--platform` forces one, and usage errors exit 2.

#include <boost/test/unit_test.hpp>

#include <string>

#include "parse_test_support.hpp"
#include "printing.hpp"

using platform_tests::json_files;
using platform_tests::Run;
using platform_tests::run_hookline;
using platform_tests::samples_dir;

namespace {

std::string quoted(const std::filesystem::path& path) { return "'" + path.string() + "'"; }

}  // namespace

BOOST_AUTO_TEST_SUITE(parse_cli)

BOOST_AUTO_TEST_CASE(inspect_detects_every_platform_on_every_sample_and_documented_example) {
  for (const std::string platform : {"ordergroove", "vero", "store_admin", "vrio"}) {
    auto files = json_files(samples_dir(platform));
    if (std::filesystem::exists(samples_dir(platform) / "docs")) {
      for (auto& path : json_files(samples_dir(platform) / "docs")) files.push_back(std::move(path));
    }
    for (const auto& path : files) {
      const Run result = run_hookline("inspect " + quoted(path));
      BOOST_TEST(result.exit_code == 0, path.filename() << ": " << result.err);
      BOOST_TEST(result.err.empty());
      BOOST_TEST(result.out.find(R"({"platform":")" + platform + "\"") == 0U, path.filename());
      BOOST_TEST(result.out.find('\n') == result.out.size() - 1, "one line: " << path.filename());
    }
  }
}

BOOST_AUTO_TEST_CASE(inspect_prints_the_typed_event) {
  const Run vero = run_hookline("inspect " + quoted(samples_dir("vero") / "user_updated.json"));
  BOOST_TEST(vero.exit_code == 0);
  BOOST_TEST(vero.out.find(R"("event":"user_updated")") != std::string::npos);
  BOOST_TEST(vero.out.find(R"("changes":{"_tags":{"add":["active-customer"],"remove":["unactive-180-days"]}})") !=
             std::string::npos);

  const Run store = run_hookline("inspect " + quoted(samples_dir("store_admin") / "shipping.delivered.json"));
  BOOST_TEST(store.exit_code == 0);
  BOOST_TEST(store.out.find(R"("event_date":"2026-03-25T17:42:00Z","resource":"shipping")") != std::string::npos);

  const Run ordergroove = run_hookline("inspect - <" + quoted(samples_dir("ordergroove") / "item.sku_swap.json"));
  BOOST_TEST(ordergroove.exit_code == 0);
  BOOST_TEST(ordergroove.out.find(R"("event":"item.sku_swap")") != std::string::npos);
  BOOST_TEST(ordergroove.out.find(R"("product":"SKU-COFFEE-500G")") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(every_malformed_sample_exits_1_with_its_documented_error) {
  for (const std::string platform : {"ordergroove", "vero", "store_admin", "vrio"}) {
    for (const auto& sample : platform_tests::malformed_samples(platform)) {
      if (sample.error.find("\u2026") != std::string::npos) continue;  // an abbreviated error, checked by its own suite
      const auto path = samples_dir(platform) / "malformed" / sample.file;
      const Run forced = run_hookline("inspect --platform " + platform + " " + quoted(path));
      BOOST_TEST(forced.exit_code == 1, sample.file);
      BOOST_TEST(forced.out.empty());
      BOOST_TEST(forced.err == "hookline inspect: " + sample.error + "\n", sample.file);
      // Detected by itself, it gets the same error, or "unknown platform" when too little of the
      // platform's fields is left to tell: never another platform's verdict.
      const Run detected = run_hookline("inspect " + quoted(path));
      BOOST_TEST(detected.exit_code == 1, sample.file);
      BOOST_TEST((detected.err == forced.err || detected.err.rfind("hookline inspect: unknown platform: ", 0) == 0U),
                 sample.file << ": " << detected.err);
    }
  }
}

BOOST_AUTO_TEST_CASE(platform_forces_the_parser) {
  const auto store_sample = samples_dir("store_admin") / "order.created.json";
  const Run forced = run_hookline("inspect --platform vero " + quoted(store_sample));
  BOOST_TEST(forced.exit_code == 1);
  BOOST_TEST(forced.err == "hookline inspect: type: missing\n");
  const Run right = run_hookline("inspect --platform store_admin " + quoted(store_sample));
  BOOST_TEST(right.exit_code == 0);
  BOOST_TEST(right.out.find(R"({"platform":"store_admin")") == 0U);
  const Run vero = run_hookline("inspect --platform vero " + quoted(samples_dir("vero") / "sent.json"));
  BOOST_TEST(vero.exit_code == 0);
}

BOOST_AUTO_TEST_CASE(a_body_of_no_known_platform_exits_1) {
  const auto path = std::filesystem::temp_directory_path() / ("hookline_platforms_unknown_" + std::to_string(::getpid()) + ".json");
  std::ofstream(path) << R"({"hello":"world"})";
  const Run result = run_hookline("inspect " + quoted(path));
  std::filesystem::remove(path);
  BOOST_TEST(result.exit_code == 1);
  BOOST_TEST(result.out.empty());
  BOOST_TEST(result.err.rfind("hookline inspect: unknown platform: the body does not carry enough of any known platform's fields", 0) == 0U,
             result.err);
}

BOOST_AUTO_TEST_CASE(a_stripe_event_is_not_taken_for_ordergroove) {
  const auto path = std::filesystem::temp_directory_path() / ("hookline_platforms_stripe_" + std::to_string(::getpid()) + ".json");
  std::ofstream(path) << R"({"id":"evt_1","object":"event","type":"invoice.paid","created":1686089970,"data":{"object":{"id":"in_1"}}})";
  const Run result = run_hookline("inspect " + quoted(path));
  std::filesystem::remove(path);
  BOOST_TEST(result.exit_code == 1);
  BOOST_TEST(result.err.rfind("hookline inspect: unknown platform: this is a Stripe event", 0) == 0U, result.err);
}

BOOST_AUTO_TEST_CASE(usage_errors_exit_2) {
  BOOST_TEST(run_hookline("inspect --platform shopify " + quoted(samples_dir("vero") / "sent.json")).exit_code == 2);
  BOOST_TEST(run_hookline("inspect --platform").exit_code == 2);
}

BOOST_AUTO_TEST_CASE(help_names_every_platform) {
  const Run result = run_hookline("inspect --help");
  BOOST_TEST(result.exit_code == 0);
  for (const char* platform : {"ordergroove", "vero", "store_admin", "vrio"}) {
    BOOST_TEST(result.out.find(platform) != std::string::npos, platform);
  }
}

BOOST_AUTO_TEST_SUITE_END()
