#include "simulator/simulator.hpp"

#include <simdjson.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <stdexcept>
#include <thread>
#include <unordered_map>

#include "hookline/http_server.hpp"
#include "hookline/sender.hpp"
#include "hookline/sign.hpp"
#include "hookline/source_guard.hpp"
#include "hookline/storage.hpp"
#include "json.hpp"
#include "payload.hpp"
#include "store.hpp"
#include "toolkit/dates.hpp"
#include "toolkit/json_writer.hpp"
#include "toolkit/name_table.hpp"

namespace hookline::simulator {

namespace {
constexpr auto mode_names = toolkit::name_table<Mode>({
    {Mode::vrio, "vrio"},
    {Mode::ordergroove, "ordergroove"},
    {Mode::vero, "vero"},
});
}  // namespace

std::string_view to_string(Mode mode) noexcept { return toolkit::name_of(mode_names, mode, "vrio"); }

std::optional<Mode> mode_from_string(std::string_view name) noexcept {
  return toolkit::value_of(mode_names, name, std::optional<Mode>{});
}

namespace {
constexpr auto event_status_names = toolkit::name_table<EventStatus>({
    {EventStatus::pending, "pending"},
    {EventStatus::retrying, "retrying"},
    {EventStatus::succeeded, "succeeded"},
    {EventStatus::failed, "failed"},
    {EventStatus::filtered, "filtered"},
    {EventStatus::inactive, "inactive"},
    {EventStatus::no_destination, "no_destination"},
});
}  // namespace

std::string_view to_string(EventStatus status) noexcept {
  return toolkit::name_of(event_status_names, status, "failed");
}

std::optional<EventStatus> event_status_from_string(std::string_view name) noexcept {
  return toolkit::value_of(event_status_names, name, std::optional<EventStatus>{});
}

namespace {

using toolkit::JsonWriter;

using std::chrono::sys_seconds;

std::chrono::milliseconds default_timeout(Mode mode) {
  switch (mode) {
    case Mode::vrio: return std::chrono::milliseconds(2000);
    case Mode::vero: return std::chrono::milliseconds(5000);
    case Mode::ordergroove: return std::chrono::milliseconds(10000);
  }
  return std::chrono::milliseconds(2000);
}

/// The signature scheme of a mode when none is configured; Vero signs nothing.
std::optional<Scheme> default_scheme(Mode mode) {
  switch (mode) {
    case Mode::vrio: return Scheme::vrio;
    case Mode::ordergroove: return Scheme::ordergroove;
    case Mode::vero: return std::nullopt;
  }
  return std::nullopt;
}

Sender make_sender(const Config& config) {
  SenderOptions options;
  options.timeout = config.timeout.value_or(default_timeout(config.mode));
  options.user_agent = "hookline-simulator/0.1 (" + std::string(to_string(config.mode)) + ")";
  const auto scheme = config.scheme ? config.scheme : default_scheme(config.mode);
  if (config.secrets.empty() || !scheme) return Sender(options);
  auto signer = Signer::create(*scheme, config.secrets);
  if (!signer) throw std::invalid_argument("simulator: unusable signing secret: " + signer.error().to_string());
  return Sender(std::move(*signer), options);
}

std::string time_json(std::optional<sys_seconds> when) {
  return when ? toolkit::json_string(toolkit::format_date_time_utc(*when)) : std::string("null");
}

std::string to_json(const QueuedEvent& event) {
  return JsonWriter().begin_object()
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
      .end_object().take();
}

std::string to_json(const DeliveryRecord& delivery) {
  return JsonWriter().begin_object()
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
      .end_object().take();
}

/// The shipment as the platform API shows it: VRIO's field names, as its shipment webhooks carry
/// them; the object is left open for more members.
JsonWriter platform_fields(const ShipmentRecord& shipment) {
  JsonWriter out;
  out.begin_object()
      .member("shipment_id", shipment.shipment_id)
      .member("customer_id", shipment.customer_id)
      .member("order_id", shipment.order_id)
      .member("campaign_id", shipment.campaign_id)
      .member("shipment_status_id", shipment.status)
      .raw_member("date_scheduled", time_json(shipment.date_scheduled))
      .raw_member("date_cancel", time_json(shipment.date_cancel))
      .raw_member("shipment_items", shipment.items.value_or("[]"))
      .raw_member("customer_address_shipping", shipment.address.value_or("null"))
      .member("shipment_tracking_id", shipment.tracking_id)
      .member("carrier_id", shipment.carrier_id)
      .member("date_complete", shipment.date_complete);
  return out;
}

std::string platform_json(const ShipmentRecord& shipment) { return platform_fields(shipment).end_object().take(); }

/// The shipment as the control API lists it: the platform's fields and the tracking calls received.
std::string to_json(const ShipmentRecord& shipment) {
  return platform_fields(shipment)
      .member("tracking_posts", shipment.tracking_calls)
      .member("tracking_posts_effective", shipment.tracking_effective)
      .end_object().take();
}

std::string to_json(const TrackingCall& call) {
  return JsonWriter().begin_object()
      .member("shipment_id", call.shipment_id)
      .member("idempotency_key", call.idempotency_key)
      .member("request_body", call.request_body)
      .member("response_code", call.response_code)
      .member("response_body", call.response_body)
      .member("effective", call.effective)
      .raw_member("received_at", time_json(call.received_at))
      .end_object().take();
}

HttpResponse answer(int status, std::string body) {
  HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

HttpResponse answer(const ApiError& error) {
  std::vector<ErrorField> fields;
  if (!error.field.empty()) fields.emplace_back("field", error.field);
  return error_response(error.status, error.code, error.message, fields);
}

/// The page a listing's `limit` (1 to 1000, default 100) and `cursor` (a previous page's next_cursor)
/// ask for, or the refusal of a malformed one.
Result<PageRequest, ApiError> page_request(const HttpRequest& request) {
  PageRequest page;
  if (const auto text = request.query_value("limit")) {
    std::int64_t limit = 0;
    const auto [end, failure] = std::from_chars(text->data(), text->data() + text->size(), limit);
    if (text->empty() || failure != std::errc{} || end != text->data() + text->size() || limit < 1 || limit > 1000) {
      return fail(ApiError{400, "invalid_parameter", "limit must be an integer from 1 to 1000", "limit"});
    }
    page.limit = static_cast<std::size_t>(limit);
  }
  if (const auto text = request.query_value("cursor")) {
    std::int64_t cursor = 0;
    const auto [end, failure] = std::from_chars(text->data(), text->data() + text->size(), cursor);
    if (text->empty() || failure != std::errc{} || end != text->data() + text->size() || cursor < 0) {
      return fail(ApiError{400, "invalid_parameter", "cursor must be the next_cursor of a previous page", "cursor"});
    }
    page.cursor = cursor;
  }
  return page;
}

/// `{"<name>":[…],"next_cursor":<id>|null}` of `entries`, read one past the page's limit: the extra
/// one only says that more follow.
template <class Entry, class IdOf>
HttpResponse page_answer(std::string_view name, std::vector<Entry> entries, const PageRequest& page, IdOf id_of) {
  std::optional<std::int64_t> next_cursor;
  if (entries.size() > page.limit) {
    entries.resize(page.limit);
    next_cursor = id_of(entries.back());
  }
  JsonWriter list;
  list.begin_array();
  for (const auto& entry : entries) list.raw(to_json(entry));
  return answer(200, JsonWriter().begin_object().raw_member(name, list.end_array().take()).member("next_cursor", next_cursor).end_object().take());
}

std::optional<std::int64_t> parse_id(std::string_view text) {
  std::int64_t value = 0;
  const auto [end, failure] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || failure != std::errc{} || end != text.data() + text.size() || value < 0) return std::nullopt;
  return value;
}

/// "/shipments/123" or "/shipments/123/track" (after `prefix`) → the id and whether it is the track action.
struct ShipmentPath {
  std::string id;
  bool track = false;
};
std::optional<ShipmentPath> shipment_path(std::string_view path, std::string_view prefix = "/shipments/") {
  if (!path.starts_with(prefix)) return std::nullopt;
  path.remove_prefix(prefix.size());
  ShipmentPath out;
  if (path.ends_with("/track")) {
    out.track = true;
    path.remove_suffix(std::string_view("/track").size());
  }
  if (path.empty() || path.find('/') != std::string_view::npos) return std::nullopt;
  out.id = std::string(path);
  return out;
}

/// True when the delivery of `event_id` is one of the `rate` share dropped under `seed`: a hash of both
/// (splitmix64 over FNV-1a), so the choice depends on nothing else.
bool dropped(std::string_view event_id, double rate, std::uint64_t seed) {
  if (rate <= 0) return false;
  std::uint64_t hash = 14695981039346656037ULL ^ seed;
  for (const char c : event_id) hash = (hash ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  hash += 0x9e3779b97f4a7c15ULL;
  hash = (hash ^ (hash >> 30)) * 0xbf58476d1ce4e5b9ULL;
  hash = (hash ^ (hash >> 27)) * 0x94d049bb133111ebULL;
  hash ^= hash >> 31;
  return static_cast<double>(hash >> 11) * 0x1.0p-53 < rate;
}

/// The guard of the platform API: the configured key in its header, or nothing required.
std::optional<SourceGuard> platform_guard(const Config& config) {
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
    return fail(ApiError{422, "invalid_field", "shipment_tracking_id must be a non-empty string", "shipment_tracking_id"});
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
      return fail(ApiError{422, "invalid_field", "date_complete must be a date \"YYYY-MM-DD HH:MM:SS\"", "date_complete"});
    }
    post.date_complete = std::string(date);
  }
  return post;
}

}  // namespace

