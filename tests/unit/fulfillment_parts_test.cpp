// The fulfillment server's parts one by one: tracking numbers, the tracking post (body, answer
// classification, Retry-After, backoff), the outbox worker against a fake platform client, the
// platform client against a loopback platform, the stored view codec, time zones of date_complete,
// metrics text and log lines.
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <mutex>
#include <ostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "fulfillment_events.hpp"
#include "fulfillment_store_location.hpp"
#include "storage/fulfillment_store.hpp"
#include "platform_client.hpp"
#include "hookline/http_server.hpp"
#include "hookline/vrio.hpp"
#include "hookline/vrio_shipment.hpp"
#include "json.hpp"
#include "log.hpp"
#include "metrics.hpp"
#include "printing.hpp"
#include "scheduler.hpp"
#include "platform_retry.hpp"
#include "tracking_client.hpp"
#include "tracking_outbox.hpp"
#include "warehouse.hpp"

using namespace std::chrono_literals;
namespace bdata = boost::unit_test::data;

namespace fulfillment {
std::ostream& operator<<(std::ostream& out, PostOutcome outcome) { return out << to_string(outcome); }
std::ostream& operator<<(std::ostream& out, OutboxState state) { return out << to_string(state); }
}  // namespace fulfillment

namespace {

const auto march_22 = std::chrono::sys_days{std::chrono::year{2026} / 3 / 22} + 15h;

/// An HTTP answer and how it must be classified.
struct AnswerCase {
  int status;
  const char* retry_after;
  fulfillment::PostOutcome expected;
  long long expected_retry_after_ms;  // -1: none
};

std::ostream& operator<<(std::ostream& out, const AnswerCase& c) {
  return out << "HTTP " << c.status << " Retry-After '" << (c.retry_after ? c.retry_after : "") << "'";
}

const std::vector<AnswerCase> answers{
    {200, nullptr, fulfillment::PostOutcome::accepted, -1},
    {201, nullptr, fulfillment::PostOutcome::accepted, -1},
    {500, nullptr, fulfillment::PostOutcome::retry, -1},
    {502, nullptr, fulfillment::PostOutcome::retry, -1},
    {503, "7", fulfillment::PostOutcome::retry, 7000},
    {429, "2", fulfillment::PostOutcome::retry, 2000},
    {429, "Sun, 22 Mar 2026 15:00:30 GMT", fulfillment::PostOutcome::retry, 30000},
    {429, "soon", fulfillment::PostOutcome::retry, -1},
    {408, nullptr, fulfillment::PostOutcome::retry, -1},
    {400, nullptr, fulfillment::PostOutcome::rejected, -1},
    {401, nullptr, fulfillment::PostOutcome::rejected, -1},
    {404, nullptr, fulfillment::PostOutcome::rejected, -1},
    {422, "5", fulfillment::PostOutcome::rejected, 5000},
    {301, nullptr, fulfillment::PostOutcome::rejected, -1},
};

/// A platform client that answers from a script and records every request.
struct ScriptedClient final : fulfillment::TrackingClient {
  std::deque<fulfillment::PostResult> script;
  std::vector<fulfillment::TrackingRequest> requests;
  fulfillment::PostResult post(const fulfillment::TrackingRequest& request) override {
    requests.push_back(request);
    if (script.empty()) return {fulfillment::PostOutcome::accepted, 200, std::nullopt, "HTTP 200"};
    auto next = script.front();
    script.pop_front();
    return next;
  }
};

/// A store with one shipped fulfillment whose tracking is queued.
struct QueuedTracking {
  fulfillment_test::StoreLocation location;
  std::unique_ptr<fulfillment::FulfillmentStore> store;
  fulfillment::Millis now = std::chrono::time_point_cast<std::chrono::milliseconds>(march_22);

