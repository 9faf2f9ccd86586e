#pragma once
/// @file
/// Typed Ordergroove Webhooks 2.0 events: the envelope, the event object, the snapshot,
/// parse() and to_json().
///
/// The envelope is `{"id", "type", "created", "data": {"object": {...}, "context": {...},
/// "snapshot": {...}}}` as Ordergroove's "Events and Payloads" page
/// (https://developer.ordergroove.com/reference/events-and-payloads) and its four event pages
/// (Subscriber, Subscription, Order and Item Events) show it. `type` is `<object>.<action>` over the
/// four object families (subscriber, subscription, order, item); `created` is epoch seconds, sent
/// as a number or a string of one. `data.object` carries the event's object with the fields of its
/// family's "Event Object" table; the optional snapshot carries the records the merchant chose to
/// add to the webhook (customer, subscriptions, orders, items, products, addresses, payments), with
/// the fields of Ordergroove's REST "retrieve" responses. The default payload of "Events and
/// Payloads" puts `context` and `snapshot` beside `data`, the Subscription Events example puts
/// `context` inside it and "Installing Webhooks 2.0" puts `snapshot` there: both places are read.
/// Field names are Ordergroove's own; unknown fields are ignored.
///
/// Ordergroove sends its record dates as zone-less text ("2022-12-20 14:00:55") and some as epoch
/// numbers: they are kept as text (`Timestamp`), exactly as sent. Decimal amounts are kept as their
/// exact text ("20.00"). `extra_data` and `context` are kept as raw JSON, without the whitespace
/// between tokens.
///
/// An event type this SDK does not know is never an error: a known family with a new action still
/// reads the typed object (EventType::unknown); a new family keeps the object as raw JSON.

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

