// PostgresInbox as several receivers use it: instances (stores) on one database claiming the same
// events, sharing the work one entity at a time, handing a dead instance's work on after its lease;
// the schema's migrations; the database going away and coming back.

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "hookline/postgres_inbox.hpp"
#include "inbox_test_support.hpp"
#include "postgres_cluster.hpp"
#include "printing.hpp"

using namespace std::chrono_literals;
using hookline::ClaimOutcome;
using hookline::PostgresInbox;
using hookline::PostgresInboxOptions;
using hookline::test::at;
using hookline::test::ids_of;
using hookline::test::meta;
using hookline::test::open_postgres;
using hookline::test::PostgresCluster;

namespace {

/// Two instances of a receiver on one fresh schema, with `lease` as their lease.
struct TwoInstances {
  explicit TwoInstances(std::chrono::seconds lease = 30s) : uri(PostgresCluster::shared().fresh_schema_uri()) {
    PostgresInboxOptions options;
    options.lease = lease;
    first = open_postgres(uri, options);
    second = open_postgres(uri, options);
  }
  std::string uri;
  std::unique_ptr<PostgresInbox> first;
  std::unique_ptr<PostgresInbox> second;
};

void claim_new(hookline::InboxStore& store, const hookline::EventMeta& event, std::chrono::sys_seconds now) {
  auto outcome = store.claim(event, "{}", now);
  BOOST_TEST_REQUIRE(outcome.has_value());
  BOOST_TEST_REQUIRE(*outcome == ClaimOutcome::accepted);
}

std::vector<hookline::InboxEntry> take(hookline::InboxStore& store, std::size_t limit, std::chrono::sys_seconds now) {
  auto taken = store.take_due(limit, now);
  BOOST_TEST_REQUIRE(taken.has_value());
  return *taken;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(inbox_postgres)

BOOST_AUTO_TEST_CASE(only_a_postgres_uri_without_a_password_opens) {
  BOOST_TEST(hookline::is_postgres_uri("postgresql://hookline@db:5432/shop"));
  BOOST_TEST(hookline::is_postgres_uri("postgres://db/shop"));
  BOOST_TEST(!hookline::is_postgres_uri("/var/lib/hookline/inbox.db"));
  BOOST_TEST(!hookline::is_postgres_uri("postgresql:inbox.db"));
  const auto with_password = PostgresInbox::open("postgresql://hookline:secret@127.0.0.1:1/shop");
  BOOST_TEST_REQUIRE(!with_password.has_value());
  BOOST_TEST(with_password.error().message.find("password") != std::string::npos);
  BOOST_TEST(with_password.error().message.find("secret") == std::string::npos);
  const auto in_a_parameter = PostgresInbox::open("postgresql://hookline@127.0.0.1:1/shop?password=secret");
  BOOST_TEST_REQUIRE(!in_a_parameter.has_value());
  BOOST_TEST(in_a_parameter.error().message.find("PGPASSWORD") != std::string::npos);
  BOOST_TEST(!PostgresInbox::open("/var/lib/hookline/inbox.db").has_value());
  // The same check, without connecting, for a command line to refuse as a usage error.
  BOOST_TEST(hookline::check_postgres_uri("postgresql://hookline@127.0.0.1:1/shop").has_value());
  const auto checked = hookline::check_postgres_uri("postgres://hookline:secret@127.0.0.1:1/shop");
  BOOST_TEST_REQUIRE(!checked.has_value());
  BOOST_TEST(checked.error().message == with_password.error().message);
  BOOST_TEST(!hookline::check_postgres_uri("/var/lib/hookline/inbox.db").has_value());
}

BOOST_AUTO_TEST_CASE(the_password_comes_from_the_environment) {
  auto& cluster = PostgresCluster::shared();
  const std::string password = "the merchant secret, spaces and all";
  cluster.execute(std::string("CREATE ROLE ") + PostgresCluster::password_role + " LOGIN PASSWORD '" + password +
                  "'; CREATE SCHEMA merchant_store AUTHORIZATION " + PostgresCluster::password_role);
  const std::string uri = cluster.uri(PostgresCluster::password_role) + "?options=-csearch_path%3Dmerchant_store";
  const auto no_password_file = cluster.dir() / "no.pgpass";
  ::setenv("PGPASSFILE", no_password_file.c_str(), 1);
  ::unsetenv("PGPASSWORD");
  ::unsetenv("HOOKLINE_DB_PASSWORD");
  const auto without = PostgresInbox::open(uri);
  BOOST_TEST_REQUIRE(!without.has_value());
  BOOST_TEST(without.error().message.find("password") != std::string::npos);

  ::setenv("HOOKLINE_DB_PASSWORD", password.c_str(), 1);
  BOOST_TEST(PostgresInbox::open(uri).has_value());
  ::unsetenv("HOOKLINE_DB_PASSWORD");

  const auto password_file = cluster.dir() / "merchant.pgpass";
  std::ofstream(password_file) << "127.0.0.1:" << cluster.port() << ":postgres:" << PostgresCluster::password_role
                               << ":" << password << "\n";
  std::filesystem::permissions(password_file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  ::setenv("PGPASSFILE", password_file.c_str(), 1);
  BOOST_TEST(PostgresInbox::open(uri).has_value());
  ::unsetenv("PGPASSFILE");
}

BOOST_AUTO_TEST_CASE(fifty_copies_through_two_instances_are_one_entry) {
  TwoInstances instances;
  constexpr int copies = 50;
  std::atomic<int> ready{0};
  std::atomic<int> accepted{0};
  std::atomic<int> duplicates{0};
  std::atomic<int> errors{0};
  std::vector<std::thread> senders;
  for (int i = 0; i < copies; ++i) {
    senders.emplace_back([&, i] {
      auto& store = i % 2 == 0 ? *instances.first : *instances.second;
      ++ready;
      while (ready.load() < copies) {
        std::this_thread::yield();
      }
      auto outcome = store.claim(meta("10001", "shipment_scheduled", "shipment:251606"), "{}", at(0));
      if (!outcome) {
        ++errors;
      } else if (*outcome == ClaimOutcome::accepted) {
        ++accepted;
      } else {
        ++duplicates;
      }
    });
  }
  for (auto& sender : senders) {
    sender.join();
  }
  BOOST_TEST(accepted.load() == 1);
  BOOST_TEST(duplicates.load() == copies - 1);
  BOOST_TEST(errors.load() == 0);
  BOOST_TEST(instances.first->counts()->pending == 1U);
  BOOST_TEST(instances.second->counts()->pending == 1U);
  // Concurrent claims shared transactions: fewer batches than claims.
  const auto stats = instances.first->commit_stats();
  BOOST_TEST(stats.claims == 25U);
  BOOST_TEST(stats.batches <= stats.claims);
}

BOOST_AUTO_TEST_CASE(every_event_claimed_by_every_sender_of_two_instances_is_accepted_once) {
  TwoInstances instances;
  constexpr int events = 40;
  constexpr int senders_per_instance = 8;
  std::vector<std::atomic<int>> accepted(events);
  std::atomic<int> errors{0};
  std::vector<std::thread> senders;
  for (int sender = 0; sender < 2 * senders_per_instance; ++sender) {
    senders.emplace_back([&, sender] {
      auto& store = sender % 2 == 0 ? *instances.first : *instances.second;
      // Every sender claims every event, each starting elsewhere and one instance's going backwards.
      for (int n = 0; n < events; ++n) {
        const int shifted = (n + sender * 5) % events;
        const int event = sender % 2 == 0 ? shifted : events - 1 - shifted;
        auto outcome = store.claim(meta(std::to_string(event), "t", "shipment:" + std::to_string(event % 4)), "{}", at(0));
        if (!outcome) {
          ++errors;
        } else if (*outcome == ClaimOutcome::accepted) {
          ++accepted[static_cast<std::size_t>(event)];
        }
      }
    });
  }
  for (auto& sender : senders) {
    sender.join();
  }
  BOOST_TEST(errors.load() == 0);
  for (int event = 0; event < events; ++event) {
    BOOST_TEST(accepted[static_cast<std::size_t>(event)].load() == 1, "event " << event);
  }
  BOOST_TEST(instances.first->counts()->pending == static_cast<std::size_t>(events));
}

BOOST_AUTO_TEST_CASE(a_dead_instances_entry_passes_to_another_when_its_lease_expires) {
  TwoInstances instances(5s);
  auto& dead = *instances.first;
  auto& live = *instances.second;
  claim_new(dead, meta("a1", "t", "shipment:a"), at(0));
  claim_new(dead, meta("a2", "t", "shipment:a"), at(0));
  const auto held = take(dead, 10, at(0));
  BOOST_TEST_REQUIRE(ids_of(held) == (std::vector<std::string>{"a1"}));
  BOOST_TEST(take(live, 10, at(4)).empty());  // leased to the first instance, and a2 waits for a1
  BOOST_TEST(live.recover_in_flight().value() == 0U);  // not the other instance's to give back
  const auto handed_over = take(live, 10, at(5));
  BOOST_TEST_REQUIRE(ids_of(handed_over) == (std::vector<std::string>{"a1"}));
  BOOST_TEST(handed_over[0].attempts == 0);
  // The first instance, back too late, may not finish what is now the second's.
  BOOST_TEST(!dead.mark_handled(held[0].id).has_value());
  BOOST_TEST(dead.recover_in_flight().value() == 0U);
  BOOST_TEST(take(dead, 10, at(6)).empty());
  BOOST_TEST_REQUIRE(live.mark_handled(handed_over[0].id).has_value());
  BOOST_TEST(ids_of(take(dead, 10, at(7))) == (std::vector<std::string>{"a2"}));
}

BOOST_AUTO_TEST_CASE(an_instance_gives_back_only_its_own_entries) {
  TwoInstances instances;
  claim_new(*instances.first, meta("1", "t", "shipment:1"), at(0));
  claim_new(*instances.first, meta("2", "t", "shipment:2"), at(0));
  BOOST_TEST_REQUIRE(take(*instances.first, 1, at(0)).size() == 1U);
  BOOST_TEST_REQUIRE(take(*instances.second, 1, at(0)).size() == 1U);
  BOOST_TEST(instances.first->counts()->in_flight == 2U);
  BOOST_TEST(instances.first->recover_in_flight().value() == 1U);
  BOOST_TEST(instances.first->counts()->in_flight == 1U);
  BOOST_TEST(ids_of(take(*instances.second, 10, at(0))) == (std::vector<std::string>{"1"}));
}

BOOST_AUTO_TEST_CASE(an_entitys_events_are_handled_one_at_a_time_in_order_across_instances) {
  TwoInstances instances;
  constexpr int entities = 5;
  constexpr int per_entity = 10;
  constexpr int free_events = 10;
  for (int n = 0; n < per_entity; ++n) {
    for (int entity = 0; entity < entities; ++entity) {
      claim_new(*instances.first, meta(std::to_string(entity) + "-" + std::to_string(n), "t", "shipment:" + std::to_string(entity)), at(0));
    }
  }
  for (int n = 0; n < free_events; ++n) {
    claim_new(*instances.second, meta("free-" + std::to_string(n)), at(0));
  }
  constexpr int total = entities * per_entity + free_events;
  std::mutex log_mutex;
  std::map<std::string, std::vector<std::string>> handled_by_entity;
  std::map<std::string, int> in_flight_by_entity;
  std::atomic<int> handled{0};
  std::atomic<int> overlaps{0};
  std::atomic<int> errors{0};
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  const auto work = [&](hookline::PostgresInbox& store) {
    while (handled.load() < total && std::chrono::steady_clock::now() < deadline) {
      auto taken = store.take_due(3, at(0));
      if (!taken) {
        ++errors;
        continue;
      }
      for (const auto& entry : *taken) {
        {
          const std::lock_guard lock(log_mutex);
          if (!entry.meta.entity.empty() && ++in_flight_by_entity[entry.meta.entity] > 1) {
            ++overlaps;
          }
          handled_by_entity[entry.meta.entity].push_back(entry.meta.id);
        }
        std::this_thread::yield();
        {
          // Out of flight here, before the store records it: the next entry cannot be taken before.
          const std::lock_guard lock(log_mutex);
          if (!entry.meta.entity.empty()) {
            --in_flight_by_entity[entry.meta.entity];
          }
        }
        if (store.mark_handled(entry.id).has_value()) {
          ++handled;
        } else {
          ++errors;
        }
      }
    }
  };
  std::vector<std::thread> workers;
  for (int i = 0; i < 4; ++i) {
    workers.emplace_back(work, std::ref(i % 2 == 0 ? *instances.first : *instances.second));
  }
  for (auto& worker : workers) {
    worker.join();
  }
  BOOST_TEST(handled.load() == total);
  BOOST_TEST(overlaps.load() == 0);
  BOOST_TEST(errors.load() == 0);
  for (int entity = 0; entity < entities; ++entity) {
    std::vector<std::string> expected;
    for (int n = 0; n < per_entity; ++n) {
      expected.push_back(std::to_string(entity) + "-" + std::to_string(n));
    }
    BOOST_TEST(handled_by_entity["shipment:" + std::to_string(entity)] == expected);
  }
  BOOST_TEST(handled_by_entity[""].size() == static_cast<std::size_t>(free_events));
  BOOST_TEST(instances.second->counts()->handled == static_cast<std::size_t>(total));
}

BOOST_AUTO_TEST_CASE(instances_opening_together_migrate_once) {
  const std::string uri = PostgresCluster::shared().fresh_schema_uri();
  std::vector<std::thread> openers;
  std::atomic<int> opened{0};
  for (int i = 0; i < 4; ++i) {
    openers.emplace_back([&] {
      if (PostgresInbox::open(uri).has_value()) {
        ++opened;
      }
    });
  }
  for (auto& opener : openers) {
    opener.join();
  }
  BOOST_TEST(opened.load() == 4);
  PostgresCluster::shared().execute(
      "DO $$ BEGIN IF (SELECT COUNT(*) FROM hookline_inbox_migrations) <> " +
          std::to_string(PostgresInbox::schema_version) + " THEN RAISE 'migrated more than once'; END IF; END $$",
      uri);
}

BOOST_AUTO_TEST_CASE(a_version_1_schema_is_migrated_to_the_store_admin_name) {
  auto& cluster = PostgresCluster::shared();
  const std::string uri = cluster.fresh_schema_uri();
  open_postgres(uri).reset();
  // What the previous version left: schema version 1 and the platform stored as "store".
  cluster.execute("DELETE FROM hookline_inbox_migrations WHERE version > 1; "
                  "INSERT INTO hookline_inbox (platform, event_id, type, occurred_at, entity, body, received_at, "
                  "state, next_attempt_at) VALUES ('store', 'evt_1', 'order.created', 0, 'order:1', '{}', 0, 0, 0); "
                  "INSERT INTO hookline_quarantine (platform, key, body, headers, received_at, error_path, error_message) "
                  "VALUES ('store', 'evt_2', '{', '', 0, '', 'cut short'); "
                  "INSERT INTO hookline_refused (platform, path, peer, reason, message, headers, query, body, "
                  "received_at, bytes) VALUES ('store', '/webhooks/store', '127.0.0.1', 'missing_header', 'no token', "
                  "'', '', '', 0, 0)",
                  uri);
  auto migrated = open_postgres(uri);
  const auto taken = take(*migrated, 10, at(0));
  BOOST_TEST_REQUIRE(taken.size() == 1u);
  BOOST_TEST((taken[0].meta.platform == hookline::Platform::store_admin));
  auto quarantined = migrated->list_quarantined({});
  BOOST_TEST_REQUIRE(quarantined.has_value());
  BOOST_TEST_REQUIRE(quarantined->entries.size() == 1u);
  BOOST_TEST((quarantined->entries[0].delivery.platform == hookline::Platform::store_admin));
  auto refused = migrated->list_refused({});
  BOOST_TEST_REQUIRE(refused.has_value());
  BOOST_TEST_REQUIRE(refused->entries.size() == 1u);
  BOOST_TEST((refused->entries[0].delivery.platform == hookline::Platform::store_admin));
}

BOOST_AUTO_TEST_CASE(an_entry_in_flight_under_schema_version_2_stays_its_owners_until_the_lease_expires) {
  auto& cluster = PostgresCluster::shared();
  const std::string uri = cluster.fresh_schema_uri();
  open_postgres(uri).reset();
  // What version 2 left: in flight stored as state 1, the unfinished indexes over states 0 and 1.
  const auto lease_expires_at = std::to_string(at(5).time_since_epoch().count());
  cluster.execute("DELETE FROM hookline_inbox_migrations WHERE version > 2; "
                  "DROP INDEX hookline_inbox_unfinished; DROP INDEX hookline_inbox_unfinished_by_entity; "
                  "CREATE INDEX hookline_inbox_unfinished ON hookline_inbox (id) WHERE state IN (0, 1); "
                  "CREATE INDEX hookline_inbox_unfinished_by_entity ON hookline_inbox (entity, id) WHERE state IN (0, 1); "
                  "ALTER TABLE hookline_inbox RESET (fillfactor); "
                  "INSERT INTO hookline_inbox (platform, event_id, type, occurred_at, entity, body, received_at, "
                  "state, next_attempt_at, owner, lease_expires_at) VALUES "
                  "('vrio', 'a1', 't', 0, 'shipment:a', '{}', 0, 1, 0, 'an instance of version 2', " + lease_expires_at + "), "
                  "('vrio', 'a2', 't', 0, 'shipment:a', '{}', 0, 0, 0, NULL, NULL)",
                  uri);
  auto migrated = open_postgres(uri);
  const auto counts = migrated->counts();
  BOOST_TEST_REQUIRE(counts.has_value());
  BOOST_TEST(counts->in_flight == 1U);
  BOOST_TEST(counts->pending == 1U);
  BOOST_TEST(take(*migrated, 10, at(4)).empty());  // a1 is leased, and a2 waits for it
  BOOST_TEST(migrated->recover_in_flight().value() == 0U);  // not this instance's to give back
  const auto handed_over = take(*migrated, 10, at(5));
  BOOST_TEST_REQUIRE(ids_of(handed_over) == (std::vector<std::string>{"a1"}));
  BOOST_TEST((handed_over[0].state == hookline::EntryState::in_flight));
  BOOST_TEST(migrated->find(handed_over[0].id).value()->state == hookline::EntryState::in_flight);
  BOOST_TEST_REQUIRE(migrated->mark_handled(handed_over[0].id).has_value());
  BOOST_TEST(ids_of(take(*migrated, 10, at(6))) == (std::vector<std::string>{"a2"}));
}

BOOST_AUTO_TEST_CASE(taking_entries_rewrites_no_index) {
  // A take sets only the owner and the lease, which no index holds, and the table's pages keep room
  // for the rows' new versions: each take is a HOT update (a new version in the same page, no new
  // index entry), even of rows that fill their page, as 1 KB bodies do.
  auto& cluster = PostgresCluster::shared();
  const std::string uri = cluster.fresh_schema_uri();
  auto store = open_postgres(uri);
  constexpr int events = 16;
  const std::string body(1000, 'x');
  for (int n = 0; n < events; ++n) {
    auto outcome = store->claim(meta(std::to_string(n), "t", "shipment:" + std::to_string(n)), body, at(0));
    BOOST_TEST_REQUIRE((outcome.has_value() && *outcome == ClaimOutcome::accepted));
  }
  BOOST_TEST_REQUIRE(take(*store, events, at(0)).size() == static_cast<std::size_t>(events));
  store.reset();  // the server's statistics of a session are complete once it ends
  std::vector<std::vector<std::string>> updates;
  for (const auto deadline = std::chrono::steady_clock::now() + 30s;; std::this_thread::sleep_for(50ms)) {
    updates = cluster.query("SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables "
                            "WHERE relid = 'hookline_inbox'::regclass",
                            uri);
    if (updates.at(0).at(0) == std::to_string(events) || std::chrono::steady_clock::now() > deadline) {
      break;
    }
  }
  BOOST_TEST(updates.at(0).at(0) == std::to_string(events));
  BOOST_TEST(updates.at(0).at(1) == std::to_string(events));
}

BOOST_AUTO_TEST_CASE(a_schema_newer_than_this_version_is_refused) {
  const std::string uri = PostgresCluster::shared().fresh_schema_uri();
  open_postgres(uri).reset();
  PostgresCluster::shared().execute(
      "INSERT INTO hookline_inbox_migrations (version) VALUES (" + std::to_string(PostgresInbox::schema_version + 1) + ")",
      uri);
  const auto refused = PostgresInbox::open(uri);
  BOOST_TEST_REQUIRE(!refused.has_value());
  BOOST_TEST(refused.error().message.find("newer than this hookline knows") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(the_database_going_away_is_a_store_error_and_the_store_reconnects) {
  auto& cluster = PostgresCluster::shared();
  PostgresInboxOptions options;
  options.timeout = 3s;
  auto store = open_postgres(cluster.fresh_schema_uri(), options);
  claim_new(*store, meta("before"), at(0));
  BOOST_TEST_REQUIRE(store->counts().has_value());

  // Each call answers (a refused connection fails at once; a lost network within options.timeout).
  cluster.stop();
  BOOST_TEST(!store->claim(meta("while-down"), "{}", at(1)).has_value());
  BOOST_TEST(!store->take_due(10, at(1)).has_value());
  BOOST_TEST(!store->counts().has_value());
  BOOST_TEST(!store->claim(meta("while-down"), "{}", at(1)).has_value());  // connecting again fails too

  cluster.start();
  claim_new(*store, meta("after"), at(2));
  BOOST_TEST(ids_of(take(*store, 10, at(2))) == (std::vector<std::string>{"before", "after"}));

  // A restart ends every session: the next statement on each connection fails, the one after works.
  cluster.restart();
  BOOST_TEST(!store->claim(meta("after-restart"), "{}", at(3)).has_value());
  claim_new(*store, meta("after-restart"), at(3));
  BOOST_TEST(!store->counts().has_value());
  const auto counts = store->counts();
  BOOST_TEST_REQUIRE(counts.has_value());
  BOOST_TEST(counts->pending == 1U);
  BOOST_TEST(counts->in_flight == 2U);
}

BOOST_AUTO_TEST_SUITE_END()
