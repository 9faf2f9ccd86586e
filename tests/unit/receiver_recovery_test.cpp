// Nothing authentic is lost: a body that authenticates but does not parse is quarantined and replayed
// into the inbox once a parser reads it; a delivery refused for authentication is recorded and
// retried into the inbox once the right secret is configured, verified at its original time.

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <ostream>
#include <string>
#include <vector>

#include "http_test_support.hpp"
#include "hookline/inbox.hpp"
#include "hookline/parse.hpp"
#include "hookline/receiver.hpp"
#include "hookline/sign.hpp"
#include "hookline/source_guard.hpp"
#include "printing.hpp"
#include "receiver_test_support.hpp"

namespace {

using namespace hookline;
using namespace std::chrono_literals;
using hookline::test::sample_body;
using hookline::test::verifier_for;
using hookline::test::vrio_body;

const std::chrono::sys_seconds now{std::chrono::seconds{1774189800}};

/// `body` signed for `scheme` with `secret` at `now`.
HttpRequest signed_with(Scheme scheme, std::string_view secret, std::string body) {
  return hookline::test::signed_for(scheme, secret, std::move(body), now);
}

/// A VRIO body whose first item's quantity is a word: this version's parser refuses it.
std::string unparseable(std::string_view event_id) {
  std::string body = vrio_body(event_id);
  body.replace(body.find("\"quantity\": 1"), 13, "\"quantity\": \"lots\"");
  return body;
}

/// A later version's VRIO parser that reads a quantity written as a word (here: reads only the envelope).
MetaParser later_vrio_parser() {
  return MetaParser(Platform::vrio, [](std::string_view body) -> Result<EventMeta, ParseError> {
    auto id = probe_event_id(Platform::vrio, body);
    if (!id) return fail(ParseError{"webhook_event_id", "missing"});
    return EventMeta{Platform::vrio, "shipment_scheduled", std::move(*id), now, "shipment:251606"};
  });
}

constexpr std::string_view old_secret = "the old secret";
constexpr std::string_view new_secret = "the new secret, with spaces";

/// The only entry of a page.
template <class Entry>
Entry only(const Result<Page<Entry>, StoreError>& page) {
  BOOST_TEST_REQUIRE(page.has_value());
  BOOST_TEST_REQUIRE(page->entries.size() == 1U);
  return page->entries.front();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(receiver_recovery)

BOOST_AUTO_TEST_CASE(a_quarantined_delivery_keeps_its_bytes_headers_time_and_error) {
  MemoryInbox inbox;
  const Receiver receiver{verifier_for(Scheme::vrio, new_secret), meta_parser(Platform::vrio), inbox};
  const auto request = signed_with(Scheme::vrio, new_secret, unparseable("q-1"));
  BOOST_TEST(receiver.handle(request, now).outcome == ReceiveOutcome::quarantined);
  const auto entry = only(inbox.list_quarantined({}));
  BOOST_TEST(entry.delivery.platform == Platform::vrio);
  BOOST_TEST(entry.delivery.key == "q-1");
  BOOST_TEST(entry.delivery.body == request.body);
  BOOST_TEST(entry.delivery.headers.get("X-Webhook-Signature") == request.headers.get("X-Webhook-Signature"));
  BOOST_TEST((entry.delivery.received_at == now));
  BOOST_TEST(entry.delivery.error.to_string() == "webhook_data.shipment.shipment_items[0].quantity: expected an integer");
  // Redelivered, it is answered quarantined again and stays one entry.
  const auto again = receiver.handle(request, now + 60s);
  BOOST_TEST(again.outcome == ReceiveOutcome::quarantined);
  BOOST_TEST(again.response.body == R"({"status":"quarantined"})");
  BOOST_TEST(inbox.quarantine_depth().value() == 1U);
  BOOST_TEST(inbox.counts()->pending == 0U);
}

BOOST_AUTO_TEST_CASE(a_replay_that_parses_claims_once_and_removes_the_entry) {
  MemoryInbox inbox;
  const Receiver today{verifier_for(Scheme::vrio, new_secret), meta_parser(Platform::vrio), inbox};
  BOOST_TEST(today.handle(signed_with(Scheme::vrio, new_secret, unparseable("q-2")), now).outcome ==
             ReceiveOutcome::quarantined);
  const auto id = only(inbox.list_quarantined({})).id;

  const Receiver upgraded{verifier_for(Scheme::vrio, new_secret), later_vrio_parser(), inbox};
  const auto replayed = upgraded.replay_quarantined(id, now + 1h);
  BOOST_TEST_REQUIRE(replayed.has_value(), (replayed.has_value() ? std::string() : replayed.error().message));
  BOOST_TEST(replayed->outcome == ReceiveOutcome::accepted);
  BOOST_REQUIRE(replayed->meta);
  BOOST_TEST(replayed->meta->id == "q-2");
  BOOST_TEST(replayed->detail.empty());
  BOOST_TEST(inbox.quarantine_depth().value() == 0U);
  const auto taken = inbox.take_due(10, now + 1h);
  BOOST_TEST_REQUIRE(taken->size() == 1U);
  BOOST_TEST(taken->front().meta.id == "q-2");
  BOOST_TEST(taken->front().body == unparseable("q-2"));
  BOOST_TEST((taken->front().received_at == now + 1h));

  const auto again = upgraded.replay_quarantined(id, now + 2h);
  BOOST_TEST_REQUIRE(!again.has_value());
  BOOST_TEST((again.error().kind == RecoveryError::Kind::not_found));
}

BOOST_AUTO_TEST_CASE(a_replay_of_an_event_already_claimed_is_a_duplicate) {
  MemoryInbox inbox;
  const Receiver today{verifier_for(Scheme::vrio, new_secret), meta_parser(Platform::vrio), inbox};
  BOOST_TEST(today.handle(signed_with(Scheme::vrio, new_secret, unparseable("q-3")), now).outcome ==
             ReceiveOutcome::quarantined);
  BOOST_TEST_REQUIRE(inbox.claim(EventMeta{Platform::vrio, "shipment_scheduled", "q-3", now, ""}, "{}", now).has_value());
  const Receiver upgraded{verifier_for(Scheme::vrio, new_secret), later_vrio_parser(), inbox};
  const auto replayed = upgraded.replay_quarantined(only(inbox.list_quarantined({})).id, now);
  BOOST_TEST_REQUIRE(replayed.has_value());
  BOOST_TEST(replayed->outcome == ReceiveOutcome::duplicate);
  BOOST_TEST(inbox.quarantine_depth().value() == 0U);
  BOOST_TEST(inbox.counts()->pending == 1U);
}

BOOST_AUTO_TEST_CASE(a_replay_that_still_fails_records_the_error_and_keeps_the_entry) {
  MemoryInbox inbox;
  const Receiver receiver{verifier_for(Scheme::vrio, new_secret), meta_parser(Platform::vrio), inbox};
  BOOST_TEST(receiver.handle(signed_with(Scheme::vrio, new_secret, unparseable("q-4")), now).outcome ==
             ReceiveOutcome::quarantined);
  const auto id = only(inbox.list_quarantined({})).id;
  const auto replayed = receiver.replay_quarantined(id, now);
  BOOST_TEST_REQUIRE(replayed.has_value());
  BOOST_TEST(replayed->outcome == ReceiveOutcome::quarantined);
  BOOST_TEST(replayed->detail == "webhook_data.shipment.shipment_items[0].quantity: expected an integer");
  BOOST_TEST(!replayed->meta);
  const auto entry = only(inbox.list_quarantined({}));
  BOOST_TEST(entry.failed_replays == 1);
  BOOST_TEST(inbox.counts()->pending == 0U);
}

BOOST_AUTO_TEST_CASE(a_receiver_replays_and_retries_its_own_platform_only) {
  MemoryInbox inbox;
  const Receiver vrio{verifier_for(Scheme::vrio, new_secret), meta_parser(Platform::vrio), inbox};
  const Receiver store{verifier_for(Scheme::store_admin, "store token"), meta_parser(Platform::store_admin), inbox};
  BOOST_TEST(vrio.handle(signed_with(Scheme::vrio, new_secret, unparseable("q-5")), now).outcome ==
             ReceiveOutcome::quarantined);
  BOOST_TEST(vrio.handle(signed_with(Scheme::vrio, old_secret, vrio_body("r-5")), now).outcome ==
             ReceiveOutcome::bad_signature);
  const auto replayed = store.replay_quarantined(only(inbox.list_quarantined({})).id, now);
  BOOST_TEST_REQUIRE(!replayed.has_value());
  BOOST_TEST((replayed.error().kind == RecoveryError::Kind::other_platform));
  BOOST_TEST(replayed.error().message == "the delivery came to a vrio receiver, not to this store_admin one");
  const auto retried = store.retry_refused(only(inbox.list_refused({})).id, now);
  BOOST_TEST_REQUIRE(!retried.has_value());
  BOOST_TEST((retried.error().kind == RecoveryError::Kind::other_platform));
  BOOST_TEST(inbox.quarantine_depth().value() == 1U);
  BOOST_TEST(inbox.refused_counts()->entries == 1U);
  BOOST_TEST((vrio.retry_refused(9999, now).error().kind == RecoveryError::Kind::not_found));
}

BOOST_AUTO_TEST_CASE(a_refusal_for_authentication_is_recorded_with_what_a_retry_needs) {
  MemoryInbox inbox;
  const Receiver receiver{verifier_for(Scheme::vrio, new_secret), meta_parser(Platform::vrio), inbox};
  auto request = signed_with(Scheme::vrio, old_secret, vrio_body("r-1"));
  request.peer = "198.51.100.7";
  const auto result = receiver.handle(request, now);
  BOOST_TEST(result.outcome == ReceiveOutcome::bad_signature);
  BOOST_TEST(result.response.status == 401);
  const auto entry = only(inbox.list_refused({}));
  BOOST_TEST(entry.delivery.platform == Platform::vrio);
  BOOST_TEST(entry.delivery.path == "/webhooks/vrio");
  BOOST_TEST(entry.delivery.peer == "198.51.100.7");
  BOOST_TEST(entry.delivery.reason == "bad_signature");
  BOOST_TEST(entry.delivery.message == "no signature matches any configured secret: X-Webhook-Signature");
  BOOST_TEST(entry.delivery.body == request.body);
  BOOST_TEST(entry.delivery.headers.size() == request.headers.size());
  BOOST_TEST((entry.delivery.received_at == now));
  BOOST_TEST(inbox.counts()->pending == 0U);
}

BOOST_AUTO_TEST_CASE(only_authentication_refusals_are_recorded) {
  MemoryInbox inbox;
  const Receiver receiver{verifier_for(Scheme::vrio, new_secret), meta_parser(Platform::vrio), inbox};
  auto chunked = signed_with(Scheme::vrio, new_secret, vrio_body("r-2"));
  chunked.headers.add("Transfer-Encoding", "chunked");
  BOOST_TEST(receiver.handle(chunked, now).outcome == ReceiveOutcome::length_required);
  auto get = signed_with(Scheme::vrio, new_secret, vrio_body("r-3"));
  get.method = "GET";
  BOOST_TEST(receiver.handle(get, now).outcome == ReceiveOutcome::method_not_allowed);
  BOOST_TEST(receiver.handle(signed_with(Scheme::vrio, new_secret, vrio_body("r-4")), now).outcome ==
             ReceiveOutcome::accepted);
  BOOST_TEST(inbox.refused_counts()->entries == 0U);
}

BOOST_AUTO_TEST_CASE(a_refused_delivery_is_claimed_once_the_right_secret_is_configured) {
  MemoryInbox inbox;
  // A rotation mistake: the platform still signs with the old secret, the receiver knows only the new one.
  const Receiver mistaken{verifier_for(Scheme::vrio, new_secret), meta_parser(Platform::vrio), inbox};
  BOOST_TEST(mistaken.handle(signed_with(Scheme::vrio, old_secret, vrio_body("r-6")), now).outcome ==
             ReceiveOutcome::bad_signature);
  const auto id = only(inbox.list_refused({})).id;

  const auto still = mistaken.retry_refused(id, now + 10min);
  BOOST_TEST_REQUIRE(still.has_value());
  BOOST_TEST(still->outcome == ReceiveOutcome::bad_signature);
  BOOST_TEST(still->detail == "no signature matches any configured secret: X-Webhook-Signature");
  BOOST_TEST(inbox.refused_counts()->entries == 1U);

  const Receiver fixed{verifier_for(Scheme::vrio, new_secret, old_secret), meta_parser(Platform::vrio),
                       inbox};
  const auto retried = fixed.retry_refused(id, now + 10min);
  BOOST_TEST_REQUIRE(retried.has_value(), (retried.has_value() ? std::string() : retried.error().message));
  BOOST_TEST(retried->outcome == ReceiveOutcome::accepted);
  BOOST_REQUIRE(retried->meta);
  BOOST_TEST(retried->meta->id == "r-6");
  BOOST_TEST(inbox.refused_counts()->entries == 0U);
  BOOST_TEST(inbox.counts()->pending == 1U);
  BOOST_TEST((fixed.retry_refused(id, now + 11min).error().kind == RecoveryError::Kind::not_found));
  // The platform's own retry of the same event, if any, is a duplicate.
  BOOST_TEST(fixed.handle(signed_with(Scheme::vrio, old_secret, vrio_body("r-6")), now + 12min).outcome ==
             ReceiveOutcome::duplicate);
}

BOOST_AUTO_TEST_CASE(a_retry_verifies_timestamps_at_the_original_receive_time) {
  MemoryInbox inbox;
  const std::string body = sample_body("ordergroove/subscription.create.json");
  const Receiver mistaken{verifier_for(Scheme::ordergroove, "og new secret"), meta_parser(Platform::ordergroove), inbox};
  BOOST_TEST(mistaken.handle(signed_with(Scheme::ordergroove, "og old secret", body), now).outcome ==
             ReceiveOutcome::bad_signature);
  const Receiver fixed{verifier_for(Scheme::ordergroove, "og old secret"), meta_parser(Platform::ordergroove), inbox};
  // A day later the signature's timestamp is far out of tolerance for a new delivery...
  BOOST_TEST(fixed.handle(signed_with(Scheme::ordergroove, "og old secret", body), now + 24h).outcome ==
             ReceiveOutcome::bad_signature);
  // ...but the one kept from the first delivery verifies at the time it arrived.
  const auto kept = inbox.list_refused({});
  BOOST_TEST_REQUIRE(kept->entries.size() == 2U);
  const auto retried = fixed.retry_refused(kept->entries.front().id, now + 24h);
  BOOST_TEST_REQUIRE(retried.has_value(), (retried.has_value() ? std::string() : retried.error().message));
  BOOST_TEST(retried->outcome == ReceiveOutcome::accepted);
  BOOST_TEST(retried->meta->platform == Platform::ordergroove);
}

BOOST_AUTO_TEST_CASE(a_vero_delivery_refused_for_its_token_is_retried_with_the_token_it_carried) {
  MemoryInbox inbox;
  const auto guard = [](std::string token) {
    SourceGuardConfig config;
    config.tokens.emplace_back(std::move(token));
    return SourceGuard(std::move(config));
  };
  const Receiver mistaken{guard("the new token"), meta_parser(Platform::vero), inbox};
  HttpRequest request;
  request.method = "POST";
  request.path = "/webhooks/vero";
  request.peer = "127.0.0.1";
  request.query.emplace_back("token", "the old token");
  request.body = sample_body("vero/sent.json");
  request.headers.add("Content-Length", std::to_string(request.body.size()));
  BOOST_TEST(mistaken.handle(request, now).outcome == ReceiveOutcome::bad_token);
  const auto entry = only(inbox.list_refused({}));
  BOOST_TEST(entry.delivery.reason == "bad_token");
  BOOST_TEST(entry.delivery.message == "the token matches no configured token");
  const Receiver fixed{guard("the old token"), meta_parser(Platform::vero), inbox};
  const auto retried = fixed.retry_refused(entry.id, now);
  BOOST_TEST_REQUIRE(retried.has_value());
  BOOST_TEST(retried->outcome == ReceiveOutcome::accepted);
  BOOST_TEST(inbox.counts()->pending == 1U);
}

BOOST_AUTO_TEST_CASE(a_retry_that_authenticates_but_does_not_parse_is_quarantined) {
  MemoryInbox inbox;
  const Receiver mistaken{verifier_for(Scheme::vrio, new_secret), meta_parser(Platform::vrio), inbox};
  BOOST_TEST(mistaken.handle(signed_with(Scheme::vrio, old_secret, unparseable("r-7")), now).outcome ==
             ReceiveOutcome::bad_signature);
  const Receiver fixed{verifier_for(Scheme::vrio, old_secret), meta_parser(Platform::vrio), inbox};
  const auto retried = fixed.retry_refused(only(inbox.list_refused({})).id, now + 1min);
  BOOST_TEST_REQUIRE(retried.has_value());
  BOOST_TEST(retried->outcome == ReceiveOutcome::quarantined);
  BOOST_TEST(retried->detail == "webhook_data.shipment.shipment_items[0].quantity: expected an integer");
  BOOST_TEST(inbox.refused_counts()->entries == 0U);
  const auto quarantined = only(inbox.list_quarantined({}));
  BOOST_TEST(quarantined.delivery.key == "r-7");
  BOOST_TEST((quarantined.delivery.received_at == now + 1min));
}

BOOST_AUTO_TEST_SUITE_END()
