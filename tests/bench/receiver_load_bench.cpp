// Durable receive through HTTP: a WebhookServer on 127.0.0.1 with a SqliteInbox (WAL,
// synchronous=FULL, group commit), driven by a load client in the same process with N keep-alive
// connections, one thread each, sending pre-signed unique VRIO events back to back.
// Reports events/s and latency p50/p99/max per request (send → whole response).
// Targets on the 2-core machine: 32 connections ≥ 20k events/s with p99 ≤ 10 ms; 256 connections
// with no request over 2 s. Run a Release build by hand:
//   hookline_bench_receiver_load [--benchmark_filter=...]
// or serve alone (secret "bench-secret") and drive it with wrk and receiver_load.lua, whose client
// costs less CPU than the threads above:
//   hookline_bench_receiver_load --serve 127.0.0.1:8080 /tmp/bench-inbox.db   (or :memory:, or a
//   postgresql://user@host:port/db URI: a PostgresInbox)
//   wrk -t2 -c32 -d10s -s tests/bench/receiver_load.lua URL -- samples/vrio/shipment_scheduled.json
// with URL http://127.0.0.1:8080/webhooks/vrio; with a PEM certificate chain and key after the
// database it serves HTTPS (URL https://...), as tests/bench/run-all.sh's tls section does.

#include <benchmark/benchmark.h>

#include <csignal>
#include <iostream>
#include <string_view>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "hookline/http_server.hpp"
#include "hookline/parse.hpp"
#include "hookline/postgres_inbox.hpp"
#include "hookline/receiver.hpp"
#include "hookline/sign.hpp"
#include "hookline/sqlite_inbox.hpp"

namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr std::string_view secret = "bench-secret";

std::string sample_body() {
  std::ifstream in(std::string(HOOKLINE_SAMPLES_DIR) + "/vrio/shipment_scheduled.json", std::ios::binary);
  if (!in) {
    throw std::runtime_error("cannot read the shipment_scheduled sample");
  }
  return {std::istreambuf_iterator<char>(in), {}};
}

/// A signed POST of the sample with a unique event id and shipment.
std::string signed_request(const hookline::Signer& signer, const std::string& sample, const std::string& id,
                           long long shipment) {
  std::string body = sample;
  body.replace(body.find("\"webhook_event_id\": 10001"), 25, "\"webhook_event_id\": \"" + id + "\"");
  body.replace(body.find("\"shipment_id\": 251606"), 21, "\"shipment_id\": " + std::to_string(shipment));
  std::string request = "POST /webhooks/vrio HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n";
  const auto headers = signer.sign(body, id, {});
  for (const auto& field : headers.fields()) {
    request += field.name + ": " + field.value + "\r\n";
  }
  request += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  return request;
}

int connect_to(std::uint16_t port) {
  const int sock = ::socket(AF_INET, SOCK_STREAM, 0);
  const int on = 1;
  ::setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(sock, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) {
    ::close(sock);
    return -1;
  }
  return sock;
}

/// Sends one request and reads its whole response; the status, or 0 on a broken connection.
/// Reconnects (once) when the server closed the connection (keep-alive limits).
int exchange(int& sock, std::uint16_t port, const std::string& request, std::string& buffer) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (sock < 0) {
      sock = connect_to(port);
    }
    buffer.clear();
    bool sent = ::send(sock, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size());
    std::size_t header_end = std::string::npos;
    std::size_t need = 0;
    char chunk[4096];
    while (sent) {
      const auto n = ::recv(sock, chunk, sizeof(chunk), 0);
      if (n <= 0) {
        break;
      }
      buffer.append(chunk, static_cast<std::size_t>(n));
      if (header_end == std::string::npos && (header_end = buffer.find("\r\n\r\n")) != std::string::npos) {
        const auto at = buffer.find("Content-Length: ");
        need = header_end + 4 + (at < header_end ? std::stoul(buffer.substr(at + 16)) : 0);
      }
      if (header_end != std::string::npos && buffer.size() >= need) {
        if (buffer.find("Connection: close") < header_end) {
          ::close(sock);
          sock = -1;
        }
        return std::stoi(buffer.substr(9, 3));
      }
    }
    ::close(sock);
    sock = -1;
  }
  return 0;
}

