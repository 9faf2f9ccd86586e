// The real hookline-fulfillment binary and its files and secrets: databases created mode 0600 under
// a permissive umask, a second server on the same database refused with a message naming the first,
// which may start again once the first is gone, and webhook secrets with spaces loaded whole from
// HOOKLINE_SECRET, HOOKLINE_SECRET_PREVIOUS or --secret-file.
#include <boost/test/unit_test.hpp>

#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "fulfillment_events.hpp"
#include "fulfillment_platform.hpp"
#include "fulfillment_process.hpp"

using namespace std::chrono_literals;
using fulfillment_test::ChildServer;
using fulfillment_test::now_seconds;
using fulfillment_test::scheduled;
using fulfillment_test::send_webhook;

namespace {

constexpr auto bound = 20s;  // a correctness bound for a stuck server, not a timing target
// GitHub's example secret from "Validating webhook deliveries"
// (https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries): it has spaces.
const std::string spaced_secret = "It's a Secret to Everybody";
const std::string previous_secret = "the secret being retired";

/// A server on `dir`/fulfillment.db with `env` and `extra` arguments.
std::unique_ptr<ChildServer> start_server(const fulfillment_test::TempDir& dir, const std::vector<std::string>& env,
                                          const std::vector<std::string>& extra = {}) {
  std::vector<std::string> args{"--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0", "--db",
                                (dir.path() / "fulfillment.db").string(), "--warehouse-delay-ms", "0"};
  args.insert(args.end(), extra.begin(), extra.end());
  return std::make_unique<ChildServer>(args, env, dir.path() / "server.log");
}

std::string today() { return fulfillment_test::vrio_date(now_seconds()); }

}  // namespace

BOOST_AUTO_TEST_SUITE(fulfillment_files)

BOOST_AUTO_TEST_CASE(its_databases_are_0600_even_under_umask_000) {
  const fulfillment_test::TempDir dir;
  const mode_t previous = ::umask(0);
  auto server = start_server(dir, {"HOOKLINE_SECRET=" + spaced_secret});
  ::umask(previous);
  const int port = server->wait_for_port(bound);
  BOOST_TEST_REQUIRE(port != 0, fulfillment_test::file_text(dir.path() / "server.log"));
  BOOST_TEST(send_webhook(port, scheduled("f-1", today(), 9101, today()), spaced_secret) == 200);
  for (const char* name : {"fulfillment.db", "fulfillment.db-wal", "fulfillment.db-shm", "fulfillment.db.lock",
                           "fulfillment.inbox.db", "fulfillment.inbox.db-wal", "fulfillment.inbox.db-shm",
                           "fulfillment.inbox.db.lock"}) {
    struct stat status {};
    BOOST_TEST_REQUIRE(::stat((dir.path() / name).c_str(), &status) == 0, name);
    BOOST_TEST((status.st_mode & 0777) == 0600U, name);
  }
}

BOOST_AUTO_TEST_CASE(a_second_server_on_the_same_database_refuses_to_start_until_the_first_is_gone) {
  const fulfillment_test::TempDir dir;
  auto first = start_server(dir, {"HOOKLINE_SECRET=" + spaced_secret});
  BOOST_TEST_REQUIRE(first->wait_for_port(bound) != 0, fulfillment_test::file_text(dir.path() / "server.log"));

  const auto second_log = dir.path() / "second.log";
  ChildServer second({"--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0", "--db",
                      (dir.path() / "fulfillment.db").string()},
                     {"HOOKLINE_SECRET=" + spaced_secret}, second_log);
  const auto status = second.wait_exit(bound);
  BOOST_TEST_REQUIRE(status.has_value());
  BOOST_TEST(WEXITSTATUS(*status) == 1);
  const auto said = fulfillment_test::file_text(second_log);
  BOOST_TEST(said.find("is in use by another process (pid " + std::to_string(first->pid()) + ")") != std::string::npos,
             said);

  first->signal(SIGTERM);
  BOOST_TEST_REQUIRE(first->wait_exit(bound).has_value());
  const auto skip = fulfillment_test::line_count(dir.path() / "server.log");
  auto third = start_server(dir, {"HOOKLINE_SECRET=" + spaced_secret});
  BOOST_TEST(third->wait_for_port(bound, skip) != 0, fulfillment_test::file_text(dir.path() / "server.log"));
}

BOOST_AUTO_TEST_CASE(secrets_with_spaces_load_whole_from_the_variables_and_a_secret_file) {
  const fulfillment_test::TempDir dir;
  {
    auto server = start_server(dir, {"HOOKLINE_SECRET=" + spaced_secret, "HOOKLINE_SECRET_PREVIOUS=" + previous_secret});
    const int port = server->wait_for_port(bound);
    BOOST_TEST_REQUIRE(port != 0, fulfillment_test::file_text(dir.path() / "server.log"));
    BOOST_TEST(send_webhook(port, scheduled("s-1", today(), 9201, today()), spaced_secret) == 200);
    BOOST_TEST(send_webhook(port, scheduled("s-2", today(), 9202, today()), previous_secret) == 200);
    BOOST_TEST(send_webhook(port, scheduled("s-3", today(), 9203, today()), "It's") == 401);
    server->signal(SIGTERM);
    BOOST_TEST_REQUIRE(server->wait_exit(bound).has_value());
  }
  const auto secrets = dir.path() / "webhook-secrets";
  std::ofstream(secrets, std::ios::binary) << spaced_secret << "\r\n" << previous_secret << "\r\n";
  const auto skip = fulfillment_test::line_count(dir.path() / "server.log");
  auto server = start_server(dir, {}, {"--secret-file", secrets.string()});
  const int port = server->wait_for_port(bound, skip);
  BOOST_TEST_REQUIRE(port != 0, fulfillment_test::file_text(dir.path() / "server.log"));
  BOOST_TEST(send_webhook(port, scheduled("s-4", today(), 9204, today()), spaced_secret) == 200);
  BOOST_TEST(send_webhook(port, scheduled("s-5", today(), 9205, today()), previous_secret) == 200);
  const auto log = fulfillment_test::file_text(dir.path() / "server.log");
  BOOST_TEST(log.find(spaced_secret) == std::string::npos);
  BOOST_TEST(log.find(previous_secret) == std::string::npos);
}

BOOST_AUTO_TEST_CASE(an_empty_or_unreadable_secret_source_is_a_usage_error) {
  const fulfillment_test::TempDir dir;
  const auto log = dir.path() / "usage.log";
  const std::vector<std::pair<std::vector<std::string>, std::vector<std::string>>> cases{
      {{"HOOKLINE_SECRET="}, {}},
      {{}, {"--secret-file", (dir.path() / "absent").string()}},
  };
  for (const auto& [env, extra] : cases) {
    std::vector<std::string> args{"--db", (dir.path() / "f.db").string()};
    args.insert(args.end(), extra.begin(), extra.end());
    ChildServer child(args, env, log);
    const auto status = child.wait_exit(bound);
    BOOST_TEST_REQUIRE(status.has_value());
    BOOST_TEST(WEXITSTATUS(*status) == 2);
  }
  const auto said = fulfillment_test::file_text(log);
  BOOST_TEST(said.find("HOOKLINE_SECRET is empty") != std::string::npos, said);
  BOOST_TEST(said.find("cannot read the secret file") != std::string::npos, said);
  BOOST_TEST(!std::filesystem::exists(dir.path() / "f.db"));
}

BOOST_AUTO_TEST_SUITE_END()
