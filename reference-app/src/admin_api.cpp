#include "admin_api.hpp"

#include <openssl/evp.h>
#include <simdjson.h>

#include <charconv>
#include <optional>

#include "json.hpp"

namespace fulfillment {
namespace {

using hookline::HttpRequest;
using hookline::HttpResponse;

HttpResponse respond(int status, std::string body) {
  HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

HttpResponse error(int status, std::string_view code, std::string_view message) {
  return hookline::error_response(status, code, message);
}

HttpResponse store_failed(const StoreError& failure) { return error(503, "store_unavailable", failure.message); }

std::optional<std::int64_t> number(std::string_view text) {
  std::int64_t value = 0;
  const auto [end, failure] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (failure != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<std::int64_t> captured_id(const HttpRequest& request) {
  if (request.matches.size() < 2) return std::nullopt;
  return number(request.matches[1]);
}

std::size_t limit_of(const HttpRequest& request, std::size_t fallback) {
  if (const auto text = request.query_value("limit")) {
    if (const auto value = number(*text); value && *value > 0) return static_cast<std::size_t>(std::min<std::int64_t>(*value, 1000));
  }
  return fallback;
}

void write_fulfillment(json::Writer& out, const Fulfillment& f) {
  out.key("shipment_id").integer(f.shipment_id);
  out.key("state").string(to_string(f.state));
  out.key("address");
  if (f.address) {
    json::write_address(out, *f.address);
  } else {
    out.null();
  }
  out.key("items");
  json::write_items(out, f.items);
  out.key("date_scheduled").optional_time(f.date_scheduled);
  out.key("customer_id").optional_integer(f.customer_id);
  out.key("order_id").optional_integer(f.order_id);
  out.key("tracking");
  if (f.tracking) {
    out.begin_object();
    out.key("shipment_tracking_id").string(f.tracking->tracking_number);
    out.key("carrier_id").integer(f.tracking->carrier_id);
    out.key("date_complete").time(f.tracking->shipped_at);
    out.key("source").string(f.tracking->source);
    out.end_object();
  } else {
    out.null();
  }
  out.key("needs_attention").boolean(f.state == State::error);
  out.key("attention").string(f.attention);
  out.key("created_at").time(f.created_at);
  out.key("updated_at").time(f.updated_at);
}

void write_outbox_entry(json::Writer& out, const OutboxEntry& entry) {
  out.begin_object();
  out.key("shipment_id").integer(entry.shipment_id);
  out.key("state").string(to_string(entry.state));
  out.key("idempotency_key").string(entry.idempotency_key);
  out.key("shipment_tracking_id").string(entry.tracking_number);
  out.key("carrier_id").integer(entry.carrier_id);
  out.key("date_complete").string(entry.date_complete);
  out.key("attempts").integer(entry.attempts);
  out.key("next_attempt_at").time(std::chrono::time_point_cast<std::chrono::seconds>(entry.next_attempt_at));
  out.key("last_error").string(entry.last_error);
  out.end_object();
}

void write_inbox_entry(json::Writer& out, const hookline::InboxEntry& entry) {
  out.begin_object();
  out.key("id").integer(entry.id);
  out.key("platform").string(hookline::to_string(entry.meta.platform));
  out.key("event").string(entry.meta.type);
  out.key("event_id").string(entry.meta.id);
  out.key("entity").string(entry.meta.entity);
  out.key("state").string(hookline::to_string(entry.state));
  out.key("attempts").integer(entry.attempts);
  out.key("received_at").time(entry.received_at);
  out.key("last_error").string(entry.last_error);
  out.end_object();
}

std::optional<hookline::PageRequest> page_of(const HttpRequest& request, std::size_t fallback) {
  hookline::PageRequest page;
  page.limit = limit_of(request, fallback);
  if (const auto text = request.query_value("cursor")) {
    page.cursor = number(*text);
    if (!page.cursor) return std::nullopt;
  }
  return page;
}

std::string base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  const int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                      reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(written));
  return out;
}

void write_next_cursor(json::Writer& out, const std::optional<std::int64_t>& cursor) {
  out.key("next_cursor").optional_integer(cursor);
}

void write_headers(json::Writer& out, const hookline::Headers& headers) {
  out.key("headers").begin_array();
  for (const auto& field : headers.fields()) {
    out.begin_object();
    out.key("name").string(field.name);
    out.key("value").string(field.value);
    out.end_object();
  }
  out.end_array();
}

/// The raw body as base64 (byte for byte), and as text too when it is valid UTF-8.
void write_body(json::Writer& out, std::string_view body) {
  out.key("body_bytes").integer(static_cast<std::int64_t>(body.size()));
  out.key("body");
  if (simdjson::validate_utf8(body.data(), body.size())) {
    out.string(body);
  } else {
    out.null();
  }
  out.key("body_base64").string(base64(body));
}

void write_quarantine_entry(json::Writer& out, const hookline::QuarantineEntry& entry, bool with_body) {
  out.begin_object();
  out.key("id").integer(entry.id);
  out.key("platform").string(hookline::to_string(entry.delivery.platform));
  out.key("key").string(entry.delivery.key);
  out.key("received_at").time(entry.delivery.received_at);
  out.key("error").begin_object();
  out.key("path").string(entry.delivery.error.path);
  out.key("message").string(entry.delivery.error.message);
  out.end_object();
  out.key("failed_replays").integer(entry.failed_replays);
  if (with_body) {
    write_headers(out, entry.delivery.headers);
    write_body(out, entry.delivery.body);
  } else {
    out.key("body_bytes").integer(static_cast<std::int64_t>(entry.delivery.body.size()));
  }
  out.end_object();
}

void write_refused_entry(json::Writer& out, const hookline::RefusedEntry& entry) {
  out.begin_object();
  out.key("id").integer(entry.id);
  out.key("platform").string(hookline::to_string(entry.delivery.platform));
  out.key("path").string(entry.delivery.path);
  out.key("peer").string(entry.delivery.peer);
  out.key("reason").string(entry.delivery.reason);
  out.key("message").string(entry.delivery.message);
  out.key("received_at").time(entry.delivery.received_at);
  out.key("body_bytes").integer(static_cast<std::int64_t>(entry.delivery.body.size()));
  out.end_object();
}

HttpResponse recovery_failed(const hookline::RecoveryError& failure) {
  switch (failure.kind) {
    case hookline::RecoveryError::Kind::not_found: return error(404, "not_found", failure.message);
    case hookline::RecoveryError::Kind::other_platform: return error(409, "other_platform", failure.message);
    case hookline::RecoveryError::Kind::store_unavailable: return error(503, "store_unavailable", failure.message);
  }
  return error(500, "internal", failure.message);
}

/// A replay or retry that claimed the event: {"status":"accepted"|"duplicate"|"quarantined","event_id":...}.
HttpResponse recovered(const hookline::RecoveryResult& result) {
  json::Writer out;
  out.begin_object();
  out.key("status").string(hookline::to_string(result.outcome));
  if (result.meta) {
    out.key("event").string(result.meta->type);
    out.key("event_id").string(result.meta->id);
  }
  if (!result.detail.empty()) out.key("detail").string(result.detail);
  out.end_object();
  return respond(200, std::move(out).take());
}

}  // namespace

std::string fulfillment_json(const Fulfillment& fulfillment) {
  json::Writer out;
  out.begin_object();
  write_fulfillment(out, fulfillment);
  out.end_object();
  return std::move(out).take();
}

AdminApi::AdminApi(FulfillmentStore& store, hookline::ReceiverStore& inbox, const hookline::Receiver& receiver,
                   hookline::Clock clock, AdminHooks hooks)
    : store_(store), inbox_(inbox), receiver_(receiver), clock_(std::move(clock)), hooks_(std::move(hooks)) {}

void AdminApi::mount(hookline::WebhookServer& server) {
  using Route = HttpResponse (AdminApi::*)(const HttpRequest&);
  const auto bind = [this](Route route) {
    return [this, route](const HttpRequest& request) { return (this->*route)(request); };
  };
  // A state-changing route: answered, then told to the audit hook with what it acted on.
  const auto audited = [this](std::string_view action, std::string_view target_kind, Route route) {
    return [this, action, target_kind, route](const HttpRequest& request) {
      HttpResponse response = (this->*route)(request);
      if (hooks_.audit) {
        const std::string id = request.matches.size() > 1 ? request.matches[1] : "";
        hooks_.audit(AdminAction{action, std::string(target_kind) + ":" + id, request.peer, response.status});
      }
      return response;
    };
  };
  server.route("GET", "/api/fulfillments", bind(&AdminApi::list));
  server.route("GET", "/api/fulfillments/(\\d+)", bind(&AdminApi::detail));
  server.route("POST", "/api/fulfillments/(\\d+)/ship", audited("ship", "shipment", &AdminApi::ship));
  server.route("POST", "/api/fulfillments/(\\d+)/retry", audited("retry", "shipment", &AdminApi::retry));
  server.route("GET", "/api/dead-letters/inbox", bind(&AdminApi::inbox_dead_letters));
  server.route("POST", "/api/dead-letters/inbox/(\\d+)/replay", audited("replay_inbox", "inbox", &AdminApi::replay_inbox));
  server.route("GET", "/api/dead-letters/outbox", bind(&AdminApi::outbox_dead_letters));
  server.route("POST", "/api/dead-letters/outbox/(\\d+)/retry", audited("retry_outbox", "shipment", &AdminApi::retry_outbox));
  server.route("GET", "/api/events", bind(&AdminApi::events));
  server.route("GET", "/api/quarantine", bind(&AdminApi::quarantine));
  server.route("GET", "/api/quarantine/(\\d+)", bind(&AdminApi::quarantined));
  server.route("POST", "/api/quarantine/(\\d+)/replay",
               audited("replay_quarantined", "quarantine", &AdminApi::replay_quarantined));
  server.route("DELETE", "/api/quarantine/(\\d+)",
               audited("delete_quarantined", "quarantine", &AdminApi::delete_quarantined));
  server.route("GET", "/api/refused", bind(&AdminApi::refused));
  server.route("POST", "/api/refused/(\\d+)/retry", audited("retry_refused", "refused", &AdminApi::retry_refused));
}

HttpResponse AdminApi::list(const HttpRequest& request) {
  std::optional<State> state;
  if (const auto name = request.query_value("state")) {
    state = state_from_string(*name);
    if (!state) return error(400, "bad_request", "state: one of waiting, picking, packing, shipped, cancelled, skipped, error, returned");
  }
  auto found = store_.list(state, limit_of(request, 500));
  if (!found) return store_failed(found.error());
  json::Writer out;
  out.begin_object();
  out.key("fulfillments").begin_array();
  for (const auto& f : *found) {
    out.begin_object();
    write_fulfillment(out, f);
    out.end_object();
  }
  out.end_array();
  out.key("count").integer(static_cast<std::int64_t>(found->size()));
  out.end_object();
  return respond(200, std::move(out).take());
}

HttpResponse AdminApi::detail(const HttpRequest& request) {
  const auto id = captured_id(request);
  if (!id) return error(400, "bad_request", "shipment_id: expected an integer");
  auto found = store_.get(*id);
  if (!found) return store_failed(found.error());
  if (!*found) return error(404, "not_found", "no fulfillment for shipment " + std::to_string(*id));
  auto history = store_.history(*id);
  if (!history) return store_failed(history.error());
  auto attempts = store_.attempts(*id);
  if (!attempts) return store_failed(attempts.error());
  auto outbox = store_.outbox_entry(*id);
  if (!outbox) return store_failed(outbox.error());
  json::Writer out;
  out.begin_object();
  write_fulfillment(out, **found);
  out.key("history").begin_array();
  for (const auto& line : *history) {
    out.begin_object();
    out.key("at").time(line.at);
    out.key("kind").string(to_string(line.kind));
    if (!line.event_id.empty()) out.key("event_id").string(line.event_id);
    if (!line.event_type.empty()) out.key("event").string(line.event_type);
    if (!line.decision.empty()) out.key("decision").string(line.decision);
    if (line.kind == HistoryKind::transition) {
      out.key("from").string(line.from_state);
      out.key("to").string(line.to_state);
    }
    out.key("detail").string(line.detail);
    out.end_object();
  }
  out.end_array();
  out.key("tracking_post");
  if (*outbox) {
    write_outbox_entry(out, **outbox);
  } else {
    out.null();
  }
  out.key("tracking_attempts").begin_array();
  for (const auto& attempt : *attempts) {
    out.begin_object();
    out.key("attempt").integer(attempt.attempt);
    out.key("at").time(std::chrono::time_point_cast<std::chrono::seconds>(attempt.at));
    out.key("outcome").string(attempt.outcome);
    out.key("http_status").integer(attempt.http_status);
    out.key("detail").string(attempt.detail);
    out.end_object();
  }
  out.end_array();
  out.end_object();
  return respond(200, std::move(out).take());
}

HttpResponse AdminApi::ship(const HttpRequest& request) {
  const auto id = captured_id(request);
  if (!id) return error(400, "bad_request", "shipment_id: expected an integer");
  auto manual = json::read_manual_shipment(request.body);
  if (!manual) return error(400, "bad_request", manual.error());
  const auto now = clock_();
  std::optional<Fulfillment> after;
  std::string refusal;
  const auto written = store_.write([&](StoreTx& tx) {
    auto f = tx.find(*id);
    if (!f) return;
    if (!is_open(f->state)) {
      refusal = "shipment " + std::to_string(*id) + " is " + std::string(to_string(f->state)) + "; only waiting, picking, packing or error can be shipped";
      after = f;
      return;
    }
    f->tracking = Tracking{manual->tracking_number, manual->carrier_id, now, "manual"};
    f->attention.clear();
    tx.transition(*f, State::shipped, now,
                  "shipped by hand with carrier " + std::to_string(manual->carrier_id) + ", tracking " +
                      manual->tracking_number + "; tracking queued for the platform");
    tx.enqueue_tracking(*f, std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now()));
    after = f;
  });
  if (!written) return store_failed(written.error());
  if (!after) return error(404, "not_found", "no fulfillment for shipment " + std::to_string(*id));
  if (!refusal.empty()) return error(409, "conflict", refusal);
  if (hooks_.outbox_changed) hooks_.outbox_changed();
  return respond(200, fulfillment_json(*after));
}

HttpResponse AdminApi::retry(const HttpRequest& request) {
  const auto id = captured_id(request);
  if (!id) return error(400, "bad_request", "shipment_id: expected an integer");
  std::optional<Fulfillment> after;
  std::string refusal;
  const auto written = store_.write([&](StoreTx& tx) {
    auto f = tx.find(*id);
    if (!f) return;
    after = f;
    if (f->state != State::error) {
      refusal = "shipment " + std::to_string(*id) + " is " + std::string(to_string(f->state)) + ", not error";
      return;
    }
    f->attention.clear();
    tx.transition(*f, State::waiting, clock_(), "retried by an operator");
    after = f;
  });
  if (!written) return store_failed(written.error());
  if (!after) return error(404, "not_found", "no fulfillment for shipment " + std::to_string(*id));
  if (!refusal.empty()) return error(409, "conflict", refusal);
  if (hooks_.scheduler_changed) hooks_.scheduler_changed();
  return respond(200, fulfillment_json(*after));
}

HttpResponse AdminApi::inbox_dead_letters(const HttpRequest& request) {
  auto dead = inbox_.dead_letters(limit_of(request, 100));
  if (!dead) return error(503, "store_unavailable", dead.error().message);
  json::Writer out;
  out.begin_object();
  out.key("dead_letters").begin_array();
  for (const auto& entry : *dead) write_inbox_entry(out, entry);
  out.end_array();
  out.end_object();
  return respond(200, std::move(out).take());
}

HttpResponse AdminApi::replay_inbox(const HttpRequest& request) {
  const auto id = captured_id(request);
  if (!id) return error(400, "bad_request", "entry id: expected an integer");
  auto replayed = inbox_.replay(*id, clock_());
  if (!replayed) return error(503, "store_unavailable", replayed.error().message);
  if (!*replayed) return error(404, "not_found", "inbox entry " + std::to_string(*id) + " is not a dead letter");
  if (hooks_.inbox_changed) hooks_.inbox_changed();
  return respond(200, R"({"status":"replayed"})");
}

HttpResponse AdminApi::outbox_dead_letters(const HttpRequest& request) {
  auto dead = store_.outbox_dead_letters(limit_of(request, 100));
  if (!dead) return store_failed(dead.error());
  json::Writer out;
  out.begin_object();
  out.key("dead_letters").begin_array();
  for (const auto& entry : *dead) write_outbox_entry(out, entry);
  out.end_array();
  out.end_object();
  return respond(200, std::move(out).take());
}

HttpResponse AdminApi::retry_outbox(const HttpRequest& request) {
  const auto id = captured_id(request);
  if (!id) return error(400, "bad_request", "shipment_id: expected an integer");
  auto retried = store_.retry_dead_letter(*id, std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now()));
  if (!retried) return store_failed(retried.error());
  if (!*retried) return error(404, "not_found", "no outbox dead letter for shipment " + std::to_string(*id));
  if (hooks_.outbox_changed) hooks_.outbox_changed();
  return respond(200, R"({"status":"queued"})");
}

