// The shortest honest VRIO webhook receiver on hookline.
//
//   HOOKLINE_SECRET='...' HOOKLINE_ADMIN_TOKEN="$(openssl rand -hex 32)" \
//     receiver-example --listen 127.0.0.1:8080 --admin-listen 127.0.0.1:8081 --db inbox.db
//
// VRIO POSTs to /webhooks/vrio. Each delivery is verified, parsed, and stored in the SQLite inbox
// before the 2xx goes out, so an acknowledged event survives a crash; a redelivery is answered
// 2xx and runs nothing. A verified body that does not parse is quarantined in the same database
// (2xx, never handled), and a delivery refused for its signature is kept in its refused record.
// Handlers run on the dispatcher's threads, never on the request thread, and may run again after a
// crash (at-least-once): give real handlers an effect keyed by event id.
//
// The operator's side is a second listener whose access check wants the admin token: it lists the
// refused record and retries an entry (after a rotation mistake), and replays quarantined
// deliveries (after an upgrade that parses them). The public listener serves webhooks only.
//
// The secret is HOOKLINE_SECRET's whole value (spaces included); during a rotation the old one goes
// in HOOKLINE_SECRET_PREVIOUS, or every secret one per line in --secret-file. Usage errors exit 2.

#include <csignal>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include <CLI/CLI.hpp>

#include "hookline/dispatcher.hpp"
#include "hookline/http_server.hpp"
#include "hookline/parse.hpp"
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
  app.add_option("--listen", listen, "HOST:PORT for webhooks; port 0 picks a free one")->required();
  app.add_option("--admin-listen", admin_listen, "HOST:PORT of the operator's listener (needs HOOKLINE_ADMIN_TOKEN)");
  app.add_option("--db", db, "SQLite inbox file, created if missing")->required();
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
  auto verifier = hookline::Verifier::create(hookline::Scheme::vrio, *secrets);
  auto inbox = hookline::SqliteInbox::open(db);
  if (!verifier || !inbox) {
    std::cerr << "receiver-example: " << (!verifier ? verifier.error().to_string() : inbox.error().message) << '\n';
    return 1;
  }

  // Handlers: one typed handler, and the required fallback for every other event (new event
  // names must never break a receiver).
  hookline::Dispatcher dispatcher(**inbox, [](const hookline::InboxEntry& entry) -> hookline::HandlerStatus {
    print_handled(entry.meta);
    return {};
  });
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
  server.stop();            // no new deliveries; running requests finish
  if (admin) admin->stop();
  dispatcher.stop();        // running handlers finish; the rest waits in the inbox for the next start
  return 0;
}
