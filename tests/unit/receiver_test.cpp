// The receiver as a pure function: requests in, exact statuses and bodies out, no network.

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "http_test_support.hpp"
#include "hookline/inbox.hpp"
#include "hookline/parse.hpp"
#include "hookline/receiver.hpp"
#include "hookline/sign.hpp"
#include "hookline/source_guard.hpp"
#include "hookline/vero.hpp"
#include "printing.hpp"
#include "receiver_test_support.hpp"

namespace {

using namespace hookline;
using hookline::test::http_test_secret;
using hookline::test::signed_for;
using hookline::test::verifier_for;
using hookline::test::sample_body;
using hookline::test::vrio_body;

const std::chrono::sys_seconds now{std::chrono::seconds{1774189800}};

/// A ReceiverStore whose every operation fails, like a full disk or a lost database.
class FailingInbox final : public ReceiverStore {
 public:
  int claims = 0;
  int quarantines = 0;
  int refusals = 0;

  Result<ClaimOutcome, StoreError> claim(const EventMeta&, std::string_view, std::chrono::sys_seconds) override {
    ++claims;
    return fail(StoreError{"disk I/O error at /var/secret/path.db"});
  }
  Result<QuarantineOutcome, StoreError> quarantine(const QuarantinedDelivery&) override {
    ++quarantines;
    return fail(StoreError{"disk I/O error at /var/secret/path.db"});
  }
  Result<bool, StoreError> record_refused(const RefusedDelivery&) override {
    ++refusals;
    return down();
  }
  Result<std::vector<InboxEntry>, StoreError> take_due(std::size_t, std::chrono::sys_seconds) override { return down(); }
  Result<std::size_t, StoreError> record(std::span<const hookline::HandlingOutcome>) override { return down(); }
  Result<std::vector<InboxEntry>, StoreError> dead_letters(std::size_t) override { return down(); }
  Result<std::optional<InboxEntry>, StoreError> find(EntryId) override { return down(); }
  Result<bool, StoreError> replay(EntryId, std::chrono::sys_seconds) override { return down(); }
  Result<std::size_t, StoreError> prune_handled(std::chrono::sys_seconds, std::chrono::seconds) override { return down(); }
  Result<InboxCounts, StoreError> counts() override { return down(); }
  Result<std::size_t, StoreError> recover_in_flight() override { return down(); }
  Result<Page<QuarantineEntry>, StoreError> list_quarantined(const PageRequest&) override { return down(); }
  Result<std::optional<QuarantineEntry>, StoreError> find_quarantined(QuarantineId) override { return down(); }
  Result<bool, StoreError> record_replay_failure(QuarantineId, const ParseError&) override { return down(); }
  Result<bool, StoreError> remove_quarantined(QuarantineId) override { return down(); }
  Result<std::size_t, StoreError> quarantine_depth() override { return down(); }
  Result<Page<RefusedEntry>, StoreError> list_refused(const PageRequest&) override { return down(); }
  Result<std::optional<RefusedEntry>, StoreError> find_refused(RefusedId) override { return down(); }
  Result<bool, StoreError> remove_refused(RefusedId) override { return down(); }
  Result<RefusedCounts, StoreError> refused_counts() override { return down(); }

