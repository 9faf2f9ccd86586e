// The shortest honest VRIO webhook receiver on hookline.
//
//   export HOOKLINE_SECRET='...' HOOKLINE_ADMIN_TOKEN="$(openssl rand -hex 32)"
//   receiver-example --listen 127.0.0.1:8080 --admin-listen 127.0.0.1:8081 --db inbox.db
//
// VRIO POSTs to /webhooks/vrio. Each delivery is verified, parsed, and stored in the inbox (a SQLite
// file, or a PostgreSQL database that several instances share: --db postgresql://...) before the
// 2xx goes out, so an acknowledged event survives a crash; a redelivery is answered 2xx and runs
// nothing, whichever instance it reaches. A verified body that does not parse is quarantined in the same database
// (2xx, never handled), and a delivery refused for its signature is kept in its refused record.
// Handlers run on the dispatcher's threads, never on the request thread, and may run again after a
// crash (at-least-once): give real handlers an effect keyed by event id.
//
// The operator's side is a second listener whose access check wants the admin token: it lists the
// refused record and retries an entry (after a rotation mistake), and replays quarantined
// deliveries (after an upgrade that parses them). The public listener serves webhooks only.
//
// Behind a load balancer, GET /readyz on the webhook listener answers 503 while the inbox does not
// answer and once SIGTERM has come: the listener then keeps serving for --drain-seconds, so that
// the balancer moves traffic away first, before it stops, finishes its running requests and exits.
//
// The secret is HOOKLINE_SECRET's whole value (spaces included); during a rotation the old one goes
// in HOOKLINE_SECRET_PREVIOUS, or every secret one per line in --secret-file. Usage errors exit 2.

#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include <CLI/CLI.hpp>

#include "hookline/dispatcher.hpp"
#include "hookline/http_server.hpp"
#include "hookline/parse.hpp"
#include "hookline/postgres_inbox.hpp"
#include "hookline/receiver.hpp"
#include "hookline/secret.hpp"
#include "hookline/sqlite_inbox.hpp"

namespace {

/// One whole, flushed line per handled event, whichever worker handled it.
void print_handled(const hookline::EventMeta& meta) {
  static std::mutex mutex;
  const std::lock_guard lock(mutex);
  std::cout << "handled " << meta.type << ' ' << meta.id << std::endl;
}

/// The inbox `db` names: a PostgreSQL database for a connection URI, a SQLite file for anything else.
hookline::Result<std::unique_ptr<hookline::ReceiverStore>, hookline::StoreError> open_inbox(const std::string& db) {
  if (hookline::is_postgres_uri(db)) {
    auto opened = hookline::PostgresInbox::open(db);
    if (!opened) return hookline::fail(opened.error());
    return std::unique_ptr<hookline::ReceiverStore>(std::move(*opened));
  }
  auto opened = hookline::SqliteInbox::open(db);
  if (!opened) return hookline::fail(opened.error());
  return std::unique_ptr<hookline::ReceiverStore>(std::move(*opened));
}

/// Returns when one of `signals` (blocked) comes, or after `timeout`.
void wait_for_signal(const sigset_t& signals, std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::nanoseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return;
    const timespec wait{static_cast<time_t>(left.count() / 1'000'000'000), static_cast<long>(left.count() % 1'000'000'000)};
    if (sigtimedwait(&signals, nullptr, &wait) > 0 || errno != EINTR) return;  // a signal, or EAGAIN: the time is up
  }
}

std::chrono::sys_seconds now() { return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()); }