/// One run: a fresh inbox and server, `connections` senders with `per_connection` events each;
/// `durable` 0 swaps the SQLite inbox for a MemoryInbox, to show what the HTTP side costs alone.
void BM_durable_receive_over_http(benchmark::State& state) {
  const auto connections = static_cast<int>(state.range(0));
  const auto per_connection = static_cast<int>(state.range(1));
  const bool durable = state.range(2) != 0;

  const auto dir = std::filesystem::temp_directory_path() / ("hookline-load-bench-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  auto inbox = hookline::SqliteInbox::open(dir / "inbox.db");
  hookline::MemoryInbox memory;
  const std::vector<hookline::Secret> secrets{hookline::Secret(std::string(secret))};
  auto verifier = hookline::Verifier::create(hookline::Scheme::vrio, secrets);
  auto signer = hookline::Signer::create(hookline::Scheme::vrio, secrets);
  if (!inbox || !verifier || !signer) {
    state.SkipWithError("cannot set up");
    return;
  }
  hookline::ReceiverStore& store = durable ? static_cast<hookline::ReceiverStore&>(**inbox) : memory;
  const hookline::Receiver receiver(std::move(*verifier), hookline::meta_parser(hookline::Platform::vrio), store);
  hookline::WebhookServer server;
  server.mount("/webhooks/vrio", receiver);
  if (!server.start()) {
    state.SkipWithError("cannot listen");
    return;
  }

  const auto sample = sample_body();
  // Event and shipment ids are numbers that grow in the order the requests go out, as VRIO's do.
  static long long next_id = 1000000;
  std::vector<std::vector<std::string>> requests(static_cast<std::size_t>(connections));
  for (int i = 0; i < per_connection; ++i) {
    for (int c = 0; c < connections; ++c) {
      const long long id = next_id++;
      requests[c].push_back(signed_request(*signer, sample, std::to_string(id), id));
    }
  }

  std::vector<std::vector<double>> latencies(static_cast<std::size_t>(connections));
  std::atomic<int> failures{0};
  double elapsed = 0;
  for (auto _ : state) {
    std::atomic<int> ready{0};
    std::atomic<bool> go{false};
    std::vector<std::thread> senders;
    for (int c = 0; c < connections; ++c) {
      senders.emplace_back([&, c] {
        int sock = connect_to(server.port());
        std::string buffer;
        latencies[c].reserve(requests[c].size());
        ++ready;
        while (!go) {
          std::this_thread::yield();
        }
        for (const auto& request : requests[c]) {
          const auto started = SteadyClock::now();
          const int status = exchange(sock, server.port(), request, buffer);
          latencies[c].push_back(std::chrono::duration<double, std::milli>(SteadyClock::now() - started).count());
          if (status != 200) {
            ++failures;
          }
        }
        if (sock >= 0) {
          ::close(sock);
        }
      });
    }
    while (ready < connections) {
      std::this_thread::yield();
    }
    const auto started = SteadyClock::now();
    go = true;
    for (auto& sender : senders) {
      sender.join();
    }
    elapsed = std::chrono::duration<double>(SteadyClock::now() - started).count();
    state.SetIterationTime(elapsed);
  }

  std::vector<double> all;
  for (const auto& per : latencies) {
    all.insert(all.end(), per.begin(), per.end());
  }
  std::sort(all.begin(), all.end());
  const auto at = [&all](double quantile) { return all[static_cast<std::size_t>(quantile * static_cast<double>(all.size() - 1))]; };
  state.SetItemsProcessed(static_cast<std::int64_t>(all.size()));
  state.counters["events_per_s"] = static_cast<double>(all.size()) / elapsed;
  state.counters["p50_ms"] = at(0.50);
  state.counters["p99_ms"] = at(0.99);
  state.counters["max_ms"] = all.back();
  state.counters["failures"] = failures.load();
  state.counters["commit_batches"] = static_cast<double>((*inbox)->commit_stats().batches);
  state.counters["log_syncs"] = static_cast<double>((*inbox)->commit_stats().syncs);
  server.stop();
  inbox->reset();
  std::filesystem::remove_all(dir);
}

BENCHMARK(BM_durable_receive_over_http)
    ->ArgNames({"connections", "per_connection", "durable"})
    ->Args({32, 2500, 1})
    ->Args({256, 200, 1})
    ->Args({32, 2500, 0})
    ->UseManualTime()
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

/// Serves durable (or, with ":memory:", in-memory) receives until SIGINT or SIGTERM, on a SQLite file
/// or a PostgreSQL database (a postgresql:// URI), over TLS when `tls` is given.
int serve(std::string_view listen, const std::string& db, std::optional<hookline::TlsFiles> tls) {
  const auto address = hookline::parse_listen_address(listen);
  const std::vector<hookline::Secret> secrets{hookline::Secret(std::string(secret))};
  auto verifier = hookline::Verifier::create(hookline::Scheme::vrio, secrets);
  std::unique_ptr<hookline::SqliteInbox> sqlite;
  std::unique_ptr<hookline::PostgresInbox> postgres;
  if (hookline::is_postgres_uri(db)) {
    auto opened = hookline::PostgresInbox::open(db);
    if (!opened) {
      std::cerr << opened.error().message << "\n";
      return 1;
    }
    postgres = std::move(*opened);
  } else if (db != ":memory:") {
    if (auto opened = hookline::SqliteInbox::open(db)) {
      sqlite = std::move(*opened);
    }
  }
  hookline::MemoryInbox memory;
  if (!address || !verifier || (db != ":memory:" && !sqlite && !postgres)) {
    std::cerr << "usage: hookline_bench_receiver_load --serve HOST:PORT DB|postgresql://...|:memory: [CERT_CHAIN.pem KEY.pem]\n";
    return 2;
  }
  hookline::ReceiverStore& store = sqlite     ? static_cast<hookline::ReceiverStore&>(*sqlite)
                                   : postgres ? static_cast<hookline::ReceiverStore&>(*postgres)
                                              : memory;
  const hookline::Receiver receiver(std::move(*verifier), hookline::meta_parser(hookline::Platform::vrio), store);
  hookline::ServerOptions options;
  options.listen = *address;
  options.tls = std::move(tls);
  hookline::WebhookServer server(options);
  server.mount("/webhooks/vrio", receiver);
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  if (const auto started = server.start(); !started) {
    std::cerr << started.error().message << "\n";
    return 1;
  }
  std::cerr << "listening on " << address->host << ':' << server.port() << std::endl;
  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  server.stop();
  if (sqlite) {
    std::cerr << "commit batches " << sqlite->commit_stats().batches << ", claims " << sqlite->commit_stats().claims
              << std::endl;
  }
  if (postgres) {
    std::cerr << "commit batches " << postgres->commit_stats().batches << ", claims " << postgres->commit_stats().claims
              << std::endl;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if ((argc == 4 || argc == 6) && std::string_view(argv[1]) == "--serve") {
    return serve(argv[2], argv[3], argc == 6 ? std::optional(hookline::TlsFiles{argv[4], argv[5]}) : std::nullopt);
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
