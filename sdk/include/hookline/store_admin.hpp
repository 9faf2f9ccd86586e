#pragma once
/// @file
/// Typed webhooks of the generic store admin portal (its "Webhooks" help page): one envelope, typed
/// data per resource, parse() and to_json().
///
/// That page lists webhooks by resource and event (orders, products, customers, payments, shipping)
/// and names the payload's parts (event metadata: timestamp, type, unique ids; the resource's data;
/// related data) without giving a schema. hookline defines the envelope, documented with an example
/// per resource in docs/store-admin-webhooks.md:
///
///     {"event_id": "evt_…", "event_type": "order.created", "resource": "order",
///      "created_at": "2026-03-22T14:30:00Z", "data": {…the resource…}, "related": {…}}
///
/// `event_type` is `<resource>.<event>`; `resource` may be omitted (it is then the part before the
/// dot) but must agree when given. Times are ISO 8601 with `Z` or a UTC offset. Amounts are decimal
/// text or JSON numbers, kept as their exact text. Ids may be strings or integers and are kept as
/// text. Unknown fields are ignored; an unknown event type of a known resource still reads the typed
/// data, and an unknown resource keeps its data as raw JSON: never an error. The authentication
/// token header the page mentions is the `store_admin` scheme of hookline/verify.hpp.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "hookline/event.hpp"
#include "hookline/result.hpp"