/// The answer to a replay or a retry: `{"status":"accepted"}` (or "duplicate") once claimed, a 422
/// whose code says why it is still kept (bad_signature, quarantined, ...), or the error.
hookline::HttpResponse recovery_answer(const hookline::Result<hookline::RecoveryResult, hookline::RecoveryError>& done) {
  if (!done) {
    const bool missing = done.error().kind == hookline::RecoveryError::Kind::not_found;
    return hookline::error_response(missing ? 404 : 503, missing ? "not_found" : "store_unavailable", done.error().message);
  }
  const auto outcome = done->outcome;
  if (outcome != hookline::ReceiveOutcome::accepted && outcome != hookline::ReceiveOutcome::duplicate) {
    return hookline::error_response(422, hookline::to_string(outcome), done->detail);  // still kept
  }
  hookline::HttpResponse response;
  response.body = R"({"status":")" + std::string(hookline::to_string(outcome)) + R"("})";
  return response;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"A VRIO webhook receiver built on hookline (secret from HOOKLINE_SECRET and HOOKLINE_SECRET_PREVIOUS, "
               "or --secret-file; admin token from HOOKLINE_ADMIN_TOKEN)"};
  std::string listen;
  std::string admin_listen;
  std::string db;
  std::string secret_file;
  int drain_seconds = 5;
  app.add_option("--listen", listen, "HOST:PORT for webhooks; port 0 picks a free one")->required();
  app.add_option("--admin-listen", admin_listen, "HOST:PORT of the operator's listener (needs HOOKLINE_ADMIN_TOKEN)");
  app.add_option("--db", db,
                 "SQLite inbox file (created if missing), or postgresql://user@host:port/dbname for a database "
                 "that several instances share (password from PGPASSWORD, PGPASSFILE or HOOKLINE_DB_PASSWORD)")
      ->required();
  app.add_option("--drain-seconds", drain_seconds,
                 "After SIGTERM, how long /readyz fails while webhooks are still served, before the listener stops")
      ->default_val(drain_seconds)
      ->check(CLI::NonNegativeNumber);
  app.add_option("--secret-file", secret_file, "File of VRIO webhook secrets, one per line (the first is current)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& help) {
    return app.exit(help);
  } catch (const CLI::ParseError& failure) {
    std::cerr << "receiver-example: " << failure.what() << " (see --help)\n";
    return 2;
  }

  const auto usage = [](const std::string& message) {
    std::cerr << "receiver-example: " << message << '\n';
    return 2;
  };
  hookline::SecretSources sources{hookline::rotation_variables("HOOKLINE_SECRET"), {}};
  if (!secret_file.empty()) sources.files.emplace_back(secret_file);
  const auto secrets = hookline::load_secrets(sources);
  if (!secrets) return usage(secrets.error() + " (set HOOKLINE_SECRET or give --secret-file)");
  const auto address = hookline::parse_listen_address(listen);
  if (!address) return usage("--listen: " + address.error());
  const auto admin_address = hookline::parse_listen_address(admin_listen.empty() ? "127.0.0.1:0" : admin_listen);
  if (!admin_address) return usage("--admin-listen: " + admin_address.error());
  const char* admin_token = std::getenv("HOOKLINE_ADMIN_TOKEN");
  if (!admin_listen.empty() && (admin_token == nullptr || std::string_view(admin_token).size() < 32)) {
    return usage("--admin-listen needs HOOKLINE_ADMIN_TOKEN, 32 characters at least");
  }
  if (hookline::is_postgres_uri(db)) {
    if (const auto checked = hookline::check_postgres_uri(db); !checked) return usage("--db: " + checked.error().message);
  }
  auto verifier = hookline::Verifier::create(hookline::Scheme::vrio, *secrets);
  auto inbox = open_inbox(db);
  if (!verifier || !inbox) {
    std::cerr << "receiver-example: " << (!verifier ? verifier.error().to_string() : inbox.error().message) << '\n';
    return 1;
  }

  // Handlers: one typed handler, and the required fallback for every other event (new event
  // names must never break a receiver). A worker takes up to 128 due events at once and records
  // their outcomes in one write, after waiting 20 ms for more to arrive: under load the inbox's
  // work per handled event is a share of one take and one record.
  hookline::DispatcherOptions dispatch;
  dispatch.batch = 128;
  dispatch.linger = std::chrono::milliseconds(20);
  hookline::Dispatcher dispatcher(
      **inbox,
      [](const hookline::InboxEntry& entry) -> hookline::HandlerStatus {
        print_handled(entry.meta);
        return {};
      },
      dispatch);
  dispatcher.on<hookline::vrio::ShipmentScheduled>(
      [](const hookline::vrio::ShipmentScheduled&, const hookline::vrio::Event&,
         const hookline::InboxEntry& entry) -> hookline::HandlerStatus {
        print_handled(entry.meta);  // a real receiver schedules the shipment here
        return {};
      });

  // The HTTP side: verify with the secret, read VRIO's event id, claim durably, answer.
  const hookline::Receiver receiver(std::move(*verifier), hookline::meta_parser(hookline::Platform::vrio), **inbox);
  hookline::ServerOptions options;
  options.listen = *address;
  hookline::WebhookServer server(options);
  server.mount("/webhooks/vrio", receiver);
  // Readiness for a load balancer: not while the inbox does not answer (webhooks get 503 then too,
  // and nothing is acknowledged that is not stored), nor once a stop signal came.
  std::atomic<bool> draining{false};
  server.route(
      "GET", "/readyz",
      [&](const hookline::HttpRequest&) {
        if (draining.load()) return hookline::error_response(503, "draining", "this instance is stopping");
        if (const auto depth = (*inbox)->quarantine_depth(); !depth) {
          return hookline::error_response(503, "store_unavailable", depth.error().message);
        }
        hookline::HttpResponse response;
        response.body = R"({"status":"ready"})";
        return response;
      },
      hookline::RouteAccess::open);

  // The operator's listener: every route behind the token but /healthz.
  std::optional<hookline::WebhookServer> admin;
  if (!admin_listen.empty()) {
    hookline::ServerOptions admin_options;
    admin_options.listen = *admin_address;
    admin_options.threads = 4;
    admin_options.access_check = hookline::require_bearer_token(hookline::Secret(admin_token));
    admin.emplace(admin_options);
    admin->route("GET", "/api/refused", [&inbox](const hookline::HttpRequest&) {
      auto page = (*inbox)->list_refused({});
      if (!page) return hookline::error_response(503, "store_unavailable", page.error().message);
      hookline::HttpResponse response;
      response.body = R"({"refused":[)";
      for (const auto& entry : page->entries) {
        if (response.body.back() == '}') response.body += ',';
        response.body += R"({"id":)" + std::to_string(entry.id) + R"(,"reason":")" + entry.delivery.reason + R"("})";
      }
      response.body += "]}";
      return response;
    });
    admin->route("POST", "/api/refused/(\\d+)/retry", [&](const hookline::HttpRequest& request) {
      auto retried = receiver.retry_refused(std::stoll(request.matches[1]), now());
      dispatcher.notify();  // an event may be waiting in the inbox now
      return recovery_answer(retried);
    });
    admin->route("POST", "/api/quarantine/(\\d+)/replay", [&](const hookline::HttpRequest& request) {
      auto replayed = receiver.replay_quarantined(std::stoll(request.matches[1]), now());
      dispatcher.notify();
      return recovery_answer(replayed);
    });
    admin->route("GET", "/healthz", [](const hookline::HttpRequest&) { return hookline::HttpResponse{}; },
                 hookline::RouteAccess::open);
  }

  // Wait for SIGINT/SIGTERM on this thread; every other thread starts with them blocked.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  dispatcher.start();
  for (hookline::WebhookServer* listener : {&server, admin ? &*admin : nullptr}) {
    if (listener == nullptr) continue;
    if (const auto started = listener->start(); !started) {
      std::cerr << "receiver-example: " << started.error().message << '\n';
      return 1;
    }
  }
  std::cerr << "listening on " << address->host << ':' << server.port() << std::endl;
  if (admin) std::cerr << "admin listening on " << admin_address->host << ':' << admin->port() << std::endl;

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  // Drain: fail /readyz and keep serving, so that the balancer moves traffic away before the
  // listener closes. A second signal ends the drain at once.
  draining = true;
  std::cerr << "draining for " << drain_seconds << " s" << std::endl;
  wait_for_signal(stop_signals, std::chrono::seconds(drain_seconds));
  server.stop();            // no new deliveries; running requests finish
  if (admin) admin->stop();
  dispatcher.stop();        // running handlers finish; the rest waits in the inbox for the next start
  return 0;
}
