// A receiver process for the crash suite: VRIO at POST /webhooks/vrio, inbox in DIR/inbox.db, and a
// handler whose effect is a row in DIR/effects.db, applied once per event id (checked and written in
// one transaction), while every handler run is counted in DIR/effects.db's runs table.
// Prints "listening <port>" once it serves; SIGTERM stops it cleanly, SIGKILL is the point.
//
// Usage: hookline_crash_receiver DIR

#include <csignal>
#include <iostream>
#include <mutex>
#include <string>
#include <vector>

#include <SQLiteCpp/SQLiteCpp.h>

#include "hookline/dispatcher.hpp"
#include "hookline/http_server.hpp"
#include "hookline/parse.hpp"
#include "hookline/receiver.hpp"
#include "hookline/secret.hpp"
#include "hookline/sqlite_inbox.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: hookline_crash_receiver DIR\n";
    return 2;
  }
  const std::string dir = argv[1];
  const auto secrets = hookline::load_secrets(hookline::SecretSources{{"HOOKLINE_SECRET"}, {}});
  if (!secrets) {
    std::cerr << "cannot start: " << secrets.error() << "\n";
    return 1;
  }
  auto verifier = hookline::Verifier::create(hookline::Scheme::vrio, *secrets);
  auto inbox = hookline::SqliteInbox::open(dir + "/inbox.db");
  if (!verifier || !inbox) {
    std::cerr << "cannot start\n";
    return 1;
  }

  SQLite::Database effects(dir + "/effects.db", SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  effects.exec("PRAGMA journal_mode=WAL");
  effects.exec("PRAGMA synchronous=FULL");
  effects.exec("CREATE TABLE IF NOT EXISTS effects(event_id TEXT NOT NULL)");
  effects.exec("CREATE TABLE IF NOT EXISTS runs(event_id TEXT NOT NULL)");
  std::mutex effects_mutex;

  hookline::Dispatcher dispatcher(**inbox, [&](const hookline::InboxEntry& entry) -> hookline::HandlerStatus {
    const std::lock_guard lock(effects_mutex);
    SQLite::Transaction transaction(effects, SQLite::TransactionBehavior::IMMEDIATE);
    SQLite::Statement run(effects, "INSERT INTO runs(event_id) VALUES(?)");
    run.bind(1, entry.meta.id);
    run.exec();
    SQLite::Statement seen(effects, "SELECT count(*) FROM effects WHERE event_id = ?");
    seen.bind(1, entry.meta.id);
    seen.executeStep();
    if (seen.getColumn(0).getInt() == 0) {
      SQLite::Statement apply(effects, "INSERT INTO effects(event_id) VALUES(?)");
      apply.bind(1, entry.meta.id);
      apply.exec();
    }
    transaction.commit();
    return {};
  });

  const hookline::Receiver receiver(std::move(*verifier), hookline::meta_parser(hookline::Platform::vrio), **inbox);
  hookline::WebhookServer server;
  server.mount("/webhooks/vrio", receiver);

  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  dispatcher.start();
  if (!server.start()) {
    std::cerr << "cannot listen\n";
    return 1;
  }
  std::cout << "listening " << server.port() << std::endl;
  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  server.stop();
  dispatcher.stop();
  return 0;
}
