#include "simulator/simulator.hpp"

#include <utility>

#include "control_api.hpp"
#include "delivery_engine.hpp"
#include "platform_api.hpp"
#include "route_table.hpp"
#include "store.hpp"
#include "toolkit/name_table.hpp"

namespace hookline::simulator {

namespace {

constexpr auto mode_names = toolkit::name_table<Mode>({
    {Mode::vrio, "vrio"},
    {Mode::ordergroove, "ordergroove"},
    {Mode::vero, "vero"},
});

constexpr auto event_status_names = toolkit::name_table<EventStatus>({
    {EventStatus::pending, "pending"},
    {EventStatus::retrying, "retrying"},
    {EventStatus::succeeded, "succeeded"},
    {EventStatus::failed, "failed"},
    {EventStatus::filtered, "filtered"},
    {EventStatus::inactive, "inactive"},
    {EventStatus::no_destination, "no_destination"},
});

/// `config` with at least one delivery in flight.
Config normalized(Config config) {
  if (config.concurrency == 0) config.concurrency = 1;
  return config;
}

/// Every route of the control API and the platform API: the one list that Simulator::handle() and
/// add_routes() serve.
RouteTable api_routes(ControlApi& control, PlatformApi& platform) {
  const auto answered_by = [](auto& api, auto answer) {
    return [&api, answer](const HttpRequest& request) { return (api.*answer)(request); };
  };
  const AccessCheck platform_key = [&platform](const HttpRequest& request) {
    return platform.refuse_without_key(request);
  };
  return RouteTable({
      {"GET", "/api/events", answered_by(control, &ControlApi::list_events), {}},
      {"POST", "/api/events", answered_by(control, &ControlApi::post_event), {}},
      {"POST", "/api/batches", answered_by(control, &ControlApi::post_batch), {}},
      {"GET", "/api/deliveries", answered_by(control, &ControlApi::list_deliveries), {}},
      {"POST", "/api/test", answered_by(control, &ControlApi::post_test), {}},
      {"GET", "/api/shipments", answered_by(control, &ControlApi::list_shipments), {}},
      {"POST", "/api/shipments/([^/]+)", answered_by(control, &ControlApi::change_shipment), {}},
      {"GET", "/api/tracking-calls", answered_by(control, &ControlApi::list_tracking_calls), {}},
      {"GET", "/shipments/([^/]+)", answered_by(platform, &PlatformApi::get_shipment), platform_key},
      {"POST", "/shipments/([^/]+)/track", answered_by(platform, &PlatformApi::post_tracking), platform_key},
  });
}

}  // namespace

std::string_view to_string(Mode mode) noexcept { return toolkit::name_of(mode_names, mode, "vrio"); }

std::optional<Mode> mode_from_string(std::string_view name) noexcept {
  return toolkit::value_of(mode_names, name, std::optional<Mode>{});
}

std::string_view to_string(EventStatus status) noexcept {
  return toolkit::name_of(event_status_names, status, "failed");
}

std::optional<EventStatus> event_status_from_string(std::string_view name) noexcept {
  return toolkit::value_of(event_status_names, name, std::optional<EventStatus>{});
}

struct Simulator::Impl {
  Impl(Config configured, Clock clock_in)
      : config(normalized(std::move(configured))),
        clock(std::move(clock_in)),
        store(config.db_path),
        engine(config, clock, store),
        platform(config, clock, store),
        control(config, store, engine, platform),
        routes(api_routes(control, platform)) {}

  Config config;
  Clock clock;
  Store store;
  DeliveryEngine engine;
  PlatformApi platform;
  ControlApi control;
  RouteTable routes;
};

Simulator::Simulator(Config config, Clock clock)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(clock))) {}
Simulator::~Simulator() = default;

const Config& Simulator::config() const noexcept { return impl_->config; }

Result<QueuedEvent, ApiError> Simulator::enqueue(std::string_view body) { return impl_->engine.enqueue(body); }

BatchReport Simulator::run_batch() { return impl_->engine.run_batch(); }

Result<DeliveryRecord, ApiError> Simulator::send_test(std::string_view destination) {
  return impl_->engine.send_test(destination);
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
  return impl_->platform.change_shipment(shipment_id, body);
}

std::vector<TrackingCall> Simulator::tracking_calls(std::optional<std::int64_t> shipment_id) const {
  return impl_->store.tracking_calls(shipment_id);
}

std::int64_t Simulator::next_event_id() const { return impl_->store.next_event_id(1); }

std::int64_t Simulator::next_shipment_id() const { return impl_->store.next_shipment_id(1); }

HttpResponse Simulator::handle(const HttpRequest& request) { return impl_->routes.handle(request); }

void add_routes(WebhookServer& server, Simulator& simulator) { simulator.impl_->routes.add_to(server); }

}  // namespace hookline::simulator
