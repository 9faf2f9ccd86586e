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

/// A shipment event's effect on the platform's own shipment.
struct ShipmentChange {
  std::int64_t shipment_id = 0;
  std::optional<std::string> new_status;  // "Cancelled", "Skipped", "Shipped"; none for other events
  std::optional<std::chrono::sys_seconds> date_scheduled;
  std::optional<std::int64_t> campaign_id;
};

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
