#include "platform_api.hpp"

#include <simdjson.h>

#include <string>
#include <utility>

#include "api_json.hpp"
#include "json.hpp"
#include "payload.hpp"
#include "toolkit/dates.hpp"

namespace hookline::simulator {

namespace {

/// The guard of the platform API: the configured key in its header, or nothing required.
std::optional<SourceGuard> key_guard(const Config& config) {
  if (!config.platform_api_key) return std::nullopt;
  SourceGuardConfig guard;
  guard.tokens = {*config.platform_api_key};
  guard.header = config.api_key_header;
  return SourceGuard(std::move(guard));
}

/// The validated body of a tracking post.
struct TrackingPost {
  std::string tracking_id;
  std::optional<std::int64_t> carrier_id;
  std::optional<std::string> date_complete;
};

Result<TrackingPost, ApiError> read_tracking_post(std::string_view body) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(simdjson::padded_string(body)).get(root) != simdjson::SUCCESS) {
    return fail(ApiError{400, "invalid_json", "the body is not valid JSON", ""});
  }
  simdjson::dom::object object;
  if (root.get_object().get(object) != simdjson::SUCCESS) {
    return fail(ApiError{400, "invalid_json", "the body must be a JSON object", ""});
  }
  TrackingPost post;
  simdjson::dom::element value;
  if (object["shipment_tracking_id"].get(value) != simdjson::SUCCESS || value.is_null()) {
    return fail(ApiError{422, "missing_field", "shipment_tracking_id is required", "shipment_tracking_id"});
  }
  std::string_view tracking;
  if (value.get_string().get(tracking) != simdjson::SUCCESS ||
      tracking.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return fail(ApiError{422, "invalid_field", "shipment_tracking_id must be a non-empty string",
                         "shipment_tracking_id"});
  }
  post.tracking_id = std::string(tracking);
  if (object["carrier_id"].get(value) == simdjson::SUCCESS && !value.is_null()) {
    post.carrier_id = json::integer_of(object, "carrier_id");
    if (!post.carrier_id || *post.carrier_id <= 0) {
      return fail(ApiError{422, "invalid_field", "carrier_id must be a positive integer", "carrier_id"});
    }
  }
  if (object["date_complete"].get(value) == simdjson::SUCCESS && !value.is_null()) {
    std::string_view date;
    if (value.get_string().get(date) != simdjson::SUCCESS || !toolkit::parse_date_time_utc(date)) {
      return fail(ApiError{422, "invalid_field", "date_complete must be a date \"YYYY-MM-DD HH:MM:SS\"",
                           "date_complete"});
    }
    post.date_complete = std::string(date);
  }
  return post;
}

HttpResponse no_shipment(const std::string& id) { return answer(ApiError{404, "not_found", "no shipment " + id, ""}); }

}  // namespace

PlatformApi::PlatformApi(const Config& config, const Clock& clock, Store& store)
    : config_(config), clock_(clock), store_(store), key_guard_(key_guard(config)) {}

std::optional<HttpResponse> PlatformApi::refuse_without_key(const HttpRequest& request) const {
  if (!key_guard_) return std::nullopt;
  const auto checked = key_guard_->check(request.peer, std::nullopt, request.headers);
  if (checked) return std::nullopt;
  const bool missing = checked.error().kind == SourceGuardErrorKind::token_missing;
  return answer(ApiError{401, "unauthorized",
                         "the platform API needs the API key in " + config_.api_key_header +
                             (missing ? "" : "; this one is not it"),
                         config_.api_key_header});
}

HttpResponse PlatformApi::get_shipment(const HttpRequest& request) const {
  const auto& id_text = request.matches.at(1);
  const auto id = parse_non_negative(id_text);
  const auto shipment = id ? store_.shipment(*id) : std::nullopt;
  if (!shipment) return no_shipment(id_text);
  return answer(200, platform_shipment_json(*shipment));
}

HttpResponse PlatformApi::post_tracking(const HttpRequest& request) {
  const std::lock_guard lock(change_mutex_);
  TrackingCall call;
  call.shipment_id = parse_non_negative(request.matches.at(1)).value_or(0);
  call.request_body = request.body;
  call.received_at = clock_();
  if (const auto key = request.headers.get("Idempotency-Key")) call.idempotency_key = std::string(*key);
  const auto fingerprint = request.method + " " + request.path + "\n" + request.body;

  HttpResponse response;
  const auto stored = call.idempotency_key ? store_.answer_for(*call.idempotency_key) : std::nullopt;
  if (stored && stored->fingerprint == fingerprint) {
    response = answer(stored->status, stored->body);
    response.headers.set("Idempotent-Replayed", "true");
  } else if (stored) {
    response = answer(ApiError{422, "idempotency_key_reused", "this Idempotency-Key was used with a different request",
                               "Idempotency-Key"});
  } else {
    response = track(request, call);
    if (call.idempotency_key) {
      store_.keep_answer(*call.idempotency_key, StoredAnswer{fingerprint, response.status, response.body});
    }
  }
  call.response_code = response.status;
  call.response_body = response.body;
  store_.record_tracking_call(call);
  return response;
}

HttpResponse PlatformApi::track(const HttpRequest& request, TrackingCall& call) {
  const auto& id_text = request.matches.at(1);
  const auto id = parse_non_negative(id_text);
  const auto shipment = id ? store_.shipment(*id) : std::nullopt;
  if (!shipment) return no_shipment(id_text);
  const auto post = read_tracking_post(request.body);
  if (!post) return answer(post.error());
  if (shipment->status == "Cancelled" || shipment->status == "Skipped") {
    return answer(ApiError{409, "not_shippable", "shipment " + id_text + " is " + shipment->status, ""});
  }
  if (shipment->status == "Shipped") {
    if (shipment->tracking_id == post->tracking_id) return answer(200, shipment_json(*shipment));  // nothing changes
    return answer(ApiError{409, "already_shipped", "shipment " + id_text + " already shipped with another tracking id",
                           ""});
  }
  const auto date = post->date_complete.value_or(toolkit::format_date_time_utc(call.received_at));
  store_.mark_shipped(*id, post->tracking_id, post->carrier_id, date);
  call.effective = true;
  auto updated = *store_.shipment(*id);
  // The call is recorded after this answer is made: count it in already.
  ++updated.tracking_calls;
  ++updated.tracking_effective;
  return answer(200, shipment_json(updated));
}

Result<ShipmentRecord, ApiError> PlatformApi::change_shipment(std::int64_t shipment_id, std::string_view body) {
  auto change = read_shipment_change(body, shipment_id, clock_());
  if (!change) return fail(change.error());
  const std::lock_guard lock(change_mutex_);
  const auto shipment = store_.shipment(shipment_id);
  if (!shipment) return fail(ApiError{404, "not_found", "no shipment " + std::to_string(shipment_id), ""});
  if (shipment->status != "Pending Post") {
    return fail(ApiError{409, "not_changeable",
                         "shipment " + std::to_string(shipment_id) + " is " + shipment->status +
                             "; only a Pending Post shipment changes",
                         ""});
  }
  store_.apply_shipment_change(*change);
  return *store_.shipment(shipment_id);
}

}  // namespace hookline::simulator