struct Simulator::Impl {
  Config config;
  hookline::Clock clock;
  Store store;
  Sender sender;
  std::mutex enqueue_mutex;  // id assignment and insertion are one step
  std::mutex batch_mutex;    // one batch at a time
  std::mutex track_mutex;    // one tracking post or control change at a time (idempotency keys, status changes)
  std::optional<SourceGuard> platform_api_guard;

  Impl(Config configured, hookline::Clock clock_in)
      : config(std::move(configured)),
        clock(std::move(clock_in)),
        store(config.db_path),
        sender(make_sender(config)),
        platform_api_guard(platform_guard(config)) {
    if (config.concurrency == 0) config.concurrency = 1;
  }

  std::string destination_for(std::string_view type) const {
    if (config.mode != Mode::vrio) return config.target_url;
    if (type == "transaction") return config.vrio_urls.transaction;
    if (type == "order") return config.vrio_urls.order;
    if (type == "order_offer") return config.vrio_urls.order_offer;
    if (type == "shipment") return config.vrio_urls.shipment;
    return {};
  }

  EventStatus initial_status(const Classified& event) const {
    if (config.mode == Mode::vrio) {
      if (!config.active) return EventStatus::inactive;
      if (!config.campaigns.empty() && (!event.campaign_id || !config.campaigns.contains(*event.campaign_id))) {
        return EventStatus::filtered;
      }
    }
    if (destination_for(event.type).empty()) return EventStatus::no_destination;
    return EventStatus::pending;
  }

