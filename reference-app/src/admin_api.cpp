#include "admin_api.hpp"

#include <openssl/evp.h>
#include <simdjson.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <limits>
#include <stdexcept>
#include <optional>

#include "json.hpp"
#include "toolkit/json_writer.hpp"

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

/// The most entries one page may ask for.
constexpr std::int64_t max_limit = 1000;
/// Entries in a page that names no limit.
constexpr std::size_t default_limit = 100;

/// A 400 naming the first query parameter that is not one of `allowed`, or that is given twice.
std::optional<HttpResponse> unknown_parameter(const HttpRequest& request, std::initializer_list<std::string_view> allowed) {
  for (std::size_t i = 0; i < request.query.size(); ++i) {
    const auto& name = request.query[i].first;
    if (std::ranges::find(allowed, std::string_view(name)) == allowed.end()) {
      std::string known;
      for (const auto option : allowed) known += (known.empty() ? "" : ", ") + std::string(option);
      return error(400, "bad_request", name + ": not a parameter of this list (" + (known.empty() ? "none" : known) + ")");
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (request.query[j].first == name) return error(400, "bad_request", name + ": given more than once");
    }
  }
  return std::nullopt;
}

/// `limit` (1 to 1000, default_limit when absent), or the 400 that explains it.
hookline::Result<std::size_t, HttpResponse> limit_of(const HttpRequest& request) {
  const auto text = request.query_value("limit");
  if (!text) return default_limit;
  const auto value = number(*text);
  if (!value || *value < 1 || *value > max_limit) {
    return hookline::fail(error(400, "bad_request", "limit: expected an integer from 1 to " + std::to_string(max_limit)));
  }
  return static_cast<std::size_t>(*value);
}

/// An integer `cursor` (a previous page's next_cursor), absent on the first page, or the 400.
hookline::Result<std::optional<std::int64_t>, HttpResponse> cursor_of(const HttpRequest& request) {
  const auto text = request.query_value("cursor");
  if (!text) return std::optional<std::int64_t>{};
  const auto value = number(*text);
  if (!value || *value < 0) return hookline::fail(error(400, "bad_request", "cursor: expected a next_cursor of this list"));
  return std::optional<std::int64_t>{*value};
}

/// The page a list that takes no other parameter asks for (`limit`, `cursor`), or the 400 that
/// explains the first bad parameter.
hookline::Result<hookline::PageRequest, HttpResponse> bare_page_of(const HttpRequest& request) {
  if (auto bad = unknown_parameter(request, {"limit", "cursor"})) return hookline::fail(std::move(*bad));
  auto limit = limit_of(request);
  if (!limit) return hookline::fail(std::move(limit.error()));
  auto cursor = cursor_of(request);
  if (!cursor) return hookline::fail(std::move(cursor.error()));
  return hookline::PageRequest{*limit, *cursor};
}

/// A `true`/`false` parameter, false when absent, or the 400.
hookline::Result<bool, HttpResponse> flag_of(const HttpRequest& request, std::string_view name) {
  const auto text = request.query_value(name);
  if (!text || *text == "false") return false;
  if (*text == "true") return true;
  return hookline::fail(error(400, "bad_request", std::string(name) + ": expected true or false"));
}

/// A non-empty text parameter, or the 400.
hookline::Result<std::optional<std::string>, HttpResponse> text_of(const HttpRequest& request, std::string_view name) {
  const auto text = request.query_value(name);
  if (!text) return std::optional<std::string>{};
  if (text->empty()) return hookline::fail(error(400, "bad_request", std::string(name) + ": expected a value"));
  return std::optional<std::string>{std::string(*text)};
}

/// The decisions the event log records.
constexpr std::array<std::string_view, 8> decisions{"apply", "stale",    "hold",     "duplicate",
                                                    "ignore", "too_late", "conflict", "recorded"};

void write_page_end(hookline::toolkit::JsonWriter& out, std::optional<std::int64_t> next_cursor, std::optional<std::int64_t> total) {
  out.member("next_cursor", next_cursor);
  out.member("total", total);
}

