#pragma once
// Private: the platform API a fulfillment server calls (`GET /shipments/{id}`,
// `POST /shipments/{id}/track` with Idempotency-Key replay) behind its API-key guard, and the
// changes to the platform's shipments, one at a time.

#include <cstdint>
#include <mutex>
#include <optional>
#include <string_view>

#include "hookline/clock.hpp"
#include "hookline/receiver.hpp"
#include "hookline/result.hpp"
#include "hookline/source_guard.hpp"
#include "simulator/simulator.hpp"
#include "store.hpp"

namespace hookline::simulator {

/// The platform's side of the shipments. Thread-safe.
class PlatformApi {
 public:
  /// The API over `store`, which, like `config` and `clock`, must outlive it.
  PlatformApi(const Config& config, const Clock& clock, Store& store);

  /// With Config::platform_api_key, the 401 of a request without it in Config::api_key_header
  /// (or with another); nullopt lets the request through.
  [[nodiscard]] std::optional<HttpResponse> refuse_without_key(const HttpRequest& request) const;

  /// `GET /shipments/{id}` (the id in request.matches[1]): the shipment under VRIO's field names.
  [[nodiscard]] HttpResponse get_shipment(const HttpRequest& request) const;

  /// `POST /shipments/{id}/track` (the id in request.matches[1]): marks a Pending Post shipment
  /// Shipped with the tracking posted; the answer kept under an Idempotency-Key is replayed to the
  /// same request and refused to another. Every call is recorded.
  [[nodiscard]] HttpResponse post_tracking(const HttpRequest& request);

  /// Simulator::change_shipment().
  [[nodiscard]] Result<ShipmentRecord, ApiError> change_shipment(std::int64_t shipment_id, std::string_view body);

 private:
  /// The answer to a tracking post with no answer kept under its key; marks the shipment when it
  /// ships, and `call` effective then.
  [[nodiscard]] HttpResponse track(const HttpRequest& request, TrackingCall& call);

  const Config& config_;
  const Clock& clock_;
  Store& store_;
  std::optional<SourceGuard> key_guard_;
  std::mutex change_mutex_;  // one tracking post or control change at a time (idempotency keys, status changes)
};

}  // namespace hookline::simulator
