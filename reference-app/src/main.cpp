// hookline-fulfillment: the reference fulfillment server. Flags for everything but secrets (also from
// a --config file), which come from the environment (HOOKLINE_SECRET, HOOKLINE_SECRET_PREVIOUS,
// HOOKLINE_ADMIN_TOKEN, HOOKLINE_PLATFORM_API_KEY) or files (--secret-file, --admin-token-file,
// --platform-api-key-file) so they never show in `ps`. Exit status: 0 after SIGTERM or SIGINT,
// 1 when it cannot start, 2 for a usage error.
#include <CLI/CLI.hpp>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <charconv>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <system_error>
#include <tuple>
#include <vector>

#include "app.hpp"
#include "storage/sqlite_fulfillment_store.hpp"
#include "hookline/http_server.hpp"
#include "hookline/postgres_inbox.hpp"
#include "hookline/version.hpp"

namespace {

constexpr int usage_error = 2;

/// A validator that says the range, e.g. "must be between 1 and 600000 (got 0)".
template <class Number>
CLI::Validator within(Number min, Number max) {
  std::ostringstream description;
  description << "in [" << min << ", " << max << "]";
  return CLI::Validator(
      [min, max](std::string& text) -> std::string {
        Number value{};
        const auto [end, failure] = std::from_chars(text.data(), text.data() + text.size(), value);
        if (failure != std::errc() || end != text.data() + text.size()) return "expected a number, got '" + text + "'";
        if (value < min || value > max) {
          std::ostringstream said;
          said << "must be between " << min << " and " << max << " (got " << text << ")";
          return said.str();
        }
        return {};
      },
      description.str());
}

/// True for a config-file key that names a secret rather than where one is read from.
bool names_a_secret(std::string key) {
  for (auto& c : key) c = c == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  while (!key.empty() && key.front() == '-') key.erase(0, 1);
  if (key.ends_with("-file") || key == "api-key-header") return false;
  for (const char* word : {"secret", "token", "api-key", "apikey", "password"}) {
    if (key.find(word) != std::string::npos) return true;
  }
  return false;
}

/// A secret from the variable `variable` or the first line of `file` (one of them, not both); none
/// when neither is given.
hookline::Result<std::optional<hookline::Secret>, std::string> secret_from(std::string_view variable,
                                                                             const std::string& file,
                                                                             std::string_view file_option) {
  const char* value = std::getenv(std::string(variable).c_str());
  const bool in_variable = value != nullptr && *value != '\0';
  if (in_variable && !file.empty()) {
    return hookline::fail(std::string(variable) + " and " + std::string(file_option) + " are both set: give one");
  }
  if (in_variable) return std::optional(hookline::Secret(value));
  if (file.empty()) return std::optional<hookline::Secret>();
  auto lines = hookline::read_secret_file(file);
  if (!lines) return hookline::fail(std::string(file_option) + ": " + lines.error());
  if (lines->size() != 1) return hookline::fail(std::string(file_option) + ": expected one line, the file has several");
  return std::optional(std::move(lines->front()));
}

/// TLS files from a pair of options, when given.
std::optional<hookline::TlsFiles> tls_files(const std::string& certificate, const std::string& key) {
  if (certificate.empty()) return std::nullopt;
  return hookline::TlsFiles{certificate, key};
}

/// Waits for one of `signals` (blocked) or for `timeout`, whichever comes first.
void wait_for_signal(const sigset_t& signals, std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::nanoseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return;
    const timespec wait{static_cast<time_t>(left.count() / 1'000'000'000), static_cast<long>(left.count() % 1'000'000'000)};
    if (sigtimedwait(&signals, nullptr, &wait) > 0 || errno != EINTR) return;  // a signal, or EAGAIN: the time is up
  }
}

}  // namespace

