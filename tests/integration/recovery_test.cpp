// Recovery across a restart, as an operator does it: the server runs with a wrong secret (or a
// version that cannot parse a payload), is restarted with the fix, and the kept delivery is retried
// (or replayed) into the SQLite inbox, where the dispatcher handles it exactly once.

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "http_test_support.hpp"
#include "receiver_test_support.hpp"
#include "hookline/dispatcher.hpp"
#include "hookline/parse.hpp"
#include "hookline/receiver.hpp"
#include "hookline/sqlite_inbox.hpp"
#include "inbox_test_support.hpp"
#include "printing.hpp"

using namespace std::chrono_literals;
using hookline::ReceiveOutcome;
using hookline::test::at;
using hookline::test::open_sqlite;
using hookline::test::verifier_for;
using hookline::test::vrio_body;

namespace {

constexpr auto idle_timeout = 60s;  // a bound for a hung dispatcher, not a timing target

/// `body` signed with `secret` for VRIO.
hookline::HttpRequest signed_post(std::string_view secret, std::string body) {
  return hookline::test::signed_for(hookline::Scheme::vrio, secret, std::move(body), at(0));
}

/// Counts handler runs by event id.
struct Runs {
  std::mutex mutex;
  std::map<std::string, int> by_event;

  hookline::Handler handler() {
    return [this](const hookline::InboxEntry& entry) -> hookline::HandlerStatus {
      const std::lock_guard lock(mutex);
      ++by_event[entry.meta.id];
      return {};
    };
  }
  int of(const std::string& id) {
    const std::lock_guard lock(mutex);
    return by_event.count(id) == 0 ? 0 : by_event.at(id);
  }
};

hookline::DispatcherOptions options() {
  hookline::DispatcherOptions dispatch;
  dispatch.workers = 2;
  dispatch.clock = [] { return at(3600); };
  return dispatch;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(recovery)

BOOST_AUTO_TEST_CASE(a_refused_delivery_retried_after_the_secret_is_fixed_is_handled_once) {
  const hookline::test::TempDir dir;
  const auto file = dir.path() / "inbox.db";
  Runs runs;
  const auto delivery = signed_post("the secret the platform has", vrio_body("rotated-1"));
  {
    auto inbox = open_sqlite(file);
    hookline::Dispatcher dispatcher(*inbox, runs.handler(), options());
    dispatcher.start();
    const hookline::Receiver mistaken(verifier_for(hookline::Scheme::vrio, "a secret typed wrong"),
                                      hookline::meta_parser(hookline::Platform::vrio), *inbox);
    BOOST_TEST(mistaken.handle(delivery, at(0)).outcome == ReceiveOutcome::bad_signature);
    BOOST_TEST_REQUIRE(dispatcher.wait_until_idle(idle_timeout));
  }
  // Restarted with the right secret: the refused delivery is still there.
  auto inbox = open_sqlite(file);
  hookline::Dispatcher dispatcher(*inbox, runs.handler(), options());
  dispatcher.start();
  const hookline::Receiver fixed(verifier_for(hookline::Scheme::vrio, "the secret the platform has"),
                                 hookline::meta_parser(hookline::Platform::vrio), *inbox);
  const auto kept = inbox->list_refused({});
  BOOST_TEST_REQUIRE(kept.has_value());
  BOOST_TEST_REQUIRE(kept->entries.size() == 1U);
  BOOST_TEST(kept->entries[0].delivery.body == delivery.body);
  const auto retried = fixed.retry_refused(kept->entries[0].id, at(3600));
  BOOST_TEST_REQUIRE(retried.has_value());
  BOOST_TEST(retried->outcome == ReceiveOutcome::accepted);
  BOOST_TEST_REQUIRE(dispatcher.wait_until_idle(idle_timeout));
  BOOST_TEST(runs.of("rotated-1") == 1);
  // Retried again, or redelivered: nothing runs twice.
  BOOST_TEST(!fixed.retry_refused(kept->entries[0].id, at(3601)).has_value());
  BOOST_TEST(fixed.handle(delivery, at(0)).outcome == ReceiveOutcome::duplicate);
  BOOST_TEST_REQUIRE(dispatcher.wait_until_idle(idle_timeout));
  BOOST_TEST(runs.of("rotated-1") == 1);
  BOOST_TEST(inbox->refused_counts()->entries == 0U);
  BOOST_TEST(inbox->counts()->handled == 1U);
}

BOOST_AUTO_TEST_CASE(a_quarantined_delivery_replayed_by_a_later_version_is_handled_once) {
  const hookline::test::TempDir dir;
  const auto file = dir.path() / "inbox.db";
  Runs runs;
  std::string body = vrio_body("unknown-shape-1");
  body.replace(body.find("\"quantity\": 1"), 13, "\"quantity\": \"one\"");
  const auto delivery = signed_post("secret", body);
  {
    auto inbox = open_sqlite(file);
    hookline::Dispatcher dispatcher(*inbox, runs.handler(), options());
    dispatcher.start();
    const hookline::Receiver receiver(verifier_for(hookline::Scheme::vrio, "secret"),
                                      hookline::meta_parser(hookline::Platform::vrio), *inbox);
    BOOST_TEST(receiver.handle(delivery, at(0)).outcome == ReceiveOutcome::quarantined);
    BOOST_TEST(receiver.handle(delivery, at(1)).outcome == ReceiveOutcome::quarantined);
    BOOST_TEST_REQUIRE(dispatcher.wait_until_idle(idle_timeout));
    BOOST_TEST(runs.of("unknown-shape-1") == 0);
  }
  // The next version reads the body (here: only its envelope).
  const hookline::MetaParser later(
      hookline::Platform::vrio, [](std::string_view text) -> hookline::Result<hookline::EventMeta, hookline::ParseError> {
        return hookline::EventMeta{hookline::Platform::vrio, "shipment_scheduled",
                                   hookline::probe_event_id(hookline::Platform::vrio, text).value_or(""), at(0), ""};
      });
  auto inbox = open_sqlite(file);
  hookline::Dispatcher dispatcher(*inbox, runs.handler(), options());
  dispatcher.start();
  const hookline::Receiver upgraded(verifier_for(hookline::Scheme::vrio, "secret"), later, *inbox);
  BOOST_TEST_REQUIRE(inbox->quarantine_depth().value() == 1U);
  const auto id = inbox->list_quarantined({})->entries.at(0).id;
  const auto replayed = upgraded.replay_quarantined(id, at(3600));
  BOOST_TEST_REQUIRE(replayed.has_value());
  BOOST_TEST(replayed->outcome == ReceiveOutcome::accepted);
  BOOST_TEST_REQUIRE(dispatcher.wait_until_idle(idle_timeout));
  BOOST_TEST(runs.of("unknown-shape-1") == 1);
  BOOST_TEST(!upgraded.replay_quarantined(id, at(3601)).has_value());
  BOOST_TEST(upgraded.handle(delivery, at(2)).outcome == ReceiveOutcome::duplicate);
  BOOST_TEST_REQUIRE(dispatcher.wait_until_idle(idle_timeout));
  BOOST_TEST(runs.of("unknown-shape-1") == 1);
  BOOST_TEST(inbox->quarantine_depth().value() == 0U);
}

BOOST_AUTO_TEST_SUITE_END()
