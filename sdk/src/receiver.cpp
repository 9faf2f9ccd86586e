#include "hookline/receiver.hpp"

#include <charconv>
#include <optional>
#include <system_error>
#include <utility>

#include "toolkit/json_writer.hpp"
#include "hookline/quarantine.hpp"
#include "toolkit/name_table.hpp"

namespace hookline {
namespace {

/// Methods whose requests carry a body framed by Content-Length (cpp-httplib reads one for these).
bool carries_body(std::string_view method) noexcept {
  return method == "POST" || method == "PUT" || method == "PATCH" || method == "DELETE";
}

/// Methods that must say how long their body is.
bool requires_length(std::string_view method) noexcept {
  return method == "POST" || method == "PUT" || method == "PATCH";
}

/// A Content-Length value: one or more ASCII digits, nothing else (no sign, no spaces, no list).
std::optional<std::size_t> parse_content_length(std::string_view text) noexcept {
  if (text.empty() || text.size() > 19) {
    return std::nullopt;
  }
  std::size_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return value;
}

bool is_ok(ReceiveOutcome outcome) noexcept {
  return outcome == ReceiveOutcome::accepted || outcome == ReceiveOutcome::duplicate ||
         outcome == ReceiveOutcome::quarantined;
}

/// Refusals decided before the body was trusted to be fully read: the connection must close.
bool closes_connection(ReceiveOutcome outcome) noexcept {
  switch (outcome) {
    case ReceiveOutcome::length_required:
    case ReceiveOutcome::unsupported_encoding:
    case ReceiveOutcome::bad_framing:
    case ReceiveOutcome::headers_too_large:
    case ReceiveOutcome::too_large:
      return true;
    default:
      return false;
  }
}

/// The sentence a refusal carries when its caller gives none.
std::string_view default_message(ReceiveOutcome outcome) noexcept {
  switch (outcome) {
    case ReceiveOutcome::accepted:
    case ReceiveOutcome::duplicate:
    case ReceiveOutcome::quarantined: return "";
    case ReceiveOutcome::method_not_allowed: return "webhooks are delivered with POST";
    case ReceiveOutcome::length_required: return "Content-Length is required";
    case ReceiveOutcome::unsupported_encoding: return "Content-Encoding is refused: send the body as is";
    case ReceiveOutcome::bad_framing: return "the request's framing is malformed";
    case ReceiveOutcome::headers_too_large: return "the request's header fields are over the limit";
    case ReceiveOutcome::too_large: return "the body is over the size limit";
    case ReceiveOutcome::bad_signature: return "the signature does not verify";
    case ReceiveOutcome::bad_token: return "the webhook token is missing or wrong";
    case ReceiveOutcome::source_not_allowed: return "the sender's address is not allowed";
    case ReceiveOutcome::store_unavailable: return "the event store is unavailable: retry later";
  }
  return "refused";
}

}  // namespace

std::optional<std::string_view> HttpRequest::query_value(std::string_view name) const noexcept {
  for (const auto& [key, value] : query) {
    if (key == name) {
      return value;
    }
  }
  return std::nullopt;
}

namespace {
constexpr auto receive_outcome_names = toolkit::name_table<ReceiveOutcome>({
    {ReceiveOutcome::accepted, "accepted"},
    {ReceiveOutcome::duplicate, "duplicate"},
    {ReceiveOutcome::method_not_allowed, "method_not_allowed"},
    {ReceiveOutcome::length_required, "length_required"},
    {ReceiveOutcome::unsupported_encoding, "unsupported_encoding"},
    {ReceiveOutcome::bad_framing, "bad_framing"},
    {ReceiveOutcome::headers_too_large, "headers_too_large"},
    {ReceiveOutcome::too_large, "too_large"},
    {ReceiveOutcome::bad_signature, "bad_signature"},
    {ReceiveOutcome::bad_token, "bad_token"},
    {ReceiveOutcome::source_not_allowed, "source_not_allowed"},
    {ReceiveOutcome::quarantined, "quarantined"},
    {ReceiveOutcome::store_unavailable, "store_unavailable"},
});
}  // namespace

std::string_view to_string(ReceiveOutcome outcome) noexcept {
  return toolkit::name_of(receive_outcome_names, outcome, "unknown");
}

int http_status(ReceiveOutcome outcome) noexcept {
  switch (outcome) {
    case ReceiveOutcome::accepted: return 200;
    case ReceiveOutcome::duplicate: return 200;
    case ReceiveOutcome::method_not_allowed: return 405;
    case ReceiveOutcome::length_required: return 411;
    case ReceiveOutcome::unsupported_encoding: return 415;
    case ReceiveOutcome::bad_framing: return 400;
    case ReceiveOutcome::headers_too_large: return 431;
    case ReceiveOutcome::too_large: return 413;
    case ReceiveOutcome::bad_signature: return 401;
    case ReceiveOutcome::bad_token: return 401;
    case ReceiveOutcome::source_not_allowed: return 403;
    case ReceiveOutcome::quarantined: return 200;
    case ReceiveOutcome::store_unavailable: return 503;
  }
  return 500;
}

HttpResponse error_response(int status, std::string_view code, std::string_view message,
                            const std::vector<ErrorField>& fields) {
  HttpResponse response;
  response.status = status;
  toolkit::JsonWriter json;
  json.begin_object();
  json.key("error");
  json.begin_object();
  json.key("code");
  json.string(code);
  json.key("message");
  json.string(message);
  for (const auto& [name, value] : fields) {
    json.key(name);
    json.string(value);
  }
  json.end_object();
  json.end_object();
  response.body = std::move(json).take();
  return response;
}

ReceiveResult make_result(ReceiveOutcome outcome, std::string_view message, const std::vector<ErrorField>& fields) {
  ReceiveResult result;
  result.outcome = outcome;
  if (is_ok(outcome)) {
    toolkit::JsonWriter json;
    json.begin_object();
    json.key("status");
    json.string(to_string(outcome));
    json.end_object();
    result.response.body = std::move(json).take();
  } else {
    result.response = error_response(http_status(outcome), to_string(outcome),
                                     message.empty() ? default_message(outcome) : message, fields);
  }
  result.response.status = http_status(outcome);
  result.response.close_connection = closes_connection(outcome);
  if (outcome == ReceiveOutcome::method_not_allowed) {
    result.response.headers.set("Allow", "POST");
  } else if (outcome == ReceiveOutcome::store_unavailable) {
    result.response.headers.set("Retry-After", "1");
  }
  return result;
}

std::optional<ReceiveResult> screen_headers(std::string_view method, const Headers& headers,
                                            const ReceiverLimits& limits) {
  if (headers.size() > limits.max_header_count) {
    return make_result(ReceiveOutcome::headers_too_large, {}, {{"limit", std::to_string(limits.max_header_count) + " fields"}});
  }
  for (const auto& field : headers.fields()) {
    if (field.name.size() + field.value.size() > limits.max_header_bytes) {
      return make_result(ReceiveOutcome::headers_too_large, {},
                         {{"limit", std::to_string(limits.max_header_bytes) + " bytes per field"}});
    }
  }
  if (headers.get("Transfer-Encoding")) {
    return make_result(ReceiveOutcome::length_required, "Transfer-Encoding is refused: send Content-Length");
  }
  if (headers.get("Content-Encoding")) {
    return make_result(ReceiveOutcome::unsupported_encoding);
  }
  const auto lengths = headers.get_all("Content-Length");
  if (lengths.empty()) {
    if (requires_length(method)) {
      return make_result(ReceiveOutcome::length_required);
    }
    return std::nullopt;
  }
  std::optional<std::size_t> length;
  for (const auto text : lengths) {
    const auto value = parse_content_length(text);
    if (!value || (length && *length != *value)) {
      return make_result(ReceiveOutcome::bad_framing, "Content-Length is not one decimal number");
    }
    length = value;
  }
  if (*length > 0 && !carries_body(method)) {
    return make_result(ReceiveOutcome::bad_framing, "a body is refused on " + std::string(method));
  }
  if (*length > limits.max_body_bytes) {
    return make_result(ReceiveOutcome::too_large, {}, {{"limit", std::to_string(limits.max_body_bytes) + " bytes"}});
  }
  return std::nullopt;
}

Authenticator::Authenticator(Verifier verifier) : verifier_(std::move(verifier)) {}

Authenticator::Authenticator(SourceGuard guard) : guard_(std::move(guard)) {}

Authenticator::Authenticator(SourceGuard guard, Verifier verifier)
    : guard_(std::move(guard)), verifier_(std::move(verifier)) {}

std::optional<ReceiveResult> Authenticator::refusal(const HttpRequest& request, std::chrono::sys_seconds now) const {
  if (guard_) {
    const auto guarded = guard_->check(request.peer, request.query_value(guard_->query_parameter()), request.headers);
    if (!guarded) {
      const SourceGuardErrorKind kind = guarded.error().kind;
      const bool token_refused = kind == SourceGuardErrorKind::token_missing || kind == SourceGuardErrorKind::token_mismatch;
      // The guard's reason names the parameter, the header or the peer address, never a token.
      auto result = make_result(token_refused ? ReceiveOutcome::bad_token : ReceiveOutcome::source_not_allowed,
                                guarded.error().reason, {{"reason", std::string(to_string(kind))}});
      result.log_detail = guarded.error().reason;
      return result;
    }
  }
  if (verifier_) {
    const auto verified = verifier_->verify(request.body, request.headers, now);
    if (!verified) {
      std::vector<ErrorField> fields{{"reason", std::string(to_string(verified.error().kind))}};
      if (!verified.error().header.empty()) {
        fields.emplace_back("header", verified.error().header);
      }
      auto result = make_result(ReceiveOutcome::bad_signature, verified.error().to_string(), fields);
      result.log_detail = verified.error().to_string();
      return result;
    }
  }
  return std::nullopt;
}

Receiver::Receiver(Authenticator authenticator, MetaParser parser, ReceiverStore& store, ReceiverLimits limits)
    : authenticator_(std::move(authenticator)), parser_(std::move(parser)), store_(&store), limits_(limits) {}

ReceiveResult Receiver::handle(const HttpRequest& request, std::chrono::sys_seconds now) const {
  if (request.method != "POST") {
    return make_result(ReceiveOutcome::method_not_allowed);
  }
  if (auto refusal = screen_headers(request.method, request.headers, limits_)) {
    return std::move(*refusal);
  }
  if (request.body.size() > limits_.max_body_bytes) {
    return make_result(ReceiveOutcome::too_large, {}, {{"limit", std::to_string(limits_.max_body_bytes) + " bytes"}});
  }
  const auto declared = parse_content_length(request.headers.get("Content-Length").value_or(""));
  if (!declared || *declared != request.body.size()) {
    return make_result(ReceiveOutcome::bad_framing, "the body's length differs from Content-Length");
  }

  if (auto refusal = authenticator_.refusal(request, now)) {
    keep_refused(request, *refusal, now);
    return std::move(*refusal);
  }
  return admit(request.body, request.headers, now);
}

ReceiveResult Receiver::admit(const std::string& body, const Headers& headers, std::chrono::sys_seconds now) const {
  auto meta = parser_(body);
  if (!meta) {
    const QuarantinedDelivery delivery{parser_.platform(), quarantine_key(parser_.platform(), body), body, headers, now,
                                       meta.error()};
    if (const auto stored = store_->quarantine(delivery); !stored) {
      auto result = make_result(ReceiveOutcome::store_unavailable);
      result.log_detail = stored.error().message;
      return result;
    }
    auto result = make_result(ReceiveOutcome::quarantined);
    result.log_detail = meta.error().to_string();
    return result;
  }

  const auto claimed = store_->claim(*meta, body, now);
  if (!claimed) {
    auto result = make_result(ReceiveOutcome::store_unavailable);
    result.meta = std::move(*meta);
    result.log_detail = claimed.error().message;
    return result;
  }
  auto result = make_result(*claimed == ClaimOutcome::accepted ? ReceiveOutcome::accepted : ReceiveOutcome::duplicate);
  result.meta = std::move(*meta);
  return result;
}

void Receiver::keep_refused(const HttpRequest& request, ReceiveResult& refusal, std::chrono::sys_seconds now) const {
  const RefusedDelivery delivery{parser_.platform(), request.path,    request.peer,
                                 std::string(to_string(refusal.outcome)), refusal.log_detail,
                                 request.headers,    request.query,   request.body, now};
  const auto kept = store_->record_refused(delivery);
  if (!kept) {
    refusal.log_detail += " (not kept in the refused record: " + kept.error().message + ")";
  } else if (!*kept) {
    refusal.log_detail += " (not kept in the refused record: larger than its byte limit)";
  }
}

namespace {

Failure<RecoveryError> store_failed(std::string_view doing, const StoreError& error) {
  return fail(RecoveryError{RecoveryError::Kind::store_unavailable, std::string(doing) + ": " + error.message});
}

Failure<RecoveryError> other_platform(Platform kept, Platform receiver) {
  return fail(RecoveryError{RecoveryError::Kind::other_platform, "the delivery came to a " + std::string(to_string(kept)) +
                                                                     " receiver, not to this " +
                                                                     std::string(to_string(receiver)) + " one"});
}

/// What a recovery did, once the kept entry it took up is removed; or the failure to remove it.
Result<RecoveryResult, RecoveryError> removed_after(RecoveryResult done, const Result<bool, StoreError>& removed) {
  if (!removed) {
    return store_failed("the delivery is stored, but removing its kept entry failed (trying again is safe)",
                        removed.error());
  }
  return done;
}

}  // namespace

Result<RecoveryResult, RecoveryError> Receiver::replay_quarantined(QuarantineId id, std::chrono::sys_seconds now) const {
  auto found = store_->find_quarantined(id);
  if (!found) {
    return store_failed("reading the quarantine", found.error());
  }
  if (!*found) {
    return fail(RecoveryError{RecoveryError::Kind::not_found, "no quarantined delivery has id " + std::to_string(id)});
  }
  const QuarantinedDelivery& delivery = (*found)->delivery;
  if (delivery.platform != parser_.platform()) {
    return other_platform(delivery.platform, parser_.platform());
  }
  auto meta = parser_(delivery.body);
  if (!meta) {
    if (const auto recorded = store_->record_replay_failure(id, meta.error()); !recorded) {
      return store_failed("recording the replay's error", recorded.error());
    }
    return RecoveryResult{ReceiveOutcome::quarantined, std::nullopt, meta.error().to_string()};
  }
  const auto claimed = store_->claim(*meta, delivery.body, now);
  if (!claimed) {
    return store_failed("claiming the replayed delivery", claimed.error());
  }
  const auto outcome = *claimed == ClaimOutcome::accepted ? ReceiveOutcome::accepted : ReceiveOutcome::duplicate;
  return removed_after(RecoveryResult{outcome, std::move(*meta), {}}, store_->remove_quarantined(id));
}

Result<RecoveryResult, RecoveryError> Receiver::retry_refused(RefusedId id, std::chrono::sys_seconds now) const {
  auto found = store_->find_refused(id);
  if (!found) {
    return store_failed("reading the refused record", found.error());
  }
  if (!*found) {
    return fail(RecoveryError{RecoveryError::Kind::not_found, "no refused delivery with id " + std::to_string(id) +
                                                                  " is kept (the oldest are dropped past the record's limits)"});
  }
  RefusedDelivery& delivery = (*found)->delivery;
  if (delivery.platform != parser_.platform()) {
    return other_platform(delivery.platform, parser_.platform());
  }
  HttpRequest request;
  request.method = "POST";
  request.path = std::move(delivery.path);
  request.peer = std::move(delivery.peer);
  request.headers = std::move(delivery.headers);
  request.query = std::move(delivery.query);
  request.body = std::move(delivery.body);
  if (auto refusal = authenticator_.refusal(request, delivery.received_at)) {
    return RecoveryResult{refusal->outcome, std::nullopt, std::move(refusal->log_detail)};
  }
  auto admitted = admit(request.body, request.headers, now);
  if (admitted.outcome == ReceiveOutcome::store_unavailable) {
    return store_failed("storing the retried delivery", StoreError{admitted.log_detail});
  }
  std::string detail = admitted.outcome == ReceiveOutcome::quarantined ? std::move(admitted.log_detail) : std::string();
  return removed_after(RecoveryResult{admitted.outcome, std::move(admitted.meta), std::move(detail)},
                       store_->remove_refused(id));
}

}  // namespace hookline
