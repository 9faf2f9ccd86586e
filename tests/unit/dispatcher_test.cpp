#include <boost/test/unit_test.hpp>

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <functional>
#include <future>
#include <iterator>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "hookline/dispatcher.hpp"
#include "hookline/inbox.hpp"
#include "hookline/parse.hpp"
#include "printing.hpp"

using namespace std::chrono_literals;
using hookline::Dispatcher;
using hookline::DispatcherOptions;
using hookline::EntryState;
using hookline::HandlerFailure;
using hookline::HandlerStatus;
using hookline::InboxEntry;

namespace {

constexpr auto idle_timeout = 20s;  // a correctness bound for a hung dispatcher, not a timing target

std::chrono::sys_seconds at(long long seconds) {
  return std::chrono::sys_seconds{std::chrono::seconds{1774189800LL + seconds}};
}

/// A clock the test moves by hand.
struct FakeClock {
  std::atomic<long long> offset{0};
  hookline::Clock clock() {
    return [this] { return at(offset.load()); };
  }
};

hookline::EventMeta meta(std::string id, std::string type = "shipment_scheduled", std::string entity = "") {
  hookline::EventMeta event;
  event.type = std::move(type);
  event.id = std::move(id);
  event.occurred_at = at(0);
  event.entity = std::move(entity);
  return event;
}

HandlerStatus succeed(const InboxEntry&) { return {}; }

void claim(hookline::InboxStore& store, const hookline::EventMeta& event, std::chrono::sys_seconds now,
           std::string_view body = "{}") {
  auto outcome = store.claim(event, body, now);
  BOOST_TEST_REQUIRE(outcome.has_value());
}

InboxEntry entry_for(hookline::InboxStore& store, hookline::EntryId id) {
  auto found = store.find(id);
  BOOST_TEST_REQUIRE(found.has_value());
  BOOST_TEST_REQUIRE(found->has_value());
  return **found;
}

/// Builds options with the fake clock, a fixed jitter and a long poll (so only notifications wake workers).
DispatcherOptions options_with(FakeClock& clock, double jitter, std::size_t workers = 2) {
  DispatcherOptions options;
  options.workers = workers;
  options.clock = clock.clock();
  options.random = [jitter] { return jitter; };
  options.poll_interval = 1h;
  return options;
}

// The sample shipment_scheduled payload of VRIO's fulfillment guide.
constexpr std::string_view scheduled_body = R"({
  "webhook_type": "shipment", "webhook_event": "shipment_scheduled", "webhook_event_id": 10001,
  "webhook_event_date": "2026-03-22 14:30:00",
  "webhook_data": {"shipment": {"shipment_id": 251606, "customer_id": 71135, "order_id": 135123,
    "shipment_status_id": "Pending Post", "date_scheduled": "2026-03-22 14:30:00",
    "shipment_items": [{"shipment_item_id": 270243, "quantity": 1, "item_id": 1282,
                        "item_name": "Monthly Supplement Box", "item_sku": "SUP-001"}],
    "customer_address_shipping": {"fname": "John", "lname": "Doe", "address1": "123 Main St", "address2": null,
                                  "city": "Denver", "country": "US", "state": "CO", "zipcode": "80014"}}}})";

/// A MemoryInbox whose record() fails the first `failures` times, and that counts record() calls.
class FlakyInbox final : public hookline::InboxStore {
 public:
  explicit FlakyInbox(int failures) : failures_(failures) {}

  /// How many times record() was called.
  std::atomic<int> records{0};

