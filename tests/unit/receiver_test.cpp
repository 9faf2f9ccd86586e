// The receiver as a pure function: requests in, exact statuses and bodies out, no network.

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "../integration/http_test_support.hpp"
#include "hookline/inbox.hpp"
#include "hookline/receiver.hpp"
#include "printing.hpp"

namespace hookline {
inline std::ostream& operator<<(std::ostream& out, ReceiveOutcome outcome) { return out << to_string(outcome); }
}  // namespace hookline

namespace {

using namespace hookline;
using hookline::test::http_test_secret;
using hookline::test::vrio_body;

const std::chrono::sys_seconds now{std::chrono::seconds{1774189800}};

/// An InboxStore whose every operation fails, like a full disk or a lost database.
class FailingInbox final : public InboxStore {
 public:
  int claims = 0;

  Result<ClaimOutcome, StoreError> claim(const EventMeta&, std::string_view, std::chrono::sys_seconds) override {
    ++claims;
    return fail(StoreError{"disk I/O error at /var/secret/path.db"});
  }
  Result<std::vector<InboxEntry>, StoreError> take_due(std::size_t, std::chrono::sys_seconds) override { return down(); }
  Status<StoreError> mark_handled(EntryId, std::chrono::sys_seconds) override { return down(); }
  Status<StoreError> mark_failed(EntryId, std::string_view, std::chrono::sys_seconds) override { return down(); }
  Status<StoreError> mark_dead(EntryId, std::string_view, std::chrono::sys_seconds) override { return down(); }
  Result<std::vector<InboxEntry>, StoreError> dead_letters(std::size_t) override { return down(); }
  Result<std::optional<InboxEntry>, StoreError> find(EntryId) override { return down(); }
  Result<bool, StoreError> replay(EntryId, std::chrono::sys_seconds) override { return down(); }
  Result<std::size_t, StoreError> prune_handled(std::chrono::sys_seconds, std::chrono::seconds) override { return down(); }
  Result<InboxCounts, StoreError> counts() override { return down(); }
  Result<std::size_t, StoreError> recover_in_flight() override { return down(); }

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
  Receiver receiver{vrio_verifier(), vrio_meta_parser(), inbox};
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
     R"({"error":"method_not_allowed"})"},
    {"put", [](HttpRequest& r) { r.method = "PUT"; }, ReceiveOutcome::method_not_allowed, 405,
     R"({"error":"method_not_allowed"})"},
    {"no_content_length", [](HttpRequest& r) { r.headers = without(r.headers, "Content-Length"); },
     ReceiveOutcome::length_required, 411, R"({"error":"length_required","reason":"Content-Length is required"})"},
    {"chunked", [](HttpRequest& r) { r.headers.add("Transfer-Encoding", "chunked"); }, ReceiveOutcome::length_required, 411,
     R"({"error":"length_required","reason":"Transfer-Encoding is refused: send Content-Length"})"},
    {"transfer_encoding_identity", [](HttpRequest& r) { r.headers.add("transfer-encoding", "identity"); },
     ReceiveOutcome::length_required, 411,
     R"({"error":"length_required","reason":"Transfer-Encoding is refused: send Content-Length"})"},
    {"gzip", [](HttpRequest& r) { r.headers.add("Content-Encoding", "gzip"); }, ReceiveOutcome::unsupported_encoding, 415,
     R"({"error":"unsupported_encoding","reason":"Content-Encoding is refused: send the body as is"})"},
    {"content_length_not_a_number", [](HttpRequest& r) { r.headers.set("Content-Length", "12a"); },
     ReceiveOutcome::bad_framing, 400, R"({"error":"bad_framing","reason":"Content-Length is not one decimal number"})"},
    {"content_length_negative", [](HttpRequest& r) { r.headers.set("Content-Length", "-1"); }, ReceiveOutcome::bad_framing,
     400, R"({"error":"bad_framing","reason":"Content-Length is not one decimal number"})"},
    {"content_lengths_disagree", [](HttpRequest& r) { r.headers.add("Content-Length", "3"); }, ReceiveOutcome::bad_framing,
     400, R"({"error":"bad_framing","reason":"Content-Length is not one decimal number"})"},
    {"content_length_differs_from_body", [](HttpRequest& r) { r.body += " "; }, ReceiveOutcome::bad_framing, 400,
     R"({"error":"bad_framing","reason":"the body's length differs from Content-Length"})"},
    {"content_length_over_limit", [](HttpRequest& r) { r.headers.set("Content-Length", "1048577"); },
     ReceiveOutcome::too_large, 413, R"({"error":"too_large","limit":"1048576 bytes"})"},
    {"body_over_limit", [](HttpRequest& r) { r.body.assign(1048577, ' '); r.headers.set("Content-Length", "1048577"); },
     ReceiveOutcome::too_large, 413, R"({"error":"too_large","limit":"1048576 bytes"})"},
    {"too_many_headers", [](HttpRequest& r) { for (int i = 0; i < 64; ++i) r.headers.add("X-Flood-" + std::to_string(i), "1"); },
     ReceiveOutcome::headers_too_large, 431, R"({"error":"headers_too_large","limit":"64 fields"})"},
    {"huge_header", [](HttpRequest& r) { r.headers.add("X-Huge", std::string(8200, 'a')); },
     ReceiveOutcome::headers_too_large, 431, R"({"error":"headers_too_large","limit":"8192 bytes per field"})"},
    {"no_signature", [](HttpRequest& r) { r.headers.set("X-Webhook-Signature", ""); }, ReceiveOutcome::bad_signature, 401,
     R"({"error":"bad_signature","reason":"missing_header","header":"X-Webhook-Signature"})"},
    {"wrong_signature", [](HttpRequest& r) { r.headers.set("X-Webhook-Signature", std::string(64, '0')); },
     ReceiveOutcome::bad_signature, 401, R"({"error":"bad_signature","reason":"no_matching_signature","header":"X-Webhook-Signature"})"},
    {"tampered_body", [](HttpRequest& r) { r.body[r.body.find("251606")] = '9'; }, ReceiveOutcome::bad_signature, 401,
     R"({"error":"bad_signature","reason":"no_matching_signature","header":"X-Webhook-Signature"})"},
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

BOOST_FIXTURE_TEST_CASE(signed_bad_json_is_400_with_the_path, Fixture) {
  const auto result = receiver.handle(signed_request(R"({"webhook_event":"shipment_scheduled","webhook_event_id":)"), now);
  BOOST_TEST(result.outcome == ReceiveOutcome::bad_payload);
  BOOST_TEST(result.response.status == 400);
  BOOST_TEST(result.response.body.find(R"("error":"bad_payload")") != std::string::npos);
  BOOST_TEST(result.response.body.find(R"("message":)") != std::string::npos);
}

BOOST_FIXTURE_TEST_CASE(signed_wrong_type_names_the_json_path, Fixture) {
  std::string body = vrio_body("p-1");
  body.replace(body.find("\"quantity\": 1"), 13, "\"quantity\": \"lots\"");
  const auto result = receiver.handle(signed_request(body), now);
  BOOST_TEST(result.outcome == ReceiveOutcome::bad_payload);
  BOOST_TEST(result.response.body.find(R"("path":"webhook_data.shipment.shipment_items[0].quantity")") != std::string::npos,
             result.response.body);
}

BOOST_FIXTURE_TEST_CASE(unsigned_garbage_is_never_parsed, Fixture) {
  auto request = signed_request("not json at all");
  request.headers.set("X-Webhook-Signature", std::string(64, 'f'));
  BOOST_TEST(receiver.handle(request, now).outcome == ReceiveOutcome::bad_signature);
}

BOOST_AUTO_TEST_CASE(store_failure_is_503_so_the_platform_retries) {
  FailingInbox inbox;
  const Receiver receiver{vrio_verifier(), vrio_meta_parser(), inbox};
  const auto result = receiver.handle(signed_request(vrio_body("s-1")), now);
  BOOST_TEST(inbox.claims == 1);
  BOOST_TEST(result.outcome == ReceiveOutcome::store_unavailable);
  BOOST_TEST(result.response.status == 503);
  BOOST_TEST(result.response.body == R"({"error":"store_unavailable"})");
  BOOST_TEST(result.response.headers.get("Retry-After") == std::optional<std::string_view>("1"));
  BOOST_TEST(result.log_detail == "disk I/O error at /var/secret/path.db");
}

BOOST_AUTO_TEST_CASE(limits_are_configurable) {
  MemoryInbox inbox;
  const Receiver receiver{vrio_verifier(), vrio_meta_parser(), inbox, ReceiverLimits{.max_body_bytes = 100}};
  const auto result = receiver.handle(signed_request(vrio_body("l-1")), now);
  BOOST_TEST(result.outcome == ReceiveOutcome::too_large);
  BOOST_TEST(result.response.body == R"({"error":"too_large","limit":"100 bytes"})");
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

BOOST_AUTO_TEST_CASE(every_outcome_has_one_status) {
  const std::vector<std::pair<ReceiveOutcome, int>> table{
      {ReceiveOutcome::accepted, 200},           {ReceiveOutcome::duplicate, 200},
      {ReceiveOutcome::method_not_allowed, 405}, {ReceiveOutcome::length_required, 411},
      {ReceiveOutcome::unsupported_encoding, 415}, {ReceiveOutcome::bad_framing, 400},
      {ReceiveOutcome::headers_too_large, 431},  {ReceiveOutcome::too_large, 413},
      {ReceiveOutcome::bad_signature, 401},      {ReceiveOutcome::bad_payload, 400},
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