  explicit QueuedTracking(hookline::TimeZone zone = hookline::TimeZone::utc()) {
    store = location.open(zone);
    fulfillment::Fulfillment f;
    f.shipment_id = 77;
    f.state = fulfillment::State::shipped;
    f.tracking = fulfillment::Tracking{"1Z999AA10123456784", fulfillment::carrier_ups, march_22, "warehouse"};
    BOOST_TEST_REQUIRE(store->write([&](fulfillment::StoreTx& tx) {
                              tx.save(f);
                              tx.enqueue_tracking(f, now);
                              tx.enqueue_tracking(f, now);  // once per shipment, whatever happens
                            }).has_value());
  }
  fulfillment::OutboxOptions options() {
    fulfillment::OutboxOptions o;
    o.clock = [this] { return now; };
    o.random = [] { return 0.5; };
    o.senders = 1;
    return o;
  }
  fulfillment::OutboxEntry entry() {
    auto found = store->outbox_entry(77);
    BOOST_TEST_REQUIRE(found.has_value());
    BOOST_TEST_REQUIRE(found->has_value());
    return **found;
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(fulfillment_parts)

BOOST_AUTO_TEST_CASE(concurrent_writes_share_syncs_and_every_one_is_stored,
                     *boost::unit_test::precondition(fulfillment_test::sqlite_only)) {
  const fulfillment_test::StoreLocation location;
  constexpr int writers = 8;
  constexpr int per_writer = 25;
  std::atomic<int> failures{0};
  std::uint64_t syncs = 0;
  {
    const auto opened = location.open();
    auto& store = *opened;
    std::vector<std::thread> threads;
    for (int w = 0; w < writers; ++w) {
      threads.emplace_back([&, w] {
        for (int i = 0; i < per_writer; ++i) {
          fulfillment::Fulfillment f;
          f.shipment_id = w * 1000 + i;
          if (!store.write([&](fulfillment::StoreTx& tx) { tx.save(f); })) ++failures;
        }
      });
    }
    for (auto& thread : threads) thread.join();
    syncs = store.sync_count();
  }
  BOOST_TEST(failures.load() == 0);
  BOOST_TEST(syncs >= 1u);
  BOOST_TEST(syncs < static_cast<std::uint64_t>(writers * per_writer));  // shared, not one per write
  BOOST_TEST_MESSAGE(writers * per_writer << " writes, " << syncs << " syncs");
  const auto reopened = location.open();
  auto all = reopened->list(std::nullopt, 1000);
  BOOST_TEST_REQUIRE(all.has_value());
  BOOST_TEST(all->size() == static_cast<std::size_t>(writers * per_writer));
}

/// How many of this process's open files are SQLite temporary files ("etilqs_…", deleted at once).
std::size_t open_sqlite_temp_files() {
  std::size_t count = 0;
  for (const auto& fd : std::filesystem::directory_iterator("/proc/self/fd")) {
    std::error_code error;
    const auto target = std::filesystem::read_symlink(fd.path(), error);
    if (!error && target.string().find("etilqs_") != std::string::npos) ++count;
  }
  return count;
}

BOOST_AUTO_TEST_CASE(a_batch_keeps_the_journals_of_its_writes_in_memory,
                     *boost::unit_test::precondition(fulfillment_test::sqlite_only)) {
  // Each write of a batch runs in a savepoint whose journal keeps the pages it changes. SQLite
  // moves such a journal past 64 KiB to a temporary file, and then writes every journaled page of
  // the connection there; the store keeps them in memory.
  const fulfillment_test::StoreLocation location;
  const auto opened = location.open();
  auto& store = *opened;
  std::vector<fulfillment::Fulfillment> stored(2000);
  BOOST_TEST_REQUIRE(store.write([&](fulfillment::StoreTx& tx) {
                            for (std::size_t i = 0; i < stored.size(); ++i) {
                              stored[i].shipment_id = static_cast<std::int64_t>(i) + 1;
                              stored[i].attention = std::string(200, 'a');
                              tx.save(stored[i]);
                            }
                          }).has_value());
  const auto before = open_sqlite_temp_files();
  BOOST_TEST_REQUIRE(store.write_batch([&] {
                            // One write changing some hundred pages that existed before it.
                            BOOST_TEST_REQUIRE(store.write([&](fulfillment::StoreTx& tx) {
                                                      for (auto& f : stored) {
                                                        f.attention = std::string(200, 'b');
                                                        tx.save(f);
                                                      }
                                                    }).has_value());
                            BOOST_TEST(open_sqlite_temp_files() == before);
                          }).has_value());
  auto one = store.get(stored.back().shipment_id);
  BOOST_TEST_REQUIRE(one.has_value());
  BOOST_TEST_REQUIRE(one->has_value());
  BOOST_TEST((**one).attention == std::string(200, 'b'));
}

BOOST_AUTO_TEST_CASE(ups_and_usps_tracking_numbers_carry_valid_check_digits) {
  BOOST_TEST(fulfillment::ups_check_digit("999AA1012345678") == '4');  // the tracking number of VRIO's fulfillment guide, 1Z999AA10123456784
  for (std::uint64_t seed = 1; seed < 200; ++seed) {
    const auto ups = fulfillment::ups_tracking_number(seed);
    BOOST_TEST(ups.size() == 18u);
    BOOST_TEST(ups.substr(0, 2) == "1Z");
    BOOST_TEST(ups.back() == fulfillment::ups_check_digit(ups.substr(2, 15)));
    const auto usps = fulfillment::usps_tracking_number(seed);
    BOOST_TEST(usps.size() == 22u);
    BOOST_TEST(usps.substr(0, 4) == "9400");
    BOOST_TEST(usps.back() == fulfillment::usps_check_digit(usps.substr(0, 21)));
  }
  BOOST_TEST(fulfillment::usps_check_digit("12") == '3');    // 2*3 + 1*1 = 7, 10 - 7 = 3
  BOOST_TEST(fulfillment::usps_check_digit("5555") == '0');  // 5*3 + 5 + 5*3 + 5 = 40
  BOOST_TEST(fulfillment::ups_tracking_number(251606) == fulfillment::ups_tracking_number(251606));
  BOOST_TEST(fulfillment::ups_tracking_number(251606) != fulfillment::ups_tracking_number(251608));
}

BOOST_AUTO_TEST_CASE(the_simulated_warehouse_ships_by_ups_or_usps_and_needs_an_address) {
  fulfillment::SimulatedWarehouse warehouse{0ms};
  fulfillment::Fulfillment f;
  f.shipment_id = 251607;
  BOOST_TEST(!warehouse.ship(f, march_22).has_value());
  f.address = hookline::vrio::Address{};
  f.address->address1 = "123 Main St";
  auto usps = warehouse.ship(f, march_22);
  BOOST_TEST_REQUIRE(usps.has_value());
  BOOST_TEST(usps->carrier_id == fulfillment::carrier_usps);
  f.shipment_id = 251606;
  auto ups = warehouse.ship(f, march_22);
  BOOST_TEST_REQUIRE(ups.has_value());
  BOOST_TEST(ups->carrier_id == fulfillment::carrier_ups);
  BOOST_TEST((ups->shipped_at == march_22));
}

BOOST_AUTO_TEST_CASE(the_tracking_body_has_the_three_fields_of_the_track_api) {
  const fulfillment::TrackingRequest request{251606, "hookline-track-251606", "1Z999AA10123456784", 2,
                                             "2026-03-23 10:00:00"};
  BOOST_TEST(fulfillment::tracking_body(request) ==
             R"({"shipment_tracking_id":"1Z999AA10123456784","carrier_id":2,"date_complete":"2026-03-23 10:00:00"})");
}

BOOST_DATA_TEST_CASE(answers_are_classified, bdata::make(answers), c) {
  std::optional<std::string_view> header;
  if (c.retry_after != nullptr) header = c.retry_after;
  const auto result = fulfillment::classify_answer(c.status, header, "body", march_22);
  BOOST_TEST(result.outcome == c.expected);
  BOOST_TEST(result.http_status == c.status);
  if (c.expected_retry_after_ms < 0) {
    BOOST_TEST(!result.retry_after.has_value());
  } else {
    BOOST_TEST_REQUIRE(result.retry_after.has_value());
    BOOST_TEST(result.retry_after->count() == c.expected_retry_after_ms);
  }
}

BOOST_AUTO_TEST_CASE(backoff_is_capped_exponential_with_full_jitter_and_honours_retry_after) {
  fulfillment::PlatformRetry options;
  options.base_delay = 1000ms;
  options.max_delay = 8000ms;
  BOOST_TEST(fulfillment::retry_delay(options, 1, 0.0, std::nullopt).count() == 0);
  BOOST_TEST(fulfillment::retry_delay(options, 1, 0.999, std::nullopt).count() == 999);  // first retry within 1 s
  BOOST_TEST(fulfillment::retry_delay(options, 2, 0.5, std::nullopt).count() == 1000);
  BOOST_TEST(fulfillment::retry_delay(options, 3, 0.5, std::nullopt).count() == 2000);
  BOOST_TEST(fulfillment::retry_delay(options, 10, 0.5, std::nullopt).count() == 4000);  // ceiling capped at 8 s
  BOOST_TEST(fulfillment::retry_delay(options, 1, 0.1, 3000ms).count() == 3000);        // never before Retry-After
  options.max_retry_after = 60000ms;
  BOOST_TEST(fulfillment::retry_delay(options, 1, 0.1, 3600000ms).count() == 60000);   // an absurd one is cut
}

BOOST_AUTO_TEST_CASE(the_outbox_retries_failures_and_records_every_attempt_until_sent) {
  QueuedTracking queued;
  ScriptedClient client;
  client.script = {{fulfillment::PostOutcome::retry, 503, std::nullopt, "HTTP 503"},
                   {fulfillment::PostOutcome::retry, 0, std::nullopt, "no answer: timeout"}};
  fulfillment::TrackingOutbox outbox(*queued.store, client, queued.options());
  BOOST_TEST(*outbox.deliver_due(queued.now) == 1u);
  BOOST_TEST(queued.entry().state == fulfillment::OutboxState::pending);
  BOOST_TEST((queued.entry().next_attempt_at == queued.now + 500ms));  // jitter 0.5 of a 1 s ceiling
  BOOST_TEST(*outbox.deliver_due(queued.now) == 0u);                   // not due yet
  queued.now += 500ms;
  BOOST_TEST(*outbox.deliver_due(queued.now) == 1u);
  BOOST_TEST((queued.entry().next_attempt_at == queued.now + 1000ms));
  queued.now += 1000ms;
  BOOST_TEST(*outbox.deliver_due(queued.now) == 1u);
  BOOST_TEST(queued.entry().state == fulfillment::OutboxState::sent);
  BOOST_TEST(queued.entry().attempts == 3);
  queued.now += 1h;
  BOOST_TEST(*outbox.deliver_due(queued.now) == 0u);
  BOOST_TEST_REQUIRE(client.requests.size() == 3u);
  for (const auto& request : client.requests) {
    BOOST_TEST(request.idempotency_key == "hookline-track-77");
    BOOST_TEST(request.tracking_number == "1Z999AA10123456784");
    BOOST_TEST(request.date_complete == "2026-03-22 15:00:00");
  }
  auto attempts = queued.store->attempts(77);
  BOOST_TEST_REQUIRE(attempts.has_value());
  BOOST_TEST_REQUIRE(attempts->size() == 3u);
  BOOST_TEST((*attempts)[0].outcome == "retry");
  BOOST_TEST((*attempts)[2].outcome == "sent");
}

BOOST_AUTO_TEST_CASE(outbox_senders_at_once_post_each_shipment_once) {
  // Three outboxes at once, as three instances: each on a store of its own (a connection of its own)
  // on PostgreSQL, on the one store of the process on SQLite. Each entry is claimed by one of them.
  QueuedTracking queued;  // shipment 77, plus 78..116
  for (std::int64_t id = 78; id <= 116; ++id) {
    fulfillment::Fulfillment f;
    f.shipment_id = id;
    f.state = fulfillment::State::shipped;
    f.tracking = fulfillment::Tracking{"1Z999AA10123456784", fulfillment::carrier_ups, march_22, "warehouse"};
    BOOST_TEST_REQUIRE(queued.store->write([&](fulfillment::StoreTx& tx) {
                                     tx.save(f);
                                     tx.enqueue_tracking(f, queued.now);
                                   }).has_value());
  }
  constexpr std::size_t instances = 3;
  std::vector<std::unique_ptr<fulfillment::FulfillmentStore>> stores;
  if (fulfillment_test::on_postgres()) {
    for (std::size_t i = 0; i < instances; ++i) stores.push_back(queued.location.open());
  }
  const auto store_of = [&](std::size_t i) -> fulfillment::FulfillmentStore& {
    return stores.empty() ? *queued.store : *stores[i];
  };
  std::vector<ScriptedClient> clients(instances);
  std::vector<std::thread> threads;
  std::atomic<std::size_t> made{0};
  for (std::size_t i = 0; i < instances; ++i) {
    threads.emplace_back([&, i] {
      fulfillment::TrackingOutbox outbox(store_of(i), clients[i], queued.options());
      auto delivered = outbox.deliver_due(queued.now);
      if (delivered) made += *delivered;
    });
  }
  for (auto& thread : threads) thread.join();
  std::vector<std::int64_t> posted;
  for (const auto& client : clients) {
    for (const auto& request : client.requests) posted.push_back(request.shipment_id);
  }
  std::sort(posted.begin(), posted.end());
  std::vector<std::int64_t> every;
  for (std::int64_t id = 77; id <= 116; ++id) every.push_back(id);
  BOOST_TEST(posted == every, boost::test_tools::per_element());  // each once, none missed
  BOOST_TEST(made.load() == every.size());
  auto counts = queued.store->outbox_counts();
  BOOST_TEST_REQUIRE(counts.has_value());
  BOOST_TEST(counts->sent == every.size());
  BOOST_TEST(counts->attempts == every.size());
}

BOOST_AUTO_TEST_CASE(an_outbox_claim_holds_an_entry_until_its_lease_ends_and_an_attempt_is_recorded_once) {
  QueuedTracking queued;
  auto first = queued.store->claim_outbox_due(queued.now, 10, 30s);
  BOOST_TEST_REQUIRE(first.has_value());
  BOOST_TEST_REQUIRE(first->size() == 1u);
  BOOST_TEST(first->front().idempotency_key == "hookline-track-77");
  auto held = queued.store->claim_outbox_due(queued.now + 29s, 10, 30s);  // another sender, during the lease
  BOOST_TEST_REQUIRE(held.has_value());
  BOOST_TEST(held->empty());
  auto next = queued.store->outbox_next_attempt();
  BOOST_TEST_REQUIRE(next.has_value());
  BOOST_TEST((*next == queued.now + 30s));  // due again when the claim ends
  // The claimant died: past the lease, another sender takes the entry, and records its attempt.
  auto taken_over = queued.store->claim_outbox_due(queued.now + 30s, 10, 30s);
  BOOST_TEST_REQUIRE(taken_over.has_value());
  BOOST_TEST_REQUIRE(taken_over->size() == 1u);
  const fulfillment::TrackingAttempt attempt{77, 1, queued.now + 31s, "sent", 200, "HTTP 200"};
  auto recorded = queued.store->record_attempt(attempt, fulfillment::OutboxState::sent, queued.now + 31s);
  BOOST_TEST_REQUIRE(recorded.has_value());
  BOOST_TEST(*recorded);
  // The first claimant was only slow: its answer comes later and is not recorded a second time.
  auto late = queued.store->record_attempt(attempt, fulfillment::OutboxState::sent, queued.now + 32s);
  BOOST_TEST_REQUIRE(late.has_value());
  BOOST_TEST(!*late);
  auto attempts = queued.store->attempts(77);
  BOOST_TEST_REQUIRE(attempts.has_value());
  BOOST_TEST(attempts->size() == 1u);
  BOOST_TEST(queued.entry().state == fulfillment::OutboxState::sent);
}

BOOST_AUTO_TEST_CASE(a_pass_leaves_a_shipment_another_transaction_is_changing_instead_of_waiting,
                     *boost::unit_test::precondition(hookline::test::postgres_only)) {
  const fulfillment_test::StoreLocation location;
  const auto changing = location.open();
  const auto passing = location.open();  // another instance: a connection of its own
  for (const std::int64_t id : {1, 2}) {
    fulfillment::Fulfillment f;
    f.shipment_id = id;
    BOOST_TEST_REQUIRE(changing->write([&](fulfillment::StoreTx& tx) { tx.save(f); }).has_value());
  }
  std::promise<void> holding;
  std::promise<void> passed;
  std::thread holder([&] {
    (void)changing->write([&](fulfillment::StoreTx& tx) {
      (void)tx.find(1);  // shipment 1's row, held until this transaction ends
      holding.set_value();
      passed.get_future().wait();
    });
  });
  holding.get_future().wait();
  std::vector<std::int64_t> taken;
  const auto pass = passing->write([&](fulfillment::StoreTx& tx) {
    for (const std::int64_t id : {1, 2}) {
      if (tx.lock_if_idle(id)) taken.push_back(id);
    }
  });
  passed.set_value();
  holder.join();
  BOOST_TEST_REQUIRE(pass.has_value());
  BOOST_TEST(taken == std::vector<std::int64_t>{2}, boost::test_tools::per_element());  // 1 left, not waited for
  BOOST_TEST(passing->write([&](fulfillment::StoreTx& tx) { BOOST_TEST(tx.lock_if_idle(1)); }).has_value());
}

BOOST_AUTO_TEST_CASE(a_work_claim_gives_a_fulfillment_to_one_worker_until_released_or_its_lease_ends) {
  const fulfillment_test::StoreLocation location;
  const auto store = location.open();
  const auto now = std::chrono::time_point_cast<std::chrono::milliseconds>(march_22);
  for (const auto state : {fulfillment::State::picking, fulfillment::State::waiting}) {
    fulfillment::Fulfillment f;
    f.shipment_id = state == fulfillment::State::picking ? 1 : 2;
    f.state = state;
    BOOST_TEST_REQUIRE(store->write([&](fulfillment::StoreTx& tx) { tx.save(f); }).has_value());
  }
  BOOST_TEST(*store->in_progress(now) == std::vector<std::int64_t>{1}, boost::test_tools::per_element());
  const auto claimed = store->claim_work(1, now, 30s);
  BOOST_TEST_REQUIRE(claimed.has_value());
  BOOST_TEST_REQUIRE(claimed->has_value());
  BOOST_TEST(((*claimed)->state == fulfillment::State::picking));  // the fulfillment, as claimed
  BOOST_TEST(!*store->claim_work(1, now + 1s, 30s));  // another worker, of this instance or another
  BOOST_TEST(!*store->claim_work(2, now, 30s));       // waiting: nothing for the warehouse yet
  BOOST_TEST(store->in_progress(now + 1s)->empty());  // not taken up again while claimed
  BOOST_TEST(*store->in_progress(now + 30s) == std::vector<std::int64_t>{1}, boost::test_tools::per_element());
  BOOST_TEST(store->claim_work(1, now + 30s, 30s)->has_value());  // the worker died: past its lease, another takes over
  BOOST_TEST_REQUIRE(store->release_work(1).has_value());
  BOOST_TEST(store->claim_work(1, now + 31s, 30s)->has_value());  // given back: free at once
  // A save that moves it out of the warehouse ends the claim with it: back in packing, it is free.
  for (const auto state : {fulfillment::State::error, fulfillment::State::packing}) {
    BOOST_TEST_REQUIRE(store->write([&](fulfillment::StoreTx& tx) {
                              auto f = tx.find(1);
                              tx.transition(*f, state, march_22, "test");
                            }).has_value());
  }
  BOOST_TEST(store->claim_work(1, now + 32s, 30s)->has_value());
}

BOOST_AUTO_TEST_CASE(a_work_claim_skips_a_fulfillment_another_transaction_holds_instead_of_waiting_for_it,
                     *boost::unit_test::precondition(hookline::test::postgres_only)) {
  const fulfillment_test::StoreLocation location;
  const auto holding_store = location.open();
  const auto claiming = location.open();  // another instance: a connection of its own
  fulfillment::Fulfillment f;
  f.shipment_id = 1;
  f.state = fulfillment::State::picking;
  BOOST_TEST_REQUIRE(holding_store->write([&](fulfillment::StoreTx& tx) { tx.save(f); }).has_value());
  const auto now = std::chrono::time_point_cast<std::chrono::milliseconds>(march_22);
  std::promise<void> holding;
  std::promise<void> claimed;
  std::thread holder([&] {
    (void)holding_store->write([&](fulfillment::StoreTx& tx) {
      (void)tx.find(1);  // the row, held until this transaction ends (another instance's step, say)
      holding.set_value();
      // A claim that waited for the row would only return once this gives up.
      (void)claimed.get_future().wait_for(10s);
    });
  });
  holding.get_future().wait();
  const auto while_held = claiming->claim_work(1, now, 30s);
  claimed.set_value();
  holder.join();
  BOOST_TEST_REQUIRE(while_held.has_value());
  BOOST_TEST(!while_held->has_value());  // skipped: the next pass tries again
  BOOST_TEST(claiming->claim_work(1, now, 30s)->has_value());  // free once the holder is done
}

BOOST_AUTO_TEST_CASE(the_outbox_dead_letters_a_refusal_at_once_and_gives_up_after_max_attempts) {
  QueuedTracking refused;
  ScriptedClient client;
  client.script = {{fulfillment::PostOutcome::rejected, 422, std::nullopt, "HTTP 422"}};
  fulfillment::TrackingOutbox outbox(*refused.store, client, refused.options());
  BOOST_TEST(*outbox.deliver_due(refused.now) == 1u);
  BOOST_TEST(refused.entry().state == fulfillment::OutboxState::dead);
  auto dead = refused.store->outbox_dead_letters(10);
  BOOST_TEST_REQUIRE(dead.has_value());
  BOOST_TEST(dead->size() == 1u);
  BOOST_TEST(*refused.store->retry_dead_letter(77, refused.now) == true);
  BOOST_TEST(*refused.store->retry_dead_letter(77, refused.now) == false);
  BOOST_TEST(*outbox.deliver_due(refused.now) == 1u);
  BOOST_TEST(refused.entry().state == fulfillment::OutboxState::sent);

  QueuedTracking failing;
  ScriptedClient down;
  auto options = failing.options();
  options.retry.max_attempts = 3;
  for (int i = 0; i < 3; ++i) down.script.push_back({fulfillment::PostOutcome::retry, 500, std::nullopt, "HTTP 500"});
  fulfillment::TrackingOutbox stubborn(*failing.store, down, options);
  for (int i = 0; i < 3; ++i) {
    BOOST_TEST(*stubborn.deliver_due(failing.now) == 1u);
    failing.now += 1h;
  }
  BOOST_TEST(failing.entry().state == fulfillment::OutboxState::dead);
  BOOST_TEST(failing.entry().attempts == 3);
}

BOOST_AUTO_TEST_CASE(date_complete_is_written_in_the_platform_zone) {
  auto denver = hookline::TimeZone::named("America/Denver");
  BOOST_TEST_REQUIRE(denver.has_value());
  QueuedTracking queued(*denver);
  BOOST_TEST(queued.entry().date_complete == "2026-03-22 09:00:00");  // MDT, UTC-6
  BOOST_TEST(fulfillment::vrio_local_date(march_22, hookline::TimeZone::utc()) == "2026-03-22 15:00:00");
}

BOOST_AUTO_TEST_CASE(a_stored_view_round_trips_with_its_held_events_as_ids) {
  using namespace fulfillment_test;
  std::vector<hookline::vrio::Event> events;
  for (const auto& body :
       {shipment_event("shipment_cancelled", "9", "2026-03-22 16:00:00", 5),
        scheduled("7", "2026-03-22 14:00:00", 5, "2026-04-01 00:00:00"),
        shipment_event("shipment_address_updated", "8", "2026-03-22 15:00:00", 5, address_fields("456 Oak Ave"))}) {
    auto event = hookline::vrio::parse(body);
    BOOST_TEST_REQUIRE(event.has_value());
    events.push_back(*event);
  }
  const auto held_only = hookline::vrio::build_view({events[0]});
  auto decoded_held = fulfillment::json::decode_view(fulfillment::json::encode_view(held_only));
  BOOST_TEST_REQUIRE(decoded_held.has_value());
  BOOST_TEST(decoded_held->held_ids == std::vector<std::string>{"9"});

  const auto full = hookline::vrio::build_view(events);
  auto decoded = fulfillment::json::decode_view(fulfillment::json::encode_view(full));
  BOOST_TEST_REQUIRE(decoded.has_value());
  BOOST_TEST(decoded->held_ids.empty());
  BOOST_TEST((decoded->view == full));
}

BOOST_AUTO_TEST_CASE(a_stored_record_missing_a_member_fails_loudly_instead_of_reading_zero) {
  using namespace fulfillment_test;
  auto event = hookline::vrio::parse(scheduled("7", "2026-03-22 14:00:00", 5, "2026-04-01 00:00:00"));
  BOOST_TEST_REQUIRE(event.has_value());
  const std::string whole = fulfillment::json::encode_view(hookline::vrio::build_view({*event}));
  BOOST_TEST_REQUIRE(fulfillment::json::decode_view(whole).has_value());
  // Each member the store always writes, taken out in turn: the view does not read back, and the
  // error names the member.
  for (const std::string member : {"\"shipment_id\":", "\"exists\":", "\"status\":", "\"held\":", "\"seen\":"}) {
    std::string damaged = whole;
    const auto at = damaged.find(member);
    BOOST_TEST_REQUIRE(at != std::string::npos, member);
    damaged.replace(at, member.size(), "\"renamed_" + member.substr(1));
    auto decoded = fulfillment::json::decode_view(damaged);
    BOOST_TEST_REQUIRE(!decoded.has_value(), member << " gone, yet it read back");
    BOOST_TEST(decoded.error().find(member.substr(1, member.size() - 3)) != std::string::npos, decoded.error());
  }
  const auto items = fulfillment::json::read_items(R"([{"shipment_item_id":1,"quantity":2,"item_id":3,"item_name":"Tea"}])");
  BOOST_TEST_REQUIRE(!items.has_value());  // item_sku missing
  BOOST_TEST(items.error() == "items: item_sku: missing or not a string");
  const auto wrong_type =
      fulfillment::json::read_items(R"([{"shipment_item_id":1,"quantity":"2","item_id":3,"item_name":"Tea","item_sku":"T"}])");
  BOOST_TEST_REQUIRE(!wrong_type.has_value());
  BOOST_TEST(wrong_type.error() == "items: quantity: missing or not an integer");
}

BOOST_AUTO_TEST_CASE(manual_shipment_bodies_are_checked) {
  BOOST_TEST(fulfillment::json::read_manual_shipment(R"({"tracking":"1Z1","carrier_id":2})").has_value());
  BOOST_TEST(fulfillment::json::read_manual_shipment(R"({"shipment_tracking_id":"1Z1","carrier_id":"2"})").has_value());
  BOOST_TEST(!fulfillment::json::read_manual_shipment(R"({"tracking":"","carrier_id":2})").has_value());
  BOOST_TEST(!fulfillment::json::read_manual_shipment(R"({"tracking":"1Z1"})").has_value());
  BOOST_TEST(!fulfillment::json::read_manual_shipment(R"([1,2])").has_value());
  BOOST_TEST(!fulfillment::json::read_manual_shipment("not json").has_value());
}

BOOST_AUTO_TEST_CASE(metrics_render_prometheus_text) {
  fulfillment::Metrics metrics;
  metrics.record_receive(hookline::ReceiveOutcome::accepted);
  metrics.record_receive(hookline::ReceiveOutcome::duplicate);
  metrics.record_receive(hookline::ReceiveOutcome::bad_signature);
  metrics.record_handled("shipment_scheduled", "apply", std::chrono::duration<double>(0.002));
  metrics.record_tracking_attempt({fulfillment::PostOutcome::retry, 503, std::nullopt, ""});
  fulfillment::MetricsSnapshot snapshot;
  snapshot.fulfillments[fulfillment::State::waiting] = 3;
  snapshot.outbox.pending = 2;
  snapshot.dispatch.retried = 4;
  snapshot.dispatch.store_errors = 5;
  const auto text = metrics.render(snapshot);
  for (const char* line : {"hookline_webhooks_received_total{outcome=\"accepted\"} 1",
                           "hookline_webhooks_duplicates_total 1",
                           "hookline_webhooks_rejected_total{reason=\"bad_signature\"} 1",
                           "hookline_events_handled_total{type=\"shipment_scheduled\",decision=\"apply\"} 1",
                           "hookline_handler_latency_seconds_bucket{le=\"0.0025\"} 1",
                           "hookline_handler_latency_seconds_bucket{le=\"0.001\"} 0",
                           "hookline_handler_latency_seconds_count 1",
                           "hookline_tracking_attempts_total{outcome=\"retry\"} 1",
                           "hookline_tracking_outbox_depth 2",
                           "hookline_fulfillments{state=\"waiting\"} 3",
                           "hookline_dispatch_outcomes_total{outcome=\"retried\"} 4",
                           "hookline_dispatch_store_errors_total 5",
                           "# TYPE hookline_handler_latency_seconds histogram"}) {
    BOOST_TEST(text.find(line) != std::string::npos, line);
  }
}

/// The Linux nice values of this process's threads named `name`.
std::vector<int> nice_of_threads_named(const std::string& name) {
  std::vector<int> values;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::string comm;
    std::getline(std::ifstream(task.path() / "comm"), comm);
    if (comm != name) continue;
    values.push_back(::getpriority(PRIO_PROCESS, static_cast<id_t>(std::stoi(task.path().filename().string()))));
  }
  return values;
}

BOOST_AUTO_TEST_CASE(the_warehouse_and_outbox_threads_run_below_the_cpu_priority_of_the_thread_that_started_them) {
  const int receiving = ::getpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()));
  QueuedTracking queued;
  ScriptedClient client;
  fulfillment::SimulatedWarehouse warehouse{0ms};
  auto outbox_options = queued.options();
  outbox_options.senders = 2;
  outbox_options.nice = 3;
  fulfillment::TrackingOutbox outbox(*queued.store, client, outbox_options);
  fulfillment::SchedulerOptions scheduler_options;
  scheduler_options.workers = 2;
  scheduler_options.nice = 5;
  fulfillment::Scheduler scheduler(*queued.store, warehouse, [] { return march_22; }, scheduler_options);
  outbox.start();
  scheduler.start();
  const auto all_at = [](const std::vector<int>& values, std::size_t count, int nice) {
    return values.size() == count && std::all_of(values.begin(), values.end(), [nice](int v) { return v == nice; });
  };
  bool lowered = false;
  for (int i = 0; i < 500 && !lowered; ++i) {  // each thread lowers itself as it starts
    lowered = all_at(nice_of_threads_named("hl-outbox"), 2, receiving + 3) &&
              all_at(nice_of_threads_named("hl-warehouse"), 2, receiving + 5) &&
              all_at(nice_of_threads_named("hl-release"), 1, receiving + 5);
    if (!lowered) std::this_thread::sleep_for(10ms);
  }
  BOOST_TEST(lowered);
  scheduler.stop();
  outbox.stop();
}

