// `hookline simulate`: the platform simulator. Delivers queued and generated events in batches the
// way VRIO, Ordergroove or Vero do, logs every attempt, and serves the control API and the platform
// API (POST /shipments/{id}/track) on one port until interrupted.

#include <algorithm>
#include <csignal>
#include <cstdint>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "commands.hpp"
#include "range_check.hpp"
#include "hookline/http_server.hpp"
#include "hookline/secret.hpp"
#include "hookline/sender.hpp"
#include "secret_options.hpp"
#include "hookline/verify.hpp"
#include "simulator/generator.hpp"
#include "simulator/simulator.hpp"

namespace hookline::cli {

namespace {

volatile std::sig_atomic_t stop_requested = 0;

extern "C" void request_stop(int /*signal*/) { stop_requested = 1; }

struct SimulateArguments {
  std::string listen = "127.0.0.1:8790";
  std::string db = "hookline-simulator.db";
  std::string mode = "vrio";
  std::int64_t batch_interval = 300;
  std::int64_t first_batch_after = 0;
  simulator::VrioUrls vrio_urls;
  std::string target_url;
  SecretOptions secrets;
  std::string scheme;
  std::vector<std::int64_t> campaigns;
  bool inactive = false;
  std::size_t concurrency = 8;
  int max_attempts = 60;
  std::size_t generate = 0;
  simulator::GenerateOptions mix;
  double drop_rate = 0;
};

int usage(const std::string& message) {
  std::cerr << "hookline simulate: " << message << "\n";
  return exit_usage;
}

int run_simulate(SimulateArguments& arguments) {
  const auto mode = simulator::mode_from_string(arguments.mode);
  if (!mode) return usage("unknown mode \"" + arguments.mode + "\" (one of vrio, ordergroove, vero)");
  const auto listen = parse_listen_address(arguments.listen);
  if (!listen) return usage(listen.error());
  for (const auto& [flag, url] : {std::pair<std::string_view, const std::string&>{"--transaction-url", arguments.vrio_urls.transaction},
                                  {"--order-url", arguments.vrio_urls.order},
                                  {"--order-offer-url", arguments.vrio_urls.order_offer},
                                  {"--shipment-url", arguments.vrio_urls.shipment},
                                  {"--target-url", arguments.target_url}}) {
    if (url.empty()) continue;
    if (const auto problem = destination_problem(url)) return usage(std::string(flag) + ": " + *problem);
  }

  simulator::Config config;
  config.mode = *mode;
  config.db_path = arguments.db;
  config.batch_interval = std::chrono::seconds(arguments.batch_interval);
  config.concurrency = arguments.concurrency;
  config.active = !arguments.inactive;
  config.campaigns.insert(arguments.campaigns.begin(), arguments.campaigns.end());
  config.retry.max_attempts = arguments.max_attempts;
  if (*mode == simulator::Mode::vrio) {
    if (!arguments.target_url.empty()) return usage("--target-url is for ordergroove and vero; vrio takes --*-url per type");
    config.vrio_urls = arguments.vrio_urls;
  } else {
    const auto& urls = arguments.vrio_urls;
    if (!urls.transaction.empty() || !urls.order.empty() || !urls.order_offer.empty() || !urls.shipment.empty()) {
      return usage("--transaction-url, --order-url, --order-offer-url and --shipment-url are for vrio mode");
    }
    config.target_url = arguments.target_url;
  }
  if (!arguments.scheme.empty()) {
    config.scheme = scheme_from_string(arguments.scheme);
    if (!config.scheme) return usage("unknown scheme \"" + arguments.scheme + "\"");
  }
  if (arguments.secrets.given()) {
    auto secrets = arguments.secrets.load();
    if (!secrets) return usage(secrets.error());
    config.secrets = std::move(*secrets);
    if (*mode == simulator::Mode::vero && !config.scheme) {
      return usage("Vero signs nothing: give --scheme too to sign vero deliveries");
    }
  }
  if (arguments.generate > 0 && *mode != simulator::Mode::vrio) return usage("--generate is for vrio mode");
  config.drop_rate = arguments.drop_rate;
  config.drop_seed = arguments.mix.seed;
  // The platform API's key, when set, is the one the reference server sends (HOOKLINE_PLATFORM_API_KEY).
  if (const char* key = std::getenv("HOOKLINE_PLATFORM_API_KEY"); key != nullptr && *key != '\0') {
    config.platform_api_key = Secret(key);
  }

  std::unique_ptr<simulator::Simulator> engine;
  try {
    engine = std::make_unique<simulator::Simulator>(config, hookline::system_now);
  } catch (const std::exception& error) {
    std::cerr << "hookline simulate: " << error.what() << "\n";
    return exit_failed;
  }

  if (arguments.generate > 0) {
    auto mix = arguments.mix;
    mix.subscriptions = arguments.generate;
    mix.first_event_id = std::max<std::int64_t>(mix.first_event_id, engine->next_event_id());
    mix.first_shipment_id = std::max<std::int64_t>(mix.first_shipment_id, engine->next_shipment_id());
    const auto scenario = simulator::generate(mix, hookline::system_now());
    for (const auto& body : scenario.events) {
      const auto queued = engine->enqueue(body);
      if (!queued) {
        std::cerr << "hookline simulate: generated event refused: " << queued.error().message << "\n";
        return exit_failed;
      }
    }
    std::size_t due = 0, cancelled = 0, skipped = 0;
    for (const auto& shipment : scenario.shipments) {
      due += shipment.due ? 1 : 0;
      cancelled += shipment.cancelled ? 1 : 0;
      skipped += shipment.skipped ? 1 : 0;
    }
    std::cerr << "generated " << arguments.generate << " subscriptions: " << scenario.shipments.size()
              << " shipments (" << due << " due, " << cancelled << " cancelled, " << skipped << " skipped), "
              << scenario.events.size() << " events queued\n";
  }

  ServerOptions server_options;
  server_options.listen = *listen;
  server_options.threads = 32;
  WebhookServer server(server_options);
  simulator::add_routes(server, *engine);
  if (const auto started = server.start(); !started) {
    std::cerr << "hookline simulate: " << started.error().message << "\n";
    return exit_failed;
  }
  std::cerr << "hookline simulate: " << arguments.mode << " mode, listening on http://" << listen->host << ":"
            << server.port() << ", delivering every " << arguments.batch_interval << " s"
            << (config.secrets.empty() ? " (unsigned)" : "")
            << (config.platform_api_key ? ", platform API key required in " + config.api_key_header : std::string())
            << "\n";

  std::signal(SIGINT, request_stop);
  std::signal(SIGTERM, request_stop);
  // The first batch goes out at start (or --first-batch-after later), then one every interval.
  auto next_batch = std::chrono::steady_clock::now() + std::chrono::seconds(arguments.first_batch_after);
  while (stop_requested == 0) {
    if (std::chrono::steady_clock::now() < next_batch) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      continue;
    }
    next_batch += config.batch_interval;
    const auto report = engine->run_batch();
    if (report.attempted > 0) {
      std::cerr << "batch: " << report.attempted << " attempted, " << report.succeeded << " succeeded, "
                << report.failed << " failed, " << report.retrying << " to retry\n";
    }
  }
  server.stop();
  std::cerr << "hookline simulate: stopped\n";
  return exit_ok;
}

}  // namespace

