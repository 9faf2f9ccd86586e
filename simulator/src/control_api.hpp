#pragma once
// Private: the simulator's own control API (`/api/...`): queue events, run a batch, send a test,
// read the log, the shipments and the tracking calls, change a shipment without a webhook.

#include "delivery_engine.hpp"
#include "hookline/receiver.hpp"
#include "platform_api.hpp"
#include "simulator/simulator.hpp"
#include "store.hpp"

namespace hookline::simulator {

/// The control API's routes, each answering as Simulator::handle() documents. Thread-safe.
class ControlApi {
 public:
  /// The API over the simulator's parts, which must outlive it.
  ControlApi(const Config& config, Store& store, DeliveryEngine& engine, PlatformApi& platform);

  /// `POST /api/events[?deliver=now]`: queues the body (202), or queues it, runs a batch and
  /// answers the event with its attempts (200).
  [[nodiscard]] HttpResponse post_event(const HttpRequest& request);
  /// `GET /api/events?limit=…&cursor=…`: a page of the queue.
  [[nodiscard]] HttpResponse list_events(const HttpRequest& request) const;
  /// `POST /api/batches`: runs a batch and answers its BatchReport.
  [[nodiscard]] HttpResponse post_batch(const HttpRequest& request);
  /// `GET /api/deliveries?event_id=…&status=…&limit=…&cursor=…`: a page of the delivery log.
  [[nodiscard]] HttpResponse list_deliveries(const HttpRequest& request) const;
  /// `POST /api/test?destination=…`: the Test link; the attempt it logged.
  [[nodiscard]] HttpResponse post_test(const HttpRequest& request);
  /// `GET /api/shipments`: every shipment, with its tracking posts counted.
  [[nodiscard]] HttpResponse list_shipments(const HttpRequest& request) const;
  /// `POST /api/shipments/{id}` (the id in request.matches[1]): Simulator::change_shipment().
  [[nodiscard]] HttpResponse change_shipment(const HttpRequest& request);
  /// `GET /api/tracking-calls[?shipment_id=…]`: the tracking posts received, oldest first.
  [[nodiscard]] HttpResponse list_tracking_calls(const HttpRequest& request) const;

 private:
  const Config& config_;
  Store& store_;
  DeliveryEngine& engine_;
  PlatformApi& platform_;
};

}  // namespace hookline::simulator
