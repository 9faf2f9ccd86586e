#include "control_api.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api_json.hpp"
#include "hookline/storage.hpp"
#include "toolkit/json_writer.hpp"

namespace hookline::simulator {

namespace {

using toolkit::JsonWriter;

std::string to_json(const QueuedEvent& event) {
  return JsonWriter()
      .begin_object()
      .member("sequence", event.sequence)
      .member("event_id", event.event_id)
      .member("type", event.type)
      .member("event", event.name)
      .member("entity", event.entity)
      .member("campaign_id", event.campaign_id)
      .member("status", to_string(event.status))
      .member("attempts", event.attempts)
      .raw_member("queued_at", time_json(event.queued_at))
      .raw_member("next_attempt_at", time_json(event.next_attempt_at))
      .raw_member("payload", event.body)
      .end_object()
      .take();
}

std::string to_json(const DeliveryRecord& delivery) {
  return JsonWriter()
      .begin_object()
      .member("id", delivery.id)
      .member("event_id", delivery.event_id)
      .member("event", delivery.event_name)
      .member("attempt", delivery.attempt)
      .member("request_url", delivery.url)
      .raw_member("request_payload", delivery.request_body)
      .member("response_code", delivery.response_code)
      .member("response_body", delivery.response_body)
      .member("error", delivery.error)
      .member("error_detail", delivery.error_detail)
      .raw_member("timestamp", time_json(delivery.sent_at))
      .member("duration_ms", static_cast<std::int64_t>(delivery.duration_us / 1000))
      .member("duration_us", delivery.duration_us)
      .member("status", to_string(delivery.status))
      .member("test", delivery.test)
      .end_object()
      .take();
}

std::string to_json(const TrackingCall& call) {
  return JsonWriter()
      .begin_object()
      .member("shipment_id", call.shipment_id)
      .member("idempotency_key", call.idempotency_key)
      .member("request_body", call.request_body)
      .member("response_code", call.response_code)
      .member("response_body", call.response_body)
      .member("effective", call.effective)
      .raw_member("received_at", time_json(call.received_at))
      .end_object()
      .take();
}

/// `[…]` of every entry, each as `json_of` writes it.
template <class Entry, class JsonOf>
std::string json_array(const std::vector<Entry>& entries, JsonOf json_of) {
  JsonWriter list;
  list.begin_array();
  for (const auto& entry : entries) list.raw(json_of(entry));
  return list.end_array().take();
}

/// The page a listing's `limit` (1 to 1000, default 100) and `cursor` (a previous page's
/// next_cursor) ask for, or the refusal of a malformed one.
Result<PageRequest, ApiError> page_request(const HttpRequest& request) {
  PageRequest page;
  if (const auto text = request.query_value("limit")) {
    const auto limit = parse_non_negative(*text);
    if (!limit || *limit < 1 || *limit > 1000) {
      return fail(ApiError{400, "invalid_parameter", "limit must be an integer from 1 to 1000", "limit"});
    }
    page.limit = static_cast<std::size_t>(*limit);
  }
  if (const auto text = request.query_value("cursor")) {
    const auto cursor = parse_non_negative(*text);
    if (!cursor || *cursor < 0) {
      return fail(ApiError{400, "invalid_parameter", "cursor must be the next_cursor of a previous page", "cursor"});
    }
    page.cursor = *cursor;
  }
  return page;
}

/// How many entries to read for `page`: one past its limit, the extra one only saying that more follow.
std::int64_t read_limit(const PageRequest& page) { return static_cast<std::int64_t>(page.limit) + 1; }

/// `{"<name>":[…],"next_cursor":<id>|null}` of `entries`, read with read_limit().
template <class Entry, class IdOf>
HttpResponse page_answer(std::string_view name, std::vector<Entry> entries, const PageRequest& page, IdOf id_of) {
  std::optional<std::int64_t> next_cursor;
  if (entries.size() > page.limit) {
    entries.resize(page.limit);
    next_cursor = id_of(entries.back());
  }
  const auto list = json_array(entries, [](const Entry& entry) { return to_json(entry); });
  return answer(200, JsonWriter()
                         .begin_object()
                         .raw_member(name, list)
                         .member("next_cursor", next_cursor)
                         .end_object()
                         .take());
}

}  // namespace

ControlApi::ControlApi(const Config& config, Store& store, DeliveryEngine& engine, PlatformApi& platform)
    : config_(config), store_(store), engine_(engine), platform_(platform) {}

HttpResponse ControlApi::post_event(const HttpRequest& request) {
  auto queued = engine_.enqueue(request.body);
  if (!queued) return answer(queued.error());
  if (request.query_value("deliver") != std::optional<std::string_view>("now")) {
    return answer(202, JsonWriter().begin_object().raw_member("event", to_json(*queued)).end_object().take());
  }
  static_cast<void>(engine_.run_batch());
  const auto attempts = store_.deliveries({queued->event_id, std::nullopt});
  const auto latest = store_.events(queued->sequence - 1, 1);
  const auto& event = latest.empty() ? *queued : latest.front();
  return answer(200, JsonWriter()
                         .begin_object()
                         .raw_member("event", to_json(event))
                         .raw_member("deliveries", json_array(attempts, [](const DeliveryRecord& delivery) {
                                       return to_json(delivery);
                                     }))
                         .end_object()
                         .take());
}

HttpResponse ControlApi::list_events(const HttpRequest& request) const {
  const auto page = page_request(request);
  if (!page) return answer(page.error());
  return page_answer("events", store_.events(page->cursor.value_or(0), read_limit(*page)), *page,
                     [](const QueuedEvent& event) { return event.sequence; });
}

HttpResponse ControlApi::post_batch(const HttpRequest&) {
  const auto report = engine_.run_batch();
  return answer(200, JsonWriter()
                         .begin_object()
                         .member("attempted", static_cast<std::int64_t>(report.attempted))
                         .member("succeeded", static_cast<std::int64_t>(report.succeeded))
                         .member("retrying", static_cast<std::int64_t>(report.retrying))
                         .member("failed", static_cast<std::int64_t>(report.failed))
                         .end_object()
                         .take());
}

HttpResponse ControlApi::list_deliveries(const HttpRequest& request) const {
  DeliveryFilter filter;
  if (const auto id = request.query_value("event_id")) filter.event_id = std::string(*id);
  if (const auto status = request.query_value("status")) {
    filter.status = event_status_from_string(*status);
    if (!filter.status) {
      return answer(ApiError{
          400, "invalid_parameter",
          "status must be pending, retrying, succeeded, failed, filtered, inactive or no_destination", "status"});
    }
  }
  const auto page = page_request(request);
  if (!page) return answer(page.error());
  return page_answer("deliveries", store_.deliveries(filter, page->cursor.value_or(0), read_limit(*page)), *page,
                     [](const DeliveryRecord& delivery) { return delivery.id; });
}

HttpResponse ControlApi::post_test(const HttpRequest& request) {
  const auto fallback = config_.mode == Mode::vrio ? "shipment" : "target";
  const auto destination = request.query_value("destination").value_or(fallback);
  auto sent = engine_.send_test(destination);
  if (!sent) return answer(sent.error());
  return answer(200, to_json(*sent));
}

HttpResponse ControlApi::list_shipments(const HttpRequest&) const {
  return answer(200, json_array(store_.shipments(), [](const ShipmentRecord& shipment) {
                  return shipment_json(shipment);
                }));
}

HttpResponse ControlApi::change_shipment(const HttpRequest& request) {
  const auto& id_text = request.matches.at(1);
  const auto id = parse_non_negative(id_text);
  if (!id) return answer(ApiError{404, "not_found", "no shipment " + id_text, ""});
  auto changed = platform_.change_shipment(*id, request.body);
  if (!changed) return answer(changed.error());
  return answer(200, shipment_json(*changed));
}

HttpResponse ControlApi::list_tracking_calls(const HttpRequest& request) const {
  std::optional<std::int64_t> shipment_id;
  if (const auto text = request.query_value("shipment_id")) {
    shipment_id = parse_non_negative(*text);
    if (!shipment_id) {
      return answer(ApiError{400, "invalid_parameter", "shipment_id must be an integer", "shipment_id"});
    }
  }
  return answer(200, json_array(store_.tracking_calls(shipment_id), [](const TrackingCall& call) {
                  return to_json(call);
                }));
}

}  // namespace hookline::simulator
