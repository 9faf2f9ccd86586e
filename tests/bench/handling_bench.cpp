// CPU time per handled shipment_scheduled in the reference fulfillment server: the server runs in
// this process (fulfillment::App on 127.0.0.1, its SQLite databases in a temporary directory, its
// log to /dev/null), eight threads deliver signed unique shipment_scheduled events over a
// keep-alive connection each, as a platform's burst does; this thread waits until the server has handled them all, and reads the CPU time its
// dispatcher threads ("hl-dispatch") spent, from Linux's per-thread /proc/self/task/*/schedstat
// (nanoseconds on a CPU). The shipments are due in the future, so that no other work (release,
// warehouse, tracking) runs meanwhile. Prints one line per round and, last,
// "median_ns_per_event: N" for tests/bench/run-all.sh. Run a Release build by hand:
//   hookline_bench_handling [EVENTS_PER_ROUND [ROUNDS]]      (default 2000 and 9)

#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "app.hpp"
#include "storage/sqlite_fulfillment_store.hpp"
#include "fulfillment_events.hpp"
#include "hookline/secret.hpp"
#include "hookline/sign.hpp"

namespace {

constexpr std::string_view secret = "bench-secret";

/// Nanoseconds the threads named `name` of this process have spent on a CPU so far.
std::uint64_t cpu_ns_of_threads(std::string_view name) {
  std::uint64_t total = 0;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream comm(task.path() / "comm");
    std::string thread_name;
    std::getline(comm, thread_name);
    if (thread_name != name) continue;
    std::ifstream schedstat(task.path() / "schedstat");
    std::uint64_t on_cpu = 0;
    if (schedstat >> on_cpu) total += on_cpu;
  }
  return total;
}

constexpr int senders = 8;  // as many deliveries in flight as VRIO's batches have

/// Delivers `count` signed shipment_scheduled events numbered from `first`, every `senders`-th from
/// `offset` on, over one keep-alive connection; false unless each is accepted.
bool deliver_share(std::uint16_t port, const hookline::Signer& signer, std::int64_t first, int count, int offset) {
  httplib::Client client("127.0.0.1", port);
  client.set_keep_alive(true);
  client.set_tcp_nodelay(true);
  const std::string event_date = fulfillment_test::vrio_date(fulfillment_test::now_seconds());
  for (std::int64_t n = first + offset; n < first + count; n += senders) {
    const std::string body =
        fulfillment_test::scheduled("bench-" + std::to_string(n), event_date, 300000 + n, "2030-01-01 00:00:00");
    httplib::Headers headers;
    const hookline::Headers signature = signer.sign(body, "", fulfillment_test::now_seconds());
    for (const auto& field : signature.fields()) {
      headers.emplace(field.name, field.value);
    }
    const auto answer = client.Post("/webhooks/vrio", headers, body, "application/json");
    if (!answer || answer->status != 200) return false;
  }
  return true;
}

/// Delivers `count` events numbered from `first` from `senders` threads; throws unless each is accepted.
void deliver(std::uint16_t port, const hookline::Signer& signer, std::int64_t first, int count) {
  std::atomic<bool> all_accepted{true};
  {
    std::vector<std::jthread> threads;
    for (int offset = 0; offset < senders; ++offset) {
      threads.emplace_back([&, offset] {
        if (!deliver_share(port, signer, first, count, offset)) all_accepted = false;
      });
    }
  }
  if (!all_accepted) throw std::runtime_error("a delivery was not accepted");
}

}  // namespace

int main(int argc, char** argv) {
  const int per_round = argc > 1 ? std::atoi(argv[1]) : 2000;
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 9;
  if (per_round <= 0 || rounds <= 0) {
    std::cerr << "usage: hookline_bench_handling [EVENTS_PER_ROUND [ROUNDS]]\n";
    return 2;
  }
  fulfillment::configure_sqlite_for_this_process();  // as hookline-fulfillment's main() does
  fulfillment_test::TempDir dir;
  std::ofstream log("/dev/null");
  fulfillment::AppConfig config;
  config.listen = {"127.0.0.1", 0};
  config.admin_listen = {"127.0.0.1", 0};
  config.database = dir.path() / "fulfillment.db";
  config.warehouse_delay = std::chrono::milliseconds(0);
  config.webhook_secrets.emplace_back(std::string(secret));
  config.log = &log;
  auto app = fulfillment::App::create(std::move(config));
  if (!app) {
    std::cerr << "hookline_bench_handling: " << app.error() << "\n";
    return 1;
  }
  if (auto started = (*app)->start(); !started) {
    std::cerr << "hookline_bench_handling: " << started.error() << "\n";
    return 1;
  }
  const std::vector<hookline::Secret> secrets{hookline::Secret(std::string(secret))};
  const auto signer = hookline::Signer::create(hookline::Scheme::vrio, secrets);
  const std::uint16_t port = (*app)->port();

  deliver(port, *signer, 0, per_round);  // warm-up: caches, statements, the database's first pages
  if (!(*app)->wait_until_idle(std::chrono::minutes(5))) throw std::runtime_error("the warm-up was not handled");
  std::vector<double> per_event;
  for (int round = 1; round <= rounds; ++round) {
    const std::uint64_t before = cpu_ns_of_threads("hl-dispatch");
    deliver(port, *signer, std::int64_t{round} * per_round, per_round);
    if (!(*app)->wait_until_idle(std::chrono::minutes(5))) throw std::runtime_error("a round was not handled");
    const double ns = static_cast<double>(cpu_ns_of_threads("hl-dispatch") - before) / per_round;
    per_event.push_back(ns);
    std::cout << "round " << round << ": " << per_round << " events, " << ns / 1000.0
              << " us of dispatcher CPU per event\n";
  }
  (*app)->stop();
  std::sort(per_event.begin(), per_event.end());
  std::cout << "median_ns_per_event: " << static_cast<long long>(per_event[per_event.size() / 2]) << "\n";
  return 0;
}
