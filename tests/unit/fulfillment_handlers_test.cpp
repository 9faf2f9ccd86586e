// The fulfillment server's domain without a network: shipment events through ShipmentHandlers into
// the store, the scheduler releasing due fulfillments, the simulated warehouse shipping them, and the
// tracking outbox entry written with the state change.
#include <boost/test/unit_test.hpp>

#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>
#include <thread>
#include <chrono>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "admin_api.hpp"
#include "fulfillment_domain.hpp"
#include "fulfillment_events.hpp"
#include "storage/fulfillment_store.hpp"
#include "hookline/dispatcher.hpp"
#include "hookline/inbox.hpp"
#include "hookline/parse.hpp"
#include "hookline/quarantine.hpp"
#include "hookline/receiver.hpp"
#include "hookline/verify.hpp"
#include "hookline/vrio.hpp"
#include "printing.hpp"
#include "scheduler.hpp"
#include "shipment_handlers.hpp"
#include "warehouse.hpp"

using namespace std::chrono_literals;
using fulfillment::State;
using fulfillment_test::address_fields;
using fulfillment_test::item_fields;
using fulfillment_test::scheduled;
using fulfillment_test::shipment_event;
using fulfillment_test::Domain;
using fulfillment_test::march_22;
using fulfillment_test::utc;

