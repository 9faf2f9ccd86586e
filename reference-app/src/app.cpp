#include "app.hpp"

#include <iostream>

#include "admin_api.hpp"
#include "admin_session.hpp"
#include "dashboard.hpp"
#include "storage/fulfillment_store.hpp"
#include "hookline/postgres_inbox.hpp"
#include "hookline/dispatcher.hpp"
#include "hookline/parse.hpp"
#include "hookline/receiver.hpp"
#include "hookline/sqlite_inbox.hpp"
#include "hookline/verify.hpp"
#include "json.hpp"
#include "log.hpp"
#include "metrics.hpp"
#include "platform_client.hpp"
#include "scheduler.hpp"
#include "shipment_handlers.hpp"
#include "warehouse.hpp"

namespace fulfillment {

std::filesystem::path inbox_path_for(const std::filesystem::path& database) {
  return database.parent_path() / (database.stem().string() + ".inbox" + database.extension().string());
}

namespace {

/// The inbox `config.database` names: in the same PostgreSQL database, or an SQLite file next to the
/// fulfillment file (its folder created if needed).
hookline::Result<std::unique_ptr<hookline::ReceiverStore>, hookline::StoreError> open_inbox(
    const AppConfig& config, const std::function<void(std::string_view)>& warn) {
  if (hookline::is_postgres_uri(config.database)) {
    hookline::PostgresInboxOptions options;
    options.lease = config.lease;
    options.refused = config.refused;
    auto inbox = hookline::PostgresInbox::open(config.database, options);
    if (!inbox) return hookline::fail(inbox.error());
    return std::unique_ptr<hookline::ReceiverStore>(std::move(*inbox));
  }
  const std::filesystem::path database(config.database);
  if (database.has_parent_path()) {
    std::error_code failure;
    std::filesystem::create_directories(database.parent_path(), failure);
    if (failure) return hookline::fail(hookline::StoreError{"cannot create " + database.parent_path().string() + ": " + failure.message()});
  }
  hookline::SqliteInboxOptions options;
  options.warn = warn;
  options.refused = config.refused;
  auto inbox = hookline::SqliteInbox::open(inbox_path_for(database), options);
  if (!inbox) return hookline::fail(inbox.error());
  return std::unique_ptr<hookline::ReceiverStore>(std::move(*inbox));
}

/// How VRIO's meta names a shipment: "shipment:<id>" (EventMeta::entity).
constexpr std::string_view shipment_entity = "shipment:";

}  // namespace

struct App::Parts {
  AppConfig config;
  Logger logger{std::clog};
  Metrics metrics;
  std::unique_ptr<hookline::ReceiverStore> inbox;
  std::unique_ptr<FulfillmentStore> store;
  std::unique_ptr<SimulatedWarehouse> warehouse;
  std::unique_ptr<PlatformClient> client;
  std::unique_ptr<TrackingOutbox> outbox;
  std::unique_ptr<PlatformChecks> checks;
  std::unique_ptr<Reconciler> reconciler;
  std::unique_ptr<Scheduler> scheduler;
  std::unique_ptr<ShipmentHandlers> handlers;
  std::unique_ptr<hookline::Dispatcher> dispatcher;
  std::unique_ptr<hookline::Receiver> receiver;
  std::unique_ptr<AdminApi> admin;
  std::unique_ptr<AdminSessions> sessions;
  std::unique_ptr<hookline::WebhookServer> server;
  std::unique_ptr<hookline::WebhookServer> admin_server;
  std::atomic<bool> ready{false};
  std::atomic<bool> draining{false};
  bool running = false;

  explicit Parts(AppConfig app_config)
      : config(std::move(app_config)), logger(config.log != nullptr ? *config.log : std::clog) {}

  hookline::HttpResponse metrics_page() {
    MetricsSnapshot snapshot;
    if (auto states = store->counts_by_state()) snapshot.fulfillments = *states;
    if (auto outbox_counts = store->outbox_counts()) snapshot.outbox = *outbox_counts;
    if (auto inbox_counts = inbox->counts()) snapshot.inbox = *inbox_counts;
    if (auto held = store->releases_held()) snapshot.releases_held = *held;
    if (auto depth = inbox->quarantine_depth()) snapshot.quarantine_depth = *depth;
    if (auto refused = inbox->refused_counts()) snapshot.refused = *refused;
    snapshot.dispatch = dispatcher->counters();
    hookline::HttpResponse response;
    response.content_type = "text/plain; version=0.0.4";
    response.body = metrics.render(snapshot);
    return response;
  }

