#pragma once
// Private: what the simulator needs to know about a posted payload, per mode, and the sample
// payloads the Test action sends.

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "hookline/result.hpp"
#include "simulator/simulator.hpp"

namespace hookline::simulator {

/// A change to the platform's own shipment: what a shipment event says, or a control call that
/// changes the shipment without a webhook. Every field but the id is optional: absent leaves it.
struct ShipmentChange {
  std::int64_t shipment_id = 0;
  std::chrono::sys_seconds at{};  // when it happened (the event's date); a newer address or items wins
  std::optional<std::string> new_status;  // "Cancelled", "Skipped", "Shipped"; none for other events
  std::optional<std::chrono::sys_seconds> date_scheduled;
  std::optional<std::chrono::sys_seconds> date_cancel;
  std::optional<std::int64_t> campaign_id;
  std::optional<std::int64_t> customer_id;
  std::optional<std::int64_t> order_id;
  std::optional<std::string> items;    // shipment_items, JSON text of an array
  std::optional<std::string> address;  // customer_address_shipping, JSON text of an object
};

/// The change a control call asks for (`POST /api/shipments/{id}`): `shipment_status_id`
/// ("Cancelled" or "Skipped"), `customer_address_shipping` (an object), `shipment_items` (an array),
/// `date_scheduled`; at least one of them. Refuses anything else with the field named.
[[nodiscard]] Result<ShipmentChange, ApiError> read_shipment_change(std::string_view body, std::int64_t shipment_id,
                                                                    std::chrono::sys_seconds now);

/// A payload ready to queue.
struct Classified {
  std::string body;  // with an assigned id and date when they were missing
  std::string event_id;
  std::string type;
  std::string name;
  std::string entity;
  std::optional<std::int64_t> campaign_id;
  std::optional<ShipmentChange> shipment;
};

/// Reads `body` as a payload of `mode`, assigning a missing event id (from `next_id`) and date (`now`).
[[nodiscard]] Result<Classified, ApiError> classify(Mode mode, std::string_view body,
                                                    const std::function<std::int64_t()>& next_id,
                                                    std::chrono::sys_seconds now);

/// A sample payload for the Test action; `destination` is a VRIO webhook type, or "target".
[[nodiscard]] std::string sample_payload(Mode mode, std::string_view destination, std::int64_t event_id,
                                         std::chrono::sys_seconds now);

}  // namespace hookline::simulator