void write_fulfillment(hookline::toolkit::JsonWriter& out, const Fulfillment& f, bool open_conflict) {
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
  out.member("date_scheduled", f.date_scheduled);
  out.member("customer_id", f.customer_id);
  out.member("order_id", f.order_id);
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
  out.key("needs_attention").boolean(f.state == State::error || open_conflict);
  out.key("open_conflict").boolean(open_conflict);
  out.key("attention").string(f.attention);
  out.key("created_at").time(f.created_at);
  out.key("updated_at").time(f.updated_at);
}

void write_outbox_entry(hookline::toolkit::JsonWriter& out, const OutboxEntry& entry) {
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

void write_inbox_entry(hookline::toolkit::JsonWriter& out, const hookline::InboxEntry& entry) {
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

std::string base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  const int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                      reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(written));
  return out;
}

void write_headers(hookline::toolkit::JsonWriter& out, const hookline::Headers& headers) {
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
void write_body(hookline::toolkit::JsonWriter& out, std::string_view body) {
  out.key("body_bytes").integer(static_cast<std::int64_t>(body.size()));
  out.key("body");
  if (simdjson::validate_utf8(body.data(), body.size())) {
    out.string(body);
  } else {
    out.null();
  }
  out.key("body_base64").string(base64(body));
}

void write_quarantine_entry(hookline::toolkit::JsonWriter& out, const hookline::QuarantineEntry& entry, bool with_body) {
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

void write_refused_entry(hookline::toolkit::JsonWriter& out, const hookline::RefusedEntry& entry) {
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
  hookline::toolkit::JsonWriter out;
  out.begin_object();
  out.key("status").string(hookline::to_string(result.outcome));
  if (result.meta) {
    out.key("event").string(result.meta->type);
    out.key("event_id").string(result.meta->id);
  }
  if (!result.detail.empty()) out.key("detail").string(result.detail);
  out.end_object();
  return respond(200, out.take());
}

}  // namespace

std::string fulfillment_json(const Fulfillment& fulfillment, bool open_conflict) {
  hookline::toolkit::JsonWriter out;
  out.begin_object();
  write_fulfillment(out, fulfillment, open_conflict);
  out.end_object();
  return out.take();
}

AdminApi::AdminApi(FulfillmentStore& store, hookline::ReceiverStore& inbox, const hookline::Receiver& receiver,
                   hookline::Clock clock, AdminHooks hooks, AdminViews views)
    : store_(store),
      inbox_(inbox),
      receiver_(receiver),
      clock_(std::move(clock)),
      hooks_(std::move(hooks)),
      views_(views) {
  auto queries = store_.open_queries();
  if (!queries) throw std::runtime_error("admin API: cannot prepare the fulfillment database: " + queries.error().message);
  queries_ = std::move(*queries);
}

HttpResponse AdminApi::fulfillment_answer(const Fulfillment& fulfillment) {
  auto conflict = queries_->has_open_conflict(fulfillment.shipment_id);
  if (!conflict) return store_failed(conflict.error());
  return respond(200, fulfillment_json(fulfillment, *conflict));
}

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
  server.route("GET", "/api/overview", bind(&AdminApi::overview));
  server.route("GET", "/api/attention", bind(&AdminApi::attention));
  server.route("GET", "/api/fulfillments", bind(&AdminApi::list));
  server.route("GET", "/api/fulfillments/(\\d+)", bind(&AdminApi::detail));
  server.route("POST", "/api/fulfillments/(\\d+)/ship", audited("ship", "shipment", &AdminApi::ship));
  server.route("POST", "/api/fulfillments/(\\d+)/retry", audited("retry", "shipment", &AdminApi::retry));
  server.route("GET", "/api/conflicts", bind(&AdminApi::conflicts));
  server.route("POST", "/api/conflicts/(\\d+)/dismiss", audited("dismiss_conflicts", "shipment", &AdminApi::dismiss_conflicts));
  server.route("GET", "/api/held", bind(&AdminApi::held));
  server.route("POST", "/api/held/(\\d+)/dismiss", audited("dismiss_held", "shipment", &AdminApi::dismiss_held));
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
  if (auto bad = unknown_parameter(request, {"state", "q", "needs_attention", "limit", "cursor"})) return *bad;
  FulfillmentFilter filter;
  if (const auto name = request.query_value("state")) {
    filter.state = state_from_string(*name);
    if (!filter.state) return error(400, "bad_request", "state: one of waiting, picking, packing, shipped, cancelled, skipped, error, returned");
  }
  auto search = text_of(request, "q");
  if (!search) return search.error();
  filter.search = *search;
  auto attention_only = flag_of(request, "needs_attention");
  if (!attention_only) return attention_only.error();
  filter.needs_attention = *attention_only;
  auto limit = limit_of(request);
  if (!limit) return limit.error();
  filter.limit = *limit;
  auto cursor = cursor_of(request);
  if (!cursor) return cursor.error();
  filter.cursor = *cursor;
  auto found = queries_->fulfillments(filter);
  if (!found) return store_failed(found.error());
  hookline::toolkit::JsonWriter out;
  out.begin_object();
  out.key("fulfillments").begin_array();
  for (const auto& listed : found->entries) {
    out.begin_object();
    write_fulfillment(out, listed.fulfillment, listed.open_conflict);
    out.end_object();
  }
  out.end_array();
  write_page_end(out, found->next_cursor, found->total);
  out.end_object();
  return respond(200, out.take());
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
  auto conflict = queries_->has_open_conflict(*id);
  if (!conflict) return store_failed(conflict.error());
  hookline::toolkit::JsonWriter out;
  out.begin_object();
  write_fulfillment(out, **found, *conflict);
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
  return respond(200, out.take());
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
  return fulfillment_answer(*after);
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
  return fulfillment_answer(*after);
}

