#pragma once
/// @file
/// JSON for the fulfillment server: the codecs of what the store keeps as JSON (addresses, items,
/// shipment views) and the readers of the admin API's request bodies.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hookline/result.hpp"
#include "hookline/vrio.hpp"
#include "hookline/vrio_shipment.hpp"
#include "toolkit/json_writer.hpp"

namespace fulfillment::json {

/// An address as a JSON object under VRIO's field names.
void write_address(hookline::toolkit::JsonWriter& out, const hookline::vrio::Address& address);
/// Items as a JSON array under VRIO's field names.
void write_items(hookline::toolkit::JsonWriter& out, const std::vector<hookline::vrio::ShipmentItem>& items);

/// The address of write_address's JSON.
[[nodiscard]] hookline::Result<hookline::vrio::Address, std::string> read_address(std::string_view text);
/// The items of write_items's JSON.
[[nodiscard]] hookline::Result<std::vector<hookline::vrio::ShipmentItem>, std::string> read_items(std::string_view text);

/// A stored shipment view: the view without its held events, and the ids of those events (their
/// bodies live in the event log).
struct StoredView {
  hookline::vrio::ShipmentView view;  ///< Everything but `held`.
  std::vector<std::string> held_ids;  ///< The held events' ids, in key order.
};

/// The view as JSON; held events are written as their ids.
[[nodiscard]] std::string encode_view(const hookline::vrio::ShipmentView& view);
/// The view of encode_view's JSON.
[[nodiscard]] hookline::Result<StoredView, std::string> decode_view(std::string_view text);

/// A manual shipment as the admin API takes it.
struct ManualShipment {
  std::string tracking_number;  ///< `tracking` or `shipment_tracking_id`.
  std::int64_t carrier_id = 0;  ///< `carrier_id`, a number or a numeric string.
};

/// Reads `{"tracking": "...", "carrier_id": 2}` (also `shipment_tracking_id`); both are required.
[[nodiscard]] hookline::Result<ManualShipment, std::string> read_manual_shipment(std::string_view text);

/// The non-empty `note` of a body `{"note": "..."}` (an operator's reason for a dismissal).
[[nodiscard]] hookline::Result<std::string, std::string> read_note(std::string_view text);

/// The `message` of an error body (`{"error":{"code":..,"message":..}}`); empty when there is none.
[[nodiscard]] std::string error_message(std::string_view body);

}  // namespace fulfillment::json
