#include "hookline/store_admin.hpp"

#include <array>
#include <string>
#include <utility>

#include "detail/json_fields.hpp"
#include "detail/json_reader.hpp"
#include "toolkit/dates.hpp"
#include "toolkit/json_writer.hpp"
#include "toolkit/name_table.hpp"

namespace hookline::store_admin {

namespace {

using detail::JsonValue;
using toolkit::JsonWriter;
using detail::key_is;
using detail::ReadResult;

constexpr auto event_names = toolkit::name_table<EventType>({
    {EventType::order_created, "order.created"},
    {EventType::order_updated, "order.updated"},
    {EventType::order_fulfilled, "order.fulfilled"},
    {EventType::order_cancelled, "order.cancelled"},
    {EventType::product_created, "product.created"},
    {EventType::product_updated, "product.updated"},
    {EventType::product_deleted, "product.deleted"},
    {EventType::product_inventory_updated, "product.inventory_updated"},
    {EventType::customer_created, "customer.created"},
    {EventType::customer_updated, "customer.updated"},
    {EventType::customer_deleted, "customer.deleted"},
    {EventType::payment_completed, "payment.completed"},
    {EventType::payment_failed, "payment.failed"},
    {EventType::payment_refunded, "payment.refunded"},
    {EventType::shipping_label_created, "shipping.label_created"},
    {EventType::shipping_tracking_updated, "shipping.tracking_updated"},
    {EventType::shipping_delivered, "shipping.delivered"},
});

constexpr std::string_view iso8601_expected = "expected an ISO 8601 time \"YYYY-MM-DDTHH:MM:SSZ\"";

ReadResult read_time(JsonValue& value, OptionalTime& out) {
  std::optional<std::string> text;
  if (auto status = value.read(text); !status) {
    if (status.error().message == "expected a string") return fail(value.error(iso8601_expected));
    return status;
  }
  if (!text) {
    out.reset();
    return {};
  }
  out = toolkit::parse_iso8601(*text);
  if (!out) return fail(value.error(iso8601_expected));
  return {};
}

// ---------------------------------------------------------------------------------------------
// Reading

ReadResult read_address(JsonValue& value, std::optional<Address>& out) {
  return detail::read_optional_object(value, out, [](std::string_view key, JsonValue& member, Address& a) -> ReadResult {
    if (key_is(key, "name")) return member.read(a.name);
    if (key_is(key, "line1")) return member.read(a.line1);
    if (key_is(key, "line2")) return member.read(a.line2);
    if (key_is(key, "city")) return member.read(a.city);
    if (key_is(key, "region")) return member.read(a.region);
    if (key_is(key, "postal_code")) return member.read_optional_id(a.postal_code);
    if (key_is(key, "country")) return member.read(a.country);
    return member.skip();
  });
}

ReadResult read_line_item(JsonValue& value, LineItem& line) {
  bool has_quantity = false;
  auto status = value.for_each_field([&](std::string_view key, JsonValue& member) -> ReadResult {
    if (key_is(key, "quantity")) {
      has_quantity = true;
      return member.read(line.quantity);
    }
    if (key_is(key, "id")) return member.read_optional_id(line.id);
    if (key_is(key, "product_id")) return member.read_optional_id(line.product_id);
    if (key_is(key, "sku")) return member.read_optional_id(line.sku);
    if (key_is(key, "name")) return member.read(line.name);
    if (key_is(key, "unit_price")) return member.read_decimal(line.unit_price);
    if (key_is(key, "total")) return member.read_decimal(line.total);
    return member.skip();
  });
  if (!status) return status;
  if (!has_quantity) return fail(value.member_error("quantity", "missing"));
  return {};
}

/// Reads an object whose `id` is required; `read_member(key, member)` reads the rest.
template <class ReadMember>
ReadResult read_entity(JsonValue& value, std::string& id, ReadMember&& read_member) {
  bool has_id = false;
  auto status = value.for_each_field([&](std::string_view key, JsonValue& member) -> ReadResult {
    if (key_is(key, "id")) {
      has_id = true;
      return member.read_id(id);
    }
    return read_member(key, member);
  });
  if (!status) return status;
  if (!has_id) return fail(value.member_error("id", "missing"));
  return {};
}

ReadResult read_order(JsonValue& value, Order& o) {
  return read_entity(value, o.id, [&](std::string_view key, JsonValue& member) -> ReadResult {
    if (key_is(key, "number")) return member.read_optional_id(o.number);
    if (key_is(key, "status")) return member.read(o.status);
    if (key_is(key, "customer_id")) return member.read_optional_id(o.customer_id);
    if (key_is(key, "email")) return member.read(o.email);
    if (key_is(key, "currency")) return member.read(o.currency);
    if (key_is(key, "subtotal")) return member.read_decimal(o.subtotal);
    if (key_is(key, "shipping_total")) return member.read_decimal(o.shipping_total);
    if (key_is(key, "tax_total")) return member.read_decimal(o.tax_total);
    if (key_is(key, "discount_total")) return member.read_decimal(o.discount_total);
    if (key_is(key, "total")) return member.read_decimal(o.total);
    if (key_is(key, "line_items")) return detail::read_list(member, o.line_items, &read_line_item);
    if (key_is(key, "shipping_address")) return read_address(member, o.shipping_address);
    if (key_is(key, "billing_address")) return read_address(member, o.billing_address);
    if (key_is(key, "cancel_reason")) return member.read(o.cancel_reason);
    if (key_is(key, "created_at")) return read_time(member, o.created_at);
    if (key_is(key, "updated_at")) return read_time(member, o.updated_at);
    if (key_is(key, "fulfilled_at")) return read_time(member, o.fulfilled_at);
    if (key_is(key, "cancelled_at")) return read_time(member, o.cancelled_at);
    return member.skip();
  });
}

ReadResult read_product(JsonValue& value, Product& p) {
  return read_entity(value, p.id, [&](std::string_view key, JsonValue& member) -> ReadResult {
    if (key_is(key, "sku")) return member.read_optional_id(p.sku);
    if (key_is(key, "name")) return member.read(p.name);
    if (key_is(key, "status")) return member.read(p.status);
    if (key_is(key, "price")) return member.read_decimal(p.price);
    if (key_is(key, "currency")) return member.read(p.currency);
    if (key_is(key, "inventory_quantity")) return member.read(p.inventory_quantity);
    if (key_is(key, "previous_inventory_quantity")) return member.read(p.previous_inventory_quantity);
    if (key_is(key, "created_at")) return read_time(member, p.created_at);
    if (key_is(key, "updated_at")) return read_time(member, p.updated_at);
    if (key_is(key, "deleted_at")) return read_time(member, p.deleted_at);
    return member.skip();
  });
}

ReadResult read_customer(JsonValue& value, Customer& c) {
  return read_entity(value, c.id, [&](std::string_view key, JsonValue& member) -> ReadResult {
    if (key_is(key, "email")) return member.read(c.email);
    if (key_is(key, "first_name")) return member.read(c.first_name);
    if (key_is(key, "last_name")) return member.read(c.last_name);
    if (key_is(key, "phone")) return member.read(c.phone);
    if (key_is(key, "accepts_marketing")) return member.read(c.accepts_marketing);
    if (key_is(key, "default_address")) return read_address(member, c.default_address);
    if (key_is(key, "created_at")) return read_time(member, c.created_at);
    if (key_is(key, "updated_at")) return read_time(member, c.updated_at);
    if (key_is(key, "deleted_at")) return read_time(member, c.deleted_at);
    return member.skip();
  });
}

ReadResult read_payment(JsonValue& value, Payment& p) {
  return read_entity(value, p.id, [&](std::string_view key, JsonValue& member) -> ReadResult {
    if (key_is(key, "order_id")) return member.read_optional_id(p.order_id);
    if (key_is(key, "status")) return member.read(p.status);
    if (key_is(key, "amount")) return member.read_decimal(p.amount);
    if (key_is(key, "refunded_amount")) return member.read_decimal(p.refunded_amount);
    if (key_is(key, "currency")) return member.read(p.currency);
    if (key_is(key, "method")) return member.read(p.method);
    if (key_is(key, "gateway")) return member.read(p.gateway);
    if (key_is(key, "transaction_reference")) return member.read_optional_id(p.transaction_reference);
    if (key_is(key, "failure_code")) return member.read_optional_id(p.failure_code);
    if (key_is(key, "failure_message")) return member.read(p.failure_message);
    if (key_is(key, "created_at")) return read_time(member, p.created_at);
    if (key_is(key, "completed_at")) return read_time(member, p.completed_at);
    if (key_is(key, "refunded_at")) return read_time(member, p.refunded_at);
    return member.skip();
  });
}

ReadResult read_shipment(JsonValue& value, Shipment& s) {
  return read_entity(value, s.id, [&](std::string_view key, JsonValue& member) -> ReadResult {
    if (key_is(key, "order_id")) return member.read_optional_id(s.order_id);
    if (key_is(key, "status")) return member.read(s.status);
    if (key_is(key, "carrier")) return member.read(s.carrier);
    if (key_is(key, "service")) return member.read(s.service);
    if (key_is(key, "tracking_number")) return member.read_optional_id(s.tracking_number);
    if (key_is(key, "tracking_url")) return member.read(s.tracking_url);
    if (key_is(key, "label_url")) return member.read(s.label_url);
    if (key_is(key, "address")) return read_address(member, s.address);
    if (key_is(key, "shipped_at")) return read_time(member, s.shipped_at);
    if (key_is(key, "estimated_delivery_at")) return read_time(member, s.estimated_delivery_at);
    if (key_is(key, "delivered_at")) return read_time(member, s.delivered_at);
    return member.skip();
  });
}

/// An optional related record read with `read_record`.
template <class T>
ReadResult read_related_record(JsonValue& value, std::optional<T>& out, ReadResult (*read_record)(JsonValue&, T&)) {
  auto null = value.is_null();
  if (!null) return fail(null.error());
  if (*null) {
    out.reset();
    return {};
  }
  return read_record(value, out.emplace());
}

ReadResult read_related(JsonValue& value, Related& related) {
  auto null = value.is_null();
  if (!null) return fail(null.error());
  if (*null) return {};
  return value.for_each_field([&](std::string_view key, JsonValue& member) -> ReadResult {
    if (key_is(key, "order")) return read_related_record(member, related.order, &read_order);
    if (key_is(key, "customer")) return read_related_record(member, related.customer, &read_customer);
    if (key_is(key, "product")) return read_related_record(member, related.product, &read_product);
    if (key_is(key, "payment")) return read_related_record(member, related.payment, &read_payment);
    if (key_is(key, "shipment")) return read_related_record(member, related.shipment, &read_shipment);
    return member.skip();
  });
}

ReadResult read_data(JsonValue& value, const std::string& resource, Data& data) {
  if (resource == "order") return read_order(value, data.emplace<Order>());
  if (resource == "product") return read_product(value, data.emplace<Product>());
  if (resource == "customer") return read_customer(value, data.emplace<Customer>());
  if (resource == "payment") return read_payment(value, data.emplace<Payment>());
  if (resource == "shipping") return read_shipment(value, data.emplace<Shipment>());
  OtherResource& other = data.emplace<OtherResource>();
  other.resource = resource;
  return detail::read_compact_raw(value, other.json);
}

// ---------------------------------------------------------------------------------------------
// Writing

void write_address(JsonWriter& out, std::string_view name, const std::optional<Address>& address) {
  out.key(name);
  if (!address) {
    out.null();
    return;
  }
  out.begin_object();
  out.member("name", address->name);
  out.member("line1", address->line1);
  out.member("line2", address->line2);
  out.member("city", address->city);
  out.member("region", address->region);
  out.member("postal_code", address->postal_code);
  out.member("country", address->country);
  out.end_object();
}

void write_order(JsonWriter& out, const Order& o) {
  out.begin_object();
  detail::write_string_member(out, "id", o.id);
  out.member("number", o.number);
  out.member("status", o.status);
  out.member("customer_id", o.customer_id);
  out.member("email", o.email);
  out.member("currency", o.currency);
  detail::write_raw_member(out, "subtotal", o.subtotal);
  detail::write_raw_member(out, "shipping_total", o.shipping_total);
  detail::write_raw_member(out, "tax_total", o.tax_total);
  detail::write_raw_member(out, "discount_total", o.discount_total);
  detail::write_raw_member(out, "total", o.total);
  detail::write_list(out, "line_items", o.line_items, [](JsonWriter& writer, const LineItem& line) {
    writer.begin_object();
    writer.member("id", line.id);
    writer.member("product_id", line.product_id);
    writer.member("sku", line.sku);
    writer.member("name", line.name);
    writer.key("quantity");
    writer.integer(line.quantity);
    detail::write_raw_member(writer, "unit_price", line.unit_price);
    detail::write_raw_member(writer, "total", line.total);
    writer.end_object();
  });
  write_address(out, "shipping_address", o.shipping_address);
  write_address(out, "billing_address", o.billing_address);
  out.member("cancel_reason", o.cancel_reason);
  out.member("created_at", o.created_at);
  out.member("updated_at", o.updated_at);
  out.member("fulfilled_at", o.fulfilled_at);
  out.member("cancelled_at", o.cancelled_at);
  out.end_object();
}

void write_product(JsonWriter& out, const Product& p) {
  out.begin_object();
  detail::write_string_member(out, "id", p.id);
  out.member("sku", p.sku);
  out.member("name", p.name);
  out.member("status", p.status);
  detail::write_raw_member(out, "price", p.price);
  out.member("currency", p.currency);
  out.member("inventory_quantity", p.inventory_quantity);
  out.member("previous_inventory_quantity", p.previous_inventory_quantity);
  out.member("created_at", p.created_at);
  out.member("updated_at", p.updated_at);
  out.member("deleted_at", p.deleted_at);
  out.end_object();
}

void write_customer(JsonWriter& out, const Customer& c) {
  out.begin_object();
  detail::write_string_member(out, "id", c.id);
  out.member("email", c.email);
  out.member("first_name", c.first_name);
  out.member("last_name", c.last_name);
  out.member("phone", c.phone);
  out.member("accepts_marketing", c.accepts_marketing);
  write_address(out, "default_address", c.default_address);
  out.member("created_at", c.created_at);
  out.member("updated_at", c.updated_at);
  out.member("deleted_at", c.deleted_at);
  out.end_object();
}

void write_payment(JsonWriter& out, const Payment& p) {
  out.begin_object();
  detail::write_string_member(out, "id", p.id);
  out.member("order_id", p.order_id);
  out.member("status", p.status);
  detail::write_raw_member(out, "amount", p.amount);
  detail::write_raw_member(out, "refunded_amount", p.refunded_amount);
  out.member("currency", p.currency);
  out.member("method", p.method);
  out.member("gateway", p.gateway);
  out.member("transaction_reference", p.transaction_reference);
  out.member("failure_code", p.failure_code);
  out.member("failure_message", p.failure_message);
  out.member("created_at", p.created_at);
  out.member("completed_at", p.completed_at);
  out.member("refunded_at", p.refunded_at);
  out.end_object();
}

void write_shipment(JsonWriter& out, const Shipment& s) {
  out.begin_object();
  detail::write_string_member(out, "id", s.id);
  out.member("order_id", s.order_id);
  out.member("status", s.status);
  out.member("carrier", s.carrier);
  out.member("service", s.service);
  out.member("tracking_number", s.tracking_number);
  out.member("tracking_url", s.tracking_url);
  out.member("label_url", s.label_url);
  write_address(out, "address", s.address);
  out.member("shipped_at", s.shipped_at);
  out.member("estimated_delivery_at", s.estimated_delivery_at);
  out.member("delivered_at", s.delivered_at);
  out.end_object();
}

void write_record(JsonWriter& out, const Order& o) { write_order(out, o); }
void write_record(JsonWriter& out, const Product& p) { write_product(out, p); }
void write_record(JsonWriter& out, const Customer& c) { write_customer(out, c); }
void write_record(JsonWriter& out, const Payment& p) { write_payment(out, p); }
void write_record(JsonWriter& out, const Shipment& s) { write_shipment(out, s); }
void write_record(JsonWriter& out, const OtherResource& other) { out.raw(other.json); }

template <class T>
void write_related_record(JsonWriter& out, std::string_view name, const std::optional<T>& record) {
  out.key(name);
  if (record) {
    write_record(out, *record);
  } else {
    out.null();
  }
}

}  // namespace

std::string_view to_string(EventType type) noexcept { return toolkit::name_of(event_names, type, "unknown"); }

EventType event_type_from_string(std::string_view name) noexcept {
  return toolkit::value_of(event_names, name, EventType::unknown);
}

const std::vector<EventType>& known_event_types() {
  static const std::vector<EventType> types = toolkit::values_of(event_names);
  return types;
}

std::vector<std::string_view> known_type_names(std::string_view resource) { return toolkit::names_of_family(event_names, resource); }

Result<Event, ParseError> parse(std::string_view body) {
  auto document = detail::JsonDocument::open(body);
  if (!document) return fail(document.error());

  Event event{};
  bool seen_id = false;
  bool seen_type = false;
  bool seen_resource = false;
  bool seen_created = false;
  bool seen_data = false;
  bool seen_related = false;
  const auto read_once = [](bool& seen, JsonValue& value, auto&& read) -> ReadResult {
    if (seen) return fail(value.error("duplicated key"));
    seen = true;
    return read();
  };
  const auto read_name = [](JsonValue& value, std::string& out) -> ReadResult {
    if (auto read = value.read(out); !read) return read;
    if (out.empty()) return fail(value.error("expected a non-empty string"));
    return {};
  };

  // The resource is known once event_type is read: data and related are read then; when they come
  // before it they are only validated, and read in a second pass.
  bool records_read = true;
  const auto resource_of_type = [&] { return std::string(event.event_type.substr(0, event.event_type.find('.'))); };
  auto status = document->for_each_field([&](std::string_view key, JsonValue& value) -> ReadResult {
    if (key_is(key, "event_id")) return read_once(seen_id, value, [&] { return value.read_id(event.event_id); });
    if (key_is(key, "event_type")) return read_once(seen_type, value, [&] { return read_name(value, event.event_type); });
    if (key_is(key, "resource")) return read_once(seen_resource, value, [&] { return read_name(value, event.resource); });
    if (key_is(key, "created_at")) {
      return read_once(seen_created, value, [&]() -> ReadResult {
        OptionalTime created;
        if (auto read = read_time(value, created); !read) return read;
        if (!created) return fail(value.error(iso8601_expected));
        event.created_at = *created;
        return {};
      });
    }
    if (key_is(key, "data")) {
      return read_once(seen_data, value, [&]() -> ReadResult {
        if (!seen_type) {
          records_read = false;
          return value.skip();
        }
        return read_data(value, resource_of_type(), event.data);
      });
    }
    if (key_is(key, "related")) {
      return read_once(seen_related, value, [&]() -> ReadResult {
        if (!seen_type) {
          records_read = false;
          return value.skip();
        }
        return read_related(value, event.related);
      });
    }
    return value.skip();
  });
  if (!status) return fail(status.error());
  if (!seen_id) return fail(ParseError{"event_id", "missing"});
  if (!seen_type) return fail(ParseError{"event_type", "missing"});
  if (!seen_created) return fail(ParseError{"created_at", "missing"});
  if (!seen_data) return fail(ParseError{"data", "missing"});
  event.type = event_type_from_string(event.event_type);
  if (!seen_resource) {
    event.resource = resource_of_type();
  } else if (event.resource != resource_of_type()) {
    return fail(ParseError{"resource", "expected \"" + resource_of_type() + "\", the resource of event_type"});
  }

  if (!records_read) {
    document->rewind();
    status = document->for_each_field([&](std::string_view key, JsonValue& value) -> ReadResult {
      if (key_is(key, "data")) return read_data(value, event.resource, event.data);
      if (key_is(key, "related")) return read_related(value, event.related);
      return {};
    });
    if (!status) return fail(status.error());
  }
  return event;
}

EventMeta Event::meta() const {
  std::string entity = std::visit(
      [this](const auto& record) -> std::string {
        if constexpr (requires { record.id; }) {
          return resource + ":" + record.id;
        } else {
          return {};
        }
      },
      data);
  return EventMeta{Platform::store_admin, event_type, event_id, created_at, std::move(entity)};
}

std::string to_json(const Event& event) {
  JsonWriter out;
  out.begin_object();
  detail::write_string_member(out, "platform", hookline::to_string(Platform::store_admin));
  detail::write_string_member(out, "event", event.event_type);
  detail::write_string_member(out, "event_id", event.event_id);
  out.key("event_date");
  out.time(event.created_at);
  detail::write_string_member(out, "resource", event.resource);
  out.key("data");
  std::visit([&out](const auto& record) { write_record(out, record); }, event.data);
  out.key("related");
  out.begin_object();
  write_related_record(out, "order", event.related.order);
  write_related_record(out, "customer", event.related.customer);
  write_related_record(out, "product", event.related.product);
  write_related_record(out, "payment", event.related.payment);
  write_related_record(out, "shipment", event.related.shipment);
  out.end_object();
  out.end_object();
  return std::move(out).take();
}

}  // namespace hookline::store_admin