HttpResponse AdminApi::inbox_dead_letters(const HttpRequest& request) {
  auto page = bare_page_of(request);
  if (!page) return page.error();
  // The inbox lists its dead letters oldest first without a cursor: the page is cut from them here.
  auto dead = inbox_.dead_letters(static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max()));
  if (!dead) return error(503, "store_unavailable", dead.error().message);
  hookline::toolkit::JsonWriter out;
  out.begin_object();
  out.key("dead_letters").begin_array();
  std::size_t listed = 0;
  std::optional<std::int64_t> last_listed;
  std::optional<std::int64_t> next;
  for (const auto& entry : *dead) {
    if (page->cursor && entry.id <= *page->cursor) continue;
    if (listed == page->limit) {
      next = last_listed;
      break;
    }
    write_inbox_entry(out, entry);
    last_listed = entry.id;
    ++listed;
  }
  out.end_array();
  write_page_end(out, next, static_cast<std::int64_t>(dead->size()));
  out.end_object();
  return respond(200, out.take());
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
  auto page = bare_page_of(request);
  if (!page) return page.error();
  auto dead = queries_->outbox_dead_letters(page->limit, page->cursor);
  if (!dead) return store_failed(dead.error());
  hookline::toolkit::JsonWriter out;
  out.begin_object();
  out.key("dead_letters").begin_array();
  for (const auto& entry : dead->entries) write_outbox_entry(out, entry);
  out.end_array();
  write_page_end(out, dead->next_cursor, dead->total);
  out.end_object();
  return respond(200, out.take());
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
  if (auto bad = unknown_parameter(request, {"event_id", "type", "decision", "shipment_id", "payload", "limit", "cursor"})) {
    return *bad;
  }
  EventFilter filter;
  auto limit = limit_of(request);
  if (!limit) return limit.error();
  filter.limit = *limit;
  auto cursor = cursor_of(request);
  if (!cursor) return cursor.error();
  filter.cursor = *cursor;
  if (const auto shipment = request.query_value("shipment_id")) {
    filter.shipment_id = number(*shipment);
    if (!filter.shipment_id) return error(400, "bad_request", "shipment_id: expected an integer");
  }
  auto event_id = text_of(request, "event_id");
  if (!event_id) return event_id.error();
  filter.event_id = *event_id;
  auto type = text_of(request, "type");
  if (!type) return type.error();
  filter.event_type = *type;
  auto decision = text_of(request, "decision");
  if (!decision) return decision.error();
  if (*decision && std::ranges::find(decisions, std::string_view(**decision)) == decisions.end()) {
    return error(400, "bad_request",
                 "decision: one of apply, stale, hold, duplicate, ignore, too_late, conflict, recorded");
  }
  filter.decision = *decision;
  auto payload = flag_of(request, "payload");
  if (!payload) return payload.error();
  filter.with_payload = *payload;
  auto found = queries_->events(filter);
  if (!found) return store_failed(found.error());
  hookline::toolkit::JsonWriter out;
  out.begin_object();
  out.key("events").begin_array();
  for (const auto& logged : found->entries) {
    const auto& record = logged.record;
    out.begin_object();
    out.key("seq").integer(logged.seq);
    out.key("event_id").string(record.event_id);
    out.key("event").string(record.event_type);
    out.member("shipment_id", record.shipment_id);
    out.key("event_date").time(record.event_date);
    out.key("handled_at").time(record.handled_at);
    out.key("decision").string(record.decision);
    out.key("explanation").string(record.explanation);
    if (filter.with_payload) out.key("payload").string(record.body);
    out.end_object();
  }
  out.end_array();
  write_page_end(out, found->next_cursor, found->total);
  out.end_object();
  return respond(200, out.take());
}