namespace hookline::ordergroove {

/// A date or time as Ordergroove sent it: "2022-12-20 14:00:55", "2021-05-01", or epoch seconds as
/// text ("1300375961"); absent when null.
using Timestamp = std::optional<std::string>;
/// A decimal amount as its exact text, e.g. "20.00"; absent when null.
using Decimal = std::optional<std::string>;

/// Every event type Ordergroove documents, and `unknown` for any other.
enum class EventType {
  subscriber_create,
  subscriber_cancel,
  subscriber_subscriptions_created,
  subscription_create,
  subscription_cancel,
  subscription_reactivate,
  subscription_change_live,
  subscription_sku_swap,
  subscription_change_frequency,
  subscription_change_components,
  subscription_change_quantity,
  subscription_change_shipping_address,
  subscription_change_payment,
  subscription_refresh_one_click_token,
  order_create,
  order_change_shipping_address,
  order_change_payment,
  order_change_billing,
  order_change_next_order_date,
  order_skip_order,
  order_send_now,
  order_cancel,
  order_success,
  order_delete,
  order_generic_error,
  order_reject,
  order_reminder,
  order_retryable_placement_failure,
  order_refresh_one_click_token,
  item_create,
  item_change_order,
  item_change_quantity,
  item_remove,
  item_item_subscribe,
  item_update_price,
  item_sku_swap,
  item_successfully_placed,
  item_out_of_stock,
  unknown,
};

/// The wire name, e.g. "order.skip_order"; "unknown" for EventType::unknown.
[[nodiscard]] std::string_view to_string(EventType type) noexcept;
/// The event type of this wire name; EventType::unknown for a name this SDK does not know.
[[nodiscard]] EventType event_type_from_string(std::string_view name) noexcept;
/// Every known event type (all but unknown), in declaration order.
[[nodiscard]] const std::vector<EventType>& known_event_types();
/// The wire names of the known event types of one object family, e.g. "subscription" →
/// "subscription.create", "subscription.cancel", ...
[[nodiscard]] std::vector<std::string_view> known_type_names(std::string_view family);

/// One product of a bundle (`components[]`).
struct Component {
  std::optional<std::string> public_id;  ///< The component record.
  std::optional<std::string> product;    ///< The merchant's product id.
  std::optional<std::int64_t> quantity;  ///< Units; null when not set.
  bool operator==(const Component&) const = default;
};

/// A subscriber event's object: the customer who started or stopped subscribing, with the fields
/// of the "Subscriber Event Object" table.
struct Subscriber {
  std::string merchant_user_id;                   ///< The customer's id in the merchant's system; the entity.
  std::optional<std::string> merchant;            ///< The merchant's public id.
  std::optional<std::string> subscription;        ///< create / cancel: the first or last subscription's public id.
  std::vector<std::string> subscriptions;         ///< subscriptions_created: the subscriptions' public ids.
  std::optional<std::string> session_id;          ///< From the og_session_id cookie.
  std::optional<std::string> first_name;          ///< First name.
  std::optional<std::string> last_name;           ///< Last name.
  std::optional<std::string> email;               ///< Email address.
  std::optional<std::string> phone_number;        ///< Phone number.
  std::optional<std::int64_t> phone_type;         ///< Phone type code (0 to 3).
  std::optional<std::string> phone_type_display;  ///< "invalid", "landline", "mobile" or "voip".
  std::optional<bool> live;                       ///< True while any subscription is active.
  Timestamp created;                              ///< When the customer was created (epoch seconds as text).
  Timestamp last_updated;                         ///< When the customer last changed.
  std::optional<std::string> extra_data;          ///< Raw JSON of `extra_data`.
  std::optional<std::int64_t> locale;             ///< Locale code (1 to 46).
  std::optional<std::string> locale_display;      ///< e.g. "en-us".
  bool operator==(const Subscriber&) const = default;
};

/// A prepaid subscription's state (`prepaid_subscription_context`), sent when prepaid is enabled.
struct PrepaidContext {
  std::optional<std::int64_t> prepaid_orders_remaining;           ///< Orders left in the paid cycle.
  std::optional<std::int64_t> prepaid_orders_per_billing;         ///< Orders paid for at each renewal.
  std::optional<std::string> renewal_behavior;                    ///< e.g. "autorenew".
  Decimal last_renewal_revenue;                                   ///< Sent as a JSON number (100.8).
  std::optional<std::string> prepaid_origin_merchant_order_id;   ///< e.g. "#3082".
  bool operator==(const PrepaidContext&) const = default;
};

/// A subscription: a subscription event's object, or an element of the snapshot's `subscriptions`.
struct Subscription {
  std::string public_id;                           ///< The subscription's public id; the entity.
  std::optional<std::string> merchant;             ///< The merchant's public id.
  std::optional<std::string> customer;             ///< The merchant's customer id.
  std::optional<std::string> product;              ///< The merchant's product id.
  std::optional<std::string> payment;              ///< Payment record public id.
  std::optional<std::string> shipping_address;     ///< Shipping address public id.
  std::optional<std::string> offer;                ///< Offer public id.
  std::optional<std::string> subscription_type;    ///< e.g. "replenishment".
  std::optional<std::int64_t> quantity;            ///< Units per order.
  Decimal price;                                   ///< Price override, usually null.
  std::optional<std::int64_t> frequency_days;      ///< Days between orders.
  std::optional<std::int64_t> reminder_days;       ///< Days before an order that the reminder goes.
  std::optional<std::int64_t> every;               ///< Number of periods between orders.
  std::optional<std::int64_t> every_period;        ///< Period unit (1 days, 2 weeks, 3 months).
  std::optional<std::string> every_period_display; ///< "Days", "Weeks" or "Months".
  Timestamp start_date;                            ///< "YYYY-MM-DD".
  Timestamp cancelled;                             ///< When it was cancelled; absent while live.
  std::optional<std::string> cancel_reason;        ///< "code|details", e.g. "4|Overstocked".
  std::optional<std::string> cancel_reason_code;   ///< The code alone.
  std::optional<bool> live;                        ///< True while active.
  std::optional<std::string> merchant_order_id;    ///< The order in the merchant's system that created it.
  std::optional<std::string> session_id;           ///< From the og_session_id cookie.
  std::optional<std::string> external_id;          ///< The subscription in the merchant's system (Shopify contract id).
  std::optional<std::string> currency_code;        ///< e.g. "USD".
  std::vector<Component> components;              ///< Bundle components (empty for a plain product).
  std::optional<std::string> extra_data;           ///< Raw JSON of `extra_data`.
  std::optional<PrepaidContext> prepaid_subscription_context;  ///< Prepaid state, when prepaid is enabled.
  std::optional<std::string> one_click_token;      ///< 1-Click token (create, cancel, refresh_one_click_token).
  Timestamp created;                               ///< When it was created.
  Timestamp updated;                               ///< When it last changed.
  bool operator==(const Subscription&) const = default;
};

/// An order: an order event's object, or an element of the snapshot's `orders`.
struct Order {
  std::string public_id;                          ///< The order's public id; the entity.
  std::optional<std::string> merchant;            ///< The merchant's public id.
  std::optional<std::string> customer;            ///< The merchant's customer id.
  std::optional<std::string> payment;             ///< Payment record public id.
  std::optional<std::string> shipping_address;    ///< Shipping address public id.
  Decimal sub_total;                              ///< Items subtotal.
  Decimal tax_total;                              ///< Tax.
  Decimal shipping_total;                         ///< Shipping.
  Decimal discount_total;                         ///< Discounts.
  Decimal total;                                  ///< Total.
  Timestamp place;                                ///< Placement date.
  Timestamp cancelled;                            ///< When it was cancelled.
  std::optional<std::int64_t> tries;              ///< Placement attempts so far.
  std::optional<std::int64_t> generic_error_count;  ///< Generic ("999") errors so far.
  std::optional<std::int64_t> status;             ///< Status code (1 unsent, 3 rejected, 4 cancelled, 5 success...).
  std::optional<std::string> status_display;      ///< e.g. "Unsent".
  std::optional<std::int64_t> order_type;         ///< Snapshot orders' numeric `type`.
  std::optional<std::string> order_merchant_id;   ///< The order id in the merchant's system once placed.
  std::optional<std::string> rejected_message;    ///< The merchant's rejection message.
  std::optional<std::string> currency_code;       ///< e.g. "USD".
  std::optional<bool> locked;                     ///< True while it may not change.
  std::optional<std::string> extra_data;          ///< Raw JSON of `extra_data`.
  std::optional<std::string> one_click_token;     ///< 1-Click token (order.reminder, order.refresh_one_click_token).
  Timestamp created;                              ///< When it was created.
  Timestamp updated;                              ///< When it last changed.
  bool operator==(const Order&) const = default;
};

/// An order item: an item event's object, or an element of the snapshot's `items`.
struct Item {
  std::string public_id;                       ///< The item's public id; the entity.
  std::optional<std::string> merchant;         ///< The merchant's public id.
  std::optional<std::string> customer;         ///< The merchant's customer id.
  std::optional<std::string> order;            ///< The order it belongs to.
  std::optional<std::string> subscription;     ///< Its subscription; absent for one-time items.
  std::optional<std::string> offer;            ///< Offer public id.
  std::optional<std::string> product;          ///< The merchant's product id.
  std::optional<std::int64_t> quantity;        ///< Units.
  Decimal price;                               ///< Unit price.
  Decimal extra_cost;                          ///< Extra cost.
  Decimal total_price;                         ///< Line total.
  std::optional<bool> one_time;                ///< True for a one-time (not subscribed) item.
  Timestamp first_placed;                      ///< When it was first placed.
  std::vector<Component> components;           ///< Bundle components.
  bool operator==(const Item&) const = default;
};

/// The snapshot's `customer`.
struct Customer {
  std::optional<std::string> merchant_user_id;  ///< The merchant's customer id.
  std::optional<std::string> merchant;          ///< The merchant's public id.
  std::optional<std::string> first_name;        ///< First name.
  std::optional<std::string> last_name;         ///< Last name.
  std::optional<std::string> email;             ///< Email address.
  std::optional<std::string> phone_number;      ///< Phone number.
  std::optional<bool> live;                     ///< True while active.
  Timestamp created;                            ///< When it was created.
  Timestamp last_updated;                       ///< When it last changed.
  bool operator==(const Customer&) const = default;
};

/// An element of the snapshot's `addresses`.
struct Address {
  std::optional<std::string> public_id;            ///< The address record.
  std::optional<std::string> customer;             ///< The merchant's customer id.
  std::optional<std::string> first_name;           ///< First name.
  std::optional<std::string> last_name;            ///< Last name.
  std::optional<std::string> company_name;         ///< Company.
  std::optional<std::string> address;              ///< First street line.
  std::optional<std::string> address2;             ///< Second street line.
  std::optional<std::string> city;                 ///< City.
  std::optional<std::string> state_province_code;  ///< State or province code.
  std::optional<std::string> zip_postal_code;      ///< Postal code.
  std::optional<std::string> country_code;         ///< e.g. "US".
  std::optional<std::string> phone;                ///< Phone number.
  std::optional<bool> live;                        ///< True while usable.
  bool operator==(const Address&) const = default;
};

/// An element of the snapshot's `payments`.
struct Payment {
  std::optional<std::string> public_id;         ///< The payment record.
  std::optional<std::string> customer;          ///< The merchant's customer id.
  std::optional<std::string> billing_address;   ///< Billing address public id.
  std::optional<std::string> payment_method;    ///< e.g. "credit card".
  std::optional<std::string> cc_number_ending;  ///< Last digits of the card, when known.
  std::optional<std::int64_t> cc_type;          ///< Card type code.
  std::optional<std::string> cc_exp_date;       ///< "MM/YYYY".
  std::optional<bool> live;                     ///< True while usable.
  bool operator==(const Payment&) const = default;
};

/// An element of the snapshot's `products`.
struct Product {
  std::optional<std::string> external_product_id;  ///< The merchant's product id.
  std::optional<std::string> sku;                  ///< SKU.
  std::optional<std::string> name;                 ///< Name.
  Decimal price;                                   ///< Price.
  std::optional<bool> live;                        ///< True while sold.
  std::optional<bool> discontinued;                ///< True once discontinued.
  std::optional<bool> autoship_enabled;            ///< True when it may be subscribed to.
  std::optional<std::string> product_type;         ///< e.g. "standard".
  bool operator==(const Product&) const = default;
};

/// The records the merchant chose to add to the webhook; empty when none were.
struct Snapshot {
  std::optional<Customer> customer;          ///< The customer.
  std::vector<Subscription> subscriptions;   ///< Subscriptions involved.
  std::vector<Order> orders;                 ///< Orders involved.
  std::vector<Item> items;                   ///< Items involved.
  std::vector<Product> products;             ///< Products involved.
  std::vector<Address> addresses;            ///< Billing and shipping addresses involved.
  std::vector<Payment> payments;             ///< Payments involved.
  bool operator==(const Snapshot&) const = default;
};

/// The object of an event of a family this SDK does not know (e.g. entitlements): kept as raw JSON.
struct OtherObject {
  std::string json;  ///< The exact JSON text of `data.object`.
  bool operator==(const OtherObject&) const = default;
};

/// `data.object`, typed by the event's family.
using Object = std::variant<Subscriber, Subscription, Order, Item, OtherObject>;

/// One parsed Ordergroove webhook.
struct Event {
  std::string id;                        ///< The event id (the idempotency key).
  std::string type;                      ///< The type as sent, e.g. "subscription.create".
  EventType event_type = EventType::unknown;  ///< The type, when this SDK knows it.
  std::chrono::sys_seconds created{};    ///< When the event happened.
  std::string object_type;               ///< `data.object.type` as sent (e.g. "subscription"); empty when absent.
  Object object;                         ///< The event's object.
  Snapshot snapshot;                     ///< The records added to the webhook.
  std::optional<std::string> context;    ///< Raw JSON of `context` or `data.context` (e.g. {"source":"PurchasePOST"}).

