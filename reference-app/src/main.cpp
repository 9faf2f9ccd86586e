// hookline-fulfillment: the reference fulfillment server. Flags for everything but secrets, which
// come from the environment (HOOKLINE_SECRET, HOOKLINE_SECRET_PREVIOUS, HOOKLINE_PLATFORM_API_KEY)
// or a file (--secret-file) so they never show in `ps`.
#include <CLI/CLI.hpp>

#include <csignal>
#include <cstdlib>
#include <iostream>

#include "app.hpp"
#include "hookline/http_server.hpp"

int main(int argc, char** argv) {
  CLI::App cli{"hookline-fulfillment: receives VRIO shipment webhooks, fulfills each shipment when it is due, "
               "and posts tracking back.\nSecrets from the environment: HOOKLINE_SECRET (the webhook signing "
               "secret, the variable's whole value, spaces included), HOOKLINE_SECRET_PREVIOUS (the one being "
               "retired, accepted too during a rotation), HOOKLINE_PLATFORM_API_KEY (platform API key); or webhook "
               "secrets one per line in --secret-file."};
  std::string listen = "127.0.0.1:8080";
  std::string database = "var/fulfillment.db";
  std::string platform_url = "http://127.0.0.1:9090";
  long long warehouse_delay_ms = 500;
  long long platform_timeout_ms = 5000;
  std::string zone = "UTC";
  std::string api_key_header = "X-Api-Key";
  std::string secret_file;
  std::string check_before_ship;
  std::string check_unavailable = "hold";
  int check_attempts = 5;
  long long reconcile_interval_s = 900;
  double reconcile_reads_per_s = 5;
  long long held_lookup_after_s = 3600;
  cli.add_option("--listen", listen, "HOST:PORT to listen on (webhooks at POST /webhooks/vrio, admin API under /api/)")
      ->capture_default_str();
  cli.add_option("--db", database, "SQLite database of fulfillments; the inbox is kept next to it (NAME.inbox.db)")
      ->capture_default_str();
  const auto* platform_url_option =
      cli.add_option("--platform-url", platform_url,
                     "platform API base; tracking goes to POST {url}/shipments/{id}/track, checks read GET {url}/shipments/{id}")
          ->capture_default_str();
  cli.add_option("--platform-timeout-ms", platform_timeout_ms,
                 "connect, read and write timeout of each platform call; a call without an answer in time is retried")
      ->check(CLI::PositiveNumber)
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
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cli.add_option("--reconcile-interval-s", reconcile_interval_s,
                 "seconds between reconciliation passes, which read fulfillments waiting, picking or packing and "
                 "long-held events from the platform (0: no passes)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cli.add_option("--reconcile-reads-per-s", reconcile_reads_per_s, "platform reads per second a reconciliation pass may make")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cli.add_option("--held-lookup-after-s", held_lookup_after_s,
                 "seconds events of a shipment never scheduled here stay held before reconciliation looks it up")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cli.add_option("--warehouse-delay-ms", warehouse_delay_ms, "time each simulated warehouse step (pick, pack, ship) takes")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cli.add_option("--zone", zone, "IANA time zone of VRIO's zone-less dates, e.g. America/Denver")->capture_default_str();
  cli.add_option("--api-key-header", api_key_header, "header that carries HOOKLINE_PLATFORM_API_KEY")
      ->capture_default_str();
  cli.add_option("--secret-file", secret_file,
                 "file of webhook signing secrets, one per line (line ends, LF or CRLF, are not part of them; the "
                 "first line is current), accepted with HOOKLINE_SECRET and HOOKLINE_SECRET_PREVIOUS if set");
  CLI11_PARSE(cli, argc, argv);

  fulfillment::AppConfig config;
  auto address = hookline::parse_listen_address(listen);
  if (!address) {
    std::cerr << "hookline-fulfillment: --listen: " << address.error() << "\n";
    return 2;
  }
  config.listen = *address;
  config.database = database;
  config.platform_url = platform_url;
  config.platform_timeout = std::chrono::milliseconds(platform_timeout_ms);
  config.warehouse_delay = std::chrono::milliseconds(warehouse_delay_ms);
  auto time_zone = hookline::TimeZone::named(zone);
  if (!time_zone) {
    std::cerr << "hookline-fulfillment: --zone: " << time_zone.error() << "\n";
    return 2;
  }
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
    std::cerr << "hookline-fulfillment: set HOOKLINE_SECRET to the webhook signing secret (or give --secret-file)\n";
    return 2;
  }
  auto secrets = hookline::load_secrets(secret_sources);
  if (!secrets) {
    std::cerr << "hookline-fulfillment: webhook secret: " << secrets.error() << "\n";
    return 2;
  }
  config.webhook_secrets = std::move(*secrets);
  if (const char* key = std::getenv("HOOKLINE_PLATFORM_API_KEY"); key != nullptr && *key != '\0') {
    config.platform_api_key = hookline::Secret(key);
  }

  // Block the stop signals before any thread starts, so that only sigwait below receives them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  auto app = fulfillment::App::create(std::move(config));
  if (!app) {
    std::cerr << "hookline-fulfillment: " << app.error() << "\n";
    return 1;
  }
  if (auto started = (*app)->start(); !started) {
    std::cerr << "hookline-fulfillment: " << started.error() << "\n";
    return 1;
  }
  int received = 0;
  sigwait(&stop_signals, &received);
  (*app)->stop();
  return 0;
}