namespace hookline::store_admin {

/// A point in time read from ISO 8601; absent when null or not sent.
using OptionalTime = std::optional<std::chrono::sys_seconds>;
/// A decimal amount as its exact text, e.g. "59.90"; absent when null or not sent.
using Decimal = std::optional<std::string>;

/// Every event type the "Webhooks" help page lists, and `unknown` for any other.
enum class EventType {
  order_created,
  order_updated,
  order_fulfilled,
  order_cancelled,
  product_created,
  product_updated,
  product_deleted,
  product_inventory_updated,
  customer_created,
  customer_updated,
  customer_deleted,
  payment_completed,
  payment_failed,
  payment_refunded,
  shipping_label_created,
  shipping_tracking_updated,
  shipping_delivered,
  unknown,
};

/// The wire name, e.g. "order.created"; "unknown" for EventType::unknown.
[[nodiscard]] std::string_view to_string(EventType type) noexcept;
/// The event type of this wire name; EventType::unknown for a name this SDK does not know.
[[nodiscard]] EventType event_type_from_string(std::string_view name) noexcept;
/// Every known event type (all but unknown), in declaration order.
[[nodiscard]] const std::vector<EventType>& known_event_types();
/// The wire names of the known event types of one resource, e.g. "payment" → "payment.completed",
/// "payment.failed", "payment.refunded".
[[nodiscard]] std::vector<std::string_view> known_type_names(std::string_view resource);

/// A postal address.
struct Address {
  std::optional<std::string> name;         ///< Recipient.
  std::optional<std::string> line1;        ///< First street line.
  std::optional<std::string> line2;        ///< Second street line.
  std::optional<std::string> city;         ///< City.
  std::optional<std::string> region;       ///< State or region code.
  std::optional<std::string> postal_code;  ///< Postal code, as text.
  std::optional<std::string> country;      ///< ISO 3166-1 alpha-2 code.
  bool operator==(const Address&) const = default;
};

/// One line of an order (`line_items[]`).
struct LineItem {
  std::optional<std::string> id;          ///< The line's id.
  std::optional<std::string> product_id;  ///< The product.
  std::optional<std::string> sku;         ///< SKU.
  std::optional<std::string> name;        ///< Product name.
  std::int64_t quantity = 0;              ///< Units (required).
  Decimal unit_price;                     ///< Price of one unit.
  Decimal total;                          ///< Line total.
  bool operator==(const LineItem&) const = default;
};

/// An order (`resource` "order").
struct Order {
  std::string id;                             ///< The order id; the entity.
  std::optional<std::string> number;          ///< The number shown to the customer, e.g. "#1001".
  std::optional<std::string> status;          ///< e.g. "pending", "paid", "fulfilled", "cancelled".
  std::optional<std::string> customer_id;     ///< The customer.
  std::optional<std::string> email;           ///< Contact email.
  std::optional<std::string> currency;        ///< ISO 4217 code.
  Decimal subtotal;                           ///< Items subtotal.
  Decimal shipping_total;                     ///< Shipping.
  Decimal tax_total;                          ///< Tax.
  Decimal discount_total;                     ///< Discounts.
  Decimal total;                              ///< Total.
  std::vector<LineItem> line_items;           ///< Lines.
  std::optional<Address> shipping_address;    ///< Where to ship.
  std::optional<Address> billing_address;     ///< Billing address.
  std::optional<std::string> cancel_reason;   ///< Why it was cancelled.
  OptionalTime created_at;                    ///< When it was placed.
  OptionalTime updated_at;                    ///< When it last changed.
  OptionalTime fulfilled_at;                  ///< When it was fulfilled.
  OptionalTime cancelled_at;                  ///< When it was cancelled.
  bool operator==(const Order&) const = default;
};

/// A product (`resource` "product"); product.deleted may carry only its id.
struct Product {
  std::string id;                                   ///< The product id; the entity.
  std::optional<std::string> sku;                   ///< SKU.
  std::optional<std::string> name;                  ///< Name.
  std::optional<std::string> status;                ///< e.g. "active", "draft", "archived".
  Decimal price;                                    ///< Price.
  std::optional<std::string> currency;              ///< ISO 4217 code.
  std::optional<std::int64_t> inventory_quantity;   ///< Units in stock.
  std::optional<std::int64_t> previous_inventory_quantity;  ///< product.inventory_updated: units before.
  OptionalTime created_at;                          ///< When it was created.
  OptionalTime updated_at;                          ///< When it last changed.
  OptionalTime deleted_at;                          ///< When it was deleted.
  bool operator==(const Product&) const = default;
};

/// A customer (`resource` "customer"); customer.deleted may carry only its id.
struct Customer {
  std::string id;                            ///< The customer id; the entity.
  std::optional<std::string> email;          ///< Email.
  std::optional<std::string> first_name;     ///< First name.
  std::optional<std::string> last_name;      ///< Last name.
  std::optional<std::string> phone;          ///< Phone.
  std::optional<bool> accepts_marketing;     ///< Marketing consent.
  std::optional<Address> default_address;    ///< Default address.
  OptionalTime created_at;                   ///< When it was created.
  OptionalTime updated_at;                   ///< When it last changed.
  OptionalTime deleted_at;                   ///< When it was deleted.
  bool operator==(const Customer&) const = default;
};

/// A payment (`resource` "payment").
struct Payment {
  std::string id;                              ///< The payment id; the entity.
  std::optional<std::string> order_id;         ///< The order paid for.
  std::optional<std::string> status;           ///< "completed", "failed", "refunded".
  Decimal amount;                              ///< Amount charged.
  Decimal refunded_amount;                     ///< Amount refunded so far.
  std::optional<std::string> currency;         ///< ISO 4217 code.
  std::optional<std::string> method;           ///< e.g. "card".
  std::optional<std::string> gateway;          ///< Payment provider.
  std::optional<std::string> transaction_reference;  ///< The provider's reference.
  std::optional<std::string> failure_code;     ///< payment.failed: the provider's code.
  std::optional<std::string> failure_message;  ///< payment.failed: the provider's message.
  OptionalTime created_at;                     ///< When it was attempted.
  OptionalTime completed_at;                   ///< When it completed.
  OptionalTime refunded_at;                    ///< When it was refunded.
  bool operator==(const Payment&) const = default;
};

/// A shipment (`resource` "shipping").
struct Shipment {
  std::string id;                             ///< The shipment id; the entity.
  std::optional<std::string> order_id;        ///< The order shipped.
  std::optional<std::string> status;          ///< e.g. "label_created", "in_transit", "delivered".
  std::optional<std::string> carrier;         ///< e.g. "UPS".
  std::optional<std::string> service;         ///< e.g. "Ground".
  std::optional<std::string> tracking_number; ///< Carrier tracking number.
  std::optional<std::string> tracking_url;    ///< Carrier tracking page.
  std::optional<std::string> label_url;       ///< The label to print.
  std::optional<Address> address;            ///< Destination.
  OptionalTime shipped_at;                    ///< When it left.
  OptionalTime estimated_delivery_at;         ///< The carrier's estimate.
  OptionalTime delivered_at;                  ///< When it arrived.
  bool operator==(const Shipment&) const = default;
};

/// Data of a resource this SDK does not know: kept as raw JSON.
struct OtherResource {
  std::string resource;  ///< The resource name.
  std::string json;      ///< The exact JSON text of `data`.
  bool operator==(const OtherResource&) const = default;
};

/// `data`, typed by the resource.
using Data = std::variant<Order, Product, Customer, Payment, Shipment, OtherResource>;

/// `related`: records associated with the event (e.g. a payment's order and customer).
struct Related {
  std::optional<Order> order;        ///< The related order.
  std::optional<Customer> customer;  ///< The related customer.
  std::optional<Product> product;    ///< The related product.
  std::optional<Payment> payment;    ///< The related payment.
  std::optional<Shipment> shipment;  ///< The related shipment.
  bool operator==(const Related&) const = default;
};

/// One parsed store admin webhook.
struct Event {
  std::string event_id;                      ///< Unique per event (the idempotency key).
  std::string event_type;                    ///< As sent, e.g. "order.created".
  EventType type = EventType::unknown;       ///< The type, when this SDK knows it.
  std::string resource;                      ///< e.g. "order"; from `resource` or the type.
  std::chrono::sys_seconds created_at{};     ///< When the event happened.
  Data data;                                 ///< The resource.
  Related related;                           ///< Associated records.