  /// The platform-neutral facts: type as sent, id, occurred_at = created, entity =
  /// "subscriber:<merchant_user_id>", "subscription:<public_id>", "order:<public_id>", "item:<public_id>",
  /// or empty for an object of an unknown family.
  [[nodiscard]] EventMeta meta() const;
  bool operator==(const Event&) const = default;
};

/// Parses an Ordergroove webhook body; refuses a byte-order mark, bad JSON, invalid UTF-8, trailing
/// bytes, missing `id`, `type`, `created`, `data.object` or entity ids (`public_id`, a subscriber's
/// `merchant_user_id`), wrong types, numbers that cannot be kept exactly, and duplicated envelope
/// keys (a `context` or `snapshot` both beside and inside `data` included), naming the JSON path.
[[nodiscard]] Result<Event, ParseError> parse(std::string_view body);

/// The event as `hookline inspect` prints it: platform, event, event_id, event_date (ISO 8601 UTC),
/// then `data` with the object and the snapshot under Ordergroove's field names; one line.
[[nodiscard]] std::string to_json(const Event& event);

}  // namespace hookline::ordergroove

namespace hookline {

/// Dispatcher::on<T> for Ordergroove's event objects (Subscriber, Subscription, Order, Item): the
/// handler of T takes every known event type of T's family, e.g. on<ordergroove::Subscription>
/// takes subscription.create, subscription.cancel, ...; an action this SDK does not know goes to
/// the fallback (see EventTraits in hookline/event.hpp).
template <class T>
  requires(is_alternative_of<T, ordergroove::Object> && !std::is_same_v<T, ordergroove::OtherObject>)
struct EventTraits<T> {
  using Event = ordergroove::Event;
  static std::vector<std::string_view> types() {
    if constexpr (std::is_same_v<T, ordergroove::Subscriber>) {
      return ordergroove::known_type_names("subscriber");
    } else if constexpr (std::is_same_v<T, ordergroove::Subscription>) {
      return ordergroove::known_type_names("subscription");
    } else if constexpr (std::is_same_v<T, ordergroove::Order>) {
      return ordergroove::known_type_names("order");
    } else {
      return ordergroove::known_type_names("item");
    }
  }
  static Result<Event, ParseError> parse(std::string_view body, const ParseOptions&) {
    return ordergroove::parse(body);
  }
  static const T* find(const Event& event) noexcept { return std::get_if<T>(&event.object); }
};

}  // namespace hookline
