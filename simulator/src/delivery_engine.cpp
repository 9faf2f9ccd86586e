#include "delivery_engine.hpp"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <stdexcept>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "hookline/backoff.hpp"
#include "hookline/sign.hpp"

namespace hookline::simulator {

namespace {

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
  if (!signer) {
    throw std::invalid_argument("simulator: unusable signing secret: " + signer.error().to_string());
  }
  return Sender(std::move(*signer), options);
}

/// True when the delivery of `event_id` is one of the `rate` share dropped under `seed`: a hash of
/// both (splitmix64 over FNV-1a), so the choice depends on nothing else.
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

}  // namespace

DeliveryEngine::DeliveryEngine(const Config& config, const Clock& clock, Store& store)
    : config_(config), clock_(clock), store_(store), sender_(make_sender(config)) {}

Result<QueuedEvent, ApiError> DeliveryEngine::enqueue(std::string_view body) {
  const std::lock_guard lock(enqueue_mutex_);
  const auto now = clock_();
  const auto next_id = [this] { return store_.next_event_id(1); };
  auto classified = classify(config_.mode, body, next_id, now);
  if (!classified) return fail(classified.error());
  if (classified->shipment) store_.apply_shipment_change(*classified->shipment);
  QueuedEvent event;
  event.event_id = classified->event_id;
  event.type = classified->type;
  event.name = classified->name;
  event.entity = classified->entity;
  event.campaign_id = classified->campaign_id;
  event.body = std::move(classified->body);
  event.status = initial_status(*classified);
  event.queued_at = now;
  event.next_attempt_at = now;
  store_.insert_event(event);
  return event;
}

BatchReport DeliveryEngine::run_batch() {
  const std::lock_guard lock(batch_mutex_);
  const auto now = clock_();
  auto due = store_.due_events(now);

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
        const auto record = deliver(*event, now, false);
        ++attempted;
        if (record.status == EventStatus::succeeded) ++succeeded;
        if (record.status == EventStatus::retrying) ++retrying;
        if (record.status == EventStatus::failed) ++failed;
      }
    }
  };
  {
    std::vector<std::jthread> workers;
    const auto count = std::min(config_.concurrency, lanes.size());
    for (std::size_t i = 0; i < count; ++i) workers.emplace_back(work);
  }
  return BatchReport{attempted.load(), succeeded.load(), retrying.load(), failed.load()};
}

Result<DeliveryRecord, ApiError> DeliveryEngine::send_test(std::string_view destination) {
  if (config_.mode == Mode::vrio) {
    if (destination != "transaction" && destination != "order" && destination != "order_offer" &&
        destination != "shipment") {
      return fail(ApiError{422, "invalid_field", "destination must be transaction, order, order_offer or shipment",
                           "destination"});
    }
  } else if (destination != "target") {
    return fail(ApiError{422, "invalid_field", "destination must be target", "destination"});
  }
  const auto type = config_.mode == Mode::vrio ? std::string(destination) : std::string();
  if (destination_for(type.empty() ? "target" : type).empty()) {
    return fail(ApiError{422, "no_destination", "no URL is configured for " + std::string(destination),
                         "destination"});
  }
  const auto now = clock_();
  QueuedEvent event;
  {
    const std::lock_guard lock(enqueue_mutex_);
    const auto id = store_.next_event_id(1);
    event.body = sample_payload(config_.mode, destination, id, now);
    auto classified = classify(config_.mode, event.body, [id] { return id; }, now);
    if (!classified) return fail(classified.error());
    event.event_id = classified->event_id;
    event.type = classified->type;
    event.name = classified->name;
    event.entity = classified->entity;
    event.queued_at = now;
    event.next_attempt_at = now;
    event.status = EventStatus::failed;  // not for a batch: the test is sent here and now
    store_.insert_event(event);
  }
  return deliver(event, now, true);
}

std::string DeliveryEngine::destination_for(std::string_view type) const {
  if (config_.mode != Mode::vrio) return config_.target_url;
  if (type == "transaction") return config_.vrio_urls.transaction;
  if (type == "order") return config_.vrio_urls.order;
  if (type == "order_offer") return config_.vrio_urls.order_offer;
  if (type == "shipment") return config_.vrio_urls.shipment;
  return {};
}

EventStatus DeliveryEngine::initial_status(const Classified& event) const {
  if (config_.mode == Mode::vrio) {
    if (!config_.active) return EventStatus::inactive;
    if (!config_.campaigns.empty() && (!event.campaign_id || !config_.campaigns.contains(*event.campaign_id))) {
      return EventStatus::filtered;
    }
  }
  if (destination_for(event.type).empty()) return EventStatus::no_destination;
  return EventStatus::pending;
}

std::chrono::seconds DeliveryEngine::retry_delay(int attempts) const {
  return backoff_ceiling(config_.retry.first_delay, config_.retry.max_delay, attempts);
}

DeliveryRecord DeliveryEngine::deliver(QueuedEvent& event, std::chrono::sys_seconds now, bool test) {
  Outgoing outgoing;
  outgoing.url = destination_for(event.type);
  outgoing.body = event.body;
  outgoing.event_id = event.event_id;
  // A dropped delivery is never sent; the log shows it as the attempt to an unreachable receiver.
  const bool drop = !test && dropped(event.event_id, config_.drop_rate, config_.drop_seed);
  Attempt attempt;
  if (drop) {
    attempt.url = outgoing.url;
    attempt.event_id = outgoing.event_id;
    attempt.request_body = outgoing.body;
    attempt.sent_at = now;
    attempt.error = SendError::other;
  } else {
    attempt = sender_.send(outgoing, now);
  }
  ++event.attempts;
  if (attempt.succeeded()) {
    event.status = EventStatus::succeeded;
  } else if (config_.mode == Mode::ordergroove && !test && event.attempts < config_.retry.max_attempts) {
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
  record.error_detail =
      drop ? std::string("not sent: one of the deliveries the drop rate leaves out") : attempt.error_detail;
  record.sent_at = attempt.sent_at;
  record.duration_us = attempt.duration.count();
  record.status = event.status;
  record.test = test;
  store_.record_attempt(event, record);
  return record;
}

}  // namespace hookline::simulator
