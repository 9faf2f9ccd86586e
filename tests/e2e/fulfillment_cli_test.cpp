// The real hookline-fulfillment binary's command line: usage errors exit 2 with a sentence a person
// can read (a range error says the range), a server that cannot start exits 1 and says why, and
// --config FILE sets every flag but never a secret.
#include <boost/test/unit_test.hpp>

#include <sys/socket.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "fulfillment_deployment.hpp"
#include "fulfillment_events.hpp"
#include "hookline/version.hpp"

using namespace std::chrono_literals;
using fulfillment_test::bound;
using fulfillment_test::call;
using fulfillment_test::ChildServer;
using fulfillment_test::eventually;
using fulfillment_test::file_text;
using fulfillment_test::test_admin_token;

namespace {

const std::vector<std::string> secret_env{"HOOKLINE_SECRET=" + fulfillment_test::deployment_secret};

/// The exit status and everything the binary printed, run with `args` and `env` in `dir`.
std::pair<int, std::string> run(const fulfillment_test::TempDir& dir, const std::vector<std::string>& args,
                                 const std::vector<std::string>& env = secret_env) {
  const auto log = dir.path() / ("run-" + std::to_string(fulfillment_test::line_count(dir.path() / "runs")) + ".log");
  std::ofstream(dir.path() / "runs", std::ios::app) << "\n";
  ChildServer child(args, env, log);
  const auto status = child.wait_exit(bound);
  BOOST_TEST_REQUIRE(status.has_value(), "still running: " << file_text(log));
  return {WIFEXITED(*status) ? WEXITSTATUS(*status) : -1, file_text(log)};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(fulfillment_cli)

BOOST_AUTO_TEST_CASE(usage_errors_exit_2_with_a_readable_sentence) {
  const fulfillment_test::TempDir dir;
  const auto db = (dir.path() / "f.db").string();
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases{
      {{"--no-such-flag"}, "unknown option or config key '--no-such-flag'"},
      {{"--admin-token", "abc"}, "'--admin-token' is a secret"},
      {{"--listen"}, "--listen"},
      {{"--platform-timeout-ms", "0"}, "must be between 1 and 600000 (got 0)"},
      {{"--check-attempts", "1000"}, "must be between 1 and 100 (got 1000)"},
      {{"--reconcile-reads-per-s", "0"}, "must be between 0.01 and 1000"},
      {{"--warehouse-delay-ms", "soon"}, "soon"},
      {{"--check-before-ship", "maybe"}, "maybe"},
      {{"--listen", "nowhere"}, "--listen"},
      {{"--admin-listen", "127.0.0.1:99999"}, "--admin-listen"},
      {{"--trusted-proxy", "10.0.0.0/33"}, "--trusted-proxy 10.0.0.0/33"},
      {{"--tls-cert", "cert.pem"}, "--tls-key"},
      {{"--zone", "Mars/Olympus"}, "--zone"},
      {{"--config", "/nonexistent/hookline.toml"}, "--config: /nonexistent/hookline.toml"},
  };
  for (const auto& [args, said] : cases) {
    std::vector<std::string> with_db{"--db", db};
    with_db.insert(with_db.end(), args.begin(), args.end());
    const auto [status, output] = run(dir, with_db);
    BOOST_TEST(status == 2, args.front() << ": " << output);
    BOOST_TEST(output.find(said) != std::string::npos, args.front() << ": " << output);
    BOOST_TEST(output.find("hookline-fulfillment: ") == 0U, output);
    BOOST_TEST(output.find("e+308") == std::string::npos, output);
    BOOST_TEST(output.find("abc") == std::string::npos, output);
  }
  BOOST_TEST(!std::filesystem::exists(db));
  const auto [help_status, help] = run(dir, {"--help"});
  BOOST_TEST(help_status == 0);
  BOOST_TEST(help.find("--admin-listen") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_postgresql_uri_as_db_is_a_database_never_a_file_path) {
  const fulfillment_test::TempDir dir;
  // A password belongs in the environment, not in the process list: a usage error.
  const auto [refused, refusal] = run(dir, {"--db", "postgresql://hookline:secret@127.0.0.1:1/shop"});
  BOOST_TEST(refused == 2, refusal);
  BOOST_TEST(refusal.find("hookline-fulfillment: --db: the database URI holds a password") == 0U, refusal);
  BOOST_TEST(refusal.find("secret") == std::string::npos, refusal);
  // A database nobody answers for: the server does not start, and says why.
  const auto [status, output] = run(dir, {"--db", "postgresql://hookline@127.0.0.1:1/shop?connect_timeout=2"});
  BOOST_TEST(status == 1, output);
  BOOST_TEST(output.find("hookline-fulfillment: inbox: connecting to the database") == 0U, output);
  BOOST_TEST(!std::filesystem::exists("postgresql:"));
  BOOST_TEST(!std::filesystem::exists(dir.path() / "postgresql:"));
}

BOOST_AUTO_TEST_CASE(version_prints_the_version_the_project_was_built_as) {
  const fulfillment_test::TempDir dir;
  const auto [status, output] = run(dir, {"--version"});
  BOOST_TEST(status == 0);
  BOOST_TEST(output == std::string("hookline-fulfillment ") + hookline::version + "\n");
}

BOOST_AUTO_TEST_CASE(an_admin_token_shorter_than_32_characters_is_refused_at_start) {
  const fulfillment_test::TempDir dir;
  auto env = secret_env;
  env.push_back("HOOKLINE_ADMIN_TOKEN=short-token");
  const auto [status, output] = run(dir, {"--db", (dir.path() / "f.db").string()}, env);
  BOOST_TEST(status == 2);
  BOOST_TEST(output.find("must be at least 32 characters, this one has 11") != std::string::npos, output);
  BOOST_TEST(output.find("short-token") == std::string::npos, output);

  const auto token_file = dir.path() / "admin-token";
  std::ofstream(token_file) << "still-short\n";
  const auto [file_status, file_output] =
      run(dir, {"--db", (dir.path() / "f.db").string(), "--admin-token-file", token_file.string()});
  BOOST_TEST(file_status == 2);
  BOOST_TEST(file_output.find("at least 32 characters") != std::string::npos, file_output);
}

BOOST_AUTO_TEST_CASE(a_port_in_use_exits_1_saying_why) {
  const fulfillment_test::TempDir dir;
  fulfillment_test::Deployment first;
  first.start();
  const auto [status, output] = run(dir, {"--listen", "127.0.0.1:" + std::to_string(first.port), "--admin-listen",
                                          "127.0.0.1:0", "--db", (dir.path() / "f.db").string()});
  BOOST_TEST(status == 1);
  BOOST_TEST(output.find("--listen: cannot listen on 127.0.0.1:" + std::to_string(first.port) + ": Address already in use") !=
                 std::string::npos,
             output);
}

BOOST_AUTO_TEST_CASE(a_config_file_sets_the_flags) {
  const fulfillment_test::TempDir dir;
  const auto config = dir.path() / "hookline.toml";
  std::ofstream(config) << "# the reference server\n"
                        << "listen = \"127.0.0.1:0\"\n"
                        << "admin-listen = \"127.0.0.1:0\"\n"
                        << "db = \"" << (dir.path() / "from-config.db").string() << "\"\n"
                        << "warehouse-delay-ms = 0\n"
                        << "trusted-proxy = [\"127.0.0.1/32\", \"10.0.0.0/8\"]\n";
  auto env = secret_env;
  env.push_back("HOOKLINE_ADMIN_TOKEN=" + test_admin_token);
  ChildServer server({"--config", config.string()}, env, dir.path() / "server.log");
  const int admin_port = server.wait_for_port(bound, 0, "admin_port");
  BOOST_TEST_REQUIRE(admin_port != 0, file_text(dir.path() / "server.log"));
  BOOST_TEST(eventually([&] { return call(admin_port, "GET", "/api/fulfillments").status == 200; }, bound));
  BOOST_TEST(std::filesystem::exists(dir.path() / "from-config.db"));
}

BOOST_AUTO_TEST_CASE(a_config_file_never_holds_a_secret_nor_an_unknown_key) {
  const fulfillment_test::TempDir dir;
  const std::vector<std::pair<std::string, std::string>> cases{
      {"admin-token = \"" + test_admin_token + "\"\n", "'admin-token' is a secret"},
      {"secret = \"whsec-in-a-file\"\n", "'secret' is a secret"},
      {"HOOKLINE_PLATFORM_API_KEY = \"pk_live\"\n", "is a secret"},
      {"colour = \"blue\"\n", "unknown option or config key 'colour'"},
  };
  for (const auto& [line, said] : cases) {
    const auto config = dir.path() / "bad.toml";
    std::ofstream(config) << "db = \"" << (dir.path() / "f.db").string() << "\"\n" << line;
    const auto [status, output] = run(dir, {"--config", config.string()});
    BOOST_TEST(status == 2, line << output);
    BOOST_TEST(output.find(said) != std::string::npos, line << output);
    BOOST_TEST(output.find(test_admin_token) == std::string::npos, output);
    BOOST_TEST(output.find("whsec-in-a-file") == std::string::npos, output);
  }
  BOOST_TEST(!std::filesystem::exists(dir.path() / "f.db"));
}

BOOST_AUTO_TEST_SUITE_END()