void add_simulate_command(CLI::App& app, int& exit_code) {
  auto arguments = std::make_shared<SimulateArguments>();
  auto& a = *arguments;
  CLI::App* command = app.add_subcommand(
      "simulate",
      "Platform simulator: delivers webhooks in batches like VRIO (once, 2 s), Vero (once, 5 s) or Ordergroove "
      "(retries), the first at start, logs every attempt, and serves the control API (/api/events, /api/batches, "
      "/api/deliveries, /api/test, /api/shipments, POST /api/shipments/{id} to change a shipment without a webhook, "
      "/api/tracking-calls) and the platform API (POST /shipments/{id}/track, GET /shipments/{id}; with "
      "HOOKLINE_PLATFORM_API_KEY set, only with that key in X-Api-Key); docs/simulator.md documents every route");
  command->add_option("--listen", a.listen, "HOST:PORT for the control and platform API")->capture_default_str();
  command->add_option("--db", a.db, "The simulator's SQLite database (:memory: for none)")->capture_default_str();
  command->add_option("--mode", a.mode, "Platform: vrio, ordergroove or vero")->capture_default_str();
  command->add_option("--batch-interval", a.batch_interval, "Seconds between delivery runs")
      ->check(in_range(1, 31536000))
      ->capture_default_str();
  command->add_option("--first-batch-after", a.first_batch_after,
                      "Seconds from start to the first delivery run (0: at once; events can be changed through the "
                      "control API before it)")
      ->check(in_range(0, 31536000))
      ->capture_default_str();
  command->add_option("--transaction-url", a.vrio_urls.transaction, "vrio: Transaction Webhook URL");
  command->add_option("--order-url", a.vrio_urls.order, "vrio: Order Webhook URL");
  command->add_option("--order-offer-url", a.vrio_urls.order_offer, "vrio: Order Offer Webhook URL");
  command->add_option("--shipment-url", a.vrio_urls.shipment, "vrio: Shipment Webhook URL");
  command->add_option("--target-url", a.target_url, "ordergroove, vero: the webhook target URL");
  add_secret_options(*command, a.secrets, "signing secret");
  command->add_option("--scheme", a.scheme,
                      "Signature scheme (default: vrio / ordergroove per mode; vero signs nothing unless given)");
  command->add_option("--campaign", a.campaigns, "vrio: deliver only this campaign's events (repeatable; none = all)");
  command->add_flag("--inactive", a.inactive, "vrio: the connection is not active; nothing is sent");
  command->add_option("--concurrency", a.concurrency, "Deliveries in flight at once within a batch")
      ->check(in_range(1, 256))
      ->capture_default_str();
  command->add_option("--max-attempts", a.max_attempts, "ordergroove: attempts before a delivery is failed")
      ->check(in_range(1, 1000))
      ->capture_default_str();
  command->add_option("--generate", a.generate,
                      "vrio: queue N generated subscriptions with prepaid cycles and the mix below")
      ->check(in_range(0, 1000000));
  command->add_option("--max-prepaid-cycles", a.mix.max_prepaid_cycles, "Shipments per subscription, at most")
      ->check(in_range(1, 100))
      ->capture_default_str();
  command->add_option("--cancel-rate", a.mix.cancel_rate, "Share of subscriptions with a cancelled shipment")
      ->check(in_range(0, 1))->capture_default_str();
  command->add_option("--skip-rate", a.mix.skip_rate, "Share of subscriptions with a skipped shipment")
      ->check(in_range(0, 1))->capture_default_str();
  command->add_option("--address-change-rate", a.mix.address_change_rate, "Share of shipments with an address change")
      ->check(in_range(0, 1))->capture_default_str();
  command->add_option("--item-change-rate", a.mix.item_change_rate, "Share of shipments with an item change")
      ->check(in_range(0, 1))->capture_default_str();
  command->add_option("--duplicate-rate", a.mix.duplicate_rate, "Share of shipment_scheduled events sent twice")
      ->check(in_range(0, 1))->capture_default_str();
  command->add_option("--reorder-rate", a.mix.reorder_rate, "Share of changes queued before their shipment_scheduled")
      ->check(in_range(0, 1))->capture_default_str();
  command->add_option("--seed", a.mix.seed, "Random seed of the generated scenario and of the dropped deliveries")
      ->capture_default_str();
  command->add_option("--drop-rate", a.drop_rate,
                      "Share of deliveries not sent at all, logged as failed as if the receiver were down")
      ->check(in_range(0, 1))
      ->capture_default_str();
  command->callback([arguments, &exit_code] { exit_code = run_simulate(*arguments); });
}

}  // namespace hookline::cli