  /// The platform-neutral facts: type = event_type, id = event_id, occurred_at = created_at,
  /// entity = "<resource>:<id>" (e.g. "order:1001"), or empty for an unknown resource.
  [[nodiscard]] EventMeta meta() const;
  bool operator==(const Event&) const = default;
};

/// Parses a store admin webhook body; refuses bad JSON, invalid UTF-8, trailing bytes, missing or
/// duplicated envelope fields, a `resource` that disagrees with `event_type`, a resource without
/// its id and wrong types, naming the JSON path.
[[nodiscard]] Result<Event, ParseError> parse(std::string_view body);

/// The event as `hookline inspect` prints it: platform, event, event_id, event_date (ISO 8601 UTC),
/// resource, then data and related under the envelope's field names; one line.
[[nodiscard]] std::string to_json(const Event& event);

}  // namespace hookline::store_admin

namespace hookline {

/// Dispatcher::on<T> for the store admin's resources (Order, Product, Customer, Payment, Shipment): the
/// handler of T takes every known event type of T's resource, e.g. on<store_admin::Payment> takes
/// payment.completed, payment.failed and payment.refunded; an event this SDK does not know goes to
/// the fallback (see EventTraits in hookline/event.hpp).
template <class T>
  requires(is_alternative_of<T, store_admin::Data> && !std::is_same_v<T, store_admin::OtherResource>)
struct EventTraits<T> {
  using Event = store_admin::Event;
  static std::vector<std::string_view> types() {
    if constexpr (std::is_same_v<T, store_admin::Order>) {
      return store_admin::known_type_names("order");
    } else if constexpr (std::is_same_v<T, store_admin::Product>) {
      return store_admin::known_type_names("product");
    } else if constexpr (std::is_same_v<T, store_admin::Customer>) {
      return store_admin::known_type_names("customer");
    } else if constexpr (std::is_same_v<T, store_admin::Payment>) {
      return store_admin::known_type_names("payment");
    } else {
      return store_admin::known_type_names("shipping");
    }
  }
  static Result<Event, ParseError> parse(std::string_view body, const ParseOptions&) { return store_admin::parse(body); }
  static const T* find(const Event& event) noexcept { return std::get_if<T>(&event.data); }
};

}  // namespace hookline
