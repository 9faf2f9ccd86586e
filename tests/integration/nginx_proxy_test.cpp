// deploy/nginx/hookline.conf in front of a hookline receiver: Debian's nginx started on 127.0.0.1
// with a throwaway certificate made by the openssl CLI, the receiver trusting it for
// X-Forwarded-For. Signed VRIO deliveries and Vero deliveries from an allow-listed address pass
// through TLS; a spoofed X-Forwarded-For is replaced by nginx and fools no allow-list (nor does it
// without nginx); only the webhook paths reach the receiver; a body over the limit stops at nginx;
// the Vero token in the URL is never in nginx's access log. Skipped when nginx is not installed.
#include <boost/test/unit_test.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "hookline/http_server.hpp"
#include "hookline/inbox.hpp"
#include "hookline/parse.hpp"
#include "hookline/receiver.hpp"
#include "hookline/source_guard.hpp"
#include "hookline/verify.hpp"
#include "http_test_support.hpp"
#include "inbox_test_support.hpp"

namespace {

namespace fs = std::filesystem;
using hookline::test::TempDir;

const fs::path nginx_binary = "/usr/sbin/nginx";
const std::string vero_token = "vero-token-of-the-nginx-test";
constexpr const char* allowed_source = "127.0.0.77";  // Vero's address, as far as the allow-list knows
constexpr const char* other_source = "127.0.0.66";

std::string file_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// A port that was free a moment ago.
int free_port() {
  hookline::ServerOptions options;
  options.threads = 1;
  hookline::WebhookServer probe(options);
  if (!probe.start().has_value()) throw std::runtime_error("no free port");
  return probe.port();
}

/// The receiver the proxy forwards to: VRIO (signed) and Vero (allow-listed source and token),
/// trusting 127.0.0.1 (nginx) for X-Forwarded-For; and a route that must never be reached.
struct Receivers {
  hookline::MemoryInbox inbox;
  hookline::Receiver vrio{*hookline::Verifier::create(
                              hookline::Scheme::vrio,
                              std::vector<hookline::Secret>{hookline::Secret(std::string(hookline::test::http_test_secret))}),
                          hookline::meta_parser(hookline::Platform::vrio), inbox};
  hookline::Receiver vero{hookline::SourceGuard([] {
                            hookline::SourceGuardConfig config;
                            config.tokens.emplace_back(vero_token);
                            config.allowed_networks.push_back(*hookline::IpNetwork::parse(std::string(allowed_source) + "/32"));
                            return config;
                          }()),
                          hookline::meta_parser(hookline::Platform::vero), inbox};
  std::atomic<int> admin_calls{0};
  std::unique_ptr<hookline::WebhookServer> server;

