// What handling costs on the PostgreSQL inbox: take_due(batch) + record(all handled) over a backlog
// of 10,240 claimed events (the sample shipment_scheduled body, each of its own entity, as the
// receiver load sends them), on a throwaway PostgreSQL cluster (tests/support/postgres_cluster.hpp,
// shared_buffers 128 MB). Each run fills a fresh schema, then takes and records until the backlog is
// drained.
//
//   nice -n -19 hookline_bench_postgres_inbox --benchmark_repetitions=5
//
// Per handled event: client_us (this process's CPU: libpq and the store), pg_backend_us (the CPU of
// the server processes serving connections) and pg_us (the whole server's: the backends, the WAL
// writer, the checkpointer, autovacuum, and any that exited meanwhile); claim_pg_us is the whole
// server's CPU per claim while the backlog was claimed.

#include <benchmark/benchmark.h>

#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

#include "hookline/postgres_inbox.hpp"
#include "postgres_cluster.hpp"

namespace {

using hookline::test::PostgresCluster;

constexpr int backlog = 10240;
constexpr int claimers = 32;
const auto now = std::chrono::sys_seconds{std::chrono::seconds{1774189800}};

PostgresCluster* cluster = nullptr;
std::unique_ptr<hookline::PostgresInbox> inbox;
int next_event = 0;
double claim_server_seconds = 0;  // the server's CPU while the backlog was claimed

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

/// CPU seconds of a process from /proc/<pid>/stat: its own, and (with `children`) that of its
/// children it has waited for.
double cpu_seconds(const std::string& pid, bool children) {
  const std::string stat = read_file("/proc/" + pid + "/stat");
  const auto after_name = stat.rfind(')');
  if (after_name == std::string::npos) {
    return 0;  // gone meanwhile
  }
  std::vector<std::string> fields;  // fields[0] is the state, the third field of stat(5)
  std::string field;
  for (char c : stat.substr(after_name + 2)) {
    if (c == ' ') {
      fields.push_back(field);
      field.clear();
    } else {
      field += c;
    }
  }
  if (fields.size() < 15) {
    return 0;
  }
  const auto ticks = [&](std::size_t stat_field) { return std::stod(fields[stat_field - 3]); };
  double total = ticks(14) + ticks(15);  // utime, stime
  if (children) {
    total += ticks(16) + ticks(17);  // cutime, cstime
  }
  return total / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

/// The server's CPU so far: its connections' backends, and the whole server.
struct ServerCpu {
  double backends = 0;
  double total = 0;
};

ServerCpu server_cpu() {
  static const std::string postmaster = [] {
    const auto backend = cluster->query("SELECT pg_backend_pid()").at(0).at(0);
    const std::string stat = read_file("/proc/" + backend + "/stat");
    std::string rest = stat.substr(stat.rfind(')') + 2);  // "S <ppid> ..."
    rest = rest.substr(2);
    return rest.substr(0, rest.find(' '));
  }();
  ServerCpu cpu;
  cpu.total = cpu_seconds(postmaster, true);
  for (const auto& process : std::filesystem::directory_iterator("/proc")) {
    const std::string pid = process.path().filename().string();
    if (pid.find_first_not_of("0123456789") != std::string::npos) {
      continue;
    }
    const std::string stat = read_file(process.path() / "stat");
    const auto after_name = stat.rfind(')');
    if (after_name == std::string::npos || stat.compare(after_name + 4, postmaster.size() + 1, postmaster + " ") != 0) {
      continue;  // not the postmaster's child
    }
    const double used = cpu_seconds(pid, false);
    cpu.total += used;
    // A backend's title is "postgres: <user> <database> <client> <activity>".
    if (read_file(process.path() / "cmdline").starts_with("postgres: hookline ")) {
      cpu.backends += used;
    }
  }
  return cpu;
}

double process_cpu_seconds() {
  timespec used{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &used);
  return static_cast<double>(used.tv_sec) + static_cast<double>(used.tv_nsec) / 1e9;
}

/// A fresh schema holding `backlog` claimed events, claimed by 32 threads at once (group commit).
void fill(const benchmark::State&) {
  inbox = hookline::test::open_postgres(cluster->fresh_schema_uri());
  const double before = server_cpu().total;
  static const std::string body = read_file(std::filesystem::path(HOOKLINE_SAMPLES_DIR) / "vrio" / "shipment_scheduled.json");
  const int first = next_event;
  next_event += backlog;
  std::vector<std::thread> threads;
  for (int t = 0; t < claimers; ++t) {
    threads.emplace_back([t, first] {
      hookline::EventMeta meta;
      meta.platform = hookline::Platform::vrio;
      meta.type = "shipment_scheduled";
      meta.occurred_at = now;
      for (int n = first + t; n < first + backlog; n += claimers) {
        meta.id = std::to_string(n);
        meta.entity = "shipment:" + std::to_string(n);
        if (!inbox->claim(meta, body, now)) {
          throw std::runtime_error("a claim failed");
        }
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  claim_server_seconds = server_cpu().total - before;
}

void drop(const benchmark::State&) { inbox.reset(); }

void take_and_record(benchmark::State& state) {
  const auto batch = static_cast<std::size_t>(state.range(0));
  std::size_t handled = 0;
  std::vector<hookline::HandlingOutcome> outcomes;
  const ServerCpu server_before = server_cpu();
  const double client_before = process_cpu_seconds();
  for (auto _ : state) {
    auto taken = inbox->take_due(batch, now);
    if (!taken || taken->size() != batch) {
      state.SkipWithError(taken ? "a take came short of the batch" : taken.error().message.c_str());
      return;
    }
    outcomes.clear();
    for (const auto& entry : *taken) {
      hookline::HandlingOutcome outcome;
      outcome.id = entry.id;
      outcomes.push_back(outcome);
    }
    auto recorded = inbox->record(outcomes);
    if (!recorded || *recorded != batch) {
      state.SkipWithError(recorded ? "not every outcome was recorded" : recorded.error().message.c_str());
      return;
    }
    handled += batch;
  }
  const double client = process_cpu_seconds() - client_before;
  const ServerCpu server_after = server_cpu();
  const auto per_event_us = [handled](double seconds) { return seconds * 1e6 / static_cast<double>(handled); };
  state.counters["client_us"] = per_event_us(client);
  state.counters["pg_backend_us"] = per_event_us(server_after.backends - server_before.backends);
  state.counters["pg_us"] = per_event_us(server_after.total - server_before.total);
  state.counters["claim_pg_us"] = claim_server_seconds * 1e6 / backlog;
  state.SetItemsProcessed(static_cast<std::int64_t>(handled));
}

}  // namespace

BENCHMARK(take_and_record)->Arg(32)->Iterations(backlog / 32)->Setup(fill)->Teardown(drop)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(take_and_record)->Arg(128)->Iterations(backlog / 128)->Setup(fill)->Teardown(drop)->Unit(benchmark::kMillisecond)->UseRealTime();

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  PostgresCluster started("128MB");  // the server's default: the tests' 16 MB would not hold the backlog
  cluster = &started;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
