// `hookline replay` as a user runs it: the built binary sends files, folders and JSON-lines captures
// to a loopback receiver; the summary, the lines of failed payloads, the signatures, -H, --exclude,
// --repeat, --fresh-ids, the progress of long runs and the exit codes.

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "hookline/verify.hpp"
#include "printing.hpp"
#include "run_hookline.hpp"
#include "sender_loopback.hpp"

using hookline::HttpRequest;
using hookline::testing::LoopbackReceiver;
using hookline::testing::respond;

namespace {

namespace fs = std::filesystem;
using cli_tests::Run;
using cli_tests::run_hookline;
using cli_tests::slurp;

std::string vrio_body(int id) {
  return R"({"webhook_type":"shipment","webhook_event":"shipment_scheduled","webhook_event_id":)" + std::to_string(id) +
         R"(,"webhook_event_date":"2026-03-22 14:30:00","webhook_data":{"shipment":{"shipment_id":)" +
         std::to_string(250000 + id) + "}}}";
}

/// A folder of captures: two JSON files in nested folders, a JSON-lines file of three, and a README.
struct Captures {
  fs::path dir;

  Captures() {
    dir = fs::temp_directory_path() / ("hookline_replay_" + std::to_string(::getpid()));
    fs::create_directories(dir / "nested" / "deeper");
    std::ofstream(dir / "a.json") << vrio_body(1);
    std::ofstream(dir / "nested" / "deeper" / "b.json") << vrio_body(2);
    std::ofstream(dir / "nested" / "capture.jsonl") << vrio_body(3) << "\n\n" << vrio_body(4) << "\r\n" << vrio_body(5) << "\n";
    std::ofstream(dir / "README.md") << "not a payload";
  }
  ~Captures() {
    std::error_code ignored;
    fs::remove_all(dir, ignored);
  }
  Captures(const Captures&) = delete;
  Captures& operator=(const Captures&) = delete;

  [[nodiscard]] Run run(const std::string& arguments) const {
    return run_hookline("replay " + arguments, "REPLAY_SECRET='the replay secret'");
  }
};

/// Answers 200 to bodies signed with "the replay secret" (spaces and all) by the vrio scheme, 401 to others.
LoopbackReceiver::Behaviour verifying() {
  return [](const HttpRequest& request) {
    const std::vector<hookline::Secret> keys{hookline::Secret("the replay secret")};
    const auto verifier = hookline::Verifier::create(hookline::Scheme::vrio, keys);
    const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    return verifier->verify(request.body, request.headers, now).has_value() ? respond(200) : respond(401);
  };
}

}  // namespace

BOOST_AUTO_TEST_SUITE(replay)