  std::chrono::seconds retry_delay(int attempts) const {
    auto delay = config.retry.first_delay;
    for (int i = 1; i < attempts && delay < config.retry.max_delay; ++i) delay *= 2;
    return std::min(delay, config.retry.max_delay);
  }

  /// Attempts one event once and records the outcome.
  DeliveryRecord deliver(QueuedEvent& event, sys_seconds now, bool test) {
    Outgoing outgoing;
    outgoing.url = destination_for(event.type);
    outgoing.body = event.body;
    outgoing.event_id = event.event_id;
    // A dropped delivery is never sent; the log shows it as the attempt to an unreachable receiver.
    const bool drop = !test && dropped(event.event_id, config.drop_rate, config.drop_seed);
    Attempt attempt;
    if (drop) {
      attempt.url = outgoing.url;
      attempt.event_id = outgoing.event_id;
      attempt.request_body = outgoing.body;
      attempt.sent_at = now;
      attempt.error = SendError::other;
    } else {
      attempt = sender.send(outgoing, now);
    }
    ++event.attempts;
    if (attempt.succeeded()) {
      event.status = EventStatus::succeeded;
    } else if (config.mode == Mode::ordergroove && !test && event.attempts < config.retry.max_attempts) {
      event.status = EventStatus::retrying;
      event.next_attempt_at = now + retry_delay(event.attempts);
    } else {
      event.status = EventStatus::failed;
    }
    DeliveryRecord record;
    record.event_id = event.event_id;
    record.event_name = event.name;
    record.attempt = event.attempts;
    record.url = attempt.url;
    record.request_body = attempt.request_body;
    record.response_code = attempt.status;
    record.response_body = attempt.response_body;
    if (attempt.error) record.error = drop ? std::string("dropped") : std::string(to_string(*attempt.error));
    record.error_detail = drop ? std::string("not sent: one of the deliveries the drop rate leaves out") : attempt.error_detail;
    record.sent_at = attempt.sent_at;
    record.duration_us = attempt.duration.count();
    record.status = event.status;
    record.test = test;
    store.record_attempt(event, record);
    return record;
  }
};

