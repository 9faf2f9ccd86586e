#include "payload.hpp"

#include <simdjson.h>

#include "json.hpp"
#include "toolkit/dates.hpp"
#include "toolkit/json_writer.hpp"

namespace hookline::simulator {

namespace {

using toolkit::JsonWriter;

ApiError bad(int status, std::string code, std::string message, std::string field = {}) {
  return ApiError{status, std::move(code), std::move(message), std::move(field)};
}

/// Inserts `"name":value,` right after the opening brace of an object text.
void insert_member(std::string& body, std::string_view name, std::string_view json_value) {
  const auto brace = body.find('{');
  std::string member = toolkit::json_string(name) + ":" + std::string(json_value);
  // An empty object gets no comma.
  const auto next = body.find_first_not_of(" \t\r\n", brace + 1);
  if (next == std::string::npos || body[next] != '}') member += ',';
  body.insert(brace + 1, member);
}

bool has_member(simdjson::dom::object object, std::string_view name) {
  simdjson::dom::element value;
  return object[name].get(value) == simdjson::SUCCESS && !value.is_null();
}

/// A member's JSON text (minified) when it is of `type`; nullopt when absent, null or of another type.
std::optional<std::string> json_member(simdjson::dom::object object, std::string_view name,
                                       simdjson::dom::element_type type) {
  simdjson::dom::element value;
  if (object[name].get(value) != simdjson::SUCCESS || value.type() != type) return std::nullopt;
  return simdjson::to_string(value);
}

/// A member as a VRIO date; nullopt when absent, null, empty or "0000-00-00 00:00:00".
std::optional<std::chrono::sys_seconds> date_of(simdjson::dom::object object, std::string_view name) {
  const auto text = json::text_of(object, name);
  return text ? toolkit::parse_date_time_utc(*text) : std::nullopt;
}

/// What a shipment object of a webhook or a control call says about the shipment's aspects.
void read_shipment_fields(simdjson::dom::object shipment, ShipmentChange& change) {
  change.date_scheduled = date_of(shipment, "date_scheduled");
  change.date_cancel = date_of(shipment, "date_cancel");
  change.customer_id = json::integer_of(shipment, "customer_id");
  change.order_id = json::integer_of(shipment, "order_id");
  change.items = json_member(shipment, "shipment_items", simdjson::dom::element_type::ARRAY);
  change.address = json_member(shipment, "customer_address_shipping", simdjson::dom::element_type::OBJECT);
}

/// The VRIO webhook type an event name belongs to.
std::string vrio_type_of(std::string_view name) {
  for (const std::string_view type : {"order_offer", "transaction", "shipment", "order"}) {
    if (name.starts_with(type) && name.size() > type.size() && name[type.size()] == '_') return std::string(type);
  }
  return {};
}

Result<Classified, ApiError> classify_vrio(simdjson::dom::object root, std::string body,
                                           const std::function<std::int64_t()>& next_id,
                                           std::chrono::sys_seconds now) {
  Classified out;
  const auto name = json::text_of(root, "webhook_event");
  if (!name || name->empty()) return fail(bad(422, "missing_field", "webhook_event is required", "webhook_event"));
  out.name = *name;
  out.type = json::text_of(root, "webhook_type").value_or(vrio_type_of(out.name));
  if (out.type.empty()) {
    return fail(bad(422, "missing_field", "webhook_type is required for event " + out.name, "webhook_type"));
  }
  if (const auto id = json::text_of(root, "webhook_event_id"); id && !id->empty()) {
    out.event_id = *id;
  } else if (has_member(root, "webhook_event_id")) {
    return fail(bad(422, "invalid_field", "webhook_event_id must be a string or an integer", "webhook_event_id"));
  } else {
    out.event_id = std::to_string(next_id());
    insert_member(body, "webhook_event_id", out.event_id);
  }
  if (!has_member(root, "webhook_event_date")) {
    insert_member(body, "webhook_event_date", toolkit::json_string(toolkit::format_date_time_utc(now)));
  }

  simdjson::dom::object entity;
  if (root["webhook_data"][out.type].get(entity) == simdjson::SUCCESS) {
    out.campaign_id = json::integer_of(entity, "campaign_id");
    const std::string_view id_field = out.type == "shipment"      ? "shipment_id"
                                      : out.type == "transaction" ? "transaction_id"
                                                                  : "id";
    auto id = json::text_of(entity, id_field);
    if (!id && out.type == "transaction") id = json::text_of(entity, "id");
    if (id) out.entity = out.type + ":" + *id;
    if (out.type == "shipment") {
      const auto shipment_id = json::integer_of(entity, "shipment_id");
      if (!shipment_id) {
        return fail(bad(422, "missing_field", "webhook_data.shipment.shipment_id is required",
                        "webhook_data.shipment.shipment_id"));
      }
      ShipmentChange change;
      change.shipment_id = *shipment_id;
      change.at = date_of(root, "webhook_event_date").value_or(now);
      change.campaign_id = out.campaign_id;
      read_shipment_fields(entity, change);
      if (out.name == "shipment_cancelled") change.new_status = "Cancelled";
      if (out.name == "shipment_skipped") change.new_status = "Skipped";
      if (out.name == "shipment_shipped" || out.name == "shipment_fulfilled") change.new_status = "Shipped";
      out.shipment = change;
    }
  }
  out.body = std::move(body);
  return out;
}

Result<Classified, ApiError> classify_ordergroove(simdjson::dom::object root, std::string body,
                                                  const std::function<std::int64_t()>& next_id,
                                                  std::chrono::sys_seconds now) {
  Classified out;
  const auto type = json::text_of(root, "type");
  if (!type || type->empty()) return fail(bad(422, "missing_field", "type is required", "type"));
  out.name = *type;
  out.type = type->substr(0, type->find('.'));
  if (const auto id = json::text_of(root, "id"); id && !id->empty()) {
    out.event_id = *id;
  } else {
    out.event_id = std::to_string(next_id());
    insert_member(body, "id", toolkit::json_string(out.event_id));
  }
  if (!has_member(root, "created")) insert_member(body, "created", std::to_string(now.time_since_epoch().count()));
  simdjson::dom::object object;
  if (root["data"]["object"].get(object) == simdjson::SUCCESS) {
    auto id = json::text_of(object, "public_id");
    if (!id && out.type == "subscriber") id = json::text_of(object, "merchant_user_id");
    if (id) out.entity = out.type + ":" + *id;
  }
  out.body = std::move(body);
  return out;
}

Result<Classified, ApiError> classify_vero(simdjson::dom::object root, std::string body,
                                           const std::function<std::int64_t()>& next_id) {
  Classified out;
  const auto type = json::text_of(root, "type");
  if (!type || type->empty()) return fail(bad(422, "missing_field", "type is required", "type"));
  out.name = *type;
  out.type = *type;
  // Vero sends no event id: the simulator numbers its events for the log only, the body is unchanged.
  out.event_id = std::to_string(next_id());
  simdjson::dom::object user;
  if (root["user"].get(user) == simdjson::SUCCESS) {
    if (auto id = json::text_of(user, "id")) {
      out.entity = "user:" + *id;
    } else if (auto email = json::text_of(user, "email")) {
      out.entity = "user:" + *email;
    }
  }
  out.body = std::move(body);
  return out;
}

}  // namespace

Result<Classified, ApiError> classify(Mode mode, std::string_view body, const std::function<std::int64_t()>& next_id,
                                      std::chrono::sys_seconds now) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(simdjson::padded_string(body)).get(root) != simdjson::SUCCESS) {
    return fail(bad(400, "invalid_json", "the body is not valid JSON"));
  }
  simdjson::dom::object object;
  if (root.get_object().get(object) != simdjson::SUCCESS) {
    return fail(bad(400, "invalid_json", "the body must be a JSON object"));
  }
  std::string text(body);
  switch (mode) {
    case Mode::vrio: return classify_vrio(object, std::move(text), next_id, now);
    case Mode::ordergroove: return classify_ordergroove(object, std::move(text), next_id, now);
    case Mode::vero: return classify_vero(object, std::move(text), next_id);
  }
  return fail(bad(400, "invalid_mode", "unknown mode"));
}