  hookline::Result<hookline::ClaimOutcome, hookline::StoreError> claim(const hookline::EventMeta& meta,
                                                                       std::string_view body,
                                                                       std::chrono::sys_seconds now) override {
    auto outcome = inner_.claim(meta, body, now);
    if (outcome && *outcome == hookline::ClaimOutcome::accepted) {
      notify_accepted();
    }
    return outcome;
  }
  hookline::Result<std::vector<InboxEntry>, hookline::StoreError> take_due(std::size_t limit,
                                                                           std::chrono::sys_seconds now) override {
    return inner_.take_due(limit, now);
  }
  hookline::Result<std::size_t, hookline::StoreError> record(
      std::span<const hookline::HandlingOutcome> outcomes) override {
    ++records;
    if (failures_-- > 0) {
      return hookline::fail(hookline::StoreError{"disk on fire"});
    }
    return inner_.record(outcomes);
  }
  hookline::Result<std::vector<InboxEntry>, hookline::StoreError> dead_letters(std::size_t limit) override {
    return inner_.dead_letters(limit);
  }
  hookline::Result<std::optional<InboxEntry>, hookline::StoreError> find(hookline::EntryId id) override {
    return inner_.find(id);
  }
  hookline::Result<bool, hookline::StoreError> replay(hookline::EntryId id, std::chrono::sys_seconds now) override {
    return inner_.replay(id, now);
  }
  hookline::Result<std::size_t, hookline::StoreError> prune_handled(std::chrono::sys_seconds now,
                                                                    std::chrono::seconds retention) override {
    return inner_.prune_handled(now, retention);
  }
  hookline::Result<hookline::InboxCounts, hookline::StoreError> counts() override { return inner_.counts(); }
  hookline::Result<std::size_t, hookline::StoreError> recover_in_flight() override {
    return inner_.recover_in_flight();
  }

