#include "api_json.hpp"

#include <charconv>
#include <utility>
#include <vector>

#include "toolkit/dates.hpp"
#include "toolkit/json_writer.hpp"

namespace hookline::simulator {

namespace {

/// The platform's fields of a shipment; the object is left open for more members.
toolkit::JsonWriter platform_fields(const ShipmentRecord& shipment) {
  toolkit::JsonWriter out;
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

}  // namespace

std::string time_json(std::optional<std::chrono::sys_seconds> when) {
  return when ? toolkit::json_string(toolkit::format_date_time_utc(*when)) : std::string("null");
}

std::string platform_shipment_json(const ShipmentRecord& shipment) {
  return platform_fields(shipment).end_object().take();
}

std::string shipment_json(const ShipmentRecord& shipment) {
  return platform_fields(shipment)
      .member("tracking_posts", shipment.tracking_calls)
      .member("tracking_posts_effective", shipment.tracking_effective)
      .end_object()
      .take();
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

std::optional<std::int64_t> parse_non_negative(std::string_view text) {
  std::int64_t value = 0;
  const auto [end, failure] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || failure != std::errc{} || end != text.data() + text.size() || value < 0) return std::nullopt;
  return value;
}

}  // namespace hookline::simulator