HttpResponse AdminApi::quarantine(const HttpRequest& request) {
  auto page = bare_page_of(request);
  if (!page) return page.error();
  auto found = inbox_.list_quarantined(*page);
  if (!found) return error(503, "store_unavailable", found.error().message);
  auto depth = inbox_.quarantine_depth();
  if (!depth) return error(503, "store_unavailable", depth.error().message);
  hookline::toolkit::JsonWriter out;
  out.begin_object();
  out.key("quarantine").begin_array();
  for (const auto& entry : found->entries) write_quarantine_entry(out, entry, false);
  out.end_array();
  write_page_end(out, found->next_cursor, static_cast<std::int64_t>(*depth));
  out.end_object();
  return respond(200, out.take());
}

HttpResponse AdminApi::quarantined(const HttpRequest& request) {
  const auto id = captured_id(request);
  if (!id) return error(400, "bad_request", "quarantine id: expected an integer");
  auto found = inbox_.find_quarantined(*id);
  if (!found) return error(503, "store_unavailable", found.error().message);
  if (!*found) return error(404, "not_found", "no quarantined delivery " + std::to_string(*id));
  hookline::toolkit::JsonWriter out;
  write_quarantine_entry(out, **found, true);
  return respond(200, out.take());
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
  auto page = bare_page_of(request);
  if (!page) return page.error();
  auto found = inbox_.list_refused(*page);
  if (!found) return error(503, "store_unavailable", found.error().message);
  auto depth = inbox_.refused_counts();
  if (!depth) return error(503, "store_unavailable", depth.error().message);
  hookline::toolkit::JsonWriter out;
  out.begin_object();
  out.key("refused").begin_array();
  for (const auto& entry : found->entries) write_refused_entry(out, entry);
  out.end_array();
  write_page_end(out, found->next_cursor, static_cast<std::int64_t>(depth->entries));
  out.end_object();
  return respond(200, out.take());
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

HttpResponse AdminApi::overview(const HttpRequest& request) {
  if (auto bad = unknown_parameter(request, {"window"})) return *bad;
  const auto window = request.query_value("window").value_or("hour");
  if (window != "hour" && window != "day") return error(400, "bad_request", "window: hour or day");
  const auto now = clock_();
  const auto since = now - (window == "hour" ? std::chrono::seconds(std::chrono::hours(1)) : std::chrono::seconds(std::chrono::hours(24)));
  auto states = store_.counts_by_state();
  if (!states) return store_failed(states.error());
  auto outbox = store_.outbox_counts();
  if (!outbox) return store_failed(outbox.error());
  auto per_minute = queries_->events_per_minute(since);
  if (!per_minute) return store_failed(per_minute.error());
  auto last_handled = queries_->last_handled();
  if (!last_handled) return store_failed(last_handled.error());
  auto attention_counts = queries_->attention(now - views_.held_after);
  if (!attention_counts) return store_failed(attention_counts.error());
  auto inbox = inbox_.counts();
  if (!inbox) return error(503, "store_unavailable", inbox.error().message);
  auto quarantined = inbox_.quarantine_depth();
  if (!quarantined) return error(503, "store_unavailable", quarantined.error().message);
  auto refused = inbox_.refused_counts();
  if (!refused) return error(503, "store_unavailable", refused.error().message);

  hookline::toolkit::JsonWriter out;
  out.begin_object();
  out.key("now").time(now);
  out.key("window").string(window);
  out.key("fulfillments").begin_object();
  for (const auto& [state, count] : *states) out.key(to_string(state)).integer(static_cast<std::int64_t>(count));
  out.end_object();
  out.key("outbox").begin_object();
  out.key("pending").integer(static_cast<std::int64_t>(outbox->pending));
  out.key("sent").integer(static_cast<std::int64_t>(outbox->sent));
  out.key("dead").integer(static_cast<std::int64_t>(outbox->dead));
  out.key("attempts").integer(static_cast<std::int64_t>(outbox->attempts));
  out.end_object();
  out.key("inbox").begin_object();
  out.key("pending").integer(static_cast<std::int64_t>(inbox->pending));
  out.key("in_flight").integer(static_cast<std::int64_t>(inbox->in_flight));
  out.key("handled").integer(static_cast<std::int64_t>(inbox->handled));
  out.key("dead").integer(static_cast<std::int64_t>(inbox->dead));
  out.end_object();
  out.key("quarantined").integer(static_cast<std::int64_t>(*quarantined));
  out.key("refused_kept").integer(static_cast<std::int64_t>(refused->entries));
  out.key("attention").begin_object();
  out.key("errors").integer(static_cast<std::int64_t>(attention_counts->errors));
  out.key("conflicts").integer(static_cast<std::int64_t>(attention_counts->conflicts));
  out.key("held").integer(static_cast<std::int64_t>(attention_counts->held));
  out.end_object();
  out.key("events_per_minute").begin_array();
  for (const auto& minute : *per_minute) {
    out.begin_object();
    out.key("minute").time(minute.minute);
    out.key("events").integer(static_cast<std::int64_t>(minute.events));
    out.end_object();
  }
  out.end_array();
  out.member("last_event_handled_at", *last_handled);
  if (views_.metrics != nullptr) {
    const LiveFigures live = views_.metrics->live();
    out.key("since_start").begin_object();
    std::int64_t refused_total = 0;
    out.key("received").begin_object();
    for (const auto& [outcome, count] : live.received) {
      out.key(outcome).integer(static_cast<std::int64_t>(count));
      if (outcome != "accepted" && outcome != "duplicate") refused_total += static_cast<std::int64_t>(count);
    }
    out.end_object();
    out.key("refused").integer(refused_total);
    out.key("handled").integer(static_cast<std::int64_t>(live.handled));
    out.key("handler_latency").begin_object();
    out.key("buckets").begin_array();
    for (std::size_t i = 0; i < LatencyHistogram::buckets.size(); ++i) {
      out.begin_object();
      out.key("le").number(LatencyHistogram::buckets[i]);
      out.key("count").integer(static_cast<std::int64_t>(live.handler_latency.cumulative_counts()[i]));
      out.end_object();
    }
    out.end_array();
    out.key("count").integer(static_cast<std::int64_t>(live.handler_latency.count()));
    out.key("sum_seconds").number(live.handler_latency.sum());
    out.end_object();
    out.key("last_delivery").begin_array();
    for (const auto& [platform, at] : live.last_delivery) {
      out.begin_object();
      out.key("platform").string(platform);
      out.key("at").time(at);
      out.end_object();
    }
    out.end_array();
    out.end_object();
  }
  out.end_object();
  return respond(200, out.take());
}

HttpResponse AdminApi::attention(const HttpRequest& request) {
  if (auto bad = unknown_parameter(request, {})) return *bad;
  auto counts = queries_->attention(clock_() - views_.held_after);
  if (!counts) return store_failed(counts.error());
  auto outbox = store_.outbox_counts();
  if (!outbox) return store_failed(outbox.error());
  auto inbox = inbox_.counts();
  if (!inbox) return error(503, "store_unavailable", inbox.error().message);
  auto quarantined = inbox_.quarantine_depth();
  if (!quarantined) return error(503, "store_unavailable", quarantined.error().message);
  auto refused = inbox_.refused_counts();
  if (!refused) return error(503, "store_unavailable", refused.error().message);
  const std::int64_t total = static_cast<std::int64_t>(counts->errors + counts->conflicts + counts->held + inbox->dead +
                                                       outbox->dead + *quarantined + refused->entries);
  hookline::toolkit::JsonWriter out;
  out.begin_object();
  out.key("errors").integer(static_cast<std::int64_t>(counts->errors));
  out.key("conflicts").integer(static_cast<std::int64_t>(counts->conflicts));
  out.key("held").integer(static_cast<std::int64_t>(counts->held));
  out.key("inbox_dead_letters").integer(static_cast<std::int64_t>(inbox->dead));
  out.key("outbox_dead_letters").integer(static_cast<std::int64_t>(outbox->dead));
  out.key("quarantined").integer(static_cast<std::int64_t>(*quarantined));
  out.key("refused").integer(static_cast<std::int64_t>(refused->entries));
  out.key("total").integer(total);
  out.end_object();
  return respond(200, out.take());
}

HttpResponse AdminApi::conflicts(const HttpRequest& request) {
  auto page = bare_page_of(request);
  if (!page) return page.error();
  auto found = queries_->conflicts(page->limit, page->cursor);
  if (!found) return store_failed(found.error());
  hookline::toolkit::JsonWriter out;
  out.begin_object();
  out.key("conflicts").begin_array();
  for (const auto& conflict : found->entries) {
    out.begin_object();
    out.key("id").integer(conflict.history_id);
    out.key("shipment_id").integer(conflict.entry.shipment_id);
    out.key("state").string(conflict.state);
    out.key("at").time(conflict.entry.at);
    out.key("event_id").string(conflict.entry.event_id);
    out.key("event").string(conflict.entry.event_type);
    out.key("detail").string(conflict.entry.detail);
    out.end_object();
  }
  out.end_array();
  write_page_end(out, found->next_cursor, found->total);
  out.end_object();
  return respond(200, out.take());
}

HttpResponse AdminApi::held(const HttpRequest& request) {
  auto page = bare_page_of(request);
  if (!page) return page.error();
  auto found = queries_->held(clock_() - views_.held_after, page->limit, page->cursor);
  if (!found) return store_failed(found.error());
  hookline::toolkit::JsonWriter out;
  out.begin_object();
  out.key("held").begin_array();
  for (const auto& shipment : found->entries) {
    out.begin_object();
    out.key("shipment_id").integer(shipment.shipment_id);
    out.key("events").integer(static_cast<std::int64_t>(shipment.events));
    out.key("first_held_at").time(shipment.first_held_at);
    out.key("last_held_at").time(shipment.last_held_at);
    out.end_object();
  }
  out.end_array();
  write_page_end(out, found->next_cursor, found->total);
  out.end_object();
  return respond(200, out.take());
}

HttpResponse AdminApi::dismiss(const HttpRequest& request, std::string_view what) {
  const auto id = captured_id(request);
  if (!id) return error(400, "bad_request", "shipment_id: expected an integer");
  auto note = json::read_note(request.body);
  if (!note) return error(400, "bad_request", note.error());
  HistoryEntry entry;
  entry.shipment_id = *id;
  entry.at = clock_();
  entry.kind = HistoryKind::note;
  entry.decision = std::string(dismissed_decision);
  entry.detail = std::string(what) + " dismissed by an operator: " + *note;
  const auto written = store_.write([&](StoreTx& tx) { tx.add_history(entry); });
  if (!written) return store_failed(written.error());
  return respond(200, R"({"status":"dismissed"})");
}

HttpResponse AdminApi::dismiss_conflicts(const HttpRequest& request) {
  const auto id = captured_id(request);
  if (!id) return error(400, "bad_request", "shipment_id: expected an integer");
  auto open = queries_->has_open_conflict(*id);
  if (!open) return store_failed(open.error());
  if (!*open) return error(404, "not_found", "shipment " + std::to_string(*id) + " has no conflict to dismiss");
  return dismiss(request, "conflict");
}

HttpResponse AdminApi::dismiss_held(const HttpRequest& request) {
  const auto id = captured_id(request);
  if (!id) return error(400, "bad_request", "shipment_id: expected an integer");
  auto found = queries_->held(clock_() - views_.held_after, 1, *id - 1);
  if (!found) return store_failed(found.error());
  if (found->entries.empty() || found->entries.front().shipment_id != *id) {
    return error(404, "not_found", "shipment " + std::to_string(*id) + " has no events held long enough to dismiss");
  }
  return dismiss(request, "held events");
}

}  // namespace fulfillment