Result<ShipmentChange, ApiError> read_shipment_change(std::string_view body, std::int64_t shipment_id,
                                                     std::chrono::sys_seconds now) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  simdjson::dom::object object;
  if (parser.parse(simdjson::padded_string(body)).get(root) != simdjson::SUCCESS ||
      root.get_object().get(object) != simdjson::SUCCESS) {
    return fail(bad(400, "invalid_json", "the body must be a JSON object"));
  }
  ShipmentChange change;
  change.shipment_id = shipment_id;
  change.at = now;
  for (const auto field : object) {
    const std::string_view name = field.key;
    if (name != "shipment_status_id" && name != "customer_address_shipping" && name != "shipment_items" &&
        name != "date_scheduled") {
      return fail(bad(422, "invalid_field",
                      "only shipment_status_id, customer_address_shipping, shipment_items and date_scheduled can be "
                      "changed",
                      std::string(name)));
    }
  }
  if (has_member(object, "shipment_status_id")) {
    const auto status = json::text_of(object, "shipment_status_id");
    if (status != "Cancelled" && status != "Skipped") {
      return fail(
          bad(422, "invalid_field", "shipment_status_id can be set to Cancelled or Skipped", "shipment_status_id"));
    }
    change.new_status = *status;
    if (*status == "Cancelled") change.date_cancel = now;
  }
  if (has_member(object, "customer_address_shipping")) {
    change.address = json_member(object, "customer_address_shipping", simdjson::dom::element_type::OBJECT);
    if (!change.address) {
      return fail(
          bad(422, "invalid_field", "customer_address_shipping must be an object", "customer_address_shipping"));
    }
  }
  if (has_member(object, "shipment_items")) {
    change.items = json_member(object, "shipment_items", simdjson::dom::element_type::ARRAY);
    if (!change.items) return fail(bad(422, "invalid_field", "shipment_items must be an array", "shipment_items"));
  }
  if (has_member(object, "date_scheduled")) {
    change.date_scheduled = date_of(object, "date_scheduled");
    if (!change.date_scheduled) {
      return fail(bad(422, "invalid_field", "date_scheduled must be a date \"YYYY-MM-DD HH:MM:SS\"", "date_scheduled"));
    }
  }
  if (!change.new_status && !change.address && !change.items && !change.date_scheduled) {
    return fail(bad(422, "missing_field", "nothing to change: give shipment_status_id, customer_address_shipping, "
                                          "shipment_items or date_scheduled"));
  }
  return change;
}