Simulator::Simulator(Config config, hookline::Clock clock) : impl_(std::make_unique<Impl>(std::move(config), std::move(clock))) {}
Simulator::~Simulator() = default;

const Config& Simulator::config() const noexcept { return impl_->config; }

Result<QueuedEvent, ApiError> Simulator::enqueue(std::string_view body) {
  const std::lock_guard lock(impl_->enqueue_mutex);
  const auto now = impl_->clock();
  const auto next_id = [this] { return impl_->store.next_event_id(1); };
  auto classified = classify(impl_->config.mode, body, next_id, now);
  if (!classified) return fail(classified.error());
  if (classified->shipment) impl_->store.apply_shipment_change(*classified->shipment);
  QueuedEvent event;
  event.event_id = classified->event_id;
  event.type = classified->type;
  event.name = classified->name;
  event.entity = classified->entity;
  event.campaign_id = classified->campaign_id;
  event.body = std::move(classified->body);
  event.status = impl_->initial_status(*classified);
  event.queued_at = now;
  event.next_attempt_at = now;
  impl_->store.insert_event(event);
  return event;
}

BatchReport Simulator::run_batch() {
  const std::lock_guard lock(impl_->batch_mutex);
  const auto now = impl_->clock();
  auto due = impl_->store.due_events(now);

  // Lanes: the events of one entity, in queue order; an event without an entity is a lane of its own.
  std::vector<std::vector<QueuedEvent*>> lanes;
  std::unordered_map<std::string, std::size_t> lane_of;
  for (auto& event : due) {
    if (event.entity.empty()) {
      lanes.push_back({&event});
      continue;
    }
    const auto [it, inserted] = lane_of.emplace(event.entity, lanes.size());
    if (inserted) lanes.emplace_back();
    lanes[it->second].push_back(&event);
  }

  std::atomic<std::size_t> next_lane{0};
  std::atomic<std::size_t> attempted{0}, succeeded{0}, retrying{0}, failed{0};
  const auto work = [&] {
    for (auto lane = next_lane++; lane < lanes.size(); lane = next_lane++) {
      for (auto* event : lanes[lane]) {
        const auto record = impl_->deliver(*event, now, false);
        ++attempted;
        if (record.status == EventStatus::succeeded) ++succeeded;
        if (record.status == EventStatus::retrying) ++retrying;
        if (record.status == EventStatus::failed) ++failed;
      }
    }
  };
  {
    std::vector<std::jthread> workers;
    const auto count = std::min(impl_->config.concurrency, lanes.size());
    for (std::size_t i = 0; i < count; ++i) workers.emplace_back(work);
  }
  return BatchReport{attempted.load(), succeeded.load(), retrying.load(), failed.load()};
}

