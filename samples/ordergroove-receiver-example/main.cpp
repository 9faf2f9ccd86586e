// An Ordergroove webhook receiver on hookline: the same pipeline as the VRIO receiver-example,
// with Ordergroove's signature and typed handlers for its subscription and order events.
//
//   HOOKLINE_SECRET='...' ordergroove-receiver-example 127.0.0.1:8080 inbox.db
//
// Ordergroove POSTs to /webhooks/ordergroove with `Ordergroove-Signature: ts=<unix>,sig=<hex>`
// (the `ordergroove` scheme of hookline/verify.hpp). Each delivery is verified (the timestamp within
// five minutes), parsed, and stored in the SQLite inbox before the 2xx; a redelivery runs nothing.
// During a secret rotation the retiring secret goes in HOOKLINE_SECRET_PREVIOUS: a delivery signed
// with either verifies. Handlers run on the dispatcher's threads, at least once.

#include <csignal>
#include <iostream>
#include <mutex>
#include <string>
#include <string_view>

#include "hookline/dispatcher.hpp"
#include "hookline/http_server.hpp"
#include "hookline/parse.hpp"
#include "hookline/receiver.hpp"
#include "hookline/secret.hpp"
#include "hookline/sqlite_inbox.hpp"

namespace {

/// One whole, flushed line per handled event, whichever worker handled it.
hookline::HandlerStatus print(std::string_view what, const hookline::InboxEntry& entry, std::string_view object) {
  static std::mutex mutex;
  const std::lock_guard lock(mutex);
  std::cout << what << ' ' << entry.meta.type << ' ' << entry.meta.id << ' ' << object << std::endl;
  return {};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "ordergroove-receiver-example: usage: ordergroove-receiver-example HOST:PORT INBOX_DB\n";
    return 2;
  }
  const auto secrets = hookline::load_secrets({hookline::rotation_variables("HOOKLINE_SECRET"), {}});
  const auto address = hookline::parse_listen_address(argv[1]);
  if (!secrets || !address) {
    std::cerr << "ordergroove-receiver-example: " << (!secrets ? secrets.error() : address.error()) << '\n';
    return 2;
  }
  auto verifier = hookline::Verifier::create(hookline::Scheme::ordergroove, *secrets);
  auto inbox = hookline::SqliteInbox::open(argv[2]);
  if (!verifier || !inbox) {
    std::cerr << "ordergroove-receiver-example: "
              << (!verifier ? verifier.error().to_string() : inbox.error().message) << '\n';
    return 1;
  }

  // Typed handlers by object family, and the required fallback for every other event.
  namespace og = hookline::ordergroove;
  hookline::Dispatcher dispatcher(**inbox, [](const hookline::InboxEntry& entry) { return print("other", entry, "-"); });
  dispatcher.on<og::Subscription>([](const og::Subscription& subscription, const og::Event&,
                                     const hookline::InboxEntry& entry) {
    return print("subscription", entry, subscription.public_id);  // e.g. start or stop a plan here
  });
  dispatcher.on<og::Order>([](const og::Order& order, const og::Event&, const hookline::InboxEntry& entry) {
    return print("order", entry, order.public_id);  // e.g. reserve stock for order.create here
  });

  const hookline::Receiver receiver(std::move(*verifier), hookline::meta_parser(hookline::Platform::ordergroove),
                                    **inbox);
  hookline::ServerOptions options;
  options.listen = *address;
  hookline::WebhookServer server(options);
  server.mount("/webhooks/ordergroove", receiver);

  sigset_t stop_signals;  // waited for on this thread; every other thread starts with them blocked
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  dispatcher.start();
  if (const auto started = server.start(); !started) {
    std::cerr << "ordergroove-receiver-example: " << started.error().message << '\n';
    return 1;
  }
  std::cerr << "listening on " << address->host << ':' << server.port() << std::endl;
  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  server.stop();
  dispatcher.stop();
  return 0;
}
