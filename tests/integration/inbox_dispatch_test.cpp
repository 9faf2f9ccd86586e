// The pipeline core end to end: concurrent claims into the SQLite inbox, a dispatcher handling them,
// a restart in the middle, and every accepted event handled once, in arrival order per entity.

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "hookline/dispatcher.hpp"
#include "hookline/sqlite_inbox.hpp"
#include "inbox_test_support.hpp"

using namespace std::chrono_literals;
using hookline::test::at;
using hookline::test::meta;
using hookline::test::open_sqlite;

namespace {

constexpr int entities = 10;
constexpr int per_entity = 30;
constexpr auto idle_timeout = 60s;  // a bound for a hung dispatcher, not a timing target

/// What the handlers saw, across both "processes".
struct Ledger {
  std::mutex mutex;
  std::map<std::string, int> runs;                      // event id -> handler runs
  std::map<std::string, std::vector<int>> entity_order;  // entity -> sequence numbers handled

  hookline::Handler handler() {
    return [this](const hookline::InboxEntry& entry) -> hookline::HandlerStatus {
      const std::lock_guard lock(mutex);
      ++runs[entry.meta.id];
      entity_order[entry.meta.entity].push_back(std::stoi(entry.body));
      return {};
    };
  }
};

hookline::DispatcherOptions fixed_clock_options() {
  hookline::DispatcherOptions options;
  options.workers = 3;
  options.clock = [] { return at(0); };
  return options;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(inbox_dispatch)

BOOST_AUTO_TEST_CASE(accepted_events_are_handled_once_across_a_restart) {
  hookline::test::TempDir dir;
  const auto file = dir.path() / "inbox.db";
  Ledger ledger;
  std::atomic<int> accepted{0};
  {
    auto inbox = open_sqlite(file);
    hookline::Dispatcher dispatcher(*inbox, ledger.handler(), fixed_clock_options());
    dispatcher.start();
    // One sender per entity, each sending its events in order, and every event twice.
    std::vector<std::thread> senders;
    for (int e = 0; e < entities; ++e) {
      senders.emplace_back([&, e] {
        for (int i = 0; i < per_entity; ++i) {
          const auto event = meta(std::to_string(e) + "-" + std::to_string(i), "shipment_address_updated",
                                  "shipment:" + std::to_string(e));
          for (int copy = 0; copy < 2; ++copy) {
            auto outcome = inbox->claim(event, std::to_string(i), at(0));
            if (outcome && *outcome == hookline::ClaimOutcome::accepted) {
              ++accepted;
            }
          }
        }
      });
    }
    for (auto& sender : senders) {
      sender.join();
    }
    // The "process" stops here, whatever the dispatcher has done so far.
  }
  {
    auto inbox = open_sqlite(file);
    hookline::Dispatcher dispatcher(*inbox, ledger.handler(), fixed_clock_options());
    dispatcher.start();
    BOOST_TEST_REQUIRE(dispatcher.wait_until_idle(idle_timeout));
    auto counts = inbox->counts();
    BOOST_TEST_REQUIRE(counts.has_value());
    BOOST_TEST(counts->handled == static_cast<std::size_t>(entities * per_entity));
    BOOST_TEST(counts->pending + counts->in_flight + counts->dead == 0u);
  }
  BOOST_TEST(accepted.load() == entities * per_entity);
  const std::lock_guard lock(ledger.mutex);
  BOOST_TEST(ledger.runs.size() == static_cast<std::size_t>(entities * per_entity));
  for (const auto& [id, runs] : ledger.runs) {
    BOOST_TEST(runs == 1, "event " << id << " ran " << runs << " times");
  }
  std::vector<int> in_order(per_entity);
  for (int i = 0; i < per_entity; ++i) {
    in_order[static_cast<std::size_t>(i)] = i;
  }
  for (const auto& [entity, order] : ledger.entity_order) {
    BOOST_TEST(order == in_order, entity);
  }
}

BOOST_AUTO_TEST_SUITE_END()