namespace {

/// The VRIO receiver over `inbox` that the admin API replays quarantined and refused deliveries with.
hookline::Receiver vrio_receiver(hookline::ReceiverStore& inbox) {
  const std::vector<hookline::Secret> secrets{hookline::Secret("whsec-admin-api-test")};
  return hookline::Receiver(*hookline::Verifier::create(hookline::Scheme::vrio, secrets),
                            hookline::meta_parser(hookline::Platform::vrio), inbox);
}

/// Claims `body` into `inbox` as shipment_scheduled 10001 of shipment 251606, whatever the body says.
void claim_scheduled(hookline::MemoryInbox& inbox, std::string_view body, std::chrono::sys_seconds now) {
  hookline::EventMeta meta;
  meta.type = "shipment_scheduled";
  meta.id = "10001";
  meta.entity = "shipment:251606";
  BOOST_TEST_REQUIRE(inbox.claim(meta, body, now).has_value());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(fulfillment_handlers)

BOOST_AUTO_TEST_CASE(due_shipment_ships_and_queues_one_tracking_post) {
  Domain domain;
  domain.deliver(scheduled("10001", "2026-03-22 14:30:00", 251606, "2026-03-22 14:30:00"));
  BOOST_TEST(domain.get(251606).state == State::waiting);
  BOOST_TEST(domain.run_due() == std::vector<std::int64_t>{251606});
  const auto shipped = domain.get(251606);
  BOOST_TEST(shipped.state == State::shipped);
  BOOST_TEST_REQUIRE(shipped.tracking.has_value());
  BOOST_TEST(shipped.tracking->tracking_number.substr(0, 2) == "1Z");  // even shipment ids go by UPS
  BOOST_TEST(shipped.tracking->carrier_id == fulfillment::carrier_ups);
  const auto post = domain.outbox(251606);
  BOOST_TEST_REQUIRE(post.has_value());
  BOOST_TEST(post->idempotency_key == "hookline-track-251606");
  BOOST_TEST(post->tracking_number == shipped.tracking->tracking_number);
  BOOST_TEST(post->date_complete == "2026-03-22 15:00:00");
  BOOST_TEST(post->state == fulfillment::OutboxState::pending);
  BOOST_TEST(domain.run_due().empty());  // released once only
}

BOOST_AUTO_TEST_CASE(future_shipments_wait_for_their_date_also_across_a_restart) {
  Domain domain;
  // A prepaid cycle: three shipments created at once, one a month.
  domain.deliver(scheduled("1", "2026-03-22 14:00:00", 1001, "2026-03-22 14:00:00"));
  domain.deliver(scheduled("2", "2026-03-22 14:00:00", 1002, "2026-04-22 14:00:00"));
  domain.deliver(scheduled("3", "2026-03-22 14:00:00", 1003, "2026-05-22 14:00:00"));
  BOOST_TEST(domain.run_due() == std::vector<std::int64_t>{1001});
  BOOST_TEST(domain.get(1002).state == State::waiting);
  BOOST_TEST(domain.get(1003).state == State::waiting);
  auto next = domain.store->next_due_after(domain.now);
  BOOST_TEST_REQUIRE(next.has_value());
  BOOST_TEST((*next == std::optional{utc(std::chrono::year{2026} / 4 / 22, 14h)}));

  domain.restart();
  domain.now = utc(std::chrono::year{2026} / 4 / 22, 14h);
  BOOST_TEST(domain.run_due() == std::vector<std::int64_t>{1002});
  BOOST_TEST(domain.get(1002).state == State::shipped);
  BOOST_TEST(domain.get(1003).state == State::waiting);
}

BOOST_AUTO_TEST_CASE(many_due_fulfillments_are_released_in_batches_oldest_first) {
  Domain domain;
  BOOST_TEST_REQUIRE(domain.store->write([&](fulfillment::StoreTx& tx) {
                            for (std::int64_t id = 1; id <= 300; ++id) {
                              fulfillment::Fulfillment f;
                              f.shipment_id = id;
                              f.date_scheduled = domain.now - std::chrono::seconds(id);
                              tx.save(f);
                            }
                          }).has_value());
  const auto syncs_before = domain.store->sync_count();
  auto first = domain.scheduler->release_due(domain.now);
  BOOST_TEST_REQUIRE(first.has_value());
  BOOST_TEST(first->size() == 256u);
  BOOST_TEST(first->front() == 300);  // the longest overdue first
  BOOST_TEST(domain.store->sync_count() == syncs_before + 1);  // one write for the whole batch
  auto second = domain.scheduler->release_due(domain.now);
  BOOST_TEST_REQUIRE(second.has_value());
  BOOST_TEST(second->size() == 44u);
  auto in_progress = domain.store->in_progress(std::chrono::time_point_cast<std::chrono::milliseconds>(domain.now));
  BOOST_TEST_REQUIRE(in_progress.has_value());
  BOOST_TEST(in_progress->size() == 300u);
}

BOOST_AUTO_TEST_CASE(schedulers_of_several_instances_release_and_ship_each_fulfillment_once) {
  // Three schedulers at once, as three instances: on PostgreSQL each on a store of its own (a
  // connection of its own), on SQLite on the one store of the process.
  Domain domain;
  constexpr std::int64_t count = 60;
  BOOST_TEST_REQUIRE(domain.store->write([&](fulfillment::StoreTx& tx) {
                            for (std::int64_t id = 1; id <= count; ++id) {
                              fulfillment::Fulfillment f;
                              f.shipment_id = id;
                              f.date_scheduled = domain.now - std::chrono::seconds(id);
                              f.address = hookline::vrio::Address{};
                              f.address->address1 = "1 Main St";
                              tx.save(f);
                            }
                          }).has_value());
  constexpr std::size_t instances = 3;
  std::vector<std::unique_ptr<fulfillment::FulfillmentStore>> stores;
  for (std::size_t i = 0; i < instances && fulfillment_test::on_postgres(); ++i) stores.push_back(domain.open());
  std::vector<std::unique_ptr<fulfillment::Scheduler>> schedulers;
  for (std::size_t i = 0; i < instances; ++i) {
    schedulers.push_back(std::make_unique<fulfillment::Scheduler>(stores.empty() ? *domain.store : *stores[i],
                                                                  domain.warehouse, [&] { return domain.now; }));
  }
  std::vector<std::vector<std::int64_t>> released(instances);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < instances; ++i) {
    threads.emplace_back([&, i] {
      auto ids = schedulers[i]->release_due(domain.now);
      if (!ids) return;
      released[i] = *ids;
      // Each instance works on what every instance released, as one taking up another's work does.
      for (std::int64_t id = 1; id <= count; ++id) (void)schedulers[i]->fulfill(id);
    });
  }
  for (auto& thread : threads) thread.join();
  std::vector<std::int64_t> all;
  for (const auto& ids : released) all.insert(all.end(), ids.begin(), ids.end());
  std::sort(all.begin(), all.end());
  std::vector<std::int64_t> every;
  for (std::int64_t id = 1; id <= count; ++id) every.push_back(id);
  BOOST_TEST(all == every, boost::test_tools::per_element());  // each released by one instance
  for (std::int64_t id = 1; id <= count; ++id) {
    auto history = domain.store->history(id);
    BOOST_TEST_REQUIRE(history.has_value());
    const auto shipped = std::count_if(history->begin(), history->end(),
                                       [](const fulfillment::HistoryEntry& entry) { return entry.to_state == "shipped"; });
    BOOST_TEST(shipped == 1, "shipment " << id << " shipped " << shipped << " times");
  }
  auto counts = domain.store->outbox_counts();
  BOOST_TEST_REQUIRE(counts.has_value());
  BOOST_TEST(counts->pending == static_cast<std::size_t>(count));  // one tracking post each
}

BOOST_AUTO_TEST_CASE(a_dispatcher_batch_of_events_is_one_transaction_and_one_sync) {
  Domain domain;
  hookline::MemoryInbox inbox;
  for (int i = 1; i <= 20; ++i) {
    const auto body = scheduled(std::to_string(i), "2026-03-22 14:30:00", 1000 + i, "2026-04-22 14:30:00");
    auto event = hookline::vrio::parse(body);
    BOOST_TEST_REQUIRE(event.has_value());
    BOOST_TEST_REQUIRE(inbox.claim(event->meta(), body, domain.now).has_value());
  }
  const auto syncs_before = domain.store->sync_count();
  hookline::DispatcherOptions options;
  options.workers = 1;
  options.run_batch = [&](const std::function<void()>& handlers) { return domain.handlers->run_batch(handlers); };
  hookline::Dispatcher dispatcher(inbox, domain.handlers->fallback(), options);
  domain.handlers->register_with(dispatcher);
  dispatcher.start();
  BOOST_TEST_REQUIRE(dispatcher.wait_until_idle(20s));
  BOOST_TEST(dispatcher.counters().handled == 20u);
  BOOST_TEST(domain.store->sync_count() == syncs_before + 1);  // twenty handlers' writes, one sync
  for (int i = 1; i <= 20; ++i) BOOST_TEST(domain.get(1000 + i).state == State::waiting);
}

BOOST_AUTO_TEST_CASE(a_batch_whose_writes_all_succeed_runs_once) {
  Domain domain;
  int runs = 0;
  const auto written = domain.store->write_batch([&] {
    ++runs;
    for (std::int64_t id = 1; id <= 3; ++id) {
      BOOST_TEST(domain.store->write([&](fulfillment::StoreTx& tx) {
                   fulfillment::Fulfillment f;
                   f.shipment_id = id;
                   tx.save(f);
                 }).has_value());
    }
  });
  BOOST_TEST_REQUIRE(written.has_value());
  BOOST_TEST(runs == 1);
  for (std::int64_t id = 1; id <= 3; ++id) BOOST_TEST(domain.exists(id));
}

BOOST_AUTO_TEST_CASE(a_batch_undone_for_a_throwing_write_skips_the_writes_after_it_until_it_runs_again) {
  Domain domain;
  std::vector<int> calls;  // which pass ran each write's change
  int runs = 0;
  const auto written = domain.store->write_batch([&] {
    ++runs;
    for (std::int64_t id = 1; id <= 3; ++id) {
      (void)domain.store->write([&](fulfillment::StoreTx& tx) {
        calls.push_back(runs);
        fulfillment::Fulfillment f;
        f.shipment_id = id;
        tx.save(f);
        if (id == 1 && runs == 1) throw std::runtime_error("fails the first time only");
      });
    }
  });
  BOOST_TEST_REQUIRE(written.has_value());
  BOOST_TEST(calls == (std::vector<int>{1, 2, 2, 2}), boost::test_tools::per_element());
  for (std::int64_t id = 1; id <= 3; ++id) BOOST_TEST(domain.exists(id));
}

BOOST_AUTO_TEST_CASE(a_write_that_throws_inside_a_batch_undoes_only_its_own_changes) {
  Domain domain;
  const auto save = [&](std::int64_t id, bool then_throw) {
    return domain.store->write([&](fulfillment::StoreTx& tx) {
      fulfillment::Fulfillment f;
      f.shipment_id = id;
      tx.save(f);
      if (then_throw) throw std::runtime_error("handler failed half way");
    });
  };
  std::vector<bool> results;
  int runs = 0;
  const auto written = domain.store->write_batch([&] {
    ++runs;
    results.clear();
    results.push_back(save(1, false).has_value());
    results.push_back(save(2, true).has_value());
    results.push_back(save(3, false).has_value());
  });
  BOOST_TEST_REQUIRE(written.has_value());
  BOOST_TEST(runs == 2);  // undone at the throw, run again with a savepoint per write
  BOOST_TEST(results == (std::vector<bool>{true, false, true}), boost::test_tools::per_element());
  BOOST_TEST(domain.exists(1));
  BOOST_TEST(!domain.exists(2));
  BOOST_TEST(domain.exists(3));
  BOOST_TEST(save(4, false).has_value());  // a write outside a batch is a transaction of its own again
  BOOST_TEST(domain.exists(4));
}

BOOST_AUTO_TEST_CASE(cancel_before_its_schedule_never_ships_even_across_a_restart) {
  Domain domain;
  domain.deliver(shipment_event("shipment_cancelled", "10002", "2026-03-22 14:31:00", 251606,
                                R"("shipment_status_id":"Cancelled")"));
  BOOST_TEST(!domain.exists(251606));
  domain.restart();  // the held cancel lives in the stored view
  domain.deliver(scheduled("10001", "2026-03-22 14:30:00", 251606, "2026-03-22 14:30:00"));
  BOOST_TEST(domain.get(251606).state == State::cancelled);
  BOOST_TEST(domain.run_due().empty());
  BOOST_TEST(!domain.outbox(251606).has_value());
  BOOST_TEST(domain.decision_of(251606, "10002") == "apply");
}

BOOST_AUTO_TEST_CASE(cancel_stops_a_waiting_fulfillment) {
  Domain domain;
  domain.deliver(scheduled("10001", "2026-03-22 14:30:00", 251606, "2026-04-22 14:30:00"));
  domain.deliver(shipment_event("shipment_cancelled", "10002", "2026-03-22 16:00:00", 251606));
  BOOST_TEST(domain.get(251606).state == State::cancelled);
  domain.now = utc(std::chrono::year{2026} / 5 / 1);
  BOOST_TEST(domain.run_due().empty());
}

BOOST_AUTO_TEST_CASE(newer_address_wins_whatever_the_arrival_order) {
  std::vector<std::string> events{
      scheduled("10001", "2026-03-22 14:30:00", 251606, "2026-04-22 14:30:00"),
      shipment_event("shipment_address_updated", "10003", "2026-03-22 15:00:00", 251606, address_fields("1 Old Rd")),
      shipment_event("shipment_address_updated", "10004", "2026-03-22 15:05:00", 251606,
                     address_fields("456 Oak Ave", "Boulder")),
  };
  std::vector<std::size_t> order{0, 1, 2};
  do {
    Domain domain;
    for (const auto index : order) domain.deliver(events[index]);
    const auto f = domain.get(251606);
    BOOST_TEST(f.state == State::waiting);
    BOOST_TEST_REQUIRE(f.address.has_value());
    BOOST_TEST(f.address->address1 == std::optional<std::string>("456 Oak Ave"));
    BOOST_TEST(f.address->city == std::optional<std::string>("Boulder"));
  } while (std::next_permutation(order.begin(), order.end()));
}

BOOST_AUTO_TEST_CASE(a_stale_update_is_ignored_and_says_why) {
  Domain domain;
  domain.deliver(scheduled("10001", "2026-03-22 14:30:00", 251606, "2026-04-22 14:30:00"));
  domain.deliver(shipment_event("shipment_item_updated", "10006", "2026-03-22 15:10:00", 251606, item_fields("VIT-D-001", 2)));
  domain.deliver(shipment_event("shipment_item_updated", "10005", "2026-03-22 15:00:00", 251606, item_fields("OLD-001")));
  const auto f = domain.get(251606);
  BOOST_TEST_REQUIRE(f.items.size() == 1u);
  BOOST_TEST(f.items[0].item_sku == "VIT-D-001");
  BOOST_TEST(f.items[0].quantity == 2);
  BOOST_TEST(domain.decision_of(251606, "10006") == "apply");
  BOOST_TEST(domain.decision_of(251606, "10005") == "stale");
}

/// Each line of a shipment's history as "kind event_id decision detail".
std::vector<std::string> lines_of(const std::vector<fulfillment::HistoryEntry>& history) {
  std::vector<std::string> lines;
  for (const auto& line : history) {
    lines.push_back(std::string(to_string(line.kind)) + " " + line.event_id + " " + line.decision + " " + line.detail);
  }
  return lines;
}

BOOST_AUTO_TEST_CASE(a_logged_event_is_its_history_line_between_the_lines_before_and_after_it) {
  Domain domain;
  domain.deliver(scheduled("10001", "2026-03-22 14:30:00", 251606, "2026-03-22 14:00:00"));
  domain.deliver(shipment_event("shipment_address_updated", "10002", "2026-03-22 14:40:00", 251606,
                                address_fields("456 Oak Ave", "Boulder")));
  domain.deliver(scheduled("10003", "2026-03-22 14:35:00", 251607, "2026-03-22 14:00:00"));  // another shipment
  domain.run_due();
  const std::vector<std::string> expected{
      "event 10001 apply applied: status scheduled, address, items, schedule",
      "transition   fulfillment created, due 2026-03-22T14:00:00Z",
      "event 10002 apply applied: address",
      "note   label updated: ship to 456 Oak Ave, Boulder CO 80014",
  };
  auto lines = lines_of(domain.history(251606));
  BOOST_TEST_REQUIRE(lines.size() >= expected.size());
  lines.resize(expected.size());  // then the release and the warehouse's steps
  BOOST_TEST(lines == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_database_of_the_previous_version_keeps_its_history_and_adds_to_it) {
  fulfillment_test::StoreLocation location;
  location.open().reset();  // the newest schema, then put back as the previous version left it
  const std::string previous_rows =
      "INSERT INTO event_log(event_id, event_type, shipment_id, event_date, handled_at, decision, explanation, body) "
      "VALUES ('10001', 'shipment_scheduled', 251606, 1774189800, 1774191600, 'apply', 'applied', '{}');"
      "INSERT INTO history(shipment_id, at, kind, event_id, event_type, decision, from_state, to_state, detail) VALUES "
      "(251606, 1774191600, 'event', '10001', 'shipment_scheduled', 'apply', '', '', 'applied'), "
      "(251606, 1774191600, 'transition', '', '', '', '', 'waiting', 'fulfillment created');";
  if (fulfillment_test::on_postgres()) {
    hookline::test::PostgresCluster::shared().execute(
        "ALTER TABLE event_log DROP COLUMN history_after; DELETE FROM hookline_fulfillment_migrations WHERE version = 2;" +
            previous_rows,
        location.database());
  } else {
    SQLite::Database file(location.database(), SQLite::OPEN_READWRITE);
    file.exec("ALTER TABLE event_log DROP COLUMN history_after;" + previous_rows);
  }
  const auto store = location.open();
  const std::vector<std::string> previous{"event 10001 apply applied", "transition   fulfillment created"};
  auto history = store->history(251606);
  BOOST_TEST_REQUIRE(history.has_value());
  BOOST_TEST(lines_of(*history) == previous, boost::test_tools::per_element());

  const auto at = march_22 + 1h;
  BOOST_TEST_REQUIRE(store->write([&](fulfillment::StoreTx& tx) {
                           tx.record_event(fulfillment::EventLogEntry{"10002", "shipment_address_updated", 251606, at, at,
                                                                      "apply", "applied", "{}"});
                           fulfillment::HistoryEntry note;
                           note.shipment_id = 251606;
                           note.at = at;
                           note.detail = "label updated";
                           tx.add_history(note);
                         }).has_value());
  std::vector<std::string> expected = previous;
  expected.push_back("event 10002 apply applied");
  expected.push_back("note   label updated");
  history = store->history(251606);
  BOOST_TEST_REQUIRE(history.has_value());
  BOOST_TEST(lines_of(*history) == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(duplicates_act_once) {
  Domain domain;
  const auto body = scheduled("10001", "2026-03-22 14:30:00", 251606, "2026-03-22 14:30:00");
  domain.deliver(body);
  domain.deliver(body);  // e.g. the inbox replayed it after a crash before mark_handled
  const auto lines = domain.history(251606);
  BOOST_TEST(std::count_if(lines.begin(), lines.end(), [](const auto& line) {
               return line.kind == fulfillment::HistoryKind::event;
             }) == 1);
  auto log = domain.store->events({});
  BOOST_TEST_REQUIRE(log.has_value());
  BOOST_TEST(log->size() == 1u);
}

BOOST_AUTO_TEST_CASE(changes_after_shipping_are_too_late_and_a_late_cancel_is_a_visible_conflict) {
  Domain domain;
  domain.deliver(scheduled("10001", "2026-03-22 14:30:00", 251606, "2026-03-22 14:30:00"));
  domain.run_due();
  domain.deliver(shipment_event("shipment_address_updated", "10003", "2026-03-22 15:30:00", 251606,
                                address_fields("456 Oak Ave", "Boulder")));
  domain.deliver(shipment_event("shipment_cancelled", "10004", "2026-03-22 15:40:00", 251606));
  const auto f = domain.get(251606);
  BOOST_TEST(f.state == State::shipped);
  BOOST_TEST(f.address->address1 == std::optional<std::string>("123 Main St"));
  BOOST_TEST(domain.decision_of(251606, "10003") == "too_late");
  BOOST_TEST(domain.decision_of(251606, "10004") == "conflict");
  const auto lines = domain.history(251606);
  BOOST_TEST(std::any_of(lines.begin(), lines.end(),
                         [](const auto& line) { return line.kind == fulfillment::HistoryKind::conflict; }));
}

BOOST_AUTO_TEST_CASE(skip_error_retry_and_return) {
  Domain domain;
  domain.deliver(scheduled("1", "2026-03-22 14:00:00", 1001, "2026-04-22 14:00:00"));
  domain.deliver(shipment_event("shipment_skipped", "2", "2026-03-22 14:10:00", 1001));
  BOOST_TEST(domain.get(1001).state == State::skipped);

  domain.deliver(scheduled("3", "2026-03-22 14:00:00", 1002, "2026-03-22 14:00:00"));
  domain.deliver(shipment_event("shipment_error", "4", "2026-03-22 14:10:00", 1002,
                                R"("shipment_notes":"label printer jammed")"));
  auto failed = domain.get(1002);
  BOOST_TEST(failed.state == State::error);
  BOOST_TEST(failed.attention.find("label printer jammed") != std::string::npos);
  BOOST_TEST(domain.run_due().empty());

  hookline::MemoryInbox inbox;
  const auto receiver = vrio_receiver(inbox);
  fulfillment::AdminApi admin(*domain.store, inbox, receiver, [&] { return domain.now; });
  hookline::HttpRequest retry;
  retry.method = "POST";
  retry.matches = {"/api/fulfillments/1002/retry", "1002"};
  BOOST_TEST(admin.retry(retry).status == 200);
  BOOST_TEST(admin.retry(retry).status == 409);  // no longer in error
  BOOST_TEST(domain.run_due() == std::vector<std::int64_t>{1002});
  BOOST_TEST(domain.get(1002).state == State::shipped);

  domain.deliver(shipment_event("shipment_rma", "5", "2026-03-25 10:00:00", 1002));
  BOOST_TEST(domain.get(1002).state == State::returned);
}

BOOST_AUTO_TEST_CASE(a_v1_shipped_event_records_platform_tracking_and_posts_nothing) {
  Domain domain;
  domain.deliver(scheduled("10001", "2026-03-22 14:30:00", 251606, "2026-04-22 14:30:00"));
  domain.deliver(shipment_event("shipment_shipped", "10008", "2026-03-23 10:00:00", 251606,
                                R"("shipment_tracking_id":"1Z999AA10123456784","carrier_id":2)"));
  const auto f = domain.get(251606);
  BOOST_TEST(f.state == State::shipped);
  BOOST_TEST_REQUIRE(f.tracking.has_value());
  BOOST_TEST(f.tracking->source == "platform");
  BOOST_TEST(!domain.outbox(251606).has_value());
}

BOOST_AUTO_TEST_CASE(a_platform_shipped_event_on_a_cancelled_fulfillment_is_a_conflict) {
  Domain domain;
  domain.deliver(scheduled("10001", "2026-03-22 14:30:00", 251606, "2026-04-22 14:30:00"));
  domain.deliver(shipment_event("shipment_cancelled", "10009", "2026-03-23 12:00:00", 251606));
  // Shipped before the cancel happened (but arriving after it): the earlier terminal event decides.
  domain.deliver(shipment_event("shipment_shipped", "10008", "2026-03-23 10:00:00", 251606));
  BOOST_TEST(domain.get(251606).state == State::cancelled);
  BOOST_TEST(domain.decision_of(251606, "10008") == "conflict");
}

BOOST_AUTO_TEST_CASE(manual_shipping_queues_tracking_and_refuses_a_closed_fulfillment) {
  Domain domain;
  domain.deliver(scheduled("10001", "2026-03-22 14:30:00", 251606, "2026-04-22 14:30:00"));
  hookline::MemoryInbox inbox;
  const auto receiver = vrio_receiver(inbox);
  fulfillment::AdminApi admin(*domain.store, inbox, receiver, [&] { return domain.now; });
  hookline::HttpRequest ship;
  ship.method = "POST";
  ship.matches = {"/api/fulfillments/251606/ship", "251606"};
  ship.body = R"({"tracking":"9400111899223197428490","carrier_id":1})";
  BOOST_TEST(admin.ship(ship).status == 200);
  const auto f = domain.get(251606);
  BOOST_TEST(f.state == State::shipped);
  BOOST_TEST(f.tracking->source == "manual");
  BOOST_TEST(domain.outbox(251606)->tracking_number == "9400111899223197428490");
  BOOST_TEST(admin.ship(ship).status == 409);
  ship.body = R"({"carrier_id":1})";
  BOOST_TEST(admin.ship(ship).status == 400);
  ship.matches = {"/api/fulfillments/9/ship", "9"};
  ship.body = R"({"tracking":"X","carrier_id":1})";
  BOOST_TEST(admin.ship(ship).status == 404);
}

BOOST_AUTO_TEST_CASE(a_cancel_during_the_warehouse_steps_stops_before_the_label) {
  Domain domain;
  domain.deliver(scheduled("10001", "2026-03-22 14:30:00", 251606, "2026-03-22 14:30:00"));
  auto released = domain.scheduler->release_due(domain.now);
  BOOST_TEST_REQUIRE(released.has_value());
  BOOST_TEST(domain.get(251606).state == State::picking);
  domain.deliver(shipment_event("shipment_cancelled", "10002", "2026-03-22 14:40:00", 251606));
  BOOST_TEST_REQUIRE(domain.scheduler->fulfill(251606).has_value());
  BOOST_TEST(domain.get(251606).state == State::cancelled);
  BOOST_TEST(!domain.outbox(251606).has_value());
}

BOOST_AUTO_TEST_CASE(other_vrio_events_are_recorded_only) {
  Domain domain;
  const std::string body =
      R"({"webhook_type":"order","webhook_event":"order_updated","webhook_event_id":"777","webhook_event_date":"2026-03-22 14:00:00","webhook_data":{"order":{"id":135123}}})";
  auto event = hookline::vrio::parse(body);
  BOOST_TEST_REQUIRE(event.has_value());
  hookline::InboxEntry entry;
  entry.meta = event->meta();
  entry.body = body;
  BOOST_TEST(domain.handlers->record_other(entry).has_value());
  BOOST_TEST(domain.handlers->fallback()(entry).has_value());  // a second delivery is not recorded twice
  auto log = domain.store->events({});
  BOOST_TEST_REQUIRE(log.has_value());
  BOOST_TEST_REQUIRE(log->size() == 1u);
  BOOST_TEST((*log)[0].event_type == "order_updated");
  BOOST_TEST((*log)[0].decision == "recorded");
  BOOST_TEST(!(*log)[0].shipment_id.has_value());
  auto counts = domain.store->counts_by_state();
  BOOST_TEST_REQUIRE(counts.has_value());
  for (const auto& [state, count] : *counts) BOOST_TEST(count == 0u);
}

BOOST_AUTO_TEST_CASE(a_shipment_body_that_does_not_parse_is_a_dead_letter_at_once) {
  Domain domain;
  hookline::MemoryInbox inbox;
  claim_scheduled(inbox, "{not json", domain.now);
  hookline::DispatcherOptions options;
  options.clock = [&] { return domain.now; };
  hookline::Dispatcher dispatcher(inbox, domain.handlers->fallback(), options);
  domain.handlers->register_with(dispatcher);
  dispatcher.start();
  BOOST_TEST_REQUIRE(dispatcher.wait_until_idle(std::chrono::seconds(20)));  // a bound for a hung dispatcher
  dispatcher.stop();
  const auto dead = inbox.dead_letters(10);
  BOOST_TEST_REQUIRE(dead.has_value());
  BOOST_TEST_REQUIRE(dead->size() == 1u);  // not retried: parsing again cannot help
  BOOST_TEST(dead->front().last_error.find("does not parse") != std::string::npos);
  auto log = domain.store->events({});
  BOOST_TEST_REQUIRE(log.has_value());
  BOOST_TEST(log->empty());
}

BOOST_AUTO_TEST_CASE(inbox_dead_letters_are_listed_and_replayed_from_the_admin_api) {
  Domain domain;
  hookline::MemoryInbox inbox;
  claim_scheduled(inbox, "{}", domain.now);
  auto taken = inbox.take_due(1, domain.now);
  BOOST_TEST_REQUIRE(taken.has_value());
  BOOST_TEST_REQUIRE(taken->size() == 1u);
  BOOST_TEST_REQUIRE(inbox.mark_dead(taken->front().id, "handler gave up").has_value());
  bool woken = false;
  const auto receiver = vrio_receiver(inbox);
  fulfillment::AdminApi admin(*domain.store, inbox, receiver, [&] { return domain.now; },
                              fulfillment::AdminHooks{{}, {}, [&] { woken = true; }, {}});
  hookline::HttpRequest list;
  list.method = "GET";
  const auto listed = admin.inbox_dead_letters(list);
  BOOST_TEST(listed.status == 200);
  BOOST_TEST(listed.body.find(R"("event_id":"10001")") != std::string::npos);
  BOOST_TEST(listed.body.find("handler gave up") != std::string::npos);
  hookline::HttpRequest replay;
  replay.method = "POST";
  const std::string id = std::to_string(taken->front().id);
  replay.matches = {"/api/dead-letters/inbox/" + id + "/replay", id};
  BOOST_TEST(admin.replay_inbox(replay).status == 200);
  BOOST_TEST(woken);
  BOOST_TEST(admin.replay_inbox(replay).status == 404);
  auto counts = inbox.counts();
  BOOST_TEST_REQUIRE(counts.has_value());
  BOOST_TEST(counts->pending == 1u);
}

BOOST_AUTO_TEST_CASE(the_quarantine_is_paged_and_a_body_that_is_not_utf8_is_shown_as_base64_only) {
  Domain domain;
  hookline::MemoryInbox inbox;
  for (const std::string& body : {std::string("{\"webhook_data\":7}"), std::string("{\"name\":\"\xff\"}")}) {
    hookline::QuarantinedDelivery delivery;
    delivery.key = hookline::quarantine_key(hookline::Platform::vrio, body);
    delivery.body = body;
    delivery.received_at = domain.now;
    delivery.error = hookline::ParseError{"webhook_data", "expected an object"};
    BOOST_TEST_REQUIRE(inbox.quarantine(delivery).has_value());
  }
  const auto receiver = vrio_receiver(inbox);
  fulfillment::AdminApi admin(*domain.store, inbox, receiver, [&] { return domain.now; });
  hookline::HttpRequest list;
  list.method = "GET";
  list.query = {{"limit", "1"}};
  const auto first = admin.quarantine(list);
  BOOST_TEST(first.status == 200);
  BOOST_TEST(first.body.find(R"("next_cursor":1)") != std::string::npos, first.body);
  list.query.emplace_back("cursor", "1");
  const auto second = admin.quarantine(list);
  BOOST_TEST(second.body.find(R"("id":2)") != std::string::npos, second.body);
  BOOST_TEST(second.body.find(R"("body")") == std::string::npos, second.body);  // bodies only one at a time
  list.query.back().second = "one";
  BOOST_TEST(admin.quarantine(list).status == 400);

  hookline::HttpRequest read;
  read.method = "GET";
  read.matches = {"/api/quarantine/1", "1"};
  const auto text = admin.quarantined(read);
  BOOST_TEST(text.body.find(R"("body":"{\"webhook_data\":7}")") != std::string::npos, text.body);
  BOOST_TEST(text.body.find(R"("body_base64":"eyJ3ZWJob29rX2RhdGEiOjd9")") != std::string::npos, text.body);
  read.matches = {"/api/quarantine/2", "2"};
  const auto binary = admin.quarantined(read);
  BOOST_TEST(binary.body.find(R"("body":null)") != std::string::npos, binary.body);
  BOOST_TEST(binary.body.find(R"("body_base64":"eyJuYW1lIjoi/yJ9")") != std::string::npos, binary.body);
  read.matches = {"/api/quarantine/3", "3"};
  BOOST_TEST(admin.quarantined(read).status == 404);
}

BOOST_AUTO_TEST_SUITE_END()