 private:
  hookline::MemoryInbox inner_;
  std::atomic<int> failures_;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(dispatcher)

BOOST_AUTO_TEST_CASE(a_failing_store_is_tried_again_until_it_takes_the_outcome_or_the_dispatcher_stops) {
  FakeClock clock;
  auto options = options_with(clock, 0.0, 1);
  options.poll_interval = 1ms;
  {
    FlakyInbox flaky(2);
    std::atomic<int> runs{0};
    Dispatcher dispatcher(flaky, [&](const InboxEntry&) -> HandlerStatus {
      ++runs;
      return {};
    }, options);
    dispatcher.start();
    claim(flaky, meta("1"), at(0));
    BOOST_TEST_REQUIRE(dispatcher.wait_until_idle(idle_timeout));
    BOOST_TEST((entry_for(flaky, 1).state == EntryState::handled));
    BOOST_TEST(runs.load() == 1);
    BOOST_TEST(dispatcher.counters().store_errors == 2u);
    BOOST_TEST(dispatcher.counters().handled == 1u);
  }
  {
    FlakyInbox broken(40);  // down for a while (a full disk), then it takes outcomes again
    options.batch = 1;
    Dispatcher dispatcher(broken, succeed, options);
    dispatcher.start();
    claim(broken, meta("1", "t", "shipment:1"), at(0));
    claim(broken, meta("2", "t", "shipment:2"), at(0));
    BOOST_TEST_REQUIRE(dispatcher.wait_until_idle(idle_timeout));
    BOOST_TEST((entry_for(broken, 1).state == EntryState::handled));  // never given up on
    BOOST_TEST((entry_for(broken, 2).state == EntryState::handled));
    BOOST_TEST(dispatcher.counters().store_errors == 40u);
  }
  {
    FlakyInbox down(std::numeric_limits<int>::max());  // never takes an outcome
    Dispatcher dispatcher(down, succeed, options);
    dispatcher.start();
    claim(down, meta("1"), at(0));
    const auto deadline = std::chrono::steady_clock::now() + idle_timeout;
    while (down.records < 3 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(1ms);
    BOOST_TEST_REQUIRE(down.records >= 3);
    dispatcher.stop();  // returns although the store still fails
    BOOST_TEST((entry_for(down, 1).state == EntryState::in_flight));  // pending again when the store is next opened
  }
}

BOOST_AUTO_TEST_CASE(a_worker_records_a_batch_of_outcomes_in_one_store_write_one_entry_per_entity) {
  FakeClock clock;
  FlakyInbox inbox(0);
  for (int i = 1; i <= 5; ++i) {
    claim(inbox, meta(std::to_string(i), "t", "shipment:" + std::to_string(i)), at(0));
  }
  for (int i = 6; i <= 8; ++i) {
    claim(inbox, meta(std::to_string(i), "t", "shipment:9"), at(0));  // one entity: one at a time
  }
  std::vector<std::string> order;
  std::mutex order_mutex;
  Dispatcher dispatcher(inbox, [&](const InboxEntry& entry) -> HandlerStatus {
    const std::lock_guard lock(order_mutex);
    order.push_back(entry.meta.id);
    return {};
  }, options_with(clock, 0.0, 1));
  dispatcher.start();
  BOOST_TEST_REQUIRE(dispatcher.wait_until_idle(idle_timeout));
  BOOST_TEST(dispatcher.counters().handled == 8u);
  BOOST_TEST(inbox.records.load() == 3);  // {1..5, 6}, {7}, {8}
  const std::vector<std::string> expected{"1", "2", "3", "4", "5", "6", "7", "8"};
  BOOST_TEST(order == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_batch_runs_its_handlers_inside_run_batch_before_its_outcomes_are_recorded) {
  FakeClock clock;
  FlakyInbox inbox(0);
  for (int i = 1; i <= 5; ++i) {
    claim(inbox, meta(std::to_string(i), "t", "shipment:" + std::to_string(i)), at(0));
  }
  auto options = options_with(clock, 0.0, 1);
  std::atomic<int> batches{0};
  std::atomic<bool> inside{false};
  std::atomic<int> recorded_when_done{-1};
  options.run_batch = [&](const std::function<void()>& handlers) -> HandlerStatus {
    ++batches;
    inside = true;
    handlers();
    inside = false;
    recorded_when_done = inbox.records.load();
    return {};
  };
  std::atomic<int> run_inside{0};
  Dispatcher dispatcher(inbox, [&](const InboxEntry&) -> HandlerStatus {
    if (inside) ++run_inside;
    return {};
  }, options);
  dispatcher.start();
  BOOST_TEST_REQUIRE(dispatcher.wait_until_idle(idle_timeout));
  BOOST_TEST(batches.load() == 1);             // five handlers, one batch
  BOOST_TEST(run_inside.load() == 5);          // every handler ran within it
  BOOST_TEST(recorded_when_done.load() == 0);  // nothing was recorded before it ended
  BOOST_TEST(inbox.records.load() == 1);
  BOOST_TEST(dispatcher.counters().handled == 5u);
}

BOOST_AUTO_TEST_CASE(a_batch_that_calls_its_handlers_again_runs_them_all_again_and_keeps_the_last_outcomes) {
  FakeClock clock;
  FlakyInbox inbox(0);
  for (int i = 1; i <= 3; ++i) {
    claim(inbox, meta(std::to_string(i), "t", "shipment:" + std::to_string(i)), at(0));
  }
  auto options = options_with(clock, 0.0, 1);
  std::atomic<int> calls{0};
  options.run_batch = [&](const std::function<void()>& handlers) -> HandlerStatus {
    ++calls;
    handlers();  // as a store does that undid the batch and redoes it
    ++calls;
    handlers();
    return {};
  };
  std::atomic<int> runs{0};
  Dispatcher dispatcher(inbox, [&](const InboxEntry& entry) -> HandlerStatus {
    ++runs;
    // The first run of entry 2 fails; the second succeeds, and only the second counts.
    if (entry.meta.id == "2" && calls.load() == 1) return hookline::fail(HandlerFailure{"undone", false});
    return {};
  }, options);
  dispatcher.start();
  BOOST_TEST_REQUIRE(dispatcher.wait_until_idle(idle_timeout));
  BOOST_TEST(runs.load() == 6);  // every handler, twice
  for (const hookline::EntryId id : {1, 2, 3}) BOOST_TEST((entry_for(inbox, id).state == EntryState::handled));
  BOOST_TEST(dispatcher.counters().handled == 3u);
  BOOST_TEST(dispatcher.counters().dead == 0u);
}

BOOST_AUTO_TEST_CASE(a_batch_whose_effects_were_not_stored_is_retried_and_never_dead_lettered_for_it) {
  FakeClock clock;
  FlakyInbox inbox(0);
  claim(inbox, meta("1", "t", "shipment:1"), at(0));
  claim(inbox, meta("2", "fails", "shipment:2"), at(0));
  claim(inbox, meta("3", "t", "shipment:3"), at(0));
  auto options = options_with(clock, 0.5, 1);
  options.retry.max_attempts = 1;  // a failure of the handler itself is dead at once
  std::atomic<bool> disk_ok{false};
  std::atomic<int> batches{0};
  options.run_batch = [&](const std::function<void()>& handlers) -> HandlerStatus {
    ++batches;
    if (batches == 1) return hookline::fail(HandlerFailure{"No space left on device"});  // before any handler ran
    handlers();
    if (!disk_ok) return hookline::fail(HandlerFailure{"No space left on device"});
    return {};
  };
  std::atomic<int> runs{0};
  Dispatcher dispatcher(inbox, [&](const InboxEntry&) -> HandlerStatus {
    ++runs;
    return {};
  }, options);
  dispatcher.on("fails", [](const InboxEntry&) -> HandlerStatus { return hookline::fail(HandlerFailure{"bad", false}); });
  dispatcher.start();
  BOOST_TEST_REQUIRE(dispatcher.wait_until_idle(idle_timeout));
  for (const hookline::EntryId id : {1, 3}) {
    const auto entry = entry_for(inbox, id);
    BOOST_TEST((entry.state == EntryState::pending));  // not a dead letter, though max_attempts is 1
    BOOST_TEST(entry.attempts == 1);
    BOOST_TEST(entry.last_error == "the batch's effects were not stored: No space left on device");
  }
  BOOST_TEST((entry_for(inbox, 2).state == EntryState::pending));  // its handler never ran
  BOOST_TEST(runs.load() == 0);

  clock.offset = 3600;  // past the backoff
  dispatcher.notify();
  BOOST_TEST_REQUIRE(dispatcher.wait_until_idle(idle_timeout));
  BOOST_TEST((entry_for(inbox, 1).state == EntryState::pending));  // the handlers ran, the store failed again
  BOOST_TEST((entry_for(inbox, 2).state == EntryState::dead));     // its own failure stands
  BOOST_TEST(runs.load() == 2);

  disk_ok = true;
  clock.offset = 7200;
  dispatcher.notify();
  BOOST_TEST_REQUIRE(dispatcher.wait_until_idle(idle_timeout));
  BOOST_TEST((entry_for(inbox, 1).state == EntryState::handled));
  BOOST_TEST((entry_for(inbox, 3).state == EntryState::handled));
  BOOST_TEST(runs.load() == 4);  // handlers run again: their effects were not known to be stored
  BOOST_TEST(dispatcher.counters().handled == 2u);
}

/// The Linux nice value of the calling thread.
int nice_of_this_thread() { return ::getpriority(PRIO_PROCESS, static_cast<id_t>(::gettid())); }

BOOST_AUTO_TEST_CASE(handlers_run_below_the_cpu_priority_of_the_thread_that_started_the_dispatcher) {
  FakeClock clock;
  const int receiving = nice_of_this_thread();
  for (const int steps : {0, 10, 40, std::numeric_limits<int>::max()}) {
    hookline::MemoryInbox inbox;
    auto options = options_with(clock, 0.0, 1);
    options.nice = steps;
    std::atomic<int> seen{-100};
    Dispatcher dispatcher(inbox, [&](const InboxEntry&) -> HandlerStatus {
      seen = nice_of_this_thread();
      return {};
    }, options);
    dispatcher.start();
    claim(inbox, meta("1"), at(0));
    BOOST_TEST_REQUIRE(dispatcher.wait_until_idle(idle_timeout));
    BOOST_TEST(seen.load() == std::min<long long>(19, static_cast<long long>(receiving) + steps), "nice " << steps);
  }
  BOOST_TEST(nice_of_this_thread() == receiving);  // the starting thread keeps its own
}

BOOST_AUTO_TEST_CASE(a_fallback_is_required) {
  hookline::MemoryInbox inbox;
  BOOST_CHECK_THROW(Dispatcher(inbox, hookline::Handler{}), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(routes_by_type_name_and_unknown_types_reach_the_fallback_off_the_caller_thread) {
  hookline::MemoryInbox inbox;
  FakeClock clock;
  std::mutex mutex;
  std::map<std::string, std::string> handled_by;  // event id -> handler
  std::vector<std::thread::id> threads;
  auto record = [&](const char* name) {
    return [&, name](const InboxEntry& entry) -> HandlerStatus {
      const std::lock_guard lock(mutex);
      handled_by[entry.meta.id] = name;
      threads.push_back(std::this_thread::get_id());
      return {};
    };
  };
  Dispatcher dispatcher(inbox, record("fallback"), options_with(clock, 0.0));
  dispatcher.on("shipment_scheduled", record("scheduled")).on("shipment_cancelled", record("cancelled"));
  dispatcher.start();
  claim(inbox, meta("1", "shipment_scheduled"), at(0));
  claim(inbox, meta("2", "shipment_cancelled"), at(0));
  claim(inbox, meta("3", "shipment_teleported"), at(0));
  BOOST_TEST_REQUIRE(dispatcher.wait_until_idle(idle_timeout));
  const std::lock_guard lock(mutex);
  BOOST_TEST(handled_by["1"] == "scheduled");
  BOOST_TEST(handled_by["2"] == "cancelled");
  BOOST_TEST(handled_by["3"] == "fallback");
  for (const auto& thread : threads) {
    BOOST_TEST((thread != std::this_thread::get_id()));
  }
  BOOST_TEST(dispatcher.counters().handled == 3u);
  auto counts = inbox.counts();
  BOOST_TEST_REQUIRE(counts.has_value());
  BOOST_TEST(counts->handled == 3u);
}

BOOST_AUTO_TEST_CASE(handlers_cannot_be_added_once_started) {
  hookline::MemoryInbox inbox;
  Dispatcher dispatcher(inbox, succeed);
  dispatcher.start();
  BOOST_CHECK_THROW(dispatcher.on("shipment_scheduled", succeed), std::logic_error);
}

BOOST_AUTO_TEST_CASE(typed_vrio_handlers_get_the_parsed_event) {
  hookline::MemoryInbox inbox;
  FakeClock clock;
  std::promise<std::int64_t> shipment_id;
  Dispatcher dispatcher(inbox, succeed, options_with(clock, 0.0));
  dispatcher.on<hookline::vrio::ShipmentScheduled>([&](const hookline::vrio::ShipmentScheduled& event) -> HandlerStatus {
    shipment_id.set_value(event.shipment.shipment_id);
    return {};
  });
  dispatcher.start();
  claim(inbox, meta("10001", "shipment_scheduled", "shipment:251606"), at(0), scheduled_body);
  auto got = shipment_id.get_future();
  BOOST_TEST_REQUIRE((got.wait_for(idle_timeout) == std::future_status::ready));
  BOOST_TEST(got.get() == 251606);
}

/// A sample payload under samples/, e.g. "ordergroove/subscription.create.json".
std::string sample(const std::string& name) {
  std::ifstream in(std::string(HOOKLINE_SAMPLES_DIR) + "/" + name, std::ios::binary);
  BOOST_TEST_REQUIRE(in.good(), name);
  return {std::istreambuf_iterator<char>(in), {}};
}

/// Claims `body` of `platform` as the receiver would (with its parsed meta).
void claim_body(hookline::InboxStore& store, hookline::Platform platform, const std::string& body) {
  const auto event = hookline::parse_any(platform, body);
  BOOST_TEST_REQUIRE(event.has_value(), body);
  claim(store, hookline::meta_of(*event), at(0), body);
}

/// VRIO's order_abandoned sample as VRIO spells the event, "order_abandonned".
std::string order_abandonned() {
  std::string body = sample("vrio/order_abandoned.json");
  const std::string name = "\"order_abandoned\"";
  return body.replace(body.find(name), name.size(), "\"order_abandonned\"");
}

/// Claims the sample `name` of `platform` as the receiver would (with its parsed meta).
void claim_sample(hookline::InboxStore& store, hookline::Platform platform, const std::string& name) {
  const std::string body = sample(name);
  const auto event = hookline::parse_any(platform, body);
  BOOST_TEST_REQUIRE(event.has_value(), name);
  claim(store, hookline::meta_of(*event), at(0), body);
}

BOOST_AUTO_TEST_CASE(typed_handlers_work_alike_for_every_platform) {
  hookline::MemoryInbox inbox;
  FakeClock clock;
  std::mutex mutex;
  std::vector<std::string> seen;
  const auto note = [&](std::string what) {
    const std::lock_guard lock(mutex);
    seen.push_back(std::move(what));
    return HandlerStatus{};
  };
  Dispatcher dispatcher(inbox, [&](const InboxEntry& entry) { return note("fallback " + entry.meta.type); },
                        options_with(clock, 0.0));
  dispatcher.on<hookline::ordergroove::Subscription>(
      [&](const hookline::ordergroove::Subscription& subscription, const hookline::ordergroove::Event& event,
          const InboxEntry& entry) { return note(event.type + " " + subscription.public_id + " " + entry.meta.id); });
  dispatcher.on<hookline::ordergroove::Order>(
      [&](const hookline::ordergroove::Order& order) { return note("order " + order.public_id); });
  dispatcher.on<hookline::vero::Opened>([&](const hookline::vero::Opened& opened, const hookline::vero::Event& event,
                                            const InboxEntry&) {
    return note(event.type + " " + opened.user.email.value_or(""));
  });
  dispatcher.on<hookline::store_admin::Payment>([&](const hookline::store_admin::Payment&, const hookline::store_admin::Event& event,
                                              const InboxEntry&) { return note(event.event_type); });
  dispatcher.on<hookline::vrio::OrderAbandoned>([&](const hookline::vrio::OrderAbandoned& abandoned) {
    return note("abandoned " + std::to_string(abandoned.order.id));
  });
  dispatcher.start();
  claim_sample(inbox, hookline::Platform::ordergroove, "ordergroove/subscription.create.json");
  claim_sample(inbox, hookline::Platform::ordergroove, "ordergroove/subscription.cancel.json");
  claim_sample(inbox, hookline::Platform::ordergroove, "ordergroove/order.success.json");
  claim_sample(inbox, hookline::Platform::ordergroove, "ordergroove/item.create.json");
  claim_sample(inbox, hookline::Platform::vero, "vero/opened.json");
  claim_sample(inbox, hookline::Platform::vero, "vero/clicked.json");
  claim_sample(inbox, hookline::Platform::store_admin, "store_admin/payment.refunded.json");
  claim_sample(inbox, hookline::Platform::store_admin, "store_admin/order.created.json");
  claim_body(inbox, hookline::Platform::vrio, order_abandonned());
  BOOST_TEST_REQUIRE(dispatcher.wait_until_idle(idle_timeout));

  const auto og = hookline::ordergroove::parse(sample("ordergroove/subscription.create.json"));
  const auto og_cancel = hookline::ordergroove::parse(sample("ordergroove/subscription.cancel.json"));
  const auto order = hookline::ordergroove::parse(sample("ordergroove/order.success.json"));
  const auto opened = hookline::vero::parse(sample("vero/opened.json"));
  BOOST_TEST_REQUIRE((og.has_value() && og_cancel.has_value() && order.has_value() && opened.has_value()));
  const auto& subscription = std::get<hookline::ordergroove::Subscription>(og->object);
  const auto& cancelled = std::get<hookline::ordergroove::Subscription>(og_cancel->object);
  std::vector<std::string> expected{
      "subscription.create " + subscription.public_id + " " + og->id,
      "subscription.cancel " + cancelled.public_id + " " + og_cancel->id,
      "order " + std::get<hookline::ordergroove::Order>(order->object).public_id,
      "fallback item.create",
      "opened " + std::get<hookline::vero::Opened>(opened->payload).user.email.value_or(""),
      "fallback clicked",
      "payment.refunded",
      "fallback order.created",
      "abandoned " + std::to_string(
                         std::get<hookline::vrio::OrderAbandoned>(hookline::vrio::parse(order_abandonned())->payload).order.id),
  };
  std::sort(expected.begin(), expected.end());
  std::sort(seen.begin(), seen.end());
  BOOST_TEST(seen == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_body_a_typed_handler_cannot_parse_is_dead_at_once) {
  hookline::MemoryInbox inbox;
  FakeClock clock;
  Dispatcher dispatcher(inbox, succeed, options_with(clock, 0.0));
  dispatcher.on<hookline::vrio::ShipmentScheduled>([](const hookline::vrio::ShipmentScheduled&) -> HandlerStatus {
    return {};
  });
  dispatcher.start();
  claim(inbox, meta("1", "shipment_scheduled"), at(0), "{\"webhook_event\": ");
  BOOST_TEST_REQUIRE(dispatcher.wait_until_idle(idle_timeout));
  auto dead = inbox.dead_letters(10);
  BOOST_TEST_REQUIRE(dead.has_value());
  BOOST_TEST_REQUIRE(dead->size() == 1u);
  BOOST_TEST(dead->front().attempts == 1);
  BOOST_TEST(dead->front().last_error.find("does not parse") != std::string::npos, dead->front().last_error);
}

BOOST_AUTO_TEST_CASE(failures_are_retried_on_the_full_jitter_schedule_then_dead_lettered) {
  hookline::MemoryInbox inbox;
  FakeClock clock;
  auto options = options_with(clock, 0.5);
  options.retry.base_delay = 2s;
  options.retry.max_delay = 6s;
  options.retry.max_attempts = 5;
  std::atomic<int> calls{0};
  Dispatcher dispatcher(inbox, [&](const InboxEntry&) -> HandlerStatus {
    ++calls;
    return hookline::fail(HandlerFailure{"warehouse down"});
  }, options);
  dispatcher.start();
  claim(inbox, meta("1"), at(0));
  // Ceilings 2, 4, 6 (capped), 6 seconds; jitter 0.5 picks floor(0.5 * (ceiling + 1)): 1, 2, 3, 3.
  const std::vector<long long> retry_at = {1, 3, 6, 9};
  for (std::size_t attempt = 0; attempt < retry_at.size(); ++attempt) {
    BOOST_TEST_REQUIRE(dispatcher.wait_until_idle(idle_timeout));
    const auto entry = entry_for(inbox, 1);
    BOOST_TEST((entry.state == EntryState::pending));
    BOOST_TEST(entry.attempts == static_cast<int>(attempt) + 1);
    BOOST_TEST((entry.next_attempt_at == at(retry_at[attempt])));
    BOOST_TEST(entry.last_error == "warehouse down");
    clock.offset = retry_at[attempt] - 1;  // not yet due: nothing runs
    BOOST_TEST_REQUIRE(dispatcher.wait_until_idle(idle_timeout));
    BOOST_TEST(calls.load() == static_cast<int>(attempt) + 1);
    clock.offset = retry_at[attempt];
  }
  BOOST_TEST_REQUIRE(dispatcher.wait_until_idle(idle_timeout));
  BOOST_TEST(calls.load() == 5);
  const auto entry = entry_for(inbox, 1);
  BOOST_TEST((entry.state == EntryState::dead));
  BOOST_TEST(entry.attempts == 5);
  const auto counters = dispatcher.counters();
  BOOST_TEST(counters.retried == 4u);
  BOOST_TEST(counters.dead == 1u);
}

BOOST_AUTO_TEST_CASE(an_entry_past_its_maximum_age_is_not_retried) {
  hookline::MemoryInbox inbox;
  FakeClock clock;
  auto options = options_with(clock, 0.99);
  options.retry.base_delay = 4s;
  options.retry.max_attempts = 100;
  options.retry.max_age = 10s;
  std::atomic<int> calls{0};
  Dispatcher dispatcher(inbox, [&](const InboxEntry&) -> HandlerStatus {
    ++calls;
    throw std::runtime_error("boom");
  }, options);
  dispatcher.start();
  claim(inbox, meta("1"), at(0));
  BOOST_TEST_REQUIRE(dispatcher.wait_until_idle(idle_timeout));
  auto entry = entry_for(inbox, 1);
  BOOST_TEST((entry.next_attempt_at == at(4)));  // 4 s after reception: within the 10 s
  BOOST_TEST(entry.last_error == "handler threw: boom");
  clock.offset = 4;
  BOOST_TEST_REQUIRE(dispatcher.wait_until_idle(idle_timeout));
  entry = entry_for(inbox, 1);  // the next try would be 12 s after reception: too old
  BOOST_TEST((entry.state == EntryState::dead));
  BOOST_TEST(entry.attempts == 2);
  BOOST_TEST(calls.load() == 2);
}

BOOST_AUTO_TEST_CASE(a_replayed_dead_letter_is_handled_again) {
  hookline::MemoryInbox inbox;
  FakeClock clock;
  std::atomic<bool> healthy{false};
  Dispatcher dispatcher(inbox, [&](const InboxEntry&) -> HandlerStatus {
    if (healthy) {
      return {};
    }
    return hookline::fail(HandlerFailure{"bad data", false});
  }, options_with(clock, 0.0));
  dispatcher.start();
  claim(inbox, meta("1"), at(0));
  BOOST_TEST_REQUIRE(dispatcher.wait_until_idle(idle_timeout));
  BOOST_TEST((entry_for(inbox, 1).state == EntryState::dead));
  healthy = true;
  clock.offset = 1;
  auto replayed = inbox.replay(1, at(1));
  BOOST_TEST_REQUIRE(replayed.has_value());
  BOOST_TEST_REQUIRE(*replayed);
  BOOST_TEST_REQUIRE(dispatcher.wait_until_idle(idle_timeout));
  BOOST_TEST((entry_for(inbox, 1).state == EntryState::handled));
}

BOOST_AUTO_TEST_CASE(events_of_one_entity_never_overlap_and_keep_arrival_order) {
  hookline::MemoryInbox inbox;
  FakeClock clock;
  constexpr int entities = 3;
  constexpr int per_entity = 20;
  std::mutex mutex;
  std::map<std::string, int> running;               // entity -> handlers running now
  std::map<std::string, std::vector<int>> order;    // entity -> sequence numbers as handled
  std::atomic<int> overlaps{0};
  std::atomic<int> max_parallel{0};
  std::atomic<int> parallel{0};
  auto handler = [&](const InboxEntry& entry) -> HandlerStatus {
    {
      const std::lock_guard lock(mutex);
      if (running[entry.meta.entity]++ != 0) {
        ++overlaps;
      }
      order[entry.meta.entity].push_back(std::stoi(entry.body));
    }
    const int now_parallel = ++parallel;
    int seen = max_parallel.load();
    while (now_parallel > seen && !max_parallel.compare_exchange_weak(seen, now_parallel)) {
    }
    std::this_thread::sleep_for(1ms);
    --parallel;
    const std::lock_guard lock(mutex);
    --running[entry.meta.entity];
    return {};
  };
  Dispatcher dispatcher(inbox, handler, options_with(clock, 0.0, 4));
  dispatcher.start();
  for (int i = 0; i < per_entity; ++i) {
    for (int e = 0; e < entities; ++e) {
      claim(inbox, meta(std::to_string(e) + "-" + std::to_string(i), "t", "shipment:" + std::to_string(e)), at(0),
            std::to_string(i));
    }
  }
  BOOST_TEST_REQUIRE(dispatcher.wait_until_idle(idle_timeout));
  BOOST_TEST(overlaps.load() == 0);
  std::vector<int> expected(per_entity);
  for (int i = 0; i < per_entity; ++i) {
    expected[static_cast<std::size_t>(i)] = i;
  }
  for (int e = 0; e < entities; ++e) {
    BOOST_TEST(order["shipment:" + std::to_string(e)] == expected, "entity " << e);
  }
  BOOST_TEST_MESSAGE("most handlers running at once: " << max_parallel.load());
}

BOOST_AUTO_TEST_CASE(a_claim_wakes_an_idle_worker_without_polling) {
  hookline::MemoryInbox inbox;
  FakeClock clock;
  std::promise<void> handled;
  Dispatcher dispatcher(inbox, [&](const InboxEntry&) -> HandlerStatus {
    handled.set_value();
    return {};
  }, options_with(clock, 0.0));  // polls once an hour
  dispatcher.start();
  BOOST_TEST_REQUIRE(dispatcher.wait_until_idle(idle_timeout));
  claim(inbox, meta("1"), at(0));
  BOOST_TEST((handled.get_future().wait_for(idle_timeout) == std::future_status::ready));
}

BOOST_AUTO_TEST_CASE(stopping_waits_for_running_handlers_and_leaves_the_rest_pending) {
  hookline::MemoryInbox inbox;
  FakeClock clock;
  std::promise<void> started;
  std::atomic<bool> finished{false};
  {
    Dispatcher dispatcher(inbox, [&](const InboxEntry& entry) -> HandlerStatus {
      if (entry.meta.id == "1") {
        started.set_value();
        std::this_thread::sleep_for(50ms);
        finished = true;
      }
      return {};
    }, options_with(clock, 0.0, 1));
    dispatcher.start();
    claim(inbox, meta("1", "t", "shipment:1"), at(0));
    claim(inbox, meta("2", "t", "shipment:1"), at(0));
    started.get_future().wait();
  }
  BOOST_TEST(finished.load());
  BOOST_TEST((entry_for(inbox, 1).state == EntryState::handled));
  const auto second = entry_for(inbox, 2);
  BOOST_TEST((second.state == EntryState::pending || second.state == EntryState::handled));
}

BOOST_AUTO_TEST_SUITE_END()