 private:
  static Failure<StoreError> down() { return fail(StoreError{"down"}); }
};

Verifier vrio_verifier() {
  const std::vector<Secret> secrets{Secret(std::string(http_test_secret))};
  auto verifier = Verifier::create(Scheme::vrio, secrets);
  BOOST_REQUIRE(verifier);
  return std::move(*verifier);
}

/// A signed POST of `body` with the right Content-Length.
HttpRequest signed_request(std::string body) {
  HttpRequest request;
  request.method = "POST";
  request.path = "/webhooks/vrio";
  request.peer = "127.0.0.1";
  request.headers = hookline::test::vrio_signer().sign(body, "", now);
  request.headers.add("Content-Type", "application/json");
  request.headers.add("Content-Length", std::to_string(body.size()));
  request.body = std::move(body);
  return request;
}

struct Fixture {
  MemoryInbox inbox;
  Receiver receiver{vrio_verifier(), meta_parser(Platform::vrio), inbox};
};

/// The headers minus every field called `name`.
Headers without(const Headers& headers, std::string_view name) {
  Headers kept;
  for (const auto& field : headers.fields()) {
    if (!header_name_equals(field.name, name)) {
      kept.add(field.name, field.value);
    }
  }
  return kept;
}

/// The Vero token the guard tests accept (a test value, not a real secret).
constexpr std::string_view vero_token = "vero-url-token-7f3a";

/// A guard for Vero: vero_token in `?token=` or X-Webhook-Token, from 127.0.0.0/8 or ::1 only.
SourceGuard vero_guard() {
  SourceGuardConfig config;
  config.tokens.emplace_back(std::string(vero_token));
  for (const auto* cidr : {"127.0.0.0/8", "::1"}) {
    auto network = IpNetwork::parse(cidr);
    BOOST_REQUIRE(network);
    config.allowed_networks.push_back(*network);
  }
  return SourceGuard(std::move(config));
}

/// An unsigned POST of `body` from 127.0.0.1 to /webhooks/vero with `token` in the query, if any.
HttpRequest vero_request(std::string body, std::optional<std::string> token = std::string(vero_token)) {
  HttpRequest request;
  request.method = "POST";
  request.path = "/webhooks/vero";
  request.peer = "127.0.0.1";
  if (token) {
    request.query.emplace_back("token", *token);
  }
  request.headers.add("Content-Type", "application/json");
  request.headers.add("Content-Length", std::to_string(body.size()));
  request.body = std::move(body);
  return request;
}

struct VeroFixture {
  MemoryInbox inbox;
  Receiver receiver{vero_guard(), meta_parser(Platform::vero), inbox};
};

const std::vector<std::string> vero_samples{"bounced",   "clicked",     "complained",   "converted",
                                            "delivered", "failed",      "opened",       "resubscribed",
                                            "sent",      "unsubscribed", "user_created", "user_updated"};

/// One malformed request and exactly what it must get.
struct BadRequest {
  std::string name;
  std::function<void(HttpRequest&)> spoil;
  ReceiveOutcome outcome;
  int status;
  std::string body;
};

std::ostream& operator<<(std::ostream& out, const BadRequest& bad) { return out << bad.name; }

const std::vector<BadRequest> bad_requests{
    {"get", [](HttpRequest& r) { r.method = "GET"; }, ReceiveOutcome::method_not_allowed, 405,
     R"({"error":{"code":"method_not_allowed","message":"webhooks are delivered with POST"}})"},
    {"put", [](HttpRequest& r) { r.method = "PUT"; }, ReceiveOutcome::method_not_allowed, 405,
     R"({"error":{"code":"method_not_allowed","message":"webhooks are delivered with POST"}})"},
    {"no_content_length", [](HttpRequest& r) { r.headers = without(r.headers, "Content-Length"); },
     ReceiveOutcome::length_required, 411, R"({"error":{"code":"length_required","message":"Content-Length is required"}})"},
    {"chunked", [](HttpRequest& r) { r.headers.add("Transfer-Encoding", "chunked"); }, ReceiveOutcome::length_required, 411,
     R"({"error":{"code":"length_required","message":"Transfer-Encoding is refused: send Content-Length"}})"},
    {"transfer_encoding_identity", [](HttpRequest& r) { r.headers.add("transfer-encoding", "identity"); },
     ReceiveOutcome::length_required, 411,
     R"({"error":{"code":"length_required","message":"Transfer-Encoding is refused: send Content-Length"}})"},
    {"gzip", [](HttpRequest& r) { r.headers.add("Content-Encoding", "gzip"); }, ReceiveOutcome::unsupported_encoding, 415,
     R"({"error":{"code":"unsupported_encoding","message":"Content-Encoding is refused: send the body as is"}})"},
    {"content_length_not_a_number", [](HttpRequest& r) { r.headers.set("Content-Length", "12a"); },
     ReceiveOutcome::bad_framing, 400, R"({"error":{"code":"bad_framing","message":"Content-Length is not one decimal number"}})"},
    {"content_length_negative", [](HttpRequest& r) { r.headers.set("Content-Length", "-1"); }, ReceiveOutcome::bad_framing,
     400, R"({"error":{"code":"bad_framing","message":"Content-Length is not one decimal number"}})"},
    {"content_lengths_disagree", [](HttpRequest& r) { r.headers.add("Content-Length", "3"); }, ReceiveOutcome::bad_framing,
     400, R"({"error":{"code":"bad_framing","message":"Content-Length is not one decimal number"}})"},
    {"content_length_differs_from_body", [](HttpRequest& r) { r.body += " "; }, ReceiveOutcome::bad_framing, 400,
     R"({"error":{"code":"bad_framing","message":"the body's length differs from Content-Length"}})"},
    {"content_length_over_limit", [](HttpRequest& r) { r.headers.set("Content-Length", "1048577"); },
     ReceiveOutcome::too_large, 413, R"({"error":{"code":"too_large","message":"the body is over the size limit","limit":"1048576 bytes"}})"},
    {"body_over_limit", [](HttpRequest& r) { r.body.assign(1048577, ' '); r.headers.set("Content-Length", "1048577"); },
     ReceiveOutcome::too_large, 413, R"({"error":{"code":"too_large","message":"the body is over the size limit","limit":"1048576 bytes"}})"},
    {"too_many_headers", [](HttpRequest& r) { for (int i = 0; i < 64; ++i) r.headers.add("X-Flood-" + std::to_string(i), "1"); },
     ReceiveOutcome::headers_too_large, 431, R"({"error":{"code":"headers_too_large","message":"the request's header fields are over the limit","limit":"64 fields"}})"},
    {"huge_header", [](HttpRequest& r) { r.headers.add("X-Huge", std::string(8200, 'a')); },
     ReceiveOutcome::headers_too_large, 431, R"({"error":{"code":"headers_too_large","message":"the request's header fields are over the limit","limit":"8192 bytes per field"}})"},
    {"no_signature", [](HttpRequest& r) { r.headers.set("X-Webhook-Signature", ""); }, ReceiveOutcome::bad_signature, 401,
     R"({"error":{"code":"bad_signature","message":"a required header is missing: X-Webhook-Signature","reason":"missing_header","header":"X-Webhook-Signature"}})"},
    {"wrong_signature", [](HttpRequest& r) { r.headers.set("X-Webhook-Signature", std::string(64, '0')); },
     ReceiveOutcome::bad_signature, 401, R"({"error":{"code":"bad_signature","message":"no signature matches any configured secret: X-Webhook-Signature","reason":"no_matching_signature","header":"X-Webhook-Signature"}})"},
    {"tampered_body", [](HttpRequest& r) { r.body[r.body.find("251606")] = '9'; }, ReceiveOutcome::bad_signature, 401,
     R"({"error":{"code":"bad_signature","message":"no signature matches any configured secret: X-Webhook-Signature","reason":"no_matching_signature","header":"X-Webhook-Signature"}})"},
};

}  // namespace

BOOST_AUTO_TEST_SUITE(receiver)

BOOST_FIXTURE_TEST_CASE(first_delivery_is_accepted_and_stored, Fixture) {
  const auto result = receiver.handle(signed_request(vrio_body("e-1")), now);
  BOOST_TEST(result.outcome == ReceiveOutcome::accepted);
  BOOST_TEST(result.response.status == 200);
  BOOST_TEST(result.response.body == R"({"status":"accepted"})");
  BOOST_TEST(result.response.content_type == "application/json");
  BOOST_TEST(!result.response.close_connection);
  BOOST_REQUIRE(result.meta);
  BOOST_TEST(result.meta->id == "e-1");
  BOOST_TEST(result.meta->entity == "shipment:251606");
  const auto counts = inbox.counts();
  BOOST_REQUIRE(counts);
  BOOST_TEST(counts->pending == 1U);
}

BOOST_FIXTURE_TEST_CASE(redelivery_is_a_duplicate_with_2xx_and_no_new_row, Fixture) {
  const auto request = signed_request(vrio_body("e-2"));
  BOOST_TEST(receiver.handle(request, now).outcome == ReceiveOutcome::accepted);
  const auto again = receiver.handle(request, now);
  BOOST_TEST(again.outcome == ReceiveOutcome::duplicate);
  BOOST_TEST(again.response.status == 200);
  BOOST_TEST(again.response.body == R"({"status":"duplicate"})");
  BOOST_TEST(inbox.counts()->pending == 1U);
}

BOOST_FIXTURE_TEST_CASE(unknown_event_names_are_accepted, Fixture) {
  std::string body = vrio_body("e-3");
  body.replace(body.find("shipment_scheduled"), 18, "shipment_teleported");
  const auto result = receiver.handle(signed_request(body), now);
  BOOST_TEST(result.outcome == ReceiveOutcome::accepted);
  BOOST_TEST(result.meta->type == "shipment_teleported");
}

BOOST_DATA_TEST_CASE_F(Fixture, bad_requests_get_exact_statuses, boost::unit_test::data::make(bad_requests), bad) {
  auto request = signed_request(vrio_body("bad-1"));
  bad.spoil(request);
  const auto result = receiver.handle(request, now);
  BOOST_TEST(result.outcome == bad.outcome);
  BOOST_TEST(result.response.status == bad.status);
  BOOST_TEST(result.response.status == http_status(bad.outcome));
  BOOST_TEST(result.response.body == bad.body);
  BOOST_TEST(result.response.body.find(http_test_secret) == std::string::npos);
  BOOST_TEST(inbox.counts()->pending == 0U);
}

BOOST_FIXTURE_TEST_CASE(wrong_method_names_the_allowed_one, Fixture) {
  auto request = signed_request(vrio_body("m-1"));
  request.method = "GET";
  BOOST_TEST(receiver.handle(request, now).response.headers.get("Allow") == std::optional<std::string_view>("POST"));
}

BOOST_FIXTURE_TEST_CASE(framing_refusals_close_the_connection_others_do_not, Fixture) {
  auto chunked = signed_request(vrio_body("c-1"));
  chunked.headers.add("Transfer-Encoding", "chunked");
  BOOST_TEST(receiver.handle(chunked, now).response.close_connection);
  auto unsigned_request = signed_request(vrio_body("c-2"));
  unsigned_request.headers.set("X-Webhook-Signature", "00");
  BOOST_TEST(!receiver.handle(unsigned_request, now).response.close_connection);
}

BOOST_FIXTURE_TEST_CASE(signed_bad_json_is_quarantined_with_2xx_and_never_claimed, Fixture) {
  const auto result = receiver.handle(signed_request(R"({"webhook_event":"shipment_scheduled","webhook_event_id":)"), now);
  BOOST_TEST(result.outcome == ReceiveOutcome::quarantined);
  BOOST_TEST(result.response.status == 200);
  BOOST_TEST(result.response.body == R"({"status":"quarantined"})");
  BOOST_TEST(!result.meta);
  BOOST_TEST(inbox.quarantine_depth().value() == 1U);
  BOOST_TEST(inbox.counts()->pending == 0U);
}

BOOST_FIXTURE_TEST_CASE(signed_wrong_type_is_quarantined_with_the_json_path, Fixture) {
  std::string body = vrio_body("p-1");
  body.replace(body.find("\"quantity\": 1"), 13, "\"quantity\": \"lots\"");
  const auto result = receiver.handle(signed_request(body), now);
  BOOST_TEST(result.outcome == ReceiveOutcome::quarantined);
  BOOST_TEST(result.log_detail == "webhook_data.shipment.shipment_items[0].quantity: expected an integer");
  const auto listed = inbox.list_quarantined({});
  BOOST_REQUIRE(listed && listed->entries.size() == 1U);
  BOOST_TEST(listed->entries[0].delivery.error.path == "webhook_data.shipment.shipment_items[0].quantity");
}

BOOST_FIXTURE_TEST_CASE(unsigned_garbage_is_never_parsed, Fixture) {
  auto request = signed_request("not json at all");
  request.headers.set("X-Webhook-Signature", std::string(64, 'f'));
  BOOST_TEST(receiver.handle(request, now).outcome == ReceiveOutcome::bad_signature);
}

BOOST_AUTO_TEST_CASE(a_quarantine_that_fails_is_503_too) {
  FailingInbox inbox;
  const Receiver receiver{vrio_verifier(), meta_parser(Platform::vrio), inbox};
  const auto result = receiver.handle(signed_request(R"({"webhook_event_id":"q-1"})"), now);
  BOOST_TEST(inbox.quarantines == 1);
  BOOST_TEST(inbox.claims == 0);
  BOOST_TEST(result.outcome == ReceiveOutcome::store_unavailable);
  BOOST_TEST(result.response.status == 503);
  BOOST_TEST(result.log_detail == "disk I/O error at /var/secret/path.db");
}

BOOST_AUTO_TEST_CASE(a_refused_record_that_fails_changes_no_answer) {
  FailingInbox inbox;
  const Receiver receiver{vrio_verifier(), meta_parser(Platform::vrio), inbox};
  auto request = signed_request(vrio_body("r-1"));
  request.headers.set("X-Webhook-Signature", std::string(64, '0'));
  const auto result = receiver.handle(request, now);
  BOOST_TEST(inbox.refusals == 1);
  BOOST_TEST(result.outcome == ReceiveOutcome::bad_signature);
  BOOST_TEST(result.response.status == 401);
  BOOST_TEST(result.log_detail ==
             "no signature matches any configured secret: X-Webhook-Signature (not kept in the refused record: down)");
}

BOOST_AUTO_TEST_CASE(store_failure_is_503_so_the_platform_retries) {
  FailingInbox inbox;
  const Receiver receiver{vrio_verifier(), meta_parser(Platform::vrio), inbox};
  const auto result = receiver.handle(signed_request(vrio_body("s-1")), now);
  BOOST_TEST(inbox.claims == 1);
  BOOST_TEST(result.outcome == ReceiveOutcome::store_unavailable);
  BOOST_TEST(result.response.status == 503);
  BOOST_TEST(result.response.body == R"({"error":{"code":"store_unavailable","message":"the event store is unavailable: retry later"}})");
  BOOST_TEST(result.response.headers.get("Retry-After") == std::optional<std::string_view>("1"));
  BOOST_TEST(result.log_detail == "disk I/O error at /var/secret/path.db");
}

BOOST_AUTO_TEST_CASE(limits_are_configurable) {
  MemoryInbox inbox;
  const Receiver receiver{vrio_verifier(), meta_parser(Platform::vrio), inbox, ReceiverLimits{.max_body_bytes = 100}};
  const auto result = receiver.handle(signed_request(vrio_body("l-1")), now);
  BOOST_TEST(result.outcome == ReceiveOutcome::too_large);
  BOOST_TEST(result.response.body == R"({"error":{"code":"too_large","message":"the body is over the size limit","limit":"100 bytes"}})");
}

BOOST_AUTO_TEST_CASE(screening_applies_to_every_method) {
  const ReceiverLimits limits;
  BOOST_TEST(!screen_headers("GET", Headers{}, limits));
  BOOST_TEST(!screen_headers("DELETE", Headers{}, limits));
  BOOST_TEST(!screen_headers("POST", Headers{{"Content-Length", "0"}}, limits));
  BOOST_TEST(screen_headers("POST", Headers{}, limits)->outcome == ReceiveOutcome::length_required);
  BOOST_TEST(screen_headers("PATCH", Headers{}, limits)->outcome == ReceiveOutcome::length_required);
  BOOST_TEST(screen_headers("GET", Headers{{"Content-Length", "5"}}, limits)->outcome == ReceiveOutcome::bad_framing);
  BOOST_TEST(screen_headers("GET", Headers{{"Transfer-Encoding", "chunked"}}, limits)->outcome ==
             ReceiveOutcome::length_required);
  BOOST_TEST(screen_headers("PUT", Headers{{"Content-Length", "2000000"}}, limits)->outcome == ReceiveOutcome::too_large);
  BOOST_TEST(screen_headers("POST", Headers{{"Content-Length", "10"}, {"Content-Encoding", "br"}}, limits)->outcome ==
             ReceiveOutcome::unsupported_encoding);
}

BOOST_DATA_TEST_CASE_F(VeroFixture, every_vero_sample_is_accepted_with_the_token, boost::unit_test::data::make(vero_samples),
                       name) {
  const std::string body = sample_body("vero/" + name + ".json");
  const auto result = receiver.handle(vero_request(body), now);
  BOOST_TEST(result.outcome == ReceiveOutcome::accepted, result.response.body);
  BOOST_TEST(result.response.status == 200);
  BOOST_REQUIRE(result.meta);
  BOOST_TEST(result.meta->platform == Platform::vero);
  BOOST_TEST(result.meta->type == name);
  const auto event = vero::parse(body);
  BOOST_REQUIRE(event);
  BOOST_TEST(result.meta->id == vero::idempotency_key(*event));
  BOOST_TEST(inbox.counts()->pending == 1U);
}

BOOST_FIXTURE_TEST_CASE(vero_token_in_the_header_is_accepted_too, VeroFixture) {
  auto request = vero_request(sample_body("vero/sent.json"), std::nullopt);
  request.headers.add("X-Webhook-Token", std::string(vero_token));
  BOOST_TEST(receiver.handle(request, now).outcome == ReceiveOutcome::accepted);
}

BOOST_FIXTURE_TEST_CASE(vero_redelivery_is_caught_by_the_derived_key, VeroFixture) {
  const auto request = vero_request(sample_body("vero/clicked.json"));
  const auto first = receiver.handle(request, now);
  BOOST_TEST(first.outcome == ReceiveOutcome::accepted);
  const auto again = receiver.handle(request, now);
  BOOST_TEST(again.outcome == ReceiveOutcome::duplicate);
  BOOST_TEST(again.response.status == 200);
  BOOST_TEST(again.response.body == R"({"status":"duplicate"})");
  BOOST_REQUIRE(again.meta);
  BOOST_TEST(again.meta->id == first.meta->id);
  BOOST_TEST(receiver.handle(vero_request(sample_body("vero/opened.json")), now).outcome == ReceiveOutcome::accepted);
  BOOST_TEST(inbox.counts()->pending == 2U);
}

BOOST_FIXTURE_TEST_CASE(vero_without_a_token_is_401, VeroFixture) {
  const auto result = receiver.handle(vero_request(sample_body("vero/sent.json"), std::nullopt), now);
  BOOST_TEST(result.outcome == ReceiveOutcome::bad_token);
  BOOST_TEST(result.response.status == 401);
  BOOST_TEST(result.response.body ==
             R"({"error":{"code":"bad_token","message":"no token in the query parameter \"token\" or the header X-Webhook-Token","reason":"token_missing"}})");
  BOOST_TEST(!result.meta);
  BOOST_TEST(inbox.counts()->pending == 0U);
}

BOOST_FIXTURE_TEST_CASE(vero_with_a_wrong_token_is_401_and_names_no_token, VeroFixture) {
  const std::string wrong = "vero-url-token-7f3b";
  auto request = vero_request(sample_body("vero/sent.json"), wrong);
  request.headers.add("X-Webhook-Token", std::string(vero_token));  // the query's token is the one presented
  const auto result = receiver.handle(request, now);
  BOOST_TEST(result.outcome == ReceiveOutcome::bad_token);
  BOOST_TEST(result.response.status == 401);
  BOOST_TEST(result.response.body ==
             R"({"error":{"code":"bad_token","message":"the token matches no configured token","reason":"token_mismatch"}})");
  BOOST_TEST(result.response.body.find(wrong) == std::string::npos);
  BOOST_TEST(result.response.body.find(vero_token) == std::string::npos);
  BOOST_TEST(inbox.counts()->pending == 0U);
}

BOOST_FIXTURE_TEST_CASE(vero_from_a_disallowed_address_is_403_whatever_the_headers_claim, VeroFixture) {
  auto request = vero_request(sample_body("vero/sent.json"));
  request.peer = "203.0.113.9";
  request.headers.add("X-Forwarded-For", "127.0.0.1");
  request.headers.add("X-Real-IP", "127.0.0.1");
  const auto result = receiver.handle(request, now);
  BOOST_TEST(result.outcome == ReceiveOutcome::source_not_allowed);
  BOOST_TEST(result.response.status == 403);
  BOOST_TEST(result.response.body ==
             R"({"error":{"code":"source_not_allowed","message":"peer 203.0.113.9 is not in an allowed network","reason":"address_not_allowed"}})");
  BOOST_TEST(result.response.body.find(vero_token) == std::string::npos);
  request.peer = "::1";
  BOOST_TEST(receiver.handle(request, now).outcome == ReceiveOutcome::accepted);
}

BOOST_FIXTURE_TEST_CASE(vero_from_no_address_is_403, VeroFixture) {
  auto request = vero_request(sample_body("vero/sent.json"));
  request.peer = "";
  const auto result = receiver.handle(request, now);
  BOOST_TEST(result.outcome == ReceiveOutcome::source_not_allowed);
  BOOST_TEST(result.response.body.find(R"("reason":"address_invalid")") != std::string::npos, result.response.body);
}

BOOST_FIXTURE_TEST_CASE(vero_framing_is_checked_before_the_token, VeroFixture) {
  auto request = vero_request(sample_body("vero/sent.json"), std::nullopt);
  request.headers.add("Transfer-Encoding", "chunked");
  BOOST_TEST(receiver.handle(request, now).outcome == ReceiveOutcome::length_required);
}

BOOST_FIXTURE_TEST_CASE(vero_bad_json_with_the_token_is_quarantined, VeroFixture) {
  const auto result = receiver.handle(vero_request(R"({"type":"sent","user":)"), now);
  BOOST_TEST(result.outcome == ReceiveOutcome::quarantined);
  BOOST_TEST(result.response.status == 200);
  BOOST_TEST(inbox.quarantine_depth().value() == 1U);
}

BOOST_AUTO_TEST_CASE(ordergroove_delivery_is_verified_and_parsed) {
  constexpr std::string_view secret = "og-hmac-secret-for-tests";
  MemoryInbox inbox;
  const Receiver receiver{verifier_for(Scheme::ordergroove, secret), meta_parser(Platform::ordergroove), inbox};
  const std::string body = sample_body("ordergroove/subscription.create.json");
  const auto result = receiver.handle(signed_for(Scheme::ordergroove, secret, body, now), now);
  BOOST_TEST(result.outcome == ReceiveOutcome::accepted, result.response.body);
  BOOST_REQUIRE(result.meta);
  BOOST_TEST(result.meta->platform == Platform::ordergroove);
  BOOST_TEST(result.meta->type == "subscription.create");
  BOOST_TEST(receiver.handle(signed_for(Scheme::ordergroove, secret, body, now), now).outcome == ReceiveOutcome::duplicate);

  auto other_secret = signed_for(Scheme::ordergroove, "another-secret", body, now);
  const auto refused = receiver.handle(other_secret, now);
  BOOST_TEST(refused.outcome == ReceiveOutcome::bad_signature);
  BOOST_TEST(refused.response.body ==
             R"({"error":{"code":"bad_signature","message":"no signature matches any configured secret: Ordergroove-Signature","reason":"no_matching_signature","header":"Ordergroove-Signature"}})");
  BOOST_TEST(receiver.handle(signed_for(Scheme::ordergroove, secret, body, now), now + std::chrono::seconds(301)).outcome ==
             ReceiveOutcome::bad_signature);
}

BOOST_AUTO_TEST_CASE(store_delivery_is_authenticated_by_its_token_scheme) {
  constexpr std::string_view token = "store-admin-token-for-tests";
  MemoryInbox inbox;
  const Receiver receiver{verifier_for(Scheme::store_admin, token), meta_parser(Platform::store_admin), inbox};
  const std::string body = sample_body("store_admin/order.created.json");
  const auto result = receiver.handle(signed_for(Scheme::store_admin, token, body, now), now);
  BOOST_TEST(result.outcome == ReceiveOutcome::accepted, result.response.body);
  BOOST_REQUIRE(result.meta);
  BOOST_TEST(result.meta->platform == Platform::store_admin);
  BOOST_TEST(result.meta->type == "order.created");

  auto wrong = signed_for(Scheme::store_admin, token, body, now);
  wrong.headers.set("X-Store-Webhook-Token", "store-admin-token-for-tesTs");
  const auto refused = receiver.handle(wrong, now);
  BOOST_TEST(refused.outcome == ReceiveOutcome::bad_signature);
  BOOST_TEST(refused.response.status == 401);
  BOOST_TEST(refused.response.body.find("store-admin-token") == std::string::npos, refused.response.body);
}

BOOST_AUTO_TEST_CASE(guard_and_signature_together_need_both) {
  constexpr std::string_view token = "store-admin-token-for-tests";
  MemoryInbox inbox;
  SourceGuardConfig config;
  auto network = IpNetwork::parse("192.0.2.0/24");
  BOOST_REQUIRE(network);
  config.allowed_networks.push_back(*network);
  const Receiver receiver{Authenticator(SourceGuard(std::move(config)), verifier_for(Scheme::store_admin, token)),
                          meta_parser(Platform::store_admin), inbox};
  auto request = signed_for(Scheme::store_admin, token, sample_body("store_admin/order.created.json"), now);
  BOOST_TEST(receiver.handle(request, now).outcome == ReceiveOutcome::source_not_allowed);
  request.peer = "192.0.2.40";
  auto unsigned_request = request;
  unsigned_request.headers.set("X-Store-Webhook-Token", "nope");
  BOOST_TEST(receiver.handle(unsigned_request, now).outcome == ReceiveOutcome::bad_signature);
  BOOST_TEST(receiver.handle(request, now).outcome == ReceiveOutcome::accepted);
}

BOOST_AUTO_TEST_CASE(every_outcome_has_one_status) {
  const std::vector<std::pair<ReceiveOutcome, int>> table{
      {ReceiveOutcome::accepted, 200},           {ReceiveOutcome::duplicate, 200},
      {ReceiveOutcome::method_not_allowed, 405}, {ReceiveOutcome::length_required, 411},
      {ReceiveOutcome::unsupported_encoding, 415}, {ReceiveOutcome::bad_framing, 400},
      {ReceiveOutcome::headers_too_large, 431},  {ReceiveOutcome::too_large, 413},
      {ReceiveOutcome::bad_signature, 401},      {ReceiveOutcome::quarantined, 200},
      {ReceiveOutcome::bad_token, 401},          {ReceiveOutcome::source_not_allowed, 403},
      {ReceiveOutcome::store_unavailable, 503},
  };
  for (const auto& [outcome, status] : table) {
    BOOST_TEST(http_status(outcome) == status, to_string(outcome));
    BOOST_TEST(make_result(outcome).response.status == status);
  }
}

BOOST_AUTO_TEST_CASE(query_values_are_found_by_name) {
  HttpRequest request;
  request.query = {{"limit", "10"}, {"state", "dead"}, {"limit", "20"}};
  BOOST_TEST(request.query_value("limit") == std::optional<std::string_view>("10"));
  BOOST_TEST(!request.query_value("missing"));
}

BOOST_AUTO_TEST_SUITE_END()