std::string sample_payload(Mode mode, std::string_view destination, std::int64_t event_id,
                           std::chrono::sys_seconds now) {
  const auto date = toolkit::format_date_time_utc(now);
  if (mode == Mode::vero) {
    return JsonWriter().begin_object()
        .member("sent_at", static_cast<std::int64_t>(now.time_since_epoch().count()))
        .member("type", "sent")
        .raw_member("user", JsonWriter()
                                .begin_object()
                                .member("id", 123)
                                .member("email", "steve@getvero.com")
                                .end_object()
                                .take())
        .raw_member("campaign", JsonWriter().begin_object()
                             .member("id", 987)
                             .member("type", "transactional")
                             .member("name", "Order confirmation")
                             .member("channel", "email")
                             .member("subject", "Your order is being processed!")
                             .member("trigger-event", "purchased item")
                             .end_object().take())
        .member("message_id", "20190730123456.1.1B72E094173067F0F@veromail.com")
        .end_object().take();
  }
  if (mode == Mode::ordergroove) {
    return JsonWriter().begin_object()
        .member("id", std::to_string(event_id))
        .member("type", "subscription.create")
        .member("created", static_cast<std::int64_t>(now.time_since_epoch().count()))
        .raw_member("data", JsonWriter().begin_object()
                         .raw_member("object", JsonWriter().begin_object()
                                            .member("public_id", "a1b2c3d4e5f6")
                                            .member("merchant", "abc12345")
                                            .member("customer", "71135")
                                            .member("product", "SUP-001")
                                            .member("quantity", 1)
                                            .member("frequency_days", 30)
                                            .member("live", true)
                                            .end_object().take())
                         .end_object().take())
        .end_object().take();
  }
  std::string name;
  std::string data;
  if (destination == "transaction") {
    name = "transaction_completed";
    data = JsonWriter().begin_object()
               .member("transaction_id", 488120)
               .member("order_id", 135123)
               .member("customer_id", 71135)
               .member("transaction_type", "Sale")
               .member("response_type", "Approved")
               .member("transaction_total", "39.95")
               .member("date_complete", date)
               .end_object().take();
  } else if (destination == "order") {
    name = "order_updated";
    data = JsonWriter()
               .begin_object()
               .member("id", 135123)
               .member("customer_id", 71135)
               .member("campaign_id", 1)
               .member("date_modified", date)
               .end_object()
               .take();
  } else if (destination == "order_offer") {
    name = "order_offer_updated";
    data = JsonWriter().begin_object()
               .member("id", 98765)
               .member("order_id", 135123)
               .member("customer_id", 71135)
               .member("offer_name", "Monthly Supplement Box")
               .member("status_type_id", "Active")
               .member("charge_timeframe_name", "Monthly")
               .end_object().take();
  } else {
    name = "shipment_scheduled";
    data = JsonWriter().begin_object()
               .member("shipment_id", 251606)
               .member("customer_id", 71135)
               .member("order_id", 135123)
               .member("shipment_status_id", "Pending Post")
               .member("date_scheduled", date)
               .raw_member("shipment_items", "[" + JsonWriter().begin_object()
                                               .member("shipment_item_id", 270243)
                                               .member("quantity", 1)
                                               .member("item_id", 1282)
                                               .member("item_name", "Monthly Supplement Box")
                                               .member("item_sku", "SUP-001")
                                               .end_object().take() + "]")
               .raw_member("customer_address_shipping", JsonWriter().begin_object()
                                                     .member("fname", "John")
                                                     .member("lname", "Doe")
                                                     .member("address1", "123 Main St")
                                                     .raw_member("address2", "null")
                                                     .member("city", "Denver")
                                                     .member("country", "US")
                                                     .member("state", "CO")
                                                     .member("zipcode", "80014")
                                                     .end_object().take())
               .end_object().take();
  }
  const std::string type = destination == "transaction" || destination == "order" || destination == "order_offer"
                               ? std::string(destination)
                               : std::string("shipment");
  return JsonWriter().begin_object()
      .member("webhook_type", type)
      .member("webhook_event", name)
      .member("webhook_event_id", event_id)
      .member("webhook_event_date", date)
      .raw_member("webhook_data", JsonWriter().begin_object().raw_member(type, data).end_object().take())
      .end_object().take();
}

}  // namespace hookline::simulator