Result<DeliveryRecord, ApiError> Simulator::send_test(std::string_view destination) {
  const auto& config = impl_->config;
  if (config.mode == Mode::vrio) {
    if (destination != "transaction" && destination != "order" && destination != "order_offer" &&
        destination != "shipment") {
      return fail(ApiError{422, "invalid_field", "destination must be transaction, order, order_offer or shipment",
                           "destination"});
    }
  } else if (destination != "target") {
    return fail(ApiError{422, "invalid_field", "destination must be target", "destination"});
  }
  const auto type = config.mode == Mode::vrio ? std::string(destination) : std::string();
  if (impl_->destination_for(type.empty() ? "target" : type).empty()) {
    return fail(ApiError{422, "no_destination", "no URL is configured for " + std::string(destination), "destination"});
  }
  const auto now = impl_->clock();
  QueuedEvent event;
  {
    const std::lock_guard lock(impl_->enqueue_mutex);
    const auto id = impl_->store.next_event_id(1);
    event.body = sample_payload(config.mode, destination, id, now);
    auto classified = classify(config.mode, event.body, [id] { return id; }, now);
    if (!classified) return fail(classified.error());
    event.event_id = classified->event_id;
    event.type = classified->type;
    event.name = classified->name;
    event.entity = classified->entity;
    event.queued_at = now;
    event.next_attempt_at = now;
    event.status = EventStatus::failed;  // not for a batch: the test is sent here and now
    impl_->store.insert_event(event);
  }
  return impl_->deliver(event, now, true);
}

std::vector<DeliveryRecord> Simulator::deliveries(const DeliveryFilter& filter) const {
  return impl_->store.deliveries(filter);
}
std::vector<QueuedEvent> Simulator::events() const { return impl_->store.events(); }
std::vector<ShipmentRecord> Simulator::shipments() const { return impl_->store.shipments(); }
std::optional<ShipmentRecord> Simulator::shipment(std::int64_t shipment_id) const {
  return impl_->store.shipment(shipment_id);
}
Result<ShipmentRecord, ApiError> Simulator::change_shipment(std::int64_t shipment_id, std::string_view body) {
  auto change = read_shipment_change(body, shipment_id, impl_->clock());
  if (!change) return fail(change.error());
  const std::lock_guard lock(impl_->track_mutex);
  const auto shipment = impl_->store.shipment(shipment_id);
  if (!shipment) return fail(ApiError{404, "not_found", "no shipment " + std::to_string(shipment_id), ""});
  if (shipment->status != "Pending Post") {
    return fail(ApiError{409, "not_changeable", "shipment " + std::to_string(shipment_id) + " is " + shipment->status +
                                                    "; only a Pending Post shipment changes",
                         ""});
  }
  impl_->store.apply_shipment_change(*change);
  return *impl_->store.shipment(shipment_id);
}

std::vector<TrackingCall> Simulator::tracking_calls(std::optional<std::int64_t> shipment_id) const {
  return impl_->store.tracking_calls(shipment_id);
}
std::int64_t Simulator::next_event_id() const { return impl_->store.next_event_id(1); }
std::int64_t Simulator::next_shipment_id() const { return impl_->store.next_shipment_id(1); }