HttpResponse AdminApi::events(const HttpRequest& request) {
  EventQuery query;
  query.limit = limit_of(request, 100);
  if (const auto shipment = request.query_value("shipment_id")) {
    query.shipment_id = number(*shipment);
    if (!query.shipment_id) return error(400, "bad_request", "shipment_id: expected an integer");
  }
  if (const auto type = request.query_value("type")) query.event_type = std::string(*type);
  auto found = store_.events(query);
  if (!found) return store_failed(found.error());
  json::Writer out;
  out.begin_object();
  out.key("events").begin_array();
  for (const auto& record : *found) {
    out.begin_object();
    out.key("event_id").string(record.event_id);
    out.key("event").string(record.event_type);
    out.key("shipment_id").optional_integer(record.shipment_id);
    out.key("event_date").time(record.event_date);
    out.key("handled_at").time(record.handled_at);
    out.key("decision").string(record.decision);
    out.key("explanation").string(record.explanation);
    out.end_object();
  }
  out.end_array();
  out.end_object();
  return respond(200, std::move(out).take());
}

HttpResponse AdminApi::quarantine(const HttpRequest& request) {
  const auto page = page_of(request, 100);
  if (!page) return error(400, "bad_request", "cursor: expected an integer");
  auto found = inbox_.list_quarantined(*page);
  if (!found) return error(503, "store_unavailable", found.error().message);
  json::Writer out;
  out.begin_object();
  out.key("quarantine").begin_array();
  for (const auto& entry : found->entries) write_quarantine_entry(out, entry, false);
  out.end_array();
  write_next_cursor(out, found->next_cursor);
  out.end_object();
  return respond(200, std::move(out).take());
}

