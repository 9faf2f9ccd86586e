// Fuzz harness: Receiver::handle (VRIO signatures, the VRIO meta parser, a MemoryInbox) on fuzzed
// requests. Input: a method line, header lines "Name: value", an empty line, then the body (an
// input without an empty line is a POST with that body and no headers, so payload samples seed it).
// Each input is handled twice: as given, and as a genuine delivery of the same body (POST, the
// fuzzed headers plus a correct signature and Content-Length), then that delivery once more.
// Invariants: nothing crashes; the status is http_status(outcome) and 200 only for accepted,
// duplicate (both carry the event's meta) or quarantined; every response body is a JSON object; a
// request refused for its signature is kept in the refused record. For the genuine delivery, unless
// a fuzzed header shadows the signature or Content-Length: the outcome is the refusal
// screen_headers() gives, else accepted exactly when vrio::parse accepts the body (and the same
// delivery again is a duplicate), else quarantined (and again quarantined, still one entry).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz_support.hpp"
#include "hookline/inbox.hpp"
#include "hookline/parse.hpp"
#include "hookline/receiver.hpp"
#include "hookline/sign.hpp"
#include "hookline/verify.hpp"
#include "hookline/vrio.hpp"

namespace {

using hookline::ReceiveOutcome;

constexpr std::chrono::sys_seconds now{std::chrono::seconds{1700000000}};

/// Small enough that fuzzed inputs reach the header and body limits.
constexpr hookline::ReceiverLimits limits{.max_body_bytes = 4096, .max_header_count = 16, .max_header_bytes = 256};

const std::vector<hookline::Secret>& secrets() {
  static const std::vector<hookline::Secret> configured{hookline::Secret{"hookline fuzz secret one"}};
  return configured;
}

hookline::Verifier make_verifier() {
  auto verifier = hookline::Verifier::create(hookline::Scheme::vrio, secrets());
  hookline::fuzz::require(verifier.has_value(), "the fuzz secret is refused");
  return std::move(*verifier);
}

const hookline::Signer& signer() {
  static const hookline::Signer vrio_signer = [] {
    auto created = hookline::Signer::create(hookline::Scheme::vrio, secrets());
    hookline::fuzz::require(created.has_value(), "the fuzz secret is refused");
    return std::move(*created);
  }();
  return vrio_signer;
}

void require_consistent(const hookline::ReceiveResult& result) {
  using hookline::fuzz::require;
  const bool claimed = result.outcome == ReceiveOutcome::accepted || result.outcome == ReceiveOutcome::duplicate;
  const bool acknowledged = claimed || result.outcome == ReceiveOutcome::quarantined;
  require(result.response.status == hookline::http_status(result.outcome), "status is not http_status(outcome)");
  require((result.response.status == 200) == acknowledged, "200 for a refusal, or a refusal status for an ack");
  if (claimed) require(result.meta.has_value(), "a claimed event without its meta");
  const auto& body = result.response.body;
  require(!body.empty() && body.front() == '{' && body.back() == '}', "a response body that is not a JSON object");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using hookline::fuzz::require;
  const auto [head, body] = hookline::fuzz::split_head_and_body(hookline::fuzz::as_text(data, size));
  const auto [method_line, header_text] = hookline::fuzz::split_once(head, "\n");
  const auto fuzzed_headers = hookline::fuzz::parse_header_lines(header_text);

  hookline::MemoryInbox inbox;
  const hookline::Receiver receiver(make_verifier(), hookline::meta_parser(hookline::Platform::vrio), inbox, limits);

  hookline::HttpRequest as_given;
  as_given.method = head.empty() ? "POST" : std::string(method_line);
  as_given.path = "/webhooks/vrio";
  as_given.headers = fuzzed_headers;
  as_given.body = std::string(body);
  as_given.peer = "127.0.0.1";
  const auto given = receiver.handle(as_given, now);
  require_consistent(given);
  const auto refused = inbox.refused_counts();
  require(refused.has_value() && refused->entries == (given.outcome == ReceiveOutcome::bad_signature ? 1U : 0U),
          "a request refused for its signature was not kept in the refused record, or another was");

  hookline::HttpRequest genuine = as_given;
  genuine.method = "POST";
  const auto signature = signer().sign(body, "", now);
  const bool shadowed = fuzzed_headers.get("Content-Length").has_value() ||
                        fuzzed_headers.get(signature.fields().front().name).has_value();
  for (const auto& field : signature.fields()) genuine.headers.add(field.name, field.value);
  genuine.headers.add("Content-Length", std::to_string(body.size()));

  const auto first = receiver.handle(genuine, now);
  require_consistent(first);
  if (shadowed) return 0;
  if (const auto refusal = hookline::screen_headers(genuine.method, genuine.headers, limits)) {
    require(first.outcome == refusal->outcome, "the receiver's refusal differs from screen_headers'");
    return 0;
  }
  if (body.size() > limits.max_body_bytes) {
    require(first.outcome == ReceiveOutcome::too_large, "a body over the limit was not too_large");
    return 0;
  }
  if (!hookline::vrio::parse(body)) {
    require(first.outcome == ReceiveOutcome::quarantined, "a genuine, unparseable body was not quarantined");
    require(receiver.handle(genuine, now).outcome == ReceiveOutcome::quarantined, "a redelivery was not quarantined");
    const auto depth = inbox.quarantine_depth();
    require(depth.has_value() && *depth == 1U, "a quarantined redelivery is not one entry");
    return 0;
  }
  require(first.outcome == ReceiveOutcome::accepted, "a genuine, parseable delivery was not accepted");
  require(receiver.handle(genuine, now).outcome == ReceiveOutcome::duplicate, "a redelivery was not a duplicate");
  return 0;
}
