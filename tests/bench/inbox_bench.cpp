// Durable claims per second on the SQLite inbox (WAL, synchronous=FULL, 1 KB bodies): group commit
// (batches up to 256) against one commit per claim, with 1 and 32 concurrent claimers.
//
//   hookline_bench_inbox --benchmark_min_time=2
//
// items_per_second is claims/s over all threads; claims_per_commit is the mean batch size.
//
// dispatch/*: events/s a Dispatcher (2 workers, no-op handler, 100 entities) takes from a store,
// hands over and marks handled.

#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

#include "hookline/dispatcher.hpp"
#include "hookline/sqlite_inbox.hpp"

namespace {

std::filesystem::path bench_directory;
std::unique_ptr<hookline::SqliteInbox> inbox;
std::atomic<std::uint64_t> next_id{0};
const std::string body(1024, 'x');

/// A fresh database per run; range(0) is the largest batch.
void open_inbox(const benchmark::State& state) {
  std::string pattern = (std::filesystem::temp_directory_path() / "hookline-inbox-bench-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error("mkdtemp failed");
  }
  bench_directory = pattern;
  hookline::SqliteInboxOptions options;
  options.max_batch = static_cast<std::size_t>(state.range(0));
  auto opened = hookline::SqliteInbox::open(bench_directory / "inbox.db", options);
  if (!opened) {
    throw std::runtime_error(opened.error().message);
  }
  inbox = std::move(*opened);
}

void close_inbox(const benchmark::State&) {
  inbox.reset();
  std::filesystem::remove_all(bench_directory);
}

void claims(benchmark::State& state) {
  hookline::EventMeta meta;
  meta.type = "shipment_scheduled";
  meta.occurred_at = std::chrono::sys_seconds{std::chrono::seconds{1774189800}};
  const auto now = meta.occurred_at;
  for (auto _ : state) {
    const auto id = next_id.fetch_add(1);
    meta.id = std::to_string(id);
    meta.entity = "shipment:" + std::to_string(id % 1000);
    auto outcome = inbox->claim(meta, body, now);
    if (!outcome || *outcome != hookline::ClaimOutcome::accepted) {
      state.SkipWithError("claim failed");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
  if (state.thread_index() == 0) {
    const auto stats = inbox->commit_stats();
    state.counters["claims_per_commit"] =
        stats.batches == 0 ? 0.0 : static_cast<double>(stats.claims) / static_cast<double>(stats.batches);
  }
}

constexpr int events_per_round = 1000;

void dispatch(benchmark::State& state, bool sqlite) {
  std::unique_ptr<hookline::InboxStore> store;
  if (sqlite) {
    store = std::move(inbox);
  } else {
    store = std::make_unique<hookline::MemoryInbox>();
  }
  hookline::EventMeta meta;
  meta.type = "shipment_scheduled";
  meta.occurred_at = std::chrono::sys_seconds{std::chrono::seconds{1774189800}};
  hookline::DispatcherOptions options;
  options.clock = [now = meta.occurred_at] { return now; };
  for (auto _ : state) {
    state.PauseTiming();
    for (int i = 0; i < events_per_round; ++i) {
      const auto id = next_id.fetch_add(1);
      meta.id = std::to_string(id);
      meta.entity = "shipment:" + std::to_string(id % 100);
      if (!store->claim(meta, body, meta.occurred_at)) {
        state.SkipWithError("claim failed");
        return;
      }
    }
    hookline::Dispatcher dispatcher(*store, [](const hookline::InboxEntry&) -> hookline::HandlerStatus { return {}; },
                                    options);
    state.ResumeTiming();
    dispatcher.start();
    if (!dispatcher.wait_until_idle(std::chrono::minutes(5))) {
      state.SkipWithError("dispatcher did not finish");
      return;
    }
    dispatcher.stop();
  }
  state.SetItemsProcessed(state.iterations() * events_per_round);
  if (sqlite) {
    inbox.reset(static_cast<hookline::SqliteInbox*>(store.release()));
  }
}

}  // namespace

BENCHMARK_CAPTURE(dispatch, memory, false)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(dispatch, sqlite, true)
    ->Arg(256)
    ->Setup(open_inbox)
    ->Teardown(close_inbox)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

BENCHMARK(claims)
    ->Name("sqlite_full/group_commit")
    ->Arg(256)
    ->Setup(open_inbox)
    ->Teardown(close_inbox)
    ->Threads(1)
    ->Threads(32)
    ->UseRealTime();

BENCHMARK(claims)
    ->Name("sqlite_full/commit_per_claim")
    ->Arg(1)
    ->Setup(open_inbox)
    ->Teardown(close_inbox)
    ->Threads(1)
    ->Threads(32)
    ->UseRealTime();

BENCHMARK_MAIN();
