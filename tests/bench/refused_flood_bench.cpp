// A flood of forged deliveries against the refused record: Receiver::handle on a SqliteInbox with
// the default limits (1,000 entries, 16 MiB), one forged VRIO delivery per iteration, from 1 and 2
// threads, far more of them than the caps (20x the count with 512-byte bodies, 10x the bytes with
// bodies just under 1 MiB). Reports the time per forged request (verify + record + drop), and as
// counters what the flood reached: the record's entries and bytes, the database files on disk, and
// the process's resident memory at its peak over the resident size before. Run a Release build by hand:
//   hookline_bench_refused_flood
// (the flood test in tests/integration/refused_flood_test.cpp checks the bounds in every build).

#include <benchmark/benchmark.h>

#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "forged_flood.hpp"
#include "hookline/parse.hpp"
#include "hookline/receiver.hpp"
#include "hookline/sqlite_inbox.hpp"

namespace {

constexpr double mib = 1024.0 * 1024.0;
const std::chrono::sys_seconds now{std::chrono::seconds{1774189800}};

/// A fresh database in a directory of its own, removed afterwards.
std::filesystem::path fresh_database() {
  const auto dir = std::filesystem::temp_directory_path() / ("hookline-bench-flood-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir / "inbox.db";
}

std::unique_ptr<hookline::SqliteInbox> open_inbox(const std::filesystem::path& database) {
  auto opened = hookline::SqliteInbox::open(database);
  if (!opened) throw std::runtime_error(opened.error().message);
  return std::move(*opened);
}

struct Flood {
  std::filesystem::path database = fresh_database();
  std::unique_ptr<hookline::SqliteInbox> inbox = open_inbox(database);
  hookline::Receiver receiver{[] {
    const std::vector<hookline::Secret> secrets{hookline::Secret("bench real secret")};
    return std::move(*hookline::Verifier::create(hookline::Scheme::vrio, secrets));
  }(), hookline::meta_parser(hookline::Platform::vrio), *inbox};
  std::size_t resident_before = 0;

  Flood() = default;
  Flood(const Flood&) = delete;
  Flood& operator=(const Flood&) = delete;
  ~Flood() {
    inbox.reset();
    std::filesystem::remove_all(database.parent_path());
  }
};

std::unique_ptr<Flood> flood;

void start_flood(const benchmark::State&) {
  flood = std::make_unique<Flood>();
  flood->resident_before = hookline::flood::process_status_bytes("VmRSS");
  hookline::flood::reset_peak_resident();
}

void end_flood(const benchmark::State&) { flood.reset(); }

void forged(benchmark::State& state) {
  const auto request = hookline::flood::forged_request(static_cast<std::size_t>(state.range(0)),
                                                       static_cast<std::size_t>(state.thread_index()));
  for (auto _ : state) {
    if (flood->receiver.handle(request, now).outcome != hookline::ReceiveOutcome::bad_signature) {
      state.SkipWithError("a forged delivery was not refused");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * state.range(0));
  if (state.thread_index() == 0) {
    const auto counts = flood->inbox->refused_counts();
    state.counters["kept_entries"] = counts ? static_cast<double>(counts->entries) : -1;
    state.counters["kept_MiB"] = counts ? static_cast<double>(counts->bytes) / mib : -1;
    state.counters["disk_MiB"] = static_cast<double>(hookline::flood::database_bytes(flood->database)) / mib;
    state.counters["peak_rss_growth_MiB"] =
        (static_cast<double>(hookline::flood::process_status_bytes("VmHWM")) - static_cast<double>(flood->resident_before)) / mib;
  }
}

}  // namespace

/// Both floods: a fresh database each, 1 and 2 sending threads.
void as_flood(benchmark::internal::Benchmark* flood_run) {
  flood_run->Setup(start_flood)->Teardown(end_flood)->Threads(1)->Threads(2)->Unit(benchmark::kMicrosecond)->UseRealTime();
}

BENCHMARK(forged)->Name("refused_flood/small")->Arg(512)->Iterations(20000)->Apply(as_flood);
BENCHMARK(forged)->Name("refused_flood/large")->Arg((1 << 20) - 4096)->Iterations(160)->Apply(as_flood);

BENCHMARK_MAIN();