BOOST_AUTO_TEST_CASE(log_lines_are_one_json_object_each) {
  const auto at = std::chrono::system_clock::time_point{march_22.time_since_epoch()} + 250ms;
  BOOST_TEST(fulfillment::Logger::format(at, "info", "shipped", {{"shipment_id", "7"}, {"note", "a \"quoted\"\nline"}}) ==
             R"({"ts":"2026-03-22T15:00:00.250Z","level":"info","msg":"shipped","shipment_id":"7","note":"a \"quoted\"\nline"})");
  std::ostringstream out;
  fulfillment::Logger logger(out);
  logger.warn("one");
  logger.error("two");
  logger.flush();
  const std::string lines = out.str();
  BOOST_TEST(std::count(lines.begin(), lines.end(), '\n') == 2);
}

/// A stream buffer whose writes wait while it is closed, as a pipe that nobody reads; counts flushes.
class GatedBuffer final : public std::stringbuf {
 public:
  void open() {
    const std::lock_guard lock(mutex_);
    open_ = true;
    opened_.notify_all();
  }
  [[nodiscard]] int flushes() const { return flushes_.load(); }

 protected:
  std::streamsize xsputn(const char* data, std::streamsize size) override {
    std::unique_lock lock(mutex_);
    opened_.wait(lock, [this] { return open_; });
    return std::stringbuf::xsputn(data, size);
  }
  int sync() override {
    ++flushes_;
    return 0;
  }

