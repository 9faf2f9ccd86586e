#include "hookline/ordergroove.hpp"

#include <array>
#include <string>
#include <utility>

#include "detail/json_fields.hpp"
#include "detail/json_reader.hpp"
#include "toolkit/json_writer.hpp"
#include "toolkit/name_table.hpp"

namespace hookline::ordergroove {

namespace {

using detail::JsonValue;
using toolkit::JsonWriter;
using detail::key_is;
using detail::ReadResult;

constexpr auto event_names = toolkit::name_table<EventType>({
    {EventType::subscriber_create, "subscriber.create"},
    {EventType::subscriber_cancel, "subscriber.cancel"},
    {EventType::subscriber_subscriptions_created, "subscriber.subscriptions_created"},
    {EventType::subscription_create, "subscription.create"},
    {EventType::subscription_cancel, "subscription.cancel"},
    {EventType::subscription_reactivate, "subscription.reactivate"},
    {EventType::subscription_change_live, "subscription.change_live"},
    {EventType::subscription_sku_swap, "subscription.sku_swap"},
    {EventType::subscription_change_frequency, "subscription.change_frequency"},
    {EventType::subscription_change_components, "subscription.change_components"},
    {EventType::subscription_change_quantity, "subscription.change_quantity"},
    {EventType::subscription_change_shipping_address, "subscription.change_shipping_address"},
    {EventType::subscription_change_payment, "subscription.change_payment"},
    {EventType::subscription_refresh_one_click_token, "subscription.refresh_one_click_token"},
    {EventType::order_create, "order.create"},
    {EventType::order_change_shipping_address, "order.change_shipping_address"},
    {EventType::order_change_payment, "order.change_payment"},
    {EventType::order_change_billing, "order.change_billing"},
    {EventType::order_change_next_order_date, "order.change_next_order_date"},
    {EventType::order_skip_order, "order.skip_order"},
    {EventType::order_send_now, "order.send_now"},
    {EventType::order_cancel, "order.cancel"},
    {EventType::order_success, "order.success"},
    {EventType::order_delete, "order.delete"},
    {EventType::order_generic_error, "order.generic_error"},
    {EventType::order_reject, "order.reject"},
    {EventType::order_reminder, "order.reminder"},
    {EventType::order_retryable_placement_failure, "order.retryable_placement_failure"},
    {EventType::order_refresh_one_click_token, "order.refresh_one_click_token"},
    {EventType::item_create, "item.create"},
    {EventType::item_change_order, "item.change_order"},
    {EventType::item_change_quantity, "item.change_quantity"},
    {EventType::item_remove, "item.remove"},
    {EventType::item_item_subscribe, "item.item_subscribe"},
    {EventType::item_update_price, "item.update_price"},
    {EventType::item_sku_swap, "item.sku_swap"},
    {EventType::item_successfully_placed, "item.successfully_placed"},
    {EventType::item_out_of_stock, "item.out_of_stock"},
});

// ---------------------------------------------------------------------------------------------
// Reading

/// The object family of a type: the text before its first '.', or all of it.
std::string_view family_of(std::string_view type) noexcept { return type.substr(0, type.find('.')); }

ReadResult read_component(JsonValue& value, Component& component) {
  return value.for_each_field([&](std::string_view key, JsonValue& member) -> ReadResult {
    if (key_is(key, "public_id")) return member.read_optional_id(component.public_id);
    if (key_is(key, "product")) return member.read_optional_id(component.product);
    if (key_is(key, "quantity")) return member.read(component.quantity);
    return member.skip();
  });
}

ReadResult read_components(JsonValue& value, std::vector<Component>& out) {
  return detail::read_list(value, out, &read_component);
}

/// Reads an entity object whose id member `id_key` is required; `read_member(key, member)` reads the
/// rest. When `object_type` is given, the member `type` is the resource name of an event's object.
template <class ReadMember>
ReadResult read_entity(JsonValue& value, std::string_view id_key, std::string& id, std::string* object_type,
                       ReadMember&& read_member) {
  bool has_id = false;
  auto status = value.for_each_field([&](std::string_view key, JsonValue& member) -> ReadResult {
    if (key == id_key) {
      if (has_id) return fail(member.error("duplicated key"));
      has_id = true;
      return member.read_id(id);
    }
    if (object_type != nullptr && key_is(key, "type")) {
      std::optional<std::string> type;
      if (auto read = member.read(type); !read) return read;
      *object_type = type.value_or(std::string());
      return {};
    }
    return read_member(key, member);
  });
  if (!status) return status;
  if (!has_id) return fail(value.member_error(id_key, "missing"));
  return {};
}

ReadResult read_prepaid_context(JsonValue& value, std::optional<PrepaidContext>& out) {
  return detail::read_optional_object(value, out, [](std::string_view key, JsonValue& member, PrepaidContext& prepaid) -> ReadResult {
    if (key_is(key, "prepaid_orders_remaining")) return member.read(prepaid.prepaid_orders_remaining);
    if (key_is(key, "prepaid_orders_per_billing")) return member.read(prepaid.prepaid_orders_per_billing);
    if (key_is(key, "renewal_behavior")) return member.read(prepaid.renewal_behavior);
    if (key_is(key, "last_renewal_revenue")) return member.read_decimal(prepaid.last_renewal_revenue);
    if (key_is(key, "prepaid_origin_merchant_order_id")) {
      return member.read_optional_id(prepaid.prepaid_origin_merchant_order_id);
    }
    return member.skip();
  });
}

ReadResult read_subscription(JsonValue& value, Subscription& out, std::string* object_type) {
  return read_entity(value, "public_id", out.public_id, object_type, [&](std::string_view key, JsonValue& member) -> ReadResult {
    if (key_is(key, "merchant")) return member.read_optional_id(out.merchant);
    if (key_is(key, "customer")) return member.read_optional_id(out.customer);
    if (key_is(key, "product")) return member.read_optional_id(out.product);
    if (key_is(key, "payment")) return member.read_optional_id(out.payment);
    if (key_is(key, "shipping_address")) return member.read_optional_id(out.shipping_address);
    if (key_is(key, "offer")) return member.read_optional_id(out.offer);
    if (key_is(key, "subscription_type")) return member.read(out.subscription_type);
    if (key_is(key, "quantity")) return member.read(out.quantity);
    if (key_is(key, "price")) return member.read_decimal(out.price);
    if (key_is(key, "frequency_days")) return member.read(out.frequency_days);
    if (key_is(key, "reminder_days")) return member.read(out.reminder_days);
    if (key_is(key, "every")) return member.read(out.every);
    if (key_is(key, "every_period")) return member.read(out.every_period);
    if (key_is(key, "every_period_display")) return member.read(out.every_period_display);
    if (key_is(key, "start_date")) return member.read_optional_id(out.start_date);
    if (key_is(key, "cancelled")) return member.read_optional_id(out.cancelled);
    if (key_is(key, "cancel_reason")) return member.read(out.cancel_reason);
    if (key_is(key, "cancel_reason_code")) return member.read_optional_id(out.cancel_reason_code);
    if (key_is(key, "live")) return member.read(out.live);
    if (key_is(key, "merchant_order_id")) return member.read_optional_id(out.merchant_order_id);
    if (key_is(key, "session_id")) return member.read(out.session_id);
    if (key_is(key, "external_id")) return member.read_optional_id(out.external_id);
    if (key_is(key, "currency_code")) return member.read(out.currency_code);
    if (key_is(key, "components")) return read_components(member, out.components);
    if (key_is(key, "extra_data")) return detail::read_optional_raw(member, out.extra_data);
    if (key_is(key, "prepaid_subscription_context")) return read_prepaid_context(member, out.prepaid_subscription_context);
    if (key_is(key, "one_click_token")) return member.read(out.one_click_token);
    if (key_is(key, "created")) return member.read_optional_id(out.created);
    if (key_is(key, "updated")) return member.read_optional_id(out.updated);
    return member.skip();
  });
}

ReadResult read_order(JsonValue& value, Order& out, std::string* object_type) {
  return read_entity(value, "public_id", out.public_id, object_type, [&](std::string_view key, JsonValue& member) -> ReadResult {
    if (key_is(key, "merchant")) return member.read_optional_id(out.merchant);
    if (key_is(key, "customer")) return member.read_optional_id(out.customer);
    if (key_is(key, "payment")) return member.read_optional_id(out.payment);
    if (key_is(key, "shipping_address")) return member.read_optional_id(out.shipping_address);
    if (key_is(key, "sub_total")) return member.read_decimal(out.sub_total);
    if (key_is(key, "tax_total")) return member.read_decimal(out.tax_total);
    if (key_is(key, "shipping_total")) return member.read_decimal(out.shipping_total);
    if (key_is(key, "discount_total")) return member.read_decimal(out.discount_total);
    if (key_is(key, "total")) return member.read_decimal(out.total);
    if (key_is(key, "place")) return member.read_optional_id(out.place);
    if (key_is(key, "cancelled")) return member.read_optional_id(out.cancelled);
    if (key_is(key, "tries")) return member.read(out.tries);
    if (key_is(key, "generic_error_count")) return member.read(out.generic_error_count);
    if (key_is(key, "status")) return member.read(out.status);
    if (key_is(key, "status_display")) return member.read(out.status_display);
    if (key_is(key, "type")) return member.read(out.order_type);
    if (key_is(key, "order_merchant_id")) return member.read_optional_id(out.order_merchant_id);
    if (key_is(key, "rejected_message")) return member.read(out.rejected_message);
    if (key_is(key, "currency_code")) return member.read(out.currency_code);
    if (key_is(key, "locked")) return member.read(out.locked);
    if (key_is(key, "extra_data")) return detail::read_optional_raw(member, out.extra_data);
    if (key_is(key, "one_click_token")) return member.read(out.one_click_token);
    if (key_is(key, "created")) return member.read_optional_id(out.created);
    if (key_is(key, "updated")) return member.read_optional_id(out.updated);
    return member.skip();
  });
}

ReadResult read_item(JsonValue& value, Item& out, std::string* object_type) {
  return read_entity(value, "public_id", out.public_id, object_type, [&](std::string_view key, JsonValue& member) -> ReadResult {
    if (key_is(key, "merchant")) return member.read_optional_id(out.merchant);
    if (key_is(key, "customer")) return member.read_optional_id(out.customer);
    if (key_is(key, "order")) return member.read_optional_id(out.order);
    if (key_is(key, "subscription")) return member.read_optional_id(out.subscription);
    if (key_is(key, "offer")) return member.read_optional_id(out.offer);
    if (key_is(key, "product")) return member.read_optional_id(out.product);
    if (key_is(key, "quantity")) return member.read(out.quantity);
    if (key_is(key, "price")) return member.read_decimal(out.price);
    if (key_is(key, "extra_cost")) return member.read_decimal(out.extra_cost);
    if (key_is(key, "total_price")) return member.read_decimal(out.total_price);
    if (key_is(key, "one_time")) return member.read(out.one_time);
    if (key_is(key, "first_placed")) return member.read_optional_id(out.first_placed);
    if (key_is(key, "components")) return read_components(member, out.components);
    return member.skip();
  });
}

/// The subscriber of a subscriber event: the customer, identified by `merchant_user_id`.
ReadResult read_subscriber(JsonValue& value, Subscriber& out, std::string& object_type) {
  return read_entity(value, "merchant_user_id", out.merchant_user_id, &object_type,
                     [&](std::string_view key, JsonValue& member) -> ReadResult {
    if (key_is(key, "merchant")) return member.read_optional_id(out.merchant);
    if (key_is(key, "subscription")) return member.read_optional_id(out.subscription);
    if (key_is(key, "subscriptions")) return detail::read_id_list(member, out.subscriptions);
    if (key_is(key, "session_id")) return member.read(out.session_id);
    if (key_is(key, "first_name")) return member.read(out.first_name);
    if (key_is(key, "last_name")) return member.read(out.last_name);
    if (key_is(key, "email")) return member.read(out.email);
    if (key_is(key, "phone_number")) return member.read(out.phone_number);
    if (key_is(key, "phone_type")) return member.read(out.phone_type);
    if (key_is(key, "phone_type_display")) return member.read(out.phone_type_display);
    if (key_is(key, "live")) return member.read(out.live);
    if (key_is(key, "created")) return member.read_optional_id(out.created);
    if (key_is(key, "last_updated")) return member.read_optional_id(out.last_updated);
    if (key_is(key, "extra_data")) return detail::read_optional_raw(member, out.extra_data);
    if (key_is(key, "locale")) return member.read(out.locale);
    if (key_is(key, "locale_display")) return member.read(out.locale_display);
    return member.skip();
  });
}

ReadResult read_customer(JsonValue& value, std::optional<Customer>& out) {
  return detail::read_optional_object(value, out, [](std::string_view key, JsonValue& member, Customer& customer) -> ReadResult {
    if (key_is(key, "merchant_user_id")) return member.read_optional_id(customer.merchant_user_id);
    if (key_is(key, "merchant")) return member.read_optional_id(customer.merchant);
    if (key_is(key, "first_name")) return member.read(customer.first_name);
    if (key_is(key, "last_name")) return member.read(customer.last_name);
    if (key_is(key, "email")) return member.read(customer.email);
    if (key_is(key, "phone_number")) return member.read(customer.phone_number);
    if (key_is(key, "live")) return member.read(customer.live);
    if (key_is(key, "created")) return member.read_optional_id(customer.created);
    if (key_is(key, "last_updated")) return member.read_optional_id(customer.last_updated);
    return member.skip();
  });
}

ReadResult read_address(JsonValue& value, Address& address) {
  return value.for_each_field([&](std::string_view key, JsonValue& member) -> ReadResult {
    if (key_is(key, "public_id")) return member.read_optional_id(address.public_id);
    if (key_is(key, "customer")) return member.read_optional_id(address.customer);
    if (key_is(key, "first_name")) return member.read(address.first_name);
    if (key_is(key, "last_name")) return member.read(address.last_name);
    if (key_is(key, "company_name")) return member.read(address.company_name);
    if (key_is(key, "address")) return member.read(address.address);
    if (key_is(key, "address2")) return member.read(address.address2);
    if (key_is(key, "city")) return member.read(address.city);
    if (key_is(key, "state_province_code")) return member.read(address.state_province_code);
    if (key_is(key, "zip_postal_code")) return member.read_optional_id(address.zip_postal_code);
    if (key_is(key, "country_code")) return member.read(address.country_code);
    if (key_is(key, "phone")) return member.read(address.phone);
    if (key_is(key, "live")) return member.read(address.live);
    return member.skip();
  });
}

ReadResult read_payment(JsonValue& value, Payment& payment) {
  return value.for_each_field([&](std::string_view key, JsonValue& member) -> ReadResult {
    if (key_is(key, "public_id")) return member.read_optional_id(payment.public_id);
    if (key_is(key, "customer")) return member.read_optional_id(payment.customer);
    if (key_is(key, "billing_address")) return member.read_optional_id(payment.billing_address);
    if (key_is(key, "payment_method")) return member.read(payment.payment_method);
    if (key_is(key, "cc_number_ending")) return member.read_optional_id(payment.cc_number_ending);
    if (key_is(key, "cc_type")) return member.read(payment.cc_type);
    if (key_is(key, "cc_exp_date")) return member.read(payment.cc_exp_date);
    if (key_is(key, "live")) return member.read(payment.live);
    return member.skip();
  });
}

ReadResult read_product(JsonValue& value, Product& product) {
  return value.for_each_field([&](std::string_view key, JsonValue& member) -> ReadResult {
    if (key_is(key, "external_product_id")) return member.read_optional_id(product.external_product_id);
    if (key_is(key, "sku")) return member.read_optional_id(product.sku);
    if (key_is(key, "name")) return member.read(product.name);
    if (key_is(key, "price")) return member.read_decimal(product.price);
    if (key_is(key, "live")) return member.read(product.live);
    if (key_is(key, "discontinued")) return member.read(product.discontinued);
    if (key_is(key, "autoship_enabled")) return member.read(product.autoship_enabled);
    if (key_is(key, "product_type")) return member.read(product.product_type);
    return member.skip();
  });
}

ReadResult read_snapshot(JsonValue& value, Snapshot& snapshot) {
  auto null = value.is_null();
  if (!null) return fail(null.error());
  if (*null) return {};
  return value.for_each_field([&](std::string_view key, JsonValue& member) -> ReadResult {
    if (key_is(key, "customer")) return read_customer(member, snapshot.customer);
    if (key_is(key, "subscriptions")) {
      return detail::read_list(member, snapshot.subscriptions,
                               [](JsonValue& element, Subscription& out) { return read_subscription(element, out, nullptr); });
    }
    if (key_is(key, "orders")) {
      return detail::read_list(member, snapshot.orders,
                               [](JsonValue& element, Order& out) { return read_order(element, out, nullptr); });
    }
    if (key_is(key, "items")) {
      return detail::read_list(member, snapshot.items,
                               [](JsonValue& element, Item& out) { return read_item(element, out, nullptr); });
    }
    if (key_is(key, "products")) return detail::read_list(member, snapshot.products, &read_product);
    if (key_is(key, "addresses")) return detail::read_list(member, snapshot.addresses, &read_address);
    if (key_is(key, "payments")) return detail::read_list(member, snapshot.payments, &read_payment);
    return member.skip();
  });
}

/// Reads `data.object` as an object of the family of `type`.
ReadResult read_object(JsonValue& value, std::string_view type, Event& event) {
  const std::string_view family = family_of(type);
  if (family == "subscriber") return read_subscriber(value, event.object.emplace<Subscriber>(), event.object_type);
  if (family == "subscription") return read_subscription(value, event.object.emplace<Subscription>(), &event.object_type);
  if (family == "order") return read_order(value, event.object.emplace<Order>(), &event.object_type);
  if (family == "item") return read_item(value, event.object.emplace<Item>(), &event.object_type);
  return detail::read_compact_raw(value, event.object.emplace<OtherObject>().json);
}

/// Which of the members that may sit beside `data` or inside it were read already.
struct SeenBeside {
  bool snapshot = false;
  bool context = false;
};

/// Reads `data`: its object (required), its snapshot and its context, unless `seen` says they were
/// read beside data already (then they are duplicated keys).
ReadResult read_data(JsonValue& data, Event& event, SeenBeside& seen) {
  bool object_seen = false;
  auto status = data.for_each_field([&](std::string_view key, JsonValue& member) -> ReadResult {
    if (key_is(key, "object")) {
      if (object_seen) return fail(member.error("duplicated key"));
      object_seen = true;
      return read_object(member, event.type, event);
    }
    if (key_is(key, "snapshot")) {
      if (seen.snapshot) return fail(member.error("duplicated key"));
      seen.snapshot = true;
      return read_snapshot(member, event.snapshot);
    }
    if (key_is(key, "context")) {
      if (seen.context) return fail(member.error("duplicated key"));
      seen.context = true;
      return detail::read_optional_raw(member, event.context);
    }
    return member.skip();
  });
  if (!status) return status;
  if (!object_seen) return fail(data.member_error("object", "missing"));
  return {};
}

// ---------------------------------------------------------------------------------------------
// Writing

/// `"type": "<object type>"` first in an event's object (null when it was absent); nothing for a
/// snapshot record.
void write_object_type(JsonWriter& out, const std::string* object_type) {
  if (object_type == nullptr) return;
  out.key("type");
  if (object_type->empty()) {
    out.null();
  } else {
    out.string(*object_type);
  }
}

void write_components(JsonWriter& out, const std::vector<Component>& components) {
  detail::write_list(out, "components", components, [](JsonWriter& writer, const Component& component) {
    writer.begin_object();
    writer.member("public_id", component.public_id);
    writer.member("product", component.product);
    writer.member("quantity", component.quantity);
    writer.end_object();
  });
}

void write_subscription(JsonWriter& out, const Subscription& s, const std::string* object_type = nullptr) {
  out.begin_object();
  write_object_type(out, object_type);
  detail::write_string_member(out, "public_id", s.public_id);
  out.member("merchant", s.merchant);
  out.member("customer", s.customer);
  out.member("product", s.product);
  out.member("payment", s.payment);
  out.member("shipping_address", s.shipping_address);
  out.member("offer", s.offer);
  out.member("subscription_type", s.subscription_type);
  out.member("quantity", s.quantity);
  detail::write_raw_member(out, "price", s.price);
  out.member("frequency_days", s.frequency_days);
  out.member("reminder_days", s.reminder_days);
  out.member("every", s.every);
  out.member("every_period", s.every_period);
  out.member("every_period_display", s.every_period_display);
  out.member("start_date", s.start_date);
  out.member("cancelled", s.cancelled);
  out.member("cancel_reason", s.cancel_reason);
  out.member("cancel_reason_code", s.cancel_reason_code);
  out.member("live", s.live);
  out.member("merchant_order_id", s.merchant_order_id);
  out.member("session_id", s.session_id);
  out.member("external_id", s.external_id);
  out.member("currency_code", s.currency_code);
  write_components(out, s.components);
  detail::write_raw_member(out, "extra_data", s.extra_data);
  out.key("prepaid_subscription_context");
  if (const auto& prepaid = s.prepaid_subscription_context) {
    out.begin_object();
    out.member("prepaid_orders_remaining", prepaid->prepaid_orders_remaining);
    out.member("prepaid_orders_per_billing", prepaid->prepaid_orders_per_billing);
    out.member("renewal_behavior", prepaid->renewal_behavior);
    detail::write_raw_member(out, "last_renewal_revenue", prepaid->last_renewal_revenue);
    out.member("prepaid_origin_merchant_order_id", prepaid->prepaid_origin_merchant_order_id);
    out.end_object();
  } else {
    out.null();
  }
  out.member("one_click_token", s.one_click_token);
  out.member("created", s.created);
  out.member("updated", s.updated);
  out.end_object();
}

void write_order(JsonWriter& out, const Order& o, const std::string* object_type = nullptr) {
  out.begin_object();
  write_object_type(out, object_type);
  detail::write_string_member(out, "public_id", o.public_id);
  out.member("merchant", o.merchant);
  out.member("customer", o.customer);
  out.member("payment", o.payment);
  out.member("shipping_address", o.shipping_address);
  detail::write_raw_member(out, "sub_total", o.sub_total);
  detail::write_raw_member(out, "tax_total", o.tax_total);
  detail::write_raw_member(out, "shipping_total", o.shipping_total);
  detail::write_raw_member(out, "discount_total", o.discount_total);
  detail::write_raw_member(out, "total", o.total);
  out.member("place", o.place);
  out.member("cancelled", o.cancelled);
  out.member("tries", o.tries);
  out.member("generic_error_count", o.generic_error_count);
  out.member("status", o.status);
  out.member("status_display", o.status_display);
  out.member("order_type", o.order_type);
  out.member("order_merchant_id", o.order_merchant_id);
  out.member("rejected_message", o.rejected_message);
  out.member("currency_code", o.currency_code);
  out.member("locked", o.locked);
  detail::write_raw_member(out, "extra_data", o.extra_data);
  out.member("one_click_token", o.one_click_token);
  out.member("created", o.created);
  out.member("updated", o.updated);
  out.end_object();
}

void write_item(JsonWriter& out, const Item& i, const std::string* object_type = nullptr) {
  out.begin_object();
  write_object_type(out, object_type);
  detail::write_string_member(out, "public_id", i.public_id);
  out.member("merchant", i.merchant);
  out.member("customer", i.customer);
  out.member("order", i.order);
  out.member("subscription", i.subscription);
  out.member("offer", i.offer);
  out.member("product", i.product);
  out.member("quantity", i.quantity);
  detail::write_raw_member(out, "price", i.price);
  detail::write_raw_member(out, "extra_cost", i.extra_cost);
  detail::write_raw_member(out, "total_price", i.total_price);
  out.member("one_time", i.one_time);
  out.member("first_placed", i.first_placed);
  write_components(out, i.components);
  out.end_object();
}

void write_subscriber(JsonWriter& out, const Subscriber& s, const std::string* object_type = nullptr) {
  out.begin_object();
  write_object_type(out, object_type);
  detail::write_string_member(out, "merchant_user_id", s.merchant_user_id);
  out.member("merchant", s.merchant);
  out.member("subscription", s.subscription);
  detail::write_string_list(out, "subscriptions", s.subscriptions);
  out.member("session_id", s.session_id);
  out.member("first_name", s.first_name);
  out.member("last_name", s.last_name);
  out.member("email", s.email);
  out.member("phone_number", s.phone_number);
  out.member("phone_type", s.phone_type);
  out.member("phone_type_display", s.phone_type_display);
  out.member("live", s.live);
  out.member("created", s.created);
  out.member("last_updated", s.last_updated);
  detail::write_raw_member(out, "extra_data", s.extra_data);
  out.member("locale", s.locale);
  out.member("locale_display", s.locale_display);
  out.end_object();
}

void write_snapshot(JsonWriter& out, const Snapshot& snapshot) {
  out.begin_object();
  out.key("customer");
  if (const auto& c = snapshot.customer) {
    out.begin_object();
    out.member("merchant_user_id", c->merchant_user_id);
    out.member("merchant", c->merchant);
    out.member("first_name", c->first_name);
    out.member("last_name", c->last_name);
    out.member("email", c->email);
    out.member("phone_number", c->phone_number);
    out.member("live", c->live);
    out.member("created", c->created);
    out.member("last_updated", c->last_updated);
    out.end_object();
  } else {
    out.null();
  }
  detail::write_list(out, "subscriptions", snapshot.subscriptions,
                    [](JsonWriter& writer, const Subscription& s) { write_subscription(writer, s); });
  detail::write_list(out, "orders", snapshot.orders, [](JsonWriter& writer, const Order& o) { write_order(writer, o); });
  detail::write_list(out, "items", snapshot.items, [](JsonWriter& writer, const Item& i) { write_item(writer, i); });
  detail::write_list(out, "products", snapshot.products, [](JsonWriter& writer, const Product& p) {
    writer.begin_object();
    writer.member("external_product_id", p.external_product_id);
    writer.member("sku", p.sku);
    writer.member("name", p.name);
    detail::write_raw_member(writer, "price", p.price);
    writer.member("live", p.live);
    writer.member("discontinued", p.discontinued);
    writer.member("autoship_enabled", p.autoship_enabled);
    writer.member("product_type", p.product_type);
    writer.end_object();
  });
  detail::write_list(out, "addresses", snapshot.addresses, [](JsonWriter& writer, const Address& a) {
    writer.begin_object();
    writer.member("public_id", a.public_id);
    writer.member("customer", a.customer);
    writer.member("first_name", a.first_name);
    writer.member("last_name", a.last_name);
    writer.member("company_name", a.company_name);
    writer.member("address", a.address);
    writer.member("address2", a.address2);
    writer.member("city", a.city);
    writer.member("state_province_code", a.state_province_code);
    writer.member("zip_postal_code", a.zip_postal_code);
    writer.member("country_code", a.country_code);
    writer.member("phone", a.phone);
    writer.member("live", a.live);
    writer.end_object();
  });
  detail::write_list(out, "payments", snapshot.payments, [](JsonWriter& writer, const Payment& p) {
    writer.begin_object();
    writer.member("public_id", p.public_id);
    writer.member("customer", p.customer);
    writer.member("billing_address", p.billing_address);
    writer.member("payment_method", p.payment_method);
    writer.member("cc_number_ending", p.cc_number_ending);
    writer.member("cc_type", p.cc_type);
    writer.member("cc_exp_date", p.cc_exp_date);
    writer.member("live", p.live);
    writer.end_object();
  });
  out.end_object();
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

std::vector<std::string_view> known_type_names(std::string_view family) { return toolkit::names_of_family(event_names, family); }

Result<Event, ParseError> parse(std::string_view body) {
  auto document = detail::JsonDocument::open(body);
  if (!document) return fail(document.error());

  Event event{};
  bool seen_id = false;
  bool seen_type = false;
  bool seen_created = false;
  bool seen_data = false;
  SeenBeside seen_beside;
  const auto read_once = [](bool& seen, JsonValue& value, auto&& read) -> ReadResult {
    if (seen) return fail(value.error("duplicated key"));
    seen = true;
    return read();
  };

  // One pass reads everything; data is typed by the event's family, so when it comes before
  // `type` it is only validated, and read in a second pass.
  bool data_read = false;
  auto status = document->for_each_field([&](std::string_view key, JsonValue& value) -> ReadResult {
    if (key_is(key, "id")) return read_once(seen_id, value, [&] { return value.read_id(event.id); });
    if (key_is(key, "type")) {
      return read_once(seen_type, value, [&]() -> ReadResult {
        if (auto read = value.read(event.type); !read) return read;
        if (event.type.empty()) return fail(value.error("expected a non-empty string"));
        return {};
      });
    }
    if (key_is(key, "created")) return read_once(seen_created, value, [&] { return detail::read_epoch(value, event.created); });
    if (key_is(key, "context")) return read_once(seen_beside.context, value, [&] { return detail::read_optional_raw(value, event.context); });
    if (key_is(key, "snapshot")) return read_once(seen_beside.snapshot, value, [&] { return read_snapshot(value, event.snapshot); });
    if (key_is(key, "data")) {
      return read_once(seen_data, value, [&]() -> ReadResult {
        if (!seen_type) return value.skip();
        data_read = true;
        return read_data(value, event, seen_beside);
      });
    }
    return value.skip();
  });
  if (!status) return fail(status.error());
  if (!seen_id) return fail(ParseError{"id", "missing"});
  if (!seen_type) return fail(ParseError{"type", "missing"});
  if (!seen_created) return fail(ParseError{"created", "missing"});
  if (!seen_data) return fail(ParseError{"data", "missing"});
  event.event_type = event_type_from_string(event.type);

  if (!data_read) {
    document->rewind();
    status = document->for_each_field([&](std::string_view key, JsonValue& value) -> ReadResult {
      if (!key_is(key, "data")) return {};
      return read_data(value, event, seen_beside);
    });
    if (!status) return fail(status.error());
  }
  return event;
}

EventMeta Event::meta() const {
  std::string entity = std::visit(
      [](const auto& typed) -> std::string {
        using T = std::decay_t<decltype(typed)>;
        if constexpr (std::is_same_v<T, Subscriber>) {
          return "subscriber:" + typed.merchant_user_id;
        } else if constexpr (std::is_same_v<T, Subscription>) {
          return "subscription:" + typed.public_id;
        } else if constexpr (std::is_same_v<T, Order>) {
          return "order:" + typed.public_id;
        } else if constexpr (std::is_same_v<T, Item>) {
          return "item:" + typed.public_id;
        } else {
          return {};
        }
      },
      object);
  return EventMeta{Platform::ordergroove, type, id, created, std::move(entity)};
}

std::string to_json(const Event& event) {
  JsonWriter out;
  out.begin_object();
  detail::write_string_member(out, "platform", hookline::to_string(Platform::ordergroove));
  detail::write_string_member(out, "event", event.type);
  detail::write_string_member(out, "event_id", event.id);
  out.key("event_date");
  out.time(event.created);
  out.key("data");
  out.begin_object();
  out.key("object");
  std::visit(
      [&out, &event](const auto& typed) {
        using T = std::decay_t<decltype(typed)>;
        if constexpr (std::is_same_v<T, OtherObject>) {
          out.raw(typed.json);
        } else if constexpr (std::is_same_v<T, Subscriber>) {
          write_subscriber(out, typed, &event.object_type);
        } else if constexpr (std::is_same_v<T, Subscription>) {
          write_subscription(out, typed, &event.object_type);
        } else if constexpr (std::is_same_v<T, Order>) {
          write_order(out, typed, &event.object_type);
        } else {
          write_item(out, typed, &event.object_type);
        }
      },
      event.object);
  out.key("snapshot");
  write_snapshot(out, event.snapshot);
  out.end_object();
  detail::write_raw_member(out, "context", event.context);
  out.end_object();
  return std::move(out).take();
}

}  // namespace hookline::ordergroove