HttpResponse Simulator::handle(const HttpRequest& request) {
  const auto& path = request.path;
  const bool get = request.method == "GET";
  const bool post = request.method == "POST";
  const auto method_not_allowed = [](std::string_view allowed) {
    auto response = error_response(405, "method_not_allowed", "use " + std::string(allowed));
    response.headers.set("Allow", std::string(allowed));
    return response;
  };

  if (path == "/api/events") {
    if (get) {
      const auto page = page_request(request);
      if (!page) return answer(page.error());
      return page_answer("events", impl_->store.events(page->cursor.value_or(0), static_cast<std::int64_t>(page->limit) + 1),
                         *page, [](const QueuedEvent& event) { return event.sequence; });
    }
    if (!post) return method_not_allowed("GET, POST");
    auto queued = enqueue(request.body);
    if (!queued) return answer(queued.error());
    if (request.query_value("deliver") == std::optional<std::string_view>("now")) {
      static_cast<void>(run_batch());
      JsonWriter attempts;
  attempts.begin_array();
      for (const auto& delivery : deliveries({queued->event_id, std::nullopt})) attempts.raw(to_json(delivery));
      auto latest = *queued;
      for (const auto& event : events()) {
        if (event.sequence == queued->sequence) latest = event;
      }
      return answer(200, JsonWriter().begin_object().raw_member("event", to_json(latest)).raw_member("deliveries", attempts.end_array().take()).end_object().take());
    }
    return answer(202, JsonWriter().begin_object().raw_member("event", to_json(*queued)).end_object().take());
  }
  if (path == "/api/batches") {
    if (!post) return method_not_allowed("POST");
    const auto report = run_batch();
    return answer(200, JsonWriter().begin_object()
                           .member("attempted", static_cast<std::int64_t>(report.attempted))
                           .member("succeeded", static_cast<std::int64_t>(report.succeeded))
                           .member("retrying", static_cast<std::int64_t>(report.retrying))
                           .member("failed", static_cast<std::int64_t>(report.failed))
                           .end_object().take());
  }
  if (path == "/api/deliveries") {
    if (!get) return method_not_allowed("GET");
    DeliveryFilter filter;
    if (const auto id = request.query_value("event_id")) filter.event_id = std::string(*id);
    if (const auto status = request.query_value("status")) {
      filter.status = event_status_from_string(*status);
      if (!filter.status) {
        return answer(ApiError{400, "invalid_parameter",
                               "status must be pending, retrying, succeeded, failed, filtered, inactive or no_destination",
                               "status"});
      }
    }
    const auto page = page_request(request);
    if (!page) return answer(page.error());
    return page_answer("deliveries",
                       impl_->store.deliveries(filter, page->cursor.value_or(0), static_cast<std::int64_t>(page->limit) + 1),
                       *page, [](const DeliveryRecord& delivery) { return delivery.id; });
  }
  if (path == "/api/test") {
    if (!post) return method_not_allowed("POST");
    const auto destination =
        request.query_value("destination").value_or(impl_->config.mode == Mode::vrio ? "shipment" : "target");
    auto sent = send_test(destination);
    if (!sent) return answer(sent.error());
    return answer(200, to_json(*sent));
  }
  if (path == "/api/shipments") {
    if (!get) return method_not_allowed("GET");
    JsonWriter list;
  list.begin_array();
    for (const auto& shipment : shipments()) list.raw(to_json(shipment));
    return answer(200, list.end_array().take());
  }
  if (const auto target = shipment_path(path, "/api/shipments/"); target && !target->track) {
    if (!post) return method_not_allowed("POST");
    const auto id = parse_id(target->id);
    if (!id) return answer(ApiError{404, "not_found", "no shipment " + target->id, ""});
    auto changed = change_shipment(*id, request.body);
    if (!changed) return answer(changed.error());
    return answer(200, to_json(*changed));
  }
  if (path == "/api/tracking-calls") {
    if (!get) return method_not_allowed("GET");
    std::optional<std::int64_t> shipment_id;
    if (const auto text = request.query_value("shipment_id")) {
      shipment_id = parse_id(*text);
      if (!shipment_id) return answer(ApiError{400, "invalid_parameter", "shipment_id must be an integer", "shipment_id"});
    }
    JsonWriter list;
  list.begin_array();
    for (const auto& call : tracking_calls(shipment_id)) list.raw(to_json(call));
    return answer(200, list.end_array().take());
  }
  if (const auto target = shipment_path(path)) {
    if (impl_->platform_api_guard) {
      if (auto refused = impl_->platform_api_guard->check(request.peer, std::nullopt, request.headers); !refused) {
        return answer(ApiError{401, "unauthorized",
                               "the platform API needs the API key in " + impl_->config.api_key_header +
                                   (refused.error().kind == SourceGuardErrorKind::token_missing ? "" : "; this one is not it"),
                               impl_->config.api_key_header});
      }
    }
    const auto id = parse_id(target->id);
    if (target->track) {
      if (!post) return method_not_allowed("POST");
      const std::lock_guard lock(impl_->track_mutex);
      TrackingCall call;
      call.shipment_id = id.value_or(0);
      call.request_body = request.body;
      call.received_at = impl_->clock();
      if (const auto key = request.headers.get("Idempotency-Key")) call.idempotency_key = std::string(*key);
      const auto fingerprint = request.method + " " + path + "\n" + request.body;

      HttpResponse response;
      const auto stored = call.idempotency_key ? impl_->store.answer_for(*call.idempotency_key) : std::nullopt;
      if (stored && stored->fingerprint == fingerprint) {
        response = answer(stored->status, stored->body);
        response.headers.set("Idempotent-Replayed", "true");
      } else if (stored) {
        response = answer(ApiError{422, "idempotency_key_reused",
                                   "this Idempotency-Key was used with a different request", "Idempotency-Key"});
      } else {
        const auto shipment = id ? impl_->store.shipment(*id) : std::nullopt;
        auto post_body = read_tracking_post(request.body);
        if (!shipment) {
          response = answer(ApiError{404, "not_found", "no shipment " + target->id, ""});
        } else if (!post_body) {
          response = answer(post_body.error());
        } else if (shipment->status == "Cancelled" || shipment->status == "Skipped") {
          response = answer(ApiError{409, "not_shippable", "shipment " + target->id + " is " + shipment->status, ""});
        } else if (shipment->status == "Shipped") {
          if (shipment->tracking_id == post_body->tracking_id) {
            response = answer(200, to_json(*shipment));  // the same tracking again: nothing changes
          } else {
            response = answer(ApiError{409, "already_shipped",
                                       "shipment " + target->id + " already shipped with another tracking id", ""});
          }
        } else {
          const auto date = post_body->date_complete.value_or(toolkit::format_date_time_utc(call.received_at));
          impl_->store.mark_shipped(*id, post_body->tracking_id, post_body->carrier_id, date);
          call.effective = true;
          auto updated = *impl_->store.shipment(*id);
          ++updated.tracking_calls;
          ++updated.tracking_effective;
          response = answer(200, to_json(updated));
        }
        if (call.idempotency_key) {
          impl_->store.keep_answer(*call.idempotency_key, StoredAnswer{fingerprint, response.status, response.body});
        }
      }
      call.response_code = response.status;
      call.response_body = response.body;
      impl_->store.record_tracking_call(call);
      return response;
    }
    if (!get) return method_not_allowed("GET");
    const auto shipment = id ? impl_->store.shipment(*id) : std::nullopt;
    if (!shipment) return answer(ApiError{404, "not_found", "no shipment " + target->id, ""});
    return answer(200, platform_json(*shipment));
  }
  return answer(ApiError{404, "not_found", "no route " + request.method + " " + path, ""});
}

void add_routes(WebhookServer& server, Simulator& simulator) {
  const auto forward = [&simulator](const HttpRequest& request) { return simulator.handle(request); };
  for (const char* method : {"GET", "POST"}) {
    server.route(method, "/api/.*", forward);
    server.route(method, "/shipments/.*", forward);
  }
}

}  // namespace hookline::simulator
