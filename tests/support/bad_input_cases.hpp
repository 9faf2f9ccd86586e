#pragma once
// The bad-input cases every platform parser suite runs: inline bodies refused with the exact error
// each must give, every file of samples/<platform>/malformed refused with the error its README
// documents, and a README that lists every such file.

#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <ostream>
#include <set>
#include <string>

#include "parse_test_support.hpp"

namespace platform_tests {

/// A body a parser must refuse, and the exact error ("path: message") it must give.
struct BadInput {
  std::string name;   ///< The case's name in the test log.
  std::string body;   ///< What is parsed.
  std::string error;  ///< ParseError::to_string() of the refusal.
};

inline std::ostream& operator<<(std::ostream& out, const BadInput& input) { return out << input.name; }

/// The files of samples/<platform>/malformed, by name.
inline std::set<std::string> malformed_file_names(std::string_view platform) {
  std::set<std::string> files;
  for (const auto& path : json_files(samples_dir(platform) / "malformed")) files.insert(path.filename().string());
  return files;
}

/// The files samples/<platform>/malformed/README.md lists, by name.
inline std::set<std::string> listed_malformed_file_names(std::string_view platform) {
  std::set<std::string> listed;
  for (const auto& sample : malformed_samples(platform)) listed.insert(sample.file);
  return listed;
}

}  // namespace platform_tests

/// Defines the bad-input cases in the current test suite: `parse(body)` must refuse each
/// platform_tests::BadInput of `table` and each file of samples/`platform`/malformed with its exact error
/// (error_of is empty for a body that parses, so an accepted body fails the case too).
#define HOOKLINE_BAD_INPUT_CASES(platform, parse, table)                                                      \
  BOOST_DATA_TEST_CASE(bad_input_gives_its_exact_error, boost::unit_test::data::make(table), input) {        \
    BOOST_TEST(platform_tests::error_of(parse(input.body)) == input.error);                                  \
  }                                                                                                           \
  BOOST_DATA_TEST_CASE(every_malformed_sample_gives_its_documented_error,                                     \
                       boost::unit_test::data::make(platform_tests::malformed_samples(platform)), sample) {   \
    const auto body = platform_tests::slurp(platform_tests::samples_dir(platform) / "malformed" / sample.file); \
    BOOST_TEST(platform_tests::error_of(parse(body)) == sample.error);                                        \
  }                                                                                                           \
  BOOST_AUTO_TEST_CASE(the_readme_lists_every_malformed_file) {                                               \
    const auto files = platform_tests::malformed_file_names(platform);                                        \
    BOOST_TEST(platform_tests::listed_malformed_file_names(platform) == files, boost::test_tools::per_element()); \
    BOOST_TEST(files.size() >= 10U);                                                                          \
  }