  Receivers() {
    hookline::ServerOptions options;
    options.threads = 16;
    options.trusted_proxies.push_back(*hookline::IpNetwork::parse("127.0.0.1/32"));
    server = std::make_unique<hookline::WebhookServer>(options);
    server->mount("/webhooks/vrio", vrio).mount("/webhooks/vero", vero);
    server->route("GET", "/api/.*", [this](const hookline::HttpRequest&) {
      ++admin_calls;
      return hookline::HttpResponse{};
    }, hookline::RouteAccess::open);
    BOOST_TEST_REQUIRE(server->start().has_value());
  }
};

/// deploy/nginx/hookline.conf made to run in `dir`: listening on 127.0.0.1:`port` with the
/// throwaway certificate, proxying to `upstream`, logging into `dir`.
std::string test_site(const fs::path& dir, int port, int upstream) {
  std::string site = file_text(fs::path(HOOKLINE_SAMPLES_DIR).parent_path() / "deploy" / "nginx" / "hookline.conf");
  const auto replace = [&site](const std::string& from, const std::string& to) {
    const auto at = site.find(from);
    BOOST_TEST_REQUIRE(at != std::string::npos, "deploy/nginx/hookline.conf no longer has: " << from);
    site.replace(at, from.size(), to);
  };
  replace("server 127.0.0.1:8080;", "server 127.0.0.1:" + std::to_string(upstream) + ";");
  replace("listen 443 ssl;", "listen 127.0.0.1:" + std::to_string(port) + " ssl;");
  replace("listen [::]:443 ssl;", "");
  replace("/etc/ssl/hookline/fullchain.pem", (dir / "cert.pem").string());
  replace("/etc/ssl/hookline/privkey.pem", (dir / "key.pem").string());
  replace("/var/log/nginx/hookline.access.log", (dir / "access.log").string());
  return site;
}

/// nginx running the test site in the foreground; stopped when destroyed.
class Nginx {
 public:
  Nginx(const fs::path& dir, int port, int upstream) : dir_(dir) {
    std::ofstream(dir / "hookline.conf") << test_site(dir, port, upstream);
    std::ofstream conf(dir / "nginx.conf");
    if (::geteuid() == 0) conf << "user root;\n";  // workers keep the test's user, who owns `dir`
    conf << "worker_processes 1;\npid " << (dir / "nginx.pid").string() << ";\nerror_log "
         << (dir / "error.log").string() << ";\nevents { worker_connections 64; }\nhttp {\n";
    for (const char* kind : {"client_body", "proxy", "fastcgi", "uwsgi", "scgi"}) {
      conf << "  " << kind << "_temp_path " << (dir / (std::string(kind) + "_temp")).string() << ";\n";
    }
    conf << "  include " << (dir / "hookline.conf").string() << ";\n}\n";
    conf.close();
    pid_ = ::fork();
    if (pid_ == 0) {
      const std::string prefix = dir.string() + "/";
      const std::string config = (dir / "nginx.conf").string();
      const std::string errors = (dir / "error.log").string();
      ::execl(nginx_binary.c_str(), "nginx", "-p", prefix.c_str(), "-e", errors.c_str(), "-c", config.c_str(), "-g",
              "daemon off;", static_cast<char*>(nullptr));
      ::_exit(127);
    }
  }
  ~Nginx() {
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  Nginx(const Nginx&) = delete;
  Nginx& operator=(const Nginx&) = delete;

  /// True while nginx runs.
  [[nodiscard]] bool running() const {
    int status = 0;
    return ::waitpid(pid_, &status, WNOHANG) == 0;
  }
  [[nodiscard]] std::string errors() const { return file_text(dir_ / "error.log"); }

 private:
  fs::path dir_;
  pid_t pid_ = -1;
};

/// What curl got: the status (0 when no answer) and the body.
struct Answer {
  int status = 0;
  std::string body;
};

/// POSTs `body` with curl from `source` (a loopback address) to `url`, with `headers` ("Name: value").
Answer curl_post(const fs::path& dir, const std::string& url, const std::string& body, const std::string& source,
                 const std::vector<std::string>& headers, const fs::path& ca) {
  std::ofstream(dir / "request.body", std::ios::binary) << body;
  std::string command = "curl -sS --max-time 10 --interface " + std::string(source) + " -o '" +
                        (dir / "response.body").string() + "' -w '%{http_code}' --data-binary @'" +
                        (dir / "request.body").string() + "' -H 'Content-Type: application/json'";
  if (!ca.empty()) command += " --cacert '" + ca.string() + "'";
  for (const auto& header : headers) command += " -H '" + header + "'";
  command += " '" + url + "' 2>&1";
  std::FILE* pipe = ::popen(command.c_str(), "r");
  BOOST_TEST_REQUIRE(pipe != nullptr);
  std::string output;
  char buffer[256];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) output += buffer;
  ::pclose(pipe);
  Answer answer;
  try {
    answer.status = std::stoi(output.substr(output.size() >= 3 ? output.size() - 3 : 0));
  } catch (const std::exception&) {
    BOOST_TEST_MESSAGE("curl: " << output);
  }
  answer.body = file_text(dir / "response.body");
  return answer;
}

/// The VRIO signature header of `body`.
std::string vrio_signature(const std::string& body) {
  const auto headers = hookline::test::vrio_signer().sign(body, "", std::chrono::sys_seconds{});
  const auto& field = headers.fields().front();
  return field.name + ": " + field.value;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(nginx_proxy)

BOOST_AUTO_TEST_CASE(nginx_terminates_tls_and_passes_only_webhooks_with_the_senders_address) {
  if (!fs::exists(nginx_binary)) {
    BOOST_TEST_MESSAGE("skipped: " << nginx_binary << " is not installed (the nginx package; scripts/install-deps.sh)");
    return;
  }
  const TempDir dir;
  const auto made = std::system(("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 "
                                 "-subj /CN=localhost -addext subjectAltName=IP:127.0.0.1,DNS:localhost -keyout '" +
                                 (dir.path() / "key.pem").string() + "' -out '" + (dir.path() / "cert.pem").string() +
                                 "' >/dev/null 2>&1")
                                    .c_str());
  BOOST_TEST_REQUIRE(made == 0, "openssl could not make a certificate");
  Receivers receivers;
  const int port = free_port();
  const Nginx nginx(dir.path(), port, receivers.server->port());
  const std::string base = "https://127.0.0.1:" + std::to_string(port);
  const fs::path ca = dir.path() / "cert.pem";
  const auto vrio = [&](const std::string& body, const std::vector<std::string>& extra = {}) {
    auto headers = extra;
    headers.push_back(vrio_signature(body));
    return curl_post(dir.path(), base + "/webhooks/vrio", body, other_source, headers, ca);
  };
  // nginx takes a moment to listen.
  Answer first;
  for (int attempt = 0; attempt < 100 && first.status == 0 && nginx.running(); ++attempt) {
    first = vrio(hookline::test::vrio_body("nginx-1", 7101));
    if (first.status == 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  BOOST_TEST_REQUIRE(first.status == 200, "nginx: " << nginx.errors());
  BOOST_TEST(first.body == R"({"status":"accepted"})");
  BOOST_TEST(vrio(hookline::test::vrio_body("nginx-1", 7101)).body == R"({"status":"duplicate"})");
  BOOST_TEST(vrio(hookline::test::vrio_body("nginx-2", 7102), {"X-Forwarded-For: " + std::string(allowed_source)}).status == 200);

  const std::string vero_body = hookline::test::sample_body("vero/opened.json");
  const std::string vero_url = base + "/webhooks/vero?token=" + vero_token;
  const Answer allowed = curl_post(dir.path(), vero_url, vero_body, allowed_source, {}, ca);
  BOOST_TEST(allowed.status == 200, allowed.body);
  // A sender elsewhere naming the allowed address: nginx writes the address it saw instead.
  const Answer spoofed = curl_post(dir.path(), vero_url, vero_body, other_source,
                                   {"X-Forwarded-For: " + std::string(allowed_source)}, ca);
  BOOST_TEST(spoofed.status == 403, spoofed.body);
  // And straight to the receiver, the header is not read at all: the socket's peer is no proxy.
  const Answer direct = curl_post(dir.path(), "http://127.0.0.1:" + std::to_string(receivers.server->port()) +
                                                  "/webhooks/vero?token=" + vero_token,
                                  vero_body, other_source, {"X-Forwarded-For: " + std::string(allowed_source)}, {});
  BOOST_TEST(direct.status == 403, direct.body);
  const auto refused = receivers.inbox.list_refused({});
  BOOST_TEST_REQUIRE(refused.has_value());
  BOOST_TEST_REQUIRE(refused->entries.size() == 2U);
  for (const auto& entry : refused->entries) BOOST_TEST(entry.delivery.peer == other_source);

  // Only webhook paths are proxied; the rest is nginx's 404 in hookline's error shape.
  for (const char* path : {"/api/fulfillments", "/metrics", "/healthz", "/webhooks/vrio/../../api/x", "/"}) {
    const Answer answer = curl_post(dir.path(), base + path, "{}", other_source, {}, ca);
    BOOST_TEST(answer.status == 404, path << ": " << answer.body);
    BOOST_TEST(answer.body.find(R"({"error":{"code":"not_found")") == 0U, answer.body);
  }
  BOOST_TEST(receivers.admin_calls.load() == 0);
  const Answer too_large = vrio(std::string((1 << 20) + 1, ' '));
  BOOST_TEST(too_large.status == 413, too_large.body);
  BOOST_TEST(too_large.body.find(R"("code":"too_large")") != std::string::npos, too_large.body);

  BOOST_TEST(nginx.running());
  const auto access_log = file_text(dir.path() / "access.log");
  BOOST_TEST(access_log.find("/webhooks/vero") != std::string::npos, access_log);
  BOOST_TEST(access_log.find(vero_token) == std::string::npos, access_log);
}

BOOST_AUTO_TEST_SUITE_END()
