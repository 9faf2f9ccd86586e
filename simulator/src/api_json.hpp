#pragma once
// Private: what the control API and the platform API both answer: the shipment as JSON, times,
// numbers read from a path or a query, and the responses made of them.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "hookline/receiver.hpp"
#include "simulator/simulator.hpp"

namespace hookline::simulator {

/// `"YYYY-MM-DD HH:MM:SS"` (UTC) as a JSON string, or `null`.
[[nodiscard]] std::string time_json(std::optional<std::chrono::sys_seconds> when);

/// The shipment as the platform API shows it (`GET /shipments/{id}`): VRIO's field names, as its
/// shipment webhooks carry them.
[[nodiscard]] std::string platform_shipment_json(const ShipmentRecord& shipment);

/// The shipment with the tracking posts it received: the platform's fields, `tracking_posts` and
/// `tracking_posts_effective`.
[[nodiscard]] std::string shipment_json(const ShipmentRecord& shipment);

/// A response of `status` with `body`.
[[nodiscard]] HttpResponse answer(int status, std::string body);

/// The hookline::error_response() of a refusal, with its field when it names one.
[[nodiscard]] HttpResponse answer(const ApiError& error);

/// All of `text` as a non-negative decimal integer (an id in a path, a number in a query); nullopt
/// for anything else.
[[nodiscard]] std::optional<std::int64_t> parse_non_negative(std::string_view text);

}  // namespace hookline::simulator