  hookline::HttpResponse readiness() {
    hookline::HttpResponse response;
    if (draining.load()) return hookline::error_response(503, "draining", "this instance is stopping");
    if (!ready.load()) return hookline::error_response(503, "starting", "this instance is starting or stopping");
    // Cheap, so that a balancer checking often never times out on a busy instance: no counts of
    // whole tables (which on PostgreSQL read every row).
    if (auto answered = store->ping(); !answered) {
      return hookline::error_response(503, "store_unavailable", "fulfillment store: " + answered.error().message);
    }
    if (auto answered = inbox->quarantine_depth(); !answered) {
      return hookline::error_response(503, "store_unavailable", "inbox: " + answered.error().message);
    }
    response.body = R"({"status":"ready"})";
    return response;
  }
};

App::App(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

App::~App() { stop(); }

hookline::Result<std::unique_ptr<App>, std::string> App::create(AppConfig config) {
  auto parts = std::make_unique<Parts>(std::move(config));
  Parts& p = *parts;
  const AppConfig& c = p.config;

  auto verifier = hookline::Verifier::create(hookline::Scheme::vrio, c.webhook_secrets);
  if (!verifier) return hookline::fail("webhook secret (HOOKLINE_SECRET): " + verifier.error().to_string());
  const auto warn = [&p](std::string_view note) { p.logger.warn(note); };
  auto inbox = open_inbox(c, warn);
  if (!inbox) return hookline::fail("inbox: " + inbox.error().message);
  p.inbox = std::move(*inbox);
  StoreOptions store_options;
  store_options.zone = c.zone;
  store_options.warn = warn;
  auto store = open_fulfillment_store(c.database, store_options);
  if (!store) return hookline::fail("fulfillment store: " + store.error().message);
  p.store = std::move(*store);

  p.warehouse = std::make_unique<SimulatedWarehouse>(c.warehouse_delay);
  try {
    // A connection for each outbox sender and each check that may run at once.
    p.client = std::make_unique<PlatformClient>(PlatformOptions{c.platform_url, c.api_key_header, c.platform_api_key,
                                                                c.platform_timeout,
                                                                c.outbox.senders + c.checks.concurrency + 1,
                                                                hookline::ParseOptions{c.zone}});
  } catch (const std::invalid_argument& bad_url) {
    return hookline::fail(std::string(bad_url.what()));
  }
  OutboxOptions outbox_options = c.outbox;
  outbox_options.observer = [&p](std::int64_t shipment_id, const PostResult& result) {
    p.metrics.record_tracking_attempt(result);
    p.logger.info("tracking attempt", {{"shipment_id", std::to_string(shipment_id)},
                                       {"outcome", std::string(to_string(result.outcome))},
                                       {"http_status", std::to_string(result.http_status)},
                                       {"detail", result.detail}});
  };
  outbox_options.warn = [&p](std::string_view message) { p.logger.warn(message); };
  outbox_options.lease = c.lease;
  p.outbox = std::make_unique<TrackingOutbox>(*p.store, *p.client, outbox_options);

  if (c.check_before_ship) {
    CheckOptions check_options = c.checks;
    check_options.observer = [&p](const CheckReport& report) {
      p.metrics.record_check(to_string(report.purpose), to_string(report.outcome), report.took);
      if (report.outcome == CheckOutcome::matches) return;  // the common case: in the history and metrics only
      p.logger.info("platform check", {{"shipment_id", std::to_string(report.shipment_id)},
                                       {"purpose", std::string(to_string(report.purpose))},
                                       {"outcome", std::string(to_string(report.outcome))},
                                       {"http_status", std::to_string(report.http_status)},
                                       {"detail", report.detail}});
    };
    p.checks = std::make_unique<PlatformChecks>(*p.store, *p.client, hookline::system_now, check_options);
    if (c.reconcile.interval.count() > 0) {
      ReconcilerOptions reconcile_options = c.reconcile;
      reconcile_options.warn = [&p](std::string_view message) { p.logger.warn(message); };
      reconcile_options.changed = [&p] { p.scheduler->wake(); };
      p.reconciler = std::make_unique<Reconciler>(*p.store, *p.checks, hookline::system_now, reconcile_options);
    }
  }

  SchedulerOptions scheduler_options;
  scheduler_options.workers = 8;  // each waits for its writes' sync; concurrent ones share it
  scheduler_options.checks = p.checks.get();
  scheduler_options.lease = c.lease;
  scheduler_options.shipped = [&p](std::int64_t shipment_id) {
    p.logger.info("shipped", {{"shipment_id", std::to_string(shipment_id)}});
    p.outbox->wake();
  };
  scheduler_options.warn = [&p](std::string_view message) { p.logger.warn(message); };
  p.scheduler = std::make_unique<Scheduler>(*p.store, *p.warehouse, hookline::system_now, scheduler_options);

  const hookline::ParseOptions parse{c.zone};
  p.handlers = std::make_unique<ShipmentHandlers>(
      *p.store, hookline::system_now, [&p] { p.scheduler->wake(); },
      [&p](const HandledEvent& handled) {
        p.metrics.record_handled(handled.type, handled.decision, handled.took);
        if (handled.shipment_id) {
          p.logger.info("event handled", {{"event", std::string(handled.type)},
                                          {"event_id", std::string(handled.event_id)},
                                          {"shipment_id", std::to_string(*handled.shipment_id)},
                                          {"decision", std::string(handled.decision)}});
        } else {
          p.logger.info("event handled", {{"event", std::string(handled.type)},
                                          {"event_id", std::string(handled.event_id)},
                                          {"decision", std::string(handled.decision)}});
        }
      });
  hookline::DispatcherOptions dispatch;
  dispatch.workers = 8;
  dispatch.parse = parse;
  dispatch.linger = std::chrono::milliseconds(20);
  dispatch.batch = 128;
  dispatch.run_batch = [&p](const std::function<void()>& handlers) { return p.handlers->run_batch(handlers); };
  p.dispatcher = std::make_unique<hookline::Dispatcher>(*p.inbox, p.handlers->fallback(), dispatch);
  p.handlers->register_with(*p.dispatcher);

  p.receiver = std::make_unique<hookline::Receiver>(std::move(*verifier), hookline::meta_parser(hookline::Platform::vrio, parse), *p.inbox);
  try {
    p.admin = std::make_unique<AdminApi>(
        *p.store, *p.inbox, *p.receiver, hookline::system_now,
        AdminHooks{[&p] { p.scheduler->wake(); }, [&p] { p.outbox->wake(); }, [&p] { p.dispatcher->notify(); },
                   [&p](const AdminAction& action) {
                     p.logger.info("admin action", {{"action", std::string(action.action)},
                                                    {"target", action.target},
                                                    {"peer", action.peer},
                                                    {"status", std::to_string(action.status)}});
                   }},
        AdminViews{&p.metrics, c.reconcile.held_after});
  } catch (const std::runtime_error& failure) {
    return hookline::fail(std::string(failure.what()));
  }
  SessionOptions session_options;
  session_options.secure_cookie = c.admin_tls.has_value();
  session_options.audit = [&p](std::string_view action, std::string_view peer, int status) {
    p.logger.info("admin action", {{"action", std::string(action)},
                                   {"target", "session"},
                                   {"peer", std::string(peer)},
                                   {"status", std::to_string(status)}});
  };
  p.sessions = std::make_unique<AdminSessions>(c.admin_token, hookline::system_now, std::move(session_options));

  hookline::ServerOptions server_options;
  server_options.listen = c.listen;
  server_options.tls = c.tls;
  server_options.trusted_proxies = c.trusted_proxies;
  server_options.observer = [&p](const hookline::HttpRequest& request, const hookline::ReceiveResult& result) {
    p.metrics.record_receive(result.outcome);
    if (result.meta) p.metrics.record_delivery(hookline::to_string(result.meta->platform), hookline::system_now());
    if (result.outcome == hookline::ReceiveOutcome::quarantined) {
      p.logger.warn("webhook quarantined", {{"path", request.path},
                                            {"peer", request.peer},
                                            {"reason", "unparseable"},
                                            {"detail", result.log_detail}});
    } else if (result.outcome != hookline::ReceiveOutcome::accepted &&
               result.outcome != hookline::ReceiveOutcome::duplicate) {
      // Why, in a sentence: the receiver's own, or the one answered (a refusal of the framing).
      p.logger.warn("webhook refused",
                    {{"path", request.path},
                     {"peer", request.peer},
                     {"reason", std::string(hookline::to_string(result.outcome))},
                     {"detail", !result.log_detail.empty() ? result.log_detail : json::error_message(result.response.body)}});
    } else if (result.meta && result.meta->entity.starts_with(shipment_entity)) {
      p.logger.info("webhook received", {{"outcome", std::string(hookline::to_string(result.outcome))},
                                         {"event", result.meta->type},
                                         {"event_id", result.meta->id},
                                         {"shipment_id", result.meta->entity.substr(shipment_entity.size())}});
    } else if (result.meta) {
      p.logger.info("webhook received", {{"outcome", std::string(hookline::to_string(result.outcome))},
                                         {"event", result.meta->type},
                                         {"event_id", result.meta->id},
                                         {"entity", result.meta->entity}});
    }
  };
  p.server = std::make_unique<hookline::WebhookServer>(server_options);
  p.server->mount("/webhooks/vrio", *p.receiver);
  const auto health = [](const hookline::HttpRequest&) {
    hookline::HttpResponse response;
    response.body = R"({"status":"ok"})";
    return response;
  };
  const auto readiness = [&p](const hookline::HttpRequest&) { return p.readiness(); };
  p.server->route("GET", "/healthz", health);
  p.server->route("GET", "/readyz", readiness);

  // The operator's listener: nothing here is a webhook, so nothing here is told to the observer.
  hookline::ServerOptions admin_options;
  admin_options.listen = c.admin_listen;
  admin_options.tls = c.admin_tls;
  admin_options.threads = 16;
  admin_options.access_check = p.sessions->access_check();
  p.admin_server = std::make_unique<hookline::WebhookServer>(admin_options);
  p.sessions->mount(*p.admin_server);
  p.admin->mount(*p.admin_server);
  mount_dashboard(*p.admin_server);
  p.admin_server->route("GET", "/metrics", [&p](const hookline::HttpRequest&) { return p.metrics_page(); });
  p.admin_server->route("GET", "/healthz", health, hookline::RouteAccess::open);
  p.admin_server->route("GET", "/readyz", readiness, hookline::RouteAccess::open);
  return std::unique_ptr<App>(new App(std::move(parts)));
}

hookline::Status<std::string> App::start() {
  Parts& p = *parts_;
  if (p.running) return {};
  // Handled inbox entries are kept for duplicate detection for a while; older ones go at each start.
  if (auto pruned = p.inbox->prune_handled(hookline::system_now(), hookline::default_retention); !pruned) {
    p.logger.warn("inbox prune failed", {{"detail", pruned.error().message}});
  }
  p.dispatcher->start();
  p.scheduler->start();
  p.outbox->start();
  if (p.reconciler) p.reconciler->start();
  const auto stop_workers = [&p] {
    p.dispatcher->stop();
    if (p.reconciler) p.reconciler->stop();
    p.scheduler->stop();
    p.outbox->stop();
  };
  if (auto started = p.server->start(); !started) {
    stop_workers();
    return hookline::fail("--listen: " + started.error().message);
  }
  if (auto started = p.admin_server->start(); !started) {
    p.server->stop();
    stop_workers();
    return hookline::fail("--admin-listen: " + started.error().message);
  }
  p.running = true;
  p.ready = true;
  if (!p.config.platform_api_key) {
    p.logger.warn("HOOKLINE_PLATFORM_API_KEY is not set: tracking posts and shipment reads carry no API key");
  }
  if (!p.config.admin_token) {
    p.logger.warn(std::string(admin_token_variable) + " is not set: the admin API and /metrics answer 401 to everyone");
  }
  p.logger.info("listening", {{"host", p.config.listen.host},
                              {"port", std::to_string(p.server->port())},
                              {"tls", p.config.tls ? "on" : "off"},
                              {"admin_host", p.config.admin_listen.host},
                              {"admin_port", std::to_string(p.admin_server->port())},
                              {"admin_tls", p.config.admin_tls ? "on" : "off"},
                              {"db", p.config.database},
                              {"platform_url", p.config.platform_url},
                              {"check_before_ship", p.config.check_before_ship ? "on" : "off"},
                              {"zone", std::string(p.config.zone.name())}});
  return {};
}

void App::begin_drain() noexcept {
  if (!parts_->draining.exchange(true)) parts_->logger.info("draining: /readyz fails, requests are still served");
}

void App::stop(std::chrono::milliseconds drain) {
  Parts& p = *parts_;
  if (!p.running) return;
  p.ready = false;
  p.logger.info("stopping: no new requests, draining");
  p.server->stop();
  p.admin_server->stop();
  if (!p.dispatcher->wait_until_idle(drain)) p.logger.warn("drain timed out; unfinished events stay in the inbox");
  p.dispatcher->stop();
  if (p.reconciler) p.reconciler->stop();
  p.scheduler->stop();
  p.outbox->stop();
  p.running = false;
  p.logger.info("stopped");
}

std::uint16_t App::port() const noexcept { return parts_->server->port(); }

std::uint16_t App::admin_port() const noexcept { return parts_->admin_server->port(); }

hookline::Status<std::string> App::reload_tls() {
  Parts& p = *parts_;
  std::string failures;
  if (p.config.tls) {
    if (auto reloaded = p.server->reload_tls(); !reloaded) failures = "--tls-cert/--tls-key: " + reloaded.error().message;
  }
  if (p.config.admin_tls) {
    if (auto reloaded = p.admin_server->reload_tls(); !reloaded) {
      if (!failures.empty()) failures += "; ";
      failures += "--admin-tls-cert/--admin-tls-key: " + reloaded.error().message;
    }
  }
  if (!failures.empty()) {
    p.logger.error("tls reload failed: the files in use are kept", {{"detail", failures}});
    return hookline::fail(std::move(failures));
  }
  p.logger.info("tls reloaded", {{"tls", p.config.tls ? "on" : "off"}, {"admin_tls", p.config.admin_tls ? "on" : "off"}});
  return {};
}

bool App::wait_until_idle(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  const auto left = [&] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  };
  return parts_->dispatcher->wait_until_idle(left()) && parts_->scheduler->wait_until_idle(left());
}

}  // namespace fulfillment
