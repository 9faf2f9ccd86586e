// `hookline sign` and `hookline verify` as a user runs them: the built binary, secrets in the environment
// or a file, exit codes 0 (valid), 1 (invalid, reason on stderr) and 2 (usage).

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "hookline/verify.hpp"
#include "printing.hpp"
#include "run_hookline.hpp"

namespace {

namespace fs = std::filesystem;
using cli_tests::Run;
using cli_tests::run_hookline;
using cli_tests::slurp;

/// A scratch directory with a body file, removed afterwards.
struct Scratch {
  fs::path dir;
  fs::path body;

  Scratch() {
    dir = fs::temp_directory_path() / ("hookline_verify_cli_" + std::to_string(::getpid()));
    fs::create_directories(dir);
    body = dir / "body.json";
    std::ofstream(body, std::ios::binary) << R"({"webhook_event":"shipment_scheduled","webhook_event_id":"4806"})";
  }
  ~Scratch() {
    std::error_code ignored;
    fs::remove_all(dir, ignored);
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;

};

/// "Name: value" lines as repeated -H arguments, each single-quoted for the shell.
std::string as_header_flags(const std::string& lines) {
  std::string flags;
  std::istringstream in(lines);
  for (std::string line; std::getline(in, line);) flags += " -H '" + line + "'";
  return flags;
}

const std::vector<hookline::Scheme> every_scheme(hookline::all_schemes().begin(), hookline::all_schemes().end());

std::string secret_for(hookline::Scheme scheme) {
  return scheme == hookline::Scheme::standard ? "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" : "cli-secret-value";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(verify_cli)

BOOST_DATA_TEST_CASE(sign_output_verifies, boost::unit_test::data::make(every_scheme), scheme) {
  const Scratch scratch;
  ::setenv("HOOKLINE_TEST_SECRET", secret_for(scheme).c_str(), 1);
  const std::string name(hookline::to_string(scheme));
  const auto signed_run = run_hookline("sign --scheme " + name +
                                      " --secret-env HOOKLINE_TEST_SECRET --id msg_cli --timestamp 1700000000 '" +
                                      scratch.body.string() + "'");
  BOOST_TEST_REQUIRE(signed_run.exit_code == 0, signed_run.err);
  BOOST_TEST(!signed_run.out.empty());

  const auto flags = as_header_flags(signed_run.out);
  const auto valid = run_hookline("verify --scheme " + name + " --secret-env HOOKLINE_TEST_SECRET --now 1700000100" +
                                 flags + " '" + scratch.body.string() + "'");
  BOOST_TEST(valid.exit_code == 0, valid.err);
  BOOST_TEST(valid.out == "valid\n");

  // The same headers from standard input.
  const auto piped = run_hookline("verify --scheme " + name + " --secret-env HOOKLINE_TEST_SECRET --now 1700000100" +
                                 flags + " - <'" + scratch.body.string() + "'");
  BOOST_TEST(piped.exit_code == 0, piped.err);

  if (scheme != hookline::Scheme::store_admin) {
    std::ofstream(scratch.dir / "tampered.json", std::ios::binary) << R"({"webhook_event":"shipment_cancelled"})";
    const auto tampered = run_hookline("verify --scheme " + name + " --secret-env HOOKLINE_TEST_SECRET --now 1700000100" +
                                      flags + " '" + (scratch.dir / "tampered.json").string() + "'");
    BOOST_TEST(tampered.exit_code == 1);
    BOOST_TEST(tampered.out.empty());
    BOOST_TEST(tampered.err.find("no signature matches") != std::string::npos, tampered.err);
    BOOST_TEST(tampered.err.find(secret_for(scheme)) == std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(stale_timestamp_and_missing_header_exit_1) {
  const Scratch scratch;
  ::setenv("HOOKLINE_TEST_SECRET", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", 1);
  const auto signed_run = run_hookline("sign --scheme standard --secret-env HOOKLINE_TEST_SECRET --timestamp 1700000000 '" +
                                      scratch.body.string() + "'");
  BOOST_TEST_REQUIRE(signed_run.exit_code == 0);
  const auto flags = as_header_flags(signed_run.out);
  BOOST_TEST(signed_run.out.find("webhook-id: msg_") == 0u);

  const auto stale = run_hookline("verify --scheme standard --secret-env HOOKLINE_TEST_SECRET --now 1700000301" + flags +
                                 " '" + scratch.body.string() + "'");
  BOOST_TEST(stale.exit_code == 1);
  BOOST_TEST(stale.err.find("too old") != std::string::npos, stale.err);

  const auto missing = run_hookline("verify --scheme standard --secret-env HOOKLINE_TEST_SECRET --now 1700000000 '" +
                                   scratch.body.string() + "'");
  BOOST_TEST(missing.exit_code == 1);
  BOOST_TEST(missing.err.find("missing") != std::string::npos, missing.err);
}

BOOST_AUTO_TEST_CASE(rotation_from_a_secret_file) {
  const Scratch scratch;
  std::ofstream(scratch.dir / "secrets", std::ios::binary) << "old-secret-1\nnew-secret-2\n";
  ::setenv("HOOKLINE_TEST_SECRET", "new-secret-2", 1);
  const auto signed_run =
      run_hookline("sign --scheme vrio --secret-env HOOKLINE_TEST_SECRET '" + scratch.body.string() + "'");
  BOOST_TEST_REQUIRE(signed_run.exit_code == 0);
  const auto valid = run_hookline("verify --scheme vrio --secret-file '" + (scratch.dir / "secrets").string() + "'" +
                                 as_header_flags(signed_run.out) + " '" + scratch.body.string() + "'");
  BOOST_TEST(valid.exit_code == 0, valid.err);
}

// GitHub's documented test values, from "Validating webhook deliveries"
// (https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries): a secret with spaces.
constexpr std::string_view github_secret = "It's a Secret to Everybody";
constexpr std::string_view github_payload = "Hello, World!";
const std::string github_signature =
    " -H 'X-Hub-Signature-256: sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17'";

/// The scratch directory's file `name` holding `content`, as a quoted shell argument.
std::string write_file(const Scratch& scratch, const std::string& name, std::string_view content) {
  std::ofstream(scratch.dir / name, std::ios::binary) << content;
  return " '" + (scratch.dir / name).string() + "'";
}

BOOST_AUTO_TEST_CASE(a_secret_with_spaces_verifies_from_a_whole_environment_variable) {
  const Scratch scratch;
  const auto payload = write_file(scratch, "hello.txt", github_payload);
  ::setenv("HOOKLINE_TEST_SECRET", std::string(github_secret).c_str(), 1);
  const auto valid = run_hookline("verify --scheme github --secret-env HOOKLINE_TEST_SECRET" + github_signature + payload);
  BOOST_TEST(valid.exit_code == 0, valid.err);
  BOOST_TEST(valid.out == "valid\n");
  const auto signed_run = run_hookline("sign --scheme github --secret-env HOOKLINE_TEST_SECRET" + payload);
  BOOST_TEST(signed_run.out ==
             "X-Hub-Signature-256: sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17\n");
  // One word of it is not the secret: nothing is split off.
  ::setenv("HOOKLINE_TEST_SECRET", "It's", 1);
  BOOST_TEST(run_hookline("verify --scheme github --secret-env HOOKLINE_TEST_SECRET" + github_signature + payload).exit_code == 1);
}

BOOST_AUTO_TEST_CASE(a_secret_with_spaces_verifies_from_a_secret_file_with_crlf_lines) {
  const Scratch scratch;
  const auto payload = write_file(scratch, "hello.txt", github_payload);
  const auto file = write_file(scratch, "secrets", "\r\nanother secret\r\n\r\nIt's a Secret to Everybody\r\n");
  const auto valid = run_hookline("verify --scheme github --secret-file" + file + github_signature + payload);
  BOOST_TEST(valid.exit_code == 0, valid.err);
  const auto trailing_space = write_file(scratch, "spaced", "It's a Secret to Everybody \n");
  BOOST_TEST(run_hookline("verify --scheme github --secret-file" + trailing_space + github_signature + payload).exit_code == 1);
}

BOOST_AUTO_TEST_CASE(rotation_with_two_variables_verifies_either_and_signs_with_the_first) {
  const Scratch scratch;
  const auto payload = write_file(scratch, "hello.txt", github_payload);
  ::setenv("HOOKLINE_TEST_SECRET", "the new secret, with spaces", 1);
  ::setenv("HOOKLINE_TEST_PREVIOUS", std::string(github_secret).c_str(), 1);
  const std::string both = " --secret-env HOOKLINE_TEST_SECRET --secret-env HOOKLINE_TEST_PREVIOUS";
  const auto old_signature = run_hookline("verify --scheme github" + both + github_signature + payload);
  BOOST_TEST(old_signature.exit_code == 0, old_signature.err);
  const auto signed_run = run_hookline("sign --scheme github" + both + payload);
  BOOST_TEST_REQUIRE(signed_run.exit_code == 0);
  const auto new_signature = as_header_flags(signed_run.out);
  BOOST_TEST(new_signature != github_signature);
  BOOST_TEST(run_hookline("verify --scheme github --secret-env HOOKLINE_TEST_SECRET" + new_signature + payload).exit_code == 0);
  BOOST_TEST(run_hookline("verify --scheme github --secret-env HOOKLINE_TEST_SECRET" + github_signature + payload).exit_code == 1);
}

BOOST_AUTO_TEST_CASE(usage_errors_exit_2) {
  const Scratch scratch;
  const std::string body = " '" + scratch.body.string() + "'";
  const std::string header = " -H 'X-Webhook-Signature: 00'";
  ::unsetenv("HOOKLINE_TEST_UNSET");
  ::setenv("HOOKLINE_TEST_BLANK", "", 1);
  ::setenv("HOOKLINE_TEST_SECRET", "whsec_not base64", 1);

  const std::vector<std::pair<std::string, std::string>> cases{
      {"verify --scheme vrio --secret-env HOOKLINE_TEST_UNSET" + header + body, "not set"},
      {"verify --scheme vrio --secret-env HOOKLINE_TEST_BLANK" + header + body, "HOOKLINE_TEST_BLANK is empty"},
      {"verify --scheme vrio" + header + body, "give --secret-env VAR or --secret-file FILE"},
      {"verify --scheme vrio --secret-file" + write_file(scratch, "empty", "\n\r\n") + header + body, "holds no secret"},
      {"verify --scheme nope --secret-env HOOKLINE_TEST_SECRET" + header + body, "unknown scheme"},
      {"verify --scheme vrio --secret-env HOOKLINE_TEST_SECRET -H 'no colon'" + body, "Name: value"},
      {"verify --scheme vrio --secret-env HOOKLINE_TEST_SECRET" + header + " '" + (scratch.dir / "absent").string() + "'",
       "no file " + (scratch.dir / "absent").string()},
      {"verify --scheme vrio --secret-file '" + (scratch.dir / "absent").string() + "'" + header + body, "cannot read"},
      {"verify --scheme standard --secret-env HOOKLINE_TEST_SECRET" + header + body, "secret"},
      {"sign --scheme standard --secret-env HOOKLINE_TEST_SECRET" + body, "secret"},
      {"verify --scheme vrio --secret-env HOOKLINE_TEST_SECRET --now soon" + header + body, ""},
      {"verify --secret-env HOOKLINE_TEST_SECRET" + header + body, ""},
  };
  for (const auto& [arguments, message] : cases) {
    const auto run = run_hookline(arguments);
    BOOST_TEST(run.exit_code == 2, arguments);
    BOOST_TEST(run.err.find(message) != std::string::npos, arguments << " -> " << run.err);
    BOOST_TEST(run.err.find("not base64") == std::string::npos, run.err);
  }
}

BOOST_AUTO_TEST_SUITE_END()