 private:
  std::mutex mutex_;
  std::condition_variable opened_;
  bool open_ = false;
  std::atomic<int> flushes_{0};
};

BOOST_AUTO_TEST_CASE(a_stream_that_does_not_take_lines_never_holds_up_the_threads_that_log) {
  GatedBuffer buffer;
  std::ostream out(&buffer);
  std::promise<void> all_logged;
  {
    fulfillment::Logger logger(out);
    std::thread logging([&] {
      for (int i = 0; i < 200; ++i) logger.info("webhook received", {{"event_id", std::to_string(i)}});
      all_logged.set_value();
    });
    const bool logged_while_closed = all_logged.get_future().wait_for(10s) == std::future_status::ready;
    buffer.open();
    logging.join();
    BOOST_TEST(logged_while_closed);
  }  // the logger writes every line before it ends
  const std::string lines = buffer.str();
  BOOST_TEST(std::count(lines.begin(), lines.end(), '\n') == 200);
  BOOST_TEST(lines.find(R"("event_id":"199"})") != std::string::npos);
  BOOST_TEST(buffer.flushes() <= 2);  // lines that come together are written together
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(platform_client)

/// A loopback port nothing listens on.
int closed_port() {
  const int probe = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  BOOST_REQUIRE(probe >= 0);
  BOOST_REQUIRE(::bind(probe, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  BOOST_REQUIRE(::getsockname(probe, reinterpret_cast<sockaddr*>(&address), &length) == 0);
  ::close(probe);
  return ntohs(address.sin_port);
}

/// What the loopback platform got.
struct PlatformCall {
  std::string method;
  std::string path;
  hookline::Headers headers;
  std::string body;
};

/// A platform API on loopback: records every call and answers it with `answer`, counting the calls
/// it is answering at once.
class LoopbackPlatform {
 public:
  using Answer = std::function<hookline::HttpResponse(const hookline::HttpRequest&)>;

  explicit LoopbackPlatform(Answer answer) : answer_(std::move(answer)) {
    const auto record_and_answer = [this](const hookline::HttpRequest& request) {
      const int now_in_flight = ++in_flight_;
      for (int seen = max_in_flight_.load(); now_in_flight > seen && !max_in_flight_.compare_exchange_weak(seen, now_in_flight);) {
      }
      {
        const std::lock_guard lock(mutex_);
        calls_.push_back(PlatformCall{request.method, request.path, request.headers, request.body});
      }
      auto response = answer_(request);
      --in_flight_;
      return response;
    };
    server_.route("GET", "/.*", record_and_answer);
    server_.route("POST", "/.*", record_and_answer);
    BOOST_REQUIRE(server_.start().has_value());
  }

  /// http://127.0.0.1:<port><prefix>
  [[nodiscard]] std::string url(const std::string& prefix = "") const {
    return "http://127.0.0.1:" + std::to_string(server_.port()) + prefix;
  }
  /// Every call so far, in arrival order.
  [[nodiscard]] std::vector<PlatformCall> calls() const {
    const std::lock_guard lock(mutex_);
    return calls_;
  }
  /// The most calls that were being answered at once.
  [[nodiscard]] int max_in_flight() const { return max_in_flight_.load(); }

 private:
  Answer answer_;
  mutable std::mutex mutex_;
  std::vector<PlatformCall> calls_;
  std::atomic<int> in_flight_{0};
  std::atomic<int> max_in_flight_{0};
  hookline::WebhookServer server_;
};

hookline::HttpResponse platform_answer(int status, std::string body, const char* retry_after = nullptr) {
  hookline::HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  if (retry_after) response.headers.add("Retry-After", retry_after);
  return response;
}

BOOST_AUTO_TEST_CASE(a_read_is_a_get_and_a_tracking_post_a_post_both_with_the_api_key_under_the_url_path) {
  LoopbackPlatform platform([](const hookline::HttpRequest& request) {
    return request.method == "GET" ? platform_answer(503, R"({"error":"busy"})", "2") : platform_answer(200, "{}");
  });
  fulfillment::PlatformOptions options;
  options.platform_url = platform.url("/v1/");
  options.api_key = hookline::Secret("pk_parts_test");
  fulfillment::PlatformClient client(options);

  const auto read = client.read(42);
  BOOST_TEST(read.http_status == 503);
  BOOST_TEST_REQUIRE(read.retry_after.has_value());  // the Retry-After of the answer reaches the classification
  BOOST_TEST(read.retry_after->count() == 2000);

  fulfillment::TrackingRequest request;
  request.shipment_id = 42;
  request.idempotency_key = "shipment-42-tracking";
  request.tracking_number = "1Z999";
  const auto posted = client.post(request);
  BOOST_TEST((posted.outcome == fulfillment::PostOutcome::accepted), posted.detail);

  const auto calls = platform.calls();
  BOOST_REQUIRE_EQUAL(calls.size(), 2U);
  BOOST_TEST(calls[0].method == "GET");
  BOOST_TEST(calls[0].path == "/v1/shipments/42");
  BOOST_TEST(calls[0].body.empty());
  BOOST_TEST(calls[1].method == "POST");
  BOOST_TEST(calls[1].path == "/v1/shipments/42/track");
  BOOST_TEST(calls[1].body == fulfillment::tracking_body(request));
  BOOST_TEST(calls[1].headers.get("Idempotency-Key").value_or("") == "shipment-42-tracking");
  BOOST_TEST(calls[1].headers.get("Content-Type").value_or("") == "application/json");
  for (const auto& call : calls) {
    BOOST_TEST(call.headers.get("X-Api-Key").value_or("") == "pk_parts_test");
    BOOST_TEST(call.headers.get("Accept").value_or("") == "application/json");
  }
}

BOOST_AUTO_TEST_CASE(no_more_than_connections_calls_run_at_once) {
  LoopbackPlatform platform([](const hookline::HttpRequest&) {
    std::this_thread::sleep_for(100ms);
    return platform_answer(404, "{}");
  });
  fulfillment::PlatformOptions options;
  options.platform_url = platform.url();
  options.connections = 2;
  fulfillment::PlatformClient client(options);
  {
    std::vector<std::jthread> callers;
    for (int i = 0; i < 6; ++i) callers.emplace_back([&client, i] { (void)client.read(i); });
  }
  BOOST_TEST(platform.calls().size() == 6U);
  BOOST_TEST(platform.max_in_flight() == 2);
}

BOOST_AUTO_TEST_CASE(a_platform_url_that_is_not_http_is_refused) {
  fulfillment::PlatformOptions options;
  options.platform_url = "ftp://127.0.0.1/api";
  BOOST_CHECK_THROW(fulfillment::PlatformClient{options}, std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(a_platform_that_refuses_the_connection_is_named_with_the_cause) {
  const std::string endpoint = "127.0.0.1:" + std::to_string(closed_port());
  fulfillment::PlatformOptions options;
  options.platform_url = "http://" + endpoint;
  options.timeout = std::chrono::milliseconds(2000);
  options.connections = 1;
  fulfillment::PlatformClient client(options);

  const auto read = client.read(42);
  BOOST_TEST(read.detail == "no answer: connection refused to " + endpoint);

  fulfillment::TrackingRequest request;
  request.shipment_id = 42;
  request.idempotency_key = "shipment-42";
  const auto posted = client.post(request);
  BOOST_TEST((posted.outcome == fulfillment::PostOutcome::retry));
  BOOST_TEST(posted.detail == "no answer: connection refused to " + endpoint);
}

BOOST_AUTO_TEST_SUITE_END()