int main(int argc, char** argv) {
  fulfillment::configure_sqlite_for_this_process();  // before any database is opened
  CLI::App cli{"hookline-fulfillment: receives VRIO shipment webhooks, fulfills each shipment when it is due, "
               "and posts tracking back.\n"
               "Secrets never in flags or in --config: from the environment HOOKLINE_SECRET (the webhook signing "
               "secret, the variable's whole value, spaces included), HOOKLINE_SECRET_PREVIOUS (the one being "
               "retired, accepted too during a rotation), HOOKLINE_ADMIN_TOKEN (bearer token of the admin listener, "
               "at least 32 characters), HOOKLINE_PLATFORM_API_KEY (platform API key); or from files: "
               "--secret-file, --admin-token-file, --platform-api-key-file.\n"
               "SIGHUP reloads the TLS certificates and keys; SIGTERM or SIGINT stop the server."};
  cli.set_version_flag("--version", std::string("hookline-fulfillment ") + hookline::version);
  cli.set_config("--config", "", "read flags from this TOML or INI file (key = value, e.g. listen = \"0.0.0.0:8443\"); "
                 "secrets are refused there");
  // Unknown flags and config keys are kept, so that a secret among them is refused by name below.
  cli.allow_extras();
  cli.allow_config_extras(CLI::config_extras_mode::capture);
  std::string listen = "127.0.0.1:8080";
  std::string admin_listen = "127.0.0.1:8081";
  std::string database = "var/fulfillment.db";
  std::string platform_url = "http://127.0.0.1:9090";
  long long warehouse_delay_ms = 500;
  long long platform_timeout_ms = 5000;
  long long lease_s = 30;
  long long drain_seconds = 0;
  std::string zone = "UTC";
  std::string api_key_header = "X-Api-Key";
  std::string secret_file;
  std::string admin_token_file;
  std::string platform_api_key_file;
  std::string tls_cert;
  std::string tls_key;
  std::string admin_tls_cert;
  std::string admin_tls_key;
  std::vector<std::string> trusted_proxies;
  std::size_t refused_max_entries = hookline::RefusedLimits{}.max_entries;
  std::size_t refused_max_bytes = hookline::RefusedLimits{}.max_bytes;
  std::string check_before_ship;
  std::string check_unavailable = "hold";
  int check_attempts = 5;
  long long reconcile_interval_s = 900;
  double reconcile_reads_per_s = 5;
  long long held_lookup_after_s = 3600;
  cli.add_option("--listen", listen, "HOST:PORT of the public listener: POST /webhooks/vrio, /healthz and /readyz only")
      ->capture_default_str();
  cli.add_option("--admin-listen", admin_listen,
                 "HOST:PORT of the admin listener: the admin API (/api/...) and /metrics behind the admin token, "
                 "/healthz and /readyz open")
      ->capture_default_str();
  cli.add_option("--admin-token-file", admin_token_file,
                 "file holding the admin listener's bearer token on one line (instead of HOOKLINE_ADMIN_TOKEN)");
  auto* tls_cert_option =
      cli.add_option("--tls-cert", tls_cert, "PEM certificate chain: the public listener speaks HTTPS only");
  auto* tls_key_option = cli.add_option("--tls-key", tls_key, "PEM private key of --tls-cert");
  tls_cert_option->needs(tls_key_option);
  tls_key_option->needs(tls_cert_option);
  auto* admin_cert_option =
      cli.add_option("--admin-tls-cert", admin_tls_cert, "PEM certificate chain: the admin listener speaks HTTPS only");
  auto* admin_key_option = cli.add_option("--admin-tls-key", admin_tls_key, "PEM private key of --admin-tls-cert");
  admin_cert_option->needs(admin_key_option);
  admin_key_option->needs(admin_cert_option);
  cli.add_option("--trusted-proxy", trusted_proxies,
                 "CIDR of a reverse proxy in front of the public listener (repeatable): only requests from it may name "
                 "the client in X-Forwarded-For, e.g. 127.0.0.1/32");
  cli.add_option("--db", database,
                 "SQLite file of fulfillments, the inbox kept next to it (NAME.inbox.db); or a PostgreSQL URI, "
                 "postgresql://user@host:port/dbname, for several instances on one database (the password comes "
                 "from PGPASSWORD, PGPASSFILE, ~/.pgpass or HOOKLINE_DB_PASSWORD, never from the URI)")
      ->capture_default_str();
  cli.add_option("--drain-seconds", drain_seconds,
                 "after SIGTERM, how long /readyz fails while requests are still served, before the listeners "
                 "close: longer than the load balancer's health checks take to notice (a second signal ends it)")
      ->check(within<long long>(0, 3600))
      ->capture_default_str();
  cli.add_option("--lease-s", lease_s,
                 "how long an instance's claim on work (an event, a fulfillment's warehouse steps, a tracking post) "
                 "lasts: past it, another instance on the same PostgreSQL takes the work of one that died")
      ->check(within<long long>(1, 3600))
      ->capture_default_str();
  cli.add_option("--refused-max-entries", refused_max_entries,
                 "deliveries refused for authentication kept for a retry (the oldest dropped first)")
      ->check(within<std::size_t>(1, 1'000'000))
      ->capture_default_str();
  cli.add_option("--refused-max-bytes", refused_max_bytes, "bytes of refused deliveries kept, bodies and headers counted")
      ->check(within<std::size_t>(std::size_t{1} << 20, std::size_t{1} << 34))
      ->capture_default_str();
  const auto* platform_url_option =
      cli.add_option("--platform-url", platform_url,
                     "platform API base; tracking goes to POST {url}/shipments/{id}/track, checks read GET {url}/shipments/{id}")
          ->capture_default_str();
  cli.add_option("--platform-timeout-ms", platform_timeout_ms,
                 "connect, read and write timeout of each platform call; a call without an answer in time is retried")
      ->check(within<long long>(1, 600'000))
      ->capture_default_str();
  cli.add_option("--check-before-ship", check_before_ship,
                 "on: read each shipment from the platform before releasing it to the warehouse, and reconcile what "
                 "waits (default: on when --platform-url is given, off otherwise); off: never read the platform")
      ->check(CLI::IsMember({"on", "off"}));
  cli.add_option("--check-unavailable", check_unavailable,
                 "when the platform stays unavailable for a release: hold (keep the release held and keep reading) or "
                 "ship (release on what the webhooks said)")
      ->check(CLI::IsMember({"hold", "ship"}))
      ->capture_default_str();
  cli.add_option("--check-attempts", check_attempts,
                 "reads of a shipment that get no answer (with backoff, Retry-After honoured) before --check-unavailable "
                 "applies")
      ->check(within(1, 100))
      ->capture_default_str();
  cli.add_option("--reconcile-interval-s", reconcile_interval_s,
                 "seconds between reconciliation passes, which read fulfillments waiting, picking or packing and "
                 "long-held events from the platform (0: no passes)")
      ->check(within<long long>(0, 7 * 86'400))
      ->capture_default_str();
  cli.add_option("--reconcile-reads-per-s", reconcile_reads_per_s, "platform reads per second a reconciliation pass may make")
      ->check(within(0.01, 1000.0))
      ->capture_default_str();
  cli.add_option("--held-lookup-after-s", held_lookup_after_s,
                 "seconds events of a shipment never scheduled here stay held before reconciliation looks it up")
      ->check(within<long long>(0, 30 * 86'400))
      ->capture_default_str();
  cli.add_option("--warehouse-delay-ms", warehouse_delay_ms, "time each simulated warehouse step (pick, pack, ship) takes")
      ->check(within<long long>(0, 3'600'000))
      ->capture_default_str();
  cli.add_option("--zone", zone, "IANA time zone of VRIO's zone-less dates, e.g. America/Denver")->capture_default_str();
  cli.add_option("--api-key-header", api_key_header, "header that carries the platform API key")
      ->capture_default_str();
  cli.add_option("--platform-api-key-file", platform_api_key_file,
                 "file holding the platform API key on one line (instead of HOOKLINE_PLATFORM_API_KEY)");
  cli.add_option("--secret-file", secret_file,
                 "file of webhook signing secrets, one per line (line ends, LF or CRLF, are not part of them; the "
                 "first line is current), accepted with HOOKLINE_SECRET and HOOKLINE_SECRET_PREVIOUS if set");

  const auto usage = [](const std::string& message) {
    std::cerr << "hookline-fulfillment: " << message << "\nRun with --help for the options.\n";
    return usage_error;
  };
  try {
    cli.parse(argc, argv);
  } catch (const CLI::CallForHelp& help) {
    return cli.exit(help);
  } catch (const CLI::CallForAllHelp& help) {
    return cli.exit(help);
  } catch (const CLI::CallForVersion& version) {
    return cli.exit(version);
  } catch (const CLI::FileError& failure) {  // the only file CLI11 reads
    return usage("--config: " + std::string(failure.what()));
  } catch (const CLI::ParseError& failure) {
    return usage(failure.what());
  }
  // What is no option (an unknown flag or config key, a stray argument): a secret is refused by name
  // (its value never printed), anything else is unknown.
  if (const auto extras = cli.remaining(); !extras.empty()) {
    const std::string& name = extras.front();
    if (names_a_secret(name)) {
      return usage("'" + name +
                   "' is a secret, and secrets never go in flags or the config file: use its environment variable "
                   "or its --...-file option (see --help)");
    }
    return usage("unknown option or config key '" + name + "'");
  }

  fulfillment::AppConfig config;
  for (const auto& [name, text, target] :
       {std::tuple{"--listen", &listen, &config.listen}, std::tuple{"--admin-listen", &admin_listen, &config.admin_listen}}) {
    auto address = hookline::parse_listen_address(*text);
    if (!address) return usage(std::string(name) + ": " + address.error());
    *target = *address;
  }
  config.tls = tls_files(tls_cert, tls_key);
  config.admin_tls = tls_files(admin_tls_cert, admin_tls_key);
  for (const auto& cidr : trusted_proxies) {
    auto network = hookline::IpNetwork::parse(cidr);
    if (!network) return usage("--trusted-proxy " + cidr + ": " + network.error());
    config.trusted_proxies.push_back(*network);
  }
  config.refused = hookline::RefusedLimits{refused_max_entries, refused_max_bytes};
  if (hookline::is_postgres_uri(database)) {
    if (auto uri = hookline::check_postgres_uri(database); !uri) return usage("--db: " + uri.error().message);
  }
  config.database = database;
  config.lease = std::chrono::seconds(lease_s);
  if (config.lease <= std::chrono::milliseconds(platform_timeout_ms)) {
    return usage("--lease-s must be longer than --platform-timeout-ms: a tracking post's claim must outlast the post");
  }
  config.platform_url = platform_url;
  config.platform_timeout = std::chrono::milliseconds(platform_timeout_ms);
  config.warehouse_delay = std::chrono::milliseconds(warehouse_delay_ms);
  auto time_zone = hookline::TimeZone::named(zone);
  if (!time_zone) return usage("--zone: " + time_zone.error());
  config.zone = *time_zone;
  config.api_key_header = api_key_header;
  config.check_before_ship = check_before_ship.empty() ? platform_url_option->count() > 0 : check_before_ship == "on";
  config.checks.policy.unavailable = *fulfillment::unavailable_policy_from_string(check_unavailable);
  config.checks.policy.retry.max_attempts = check_attempts;
  config.reconcile.interval = std::chrono::seconds(reconcile_interval_s);
  config.reconcile.reads_per_second = reconcile_reads_per_s;
  config.reconcile.held_after = std::chrono::seconds(held_lookup_after_s);
  hookline::SecretSources secret_sources;
  secret_sources.variables = hookline::rotation_variables("HOOKLINE_SECRET");
  if (!secret_file.empty()) secret_sources.files.emplace_back(secret_file);
  if (secret_sources.variables.empty() && secret_sources.files.empty()) {
    return usage("set HOOKLINE_SECRET to the webhook signing secret (or give --secret-file)");
  }
  auto secrets = hookline::load_secrets(secret_sources);
  if (!secrets) return usage("webhook secret: " + secrets.error());
  config.webhook_secrets = std::move(*secrets);
  auto admin_token = secret_from(fulfillment::admin_token_variable, admin_token_file, "--admin-token-file");
  if (!admin_token) return usage(admin_token.error());
  if (*admin_token && (*admin_token)->reveal().size() < fulfillment::min_admin_token_length) {
    return usage("the admin token (" + std::string(fulfillment::admin_token_variable) + " or --admin-token-file) must be at least " +
                 std::to_string(fulfillment::min_admin_token_length) + " characters, this one has " +
                 std::to_string((*admin_token)->reveal().size()) + "; make one with: openssl rand -hex 32");
  }
  config.admin_token = std::move(*admin_token);
  auto api_key = secret_from("HOOKLINE_PLATFORM_API_KEY", platform_api_key_file, "--platform-api-key-file");
  if (!api_key) return usage(api_key.error());
  config.platform_api_key = std::move(*api_key);

  // Block the signals before any thread starts, so that only sigwait below receives them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto app = fulfillment::App::create(std::move(config));
  if (!app) {
    std::cerr << "hookline-fulfillment: " << app.error() << "\n";
    return 1;
  }
  if (auto started = (*app)->start(); !started) {
    std::cerr << "hookline-fulfillment: " << started.error() << "\n";
    return 1;
  }
  for (;;) {
    int received = 0;
    sigwait(&signals, &received);
    if (received != SIGHUP) break;
    // The app logs the outcome; after a failure it keeps the files in use and goes on serving.
    [[maybe_unused]] const auto reloaded = (*app)->reload_tls();
  }
  // SIGTERM or SIGINT: /readyz fails at once, so that a load balancer stops sending here, while the
  // listener keeps serving for --drain-seconds; a second signal ends the drain at once.
  (*app)->begin_drain();
  wait_for_signal(signals, std::chrono::seconds(drain_seconds));
  (*app)->stop();
  return 0;
}