HttpResponse AdminApi::quarantined(const HttpRequest& request) {
  const auto id = captured_id(request);
  if (!id) return error(400, "bad_request", "quarantine id: expected an integer");
  auto found = inbox_.find_quarantined(*id);
  if (!found) return error(503, "store_unavailable", found.error().message);
  if (!*found) return error(404, "not_found", "no quarantined delivery " + std::to_string(*id));
  json::Writer out;
  write_quarantine_entry(out, **found, true);
  return respond(200, std::move(out).take());
}

HttpResponse AdminApi::replay_quarantined(const HttpRequest& request) {
  const auto id = captured_id(request);
  if (!id) return error(400, "bad_request", "quarantine id: expected an integer");
  auto replayed = receiver_.replay_quarantined(*id, clock_());
  if (!replayed) return recovery_failed(replayed.error());
  if (replayed->outcome == hookline::ReceiveOutcome::quarantined) {
    return error(422, "unparseable", "it still does not parse: " + replayed->detail);
  }
  if (hooks_.inbox_changed) hooks_.inbox_changed();
  return recovered(*replayed);
}

HttpResponse AdminApi::delete_quarantined(const HttpRequest& request) {
  const auto id = captured_id(request);
  if (!id) return error(400, "bad_request", "quarantine id: expected an integer");
  auto removed = inbox_.remove_quarantined(*id);
  if (!removed) return error(503, "store_unavailable", removed.error().message);
  if (!*removed) return error(404, "not_found", "no quarantined delivery " + std::to_string(*id));
  return respond(200, R"({"status":"deleted"})");
}

