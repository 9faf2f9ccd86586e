// The shortest honest VRIO webhook receiver on hookline.
//
//   HOOKLINE_SECRET='...' receiver-example --listen 127.0.0.1:8080 --db inbox.db
//
// VRIO POSTs to /webhooks/vrio. Each delivery is verified, parsed, and stored in the SQLite inbox
// before the 2xx goes out, so an acknowledged event survives a crash; a redelivery is answered
// 2xx and runs nothing. A verified body that does not parse is quarantined in the same database
// (2xx, never handled), and a delivery refused for its signature is kept in its refused record:
// Receiver::replay_quarantined() and retry_refused() take them up. Handlers run on the dispatcher's
// threads, never on the request thread, and may run again after a crash (at-least-once): give real
// handlers an effect keyed by event id.
//
// The secret is HOOKLINE_SECRET's whole value (spaces included); during a rotation the old one goes
// in HOOKLINE_SECRET_PREVIOUS, or every secret one per line in --secret-file.

#include <csignal>
#include <iostream>
#include <mutex>
#include <string>

#include <CLI/CLI.hpp>

#include "hookline/dispatcher.hpp"
#include "hookline/http_server.hpp"
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

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"A VRIO webhook receiver built on hookline (secret from HOOKLINE_SECRET and HOOKLINE_SECRET_PREVIOUS, "
               "or --secret-file)"};
  std::string listen;
  std::string db;
  std::string secret_file;
  app.add_option("--listen", listen, "HOST:PORT to listen on; port 0 picks a free one")->required();
  app.add_option("--db", db, "SQLite inbox file, created if missing")->required();
  app.add_option("--secret-file", secret_file, "File of VRIO webhook secrets, one per line (the first is current)");
  CLI11_PARSE(app, argc, argv);

  hookline::SecretSources sources{hookline::rotation_variables("HOOKLINE_SECRET"), {}};
  if (!secret_file.empty()) sources.files.emplace_back(secret_file);
  const auto secrets = hookline::load_secrets(sources);
  const auto address = hookline::parse_listen_address(listen);
  if (!secrets || !address) {
    std::cerr << (!secrets ? secrets.error() + " (set HOOKLINE_SECRET or give --secret-file)" : address.error()) << '\n';
    return 2;
  }
  auto verifier = hookline::Verifier::create(hookline::Scheme::vrio, *secrets);
  auto inbox = hookline::SqliteInbox::open(db);
  if (!verifier || !inbox) {
    std::cerr << (!verifier ? verifier.error().to_string() : inbox.error().message) << '\n';
    return 1;
  }

  // Handlers: one typed handler, and the required fallback for every other event (new event
  // names must never break a receiver).
  hookline::Dispatcher dispatcher(**inbox, [](const hookline::InboxEntry& entry) -> hookline::HandlerStatus {
    print_handled(entry.meta);
    return {};
  });
  dispatcher.on<hookline::vrio::ShipmentScheduled>(
      [](const hookline::vrio::ShipmentScheduled&, const hookline::InboxEntry& entry) -> hookline::HandlerStatus {
        print_handled(entry.meta);  // a real receiver schedules the shipment here
        return {};
      });

  // The HTTP side: verify with the secret, read VRIO's event id, claim durably, answer.
  const hookline::Receiver receiver(std::move(*verifier), hookline::vrio_meta_parser(), **inbox);
  hookline::ServerOptions options;
  options.listen = *address;
  hookline::WebhookServer server(options);
  server.mount("/webhooks/vrio", receiver);

  // Wait for SIGINT/SIGTERM on this thread; every other thread starts with them blocked.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  dispatcher.start();
  if (const auto started = server.start(); !started) {
    std::cerr << started.error().message << '\n';
    return 1;
  }
  std::cerr << "listening on " << address->host << ':' << server.port() << std::endl;

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  server.stop();      // no new deliveries; running requests finish
  dispatcher.stop();  // running handlers finish; the rest waits in the inbox for the next start
  return 0;
}
