#pragma once
/// @file
/// JSON for the fulfillment server: a small writer for API answers and log lines, and the codecs of
/// what the store keeps as JSON (addresses, items, shipment views).

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hookline/result.hpp"
#include "hookline/vrio.hpp"
#include "hookline/vrio_shipment.hpp"

namespace fulfillment::json {

/// Appends compact JSON text; the caller keeps the nesting right, the writer places the commas.
class Writer {
 public:
  /// Starts an object as a value.
  Writer& begin_object();
  /// Ends the innermost object.
  Writer& end_object();
  /// Starts an array as a value.
  Writer& begin_array();
  /// Ends the innermost array.
  Writer& end_array();
  /// Writes a member name; the next call writes its value.
  Writer& key(std::string_view name);
  /// A string value.
  Writer& string(std::string_view text);
  /// An integer value.
  Writer& integer(std::int64_t number);
  /// A number value with a fraction.
  Writer& number(double value);
  /// A boolean value.
  Writer& boolean(bool flag);
  /// A null value.
  Writer& null();
  /// Already valid JSON text, written as is.
  Writer& raw(std::string_view json_text);
  /// A time as "YYYY-MM-DDTHH:MM:SSZ".
  Writer& time(std::chrono::sys_seconds when);
  /// A string, or null when absent.
  Writer& optional_string(const std::optional<std::string>& text);
  /// An integer, or null when absent.
  Writer& optional_integer(const std::optional<std::int64_t>& number);
  /// A time, or null when absent.
  Writer& optional_time(const std::optional<std::chrono::sys_seconds>& when);

  /// The text so far.
  [[nodiscard]] const std::string& text() const noexcept { return out_; }
  /// Moves the text out.
  [[nodiscard]] std::string take() && noexcept { return std::move(out_); }

 private:
  void before_value();
  std::string out_;
  bool need_comma_ = false;
};

/// "2026-03-22T14:30:00Z".
[[nodiscard]] std::string iso8601(std::chrono::sys_seconds when);
/// "2026-03-22 14:30:00", VRIO's date format (in UTC).
[[nodiscard]] std::string vrio_date(std::chrono::sys_seconds when);

/// An address as a JSON object under VRIO's field names.
void write_address(Writer& out, const hookline::vrio::Address& address);
/// Items as a JSON array under VRIO's field names.
void write_items(Writer& out, const std::vector<hookline::vrio::ShipmentItem>& items);

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