HttpResponse AdminApi::refused(const HttpRequest& request) {
  const auto page = page_of(request, 100);
  if (!page) return error(400, "bad_request", "cursor: expected an integer");
  auto found = inbox_.list_refused(*page);
  if (!found) return error(503, "store_unavailable", found.error().message);
  json::Writer out;
  out.begin_object();
  out.key("refused").begin_array();
  for (const auto& entry : found->entries) write_refused_entry(out, entry);
  out.end_array();
  write_next_cursor(out, found->next_cursor);
  out.end_object();
  return respond(200, std::move(out).take());
}

HttpResponse AdminApi::retry_refused(const HttpRequest& request) {
  const auto id = captured_id(request);
  if (!id) return error(400, "bad_request", "refused id: expected an integer");
  auto retried = receiver_.retry_refused(*id, clock_());
  if (!retried) return recovery_failed(retried.error());
  switch (retried->outcome) {
    case hookline::ReceiveOutcome::bad_signature:
    case hookline::ReceiveOutcome::bad_token:
    case hookline::ReceiveOutcome::source_not_allowed:
      return error(422, hookline::to_string(retried->outcome), "it still does not authenticate: " + retried->detail);
    default: break;
  }
  if (hooks_.inbox_changed) hooks_.inbox_changed();
  return recovered(*retried);
}

}  // namespace fulfillment