BOOST_AUTO_TEST_CASE(files_folders_and_json_lines_are_sent_signed_and_summarised) {
  Captures captures;
  LoopbackReceiver receiver(verifying());
  const auto run = captures.run("'" + captures.dir.string() + "' --to " + receiver.url("/webhooks/vrio") +
                                " --scheme vrio --secret-env REPLAY_SECRET --concurrency 3 --repeat 2");
  BOOST_TEST(run.exit_code == 0, run.err);
  BOOST_TEST(run.out.find("sent 10, 2xx 10 (accepted 0, duplicate 0, quarantined 0, no status 10), failed 0\n") !=
                 std::string::npos,
             run.out);
  BOOST_TEST(run.out.find("latency ms: p50 ") != std::string::npos);
  BOOST_TEST(run.err.empty(), run.err);  // no progress lines for a short run
  BOOST_TEST(receiver.received().size() == 10U);
  BOOST_TEST(run.out.find("the replay secret") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_secret_file_signs_like_a_variable) {
  Captures captures;
  LoopbackReceiver receiver(verifying());
  const auto secrets = captures.dir / "secrets.txt";
  std::ofstream(secrets, std::ios::binary) << "the replay secret\r\nan older secret\r\n";
  const auto run = captures.run("'" + (captures.dir / "nested").string() + "' --to " + receiver.url("/webhooks/vrio") +
                                " --scheme vrio --secret-file '" + secrets.string() + "'");
  BOOST_TEST(run.exit_code == 0, run.err);
  BOOST_TEST(run.out.find("sent 4, 2xx 4 (") != std::string::npos, run.out);
  BOOST_TEST(run.out.find("failed 0\n") != std::string::npos, run.out);
}

BOOST_AUTO_TEST_CASE(failures_are_counted_by_status_named_by_file_and_exit_one) {
  Captures captures;
  LoopbackReceiver receiver([](const HttpRequest& request) {
    return request.body.find("\"webhook_event_id\":2,") != std::string::npos
               ? respond(500, "{\"error\":{\"code\":\"boom\",\"message\":\"the store is down\"}}\n")
               : respond(200);
  });
  const auto run = captures.run("'" + captures.dir.string() + "' --to " + receiver.url() + " --repeat 3");
  BOOST_TEST(run.exit_code == 1);
  BOOST_TEST(run.out.find(", failed 3\n") != std::string::npos, run.out);
  BOOST_TEST(run.out.find("failures: HTTP 500 x3\n") != std::string::npos, run.out);
  // One line for the file that failed, with its status, the answer's first bytes and its count.
  const auto b_json = (captures.dir / "nested" / "deeper" / "b.json").string();
  BOOST_TEST(run.out.find("failed " + b_json +
                          R"(: HTTP 500 {"error":{"code":"boom","message":"the store is down"}} (3 of its sends))" "\n") !=
                 std::string::npos,
             run.out);
  BOOST_TEST(run.out.find("failed " + (captures.dir / "a.json").string()) == std::string::npos, run.out);
}

BOOST_AUTO_TEST_CASE(accepted_duplicate_and_quarantined_answers_are_counted_apart) {
  Captures captures;
  LoopbackReceiver receiver([](const HttpRequest& request) {
    if (request.body.find("\"webhook_event_id\":1,") != std::string::npos) return respond(200, R"({"status":"duplicate"})");
    if (request.body.find("\"webhook_event_id\":2,") != std::string::npos) return respond(202, R"({"status":"quarantined"})");
    return respond(200, R"({"status":"accepted"})");
  });
  const auto run = captures.run("'" + captures.dir.string() + "' --to " + receiver.url());
  BOOST_TEST(run.exit_code == 0, run.out + run.err);
  BOOST_TEST(run.out.find("sent 5, 2xx 5 (accepted 3, duplicate 1, quarantined 1), failed 0\n") != std::string::npos, run.out);
}

BOOST_AUTO_TEST_CASE(headers_given_with_H_are_sent_with_every_payload) {
  Captures captures;
  LoopbackReceiver receiver;
  const auto run = captures.run("'" + (captures.dir / "a.json").string() + "' --to " + receiver.url() +
                                " -H 'X-GitHub-Event: push' -H 'X-Trace:  seven '");
  BOOST_TEST(run.exit_code == 0, run.out + run.err);
  const auto received = receiver.received();
  BOOST_REQUIRE_EQUAL(received.size(), 1U);
  BOOST_TEST(received[0].headers.get("X-GitHub-Event") == std::optional<std::string_view>("push"));
  BOOST_TEST(received[0].headers.get("X-Trace") == std::optional<std::string_view>("seven"));
}

BOOST_AUTO_TEST_CASE(exclude_skips_folders_and_names_that_match) {
  Captures captures;
  LoopbackReceiver receiver;
  // "deeper" is a folder on the path of b.json; '*.jsonl' the name of the capture.
  const auto run = captures.run("'" + captures.dir.string() + "' --to " + receiver.url() + " --exclude deeper --exclude '*.jsonl'");
  BOOST_TEST(run.exit_code == 0, run.out + run.err);
  BOOST_TEST(run.out.find("sent 1, 2xx 1 (") != std::string::npos, run.out);
  const auto path = captures.run("'" + captures.dir.string() + "' --to " + receiver.url() + " --exclude 'nested/*'");
  BOOST_TEST(path.out.find("sent 1, 2xx 1 (") != std::string::npos, path.out);
}

BOOST_AUTO_TEST_CASE(a_long_run_reports_its_progress_on_stderr_at_every_tenth) {
  Captures captures;
  LoopbackReceiver receiver;
  const auto run = captures.run("'" + captures.dir.string() + "' --to " + receiver.url() + " --repeat 20");
  BOOST_TEST(run.exit_code == 0, run.out + run.err);
  BOOST_TEST(run.out.find("sent 100, 2xx 100 (") != std::string::npos, run.out);
  for (int tenth = 1; tenth <= 9; ++tenth) {
    BOOST_TEST(run.err.find("progress: sent " + std::to_string(tenth * 10) + "/100, 2xx ") != std::string::npos, run.err);
  }
  BOOST_TEST(run.err.find("/100, 2xx ") != std::string::npos);
  BOOST_TEST(run.err.find("progress: sent 100/100") == std::string::npos, run.err);
}

BOOST_AUTO_TEST_CASE(an_unsigned_replay_is_refused_by_a_verifying_receiver) {
  Captures captures;
  LoopbackReceiver receiver(verifying());
  const auto run = captures.run("'" + (captures.dir / "a.json").string() + "' --to " + receiver.url());
  BOOST_TEST(run.exit_code == 1);
  BOOST_TEST(run.out.find("failures: HTTP 401 x1\n") != std::string::npos, run.out);
}

BOOST_AUTO_TEST_CASE(a_refused_connection_is_a_failure) {
  Captures captures;
  std::string url;
  {
    LoopbackReceiver gone;
    url = gone.url();
  }
  const auto run = captures.run("'" + (captures.dir / "a.json").string() + "' --to " + url);
  BOOST_TEST(run.exit_code == 1);
  const auto endpoint = url.substr(7, url.find('/', 7) - 7);
  BOOST_TEST(run.out.find("failures: connection refused to " + endpoint + " x1\n") != std::string::npos, run.out);
  BOOST_TEST(run.out.find("failed " + (captures.dir / "a.json").string() + ": no answer: connection refused to " + endpoint) !=
                 std::string::npos,
             run.out);
}

BOOST_AUTO_TEST_CASE(an_https_url_against_a_plain_http_server_says_the_tls_handshake_failed) {
  Captures captures;
  LoopbackReceiver receiver;
  auto url = receiver.url();
  url.replace(0, 4, "https");
  const auto run = captures.run("'" + (captures.dir / "a.json").string() + "' --to " + url);
  BOOST_TEST(run.exit_code == 1);
  BOOST_TEST(run.out.find("failures: the TLS handshake with " + url.substr(8, url.find('/', 8) - 8) + " failed") !=
                 std::string::npos,
             run.out);
  BOOST_TEST(receiver.received().empty());
}

BOOST_AUTO_TEST_CASE(fresh_ids_make_every_repeat_a_new_event) {
  Captures captures;
  LoopbackReceiver receiver(verifying());
  const auto run = captures.run("'" + captures.dir.string() + "' --to " + receiver.url() +
                                " --scheme vrio --secret-env REPLAY_SECRET --repeat 3 --fresh-ids --rate 200");
  BOOST_TEST(run.exit_code == 0, run.out + run.err);
  std::set<std::string> ids;
  for (const auto& received : receiver.received()) {
    const auto at = received.body.find("\"webhook_event_id\":");
    BOOST_REQUIRE(at != std::string::npos);
    ids.insert(received.body.substr(at, received.body.find(',', at) - at));
  }
  BOOST_TEST(ids.size() == 15U);
  BOOST_TEST(ids.count(R"("webhook_event_id":"1-r0")") == 1U);
}

BOOST_DATA_TEST_CASE(bad_usage_exits_two,
                     boost::unit_test::data::make({std::string("DIR --to http://127.0.0.1:1/ --scheme vrio"),
                                                   std::string("DIR --to http://127.0.0.1:1/ --secret-env REPLAY_SECRET"),
                                                   std::string("DIR --to ftp://127.0.0.1/"),
                                                   std::string("DIR/missing.json --to http://127.0.0.1:1/"),
                                                   std::string("DIR --to http://127.0.0.1:1/ --scheme nope --secret-env REPLAY_SECRET"),
                                                   std::string("DIR --to http://127.0.0.1:1/ --scheme vrio --secret-env UNSET_VARIABLE_X"),
                                                   std::string("DIR --to http://127.0.0.1:1/ --scheme vrio --secret-file DIR/absent"),
                                                   std::string("DIR --to http://127.0.0.1:1/ --concurrency 0"),
                                                   std::string("DIR --to http://127.0.0.1:1/ --repeat -1"),
                                                   std::string("DIR --to http://127.0.0.1:1/ -H NoColon"),
                                                   std::string("DIR")}),
                     arguments) {
  Captures captures;
  auto line = arguments;
  for (auto at = line.find("DIR"); at != std::string::npos; at = line.find("DIR")) line.replace(at, 3, captures.dir.string());
  const auto run = captures.run(line);
  BOOST_TEST(run.exit_code == 2, run.err);
  BOOST_TEST(!run.err.empty());
}

BOOST_AUTO_TEST_CASE(a_number_out_of_range_says_the_range) {
  Captures captures;
  const auto run = captures.run("'" + captures.dir.string() + "' --to http://127.0.0.1:1/ --concurrency 0");
  BOOST_TEST(run.exit_code == 2);
  BOOST_TEST(run.err.find("--concurrency: must be a number from 1 to 1024, not 0") != std::string::npos, run.err);
}

BOOST_AUTO_TEST_SUITE_END()
