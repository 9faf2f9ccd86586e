#pragma once
/// @file
/// Typed VRIO webhook events: the envelope, one struct per event, parse() and to_json().
///
/// Field names are VRIO's own. The envelope and the shipment payloads follow VRIO's "Building
/// Fulfillment with Webhooks" guide (https://docs.vrio.com/docs/fulfillment-via-webhooks) field for
/// field. Order and order offer fields follow VRIO's "Webhook events reference"
/// (https://docs.vrio.com/docs/webhook-events-reference) and "Order Offer Webhooks"
/// (https://docs.vrio.com/docs/order-offer-webhooks) examples (ids are `id`;
/// `date_next_rebill` is inferred from "next rebill information"). VRIO publishes no transaction
/// example: the Transaction fields are inferred from VRIO's API naming (`transaction_id`, falling
/// back to `id`, `order_id`, `customer_id`, ...). Every field but the entity ids is optional, and
/// unknown fields are ignored, so a richer real payload still parses.
///
/// VRIO's payloads are messy: integers may arrive as strings ("4806"), empty dates as
/// "0000-00-00 00:00:00" or "" (both mean none), nulls anywhere optional. Dates carry no zone and
/// are read in ParseOptions::zone (UTC by default).

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

namespace hookline::vrio {

/// A date as VRIO sends it, resolved to UTC; absent when VRIO sends none.
using OptionalTime = std::optional<std::chrono::sys_seconds>;

/// A postal address (`customer_address_shipping`, `customer_address_billing`).
struct Address {
  std::optional<std::string> fname;     ///< First name.
  std::optional<std::string> lname;     ///< Last name.
  std::optional<std::string> address1;  ///< First street line.
  std::optional<std::string> address2;  ///< Second street line.
  std::optional<std::string> city;      ///< City.
  std::optional<std::string> state;     ///< State or region code.
  std::optional<std::string> zipcode;   ///< Postal code, kept as text.
  std::optional<std::string> country;   ///< Country code, e.g. "US".
  bool operator==(const Address&) const = default;
};

/// One line of a shipment (`shipment_items[]`); the three ids are required, a null name or SKU
/// reads as "".
struct ShipmentItem {
  std::int64_t shipment_item_id = 0;  ///< The line's id.
  std::int64_t quantity = 0;          ///< How many to ship.
  std::int64_t item_id = 0;           ///< The catalogue item.
  std::string item_name;              ///< The item's name.
  std::string item_sku;               ///< The item's SKU.
  bool operator==(const ShipmentItem&) const = default;
};

/// A shipment (`webhook_data.shipment`); everything but its id is sent only when relevant.
struct Shipment {
  std::int64_t shipment_id = 0;                                 ///< Used to post tracking back.
  std::optional<std::int64_t> customer_id;                      ///< The customer.
  std::optional<std::int64_t> order_id;                         ///< The order.
  std::optional<std::string> shipment_status_id;                ///< e.g. "Pending Post", "Cancelled".
  OptionalTime date_scheduled;                                  ///< When to fulfill it.
  OptionalTime date_cancel;                                     ///< When it was cancelled.
  std::optional<std::vector<ShipmentItem>> shipment_items;      ///< Items to ship, when sent.
  std::optional<Address> customer_address_shipping;             ///< Where to ship, when sent.
  std::optional<std::string> shipment_tracking_id;              ///< The carrier's tracking number.
  std::optional<std::int64_t> carrier_id;                       ///< VRIO's carrier id (1 USPS, 2 UPS...).
  std::optional<std::string> shipment_notes;                    ///< Free text, e.g. "Shipment cancelled."
  bool operator==(const Shipment&) const = default;
};

/// A payment (`webhook_data.transaction`); fields inferred, see the file comment.
struct Transaction {
  std::int64_t transaction_id = 0;                   ///< `transaction_id`, or `id` when that is what is sent.
  std::optional<std::int64_t> order_id;              ///< The order paid for.
  std::optional<std::int64_t> customer_id;           ///< The customer.
  std::optional<std::int64_t> merchant_id;           ///< The merchant account used.
  std::optional<std::string> transaction_type;       ///< e.g. "Sale", "Refund".
  std::optional<std::string> response_type;          ///< The gateway's outcome, e.g. "Approved".
  std::optional<std::string> transaction_total;      ///< Amount as decimal text, e.g. "39.95".
  OptionalTime date_complete;                        ///< When it completed.
  OptionalTime date_next_attempt;                    ///< When a skipped payment is next tried.
  bool operator==(const Transaction&) const = default;
};

/// An order (`webhook_data.order`), as VRIO's order/view API returns it.
struct Order {
  std::int64_t id = 0;                                        ///< The order id.
  std::optional<std::int64_t> customer_id;                    ///< The customer.
  std::optional<std::int64_t> campaign_id;                    ///< The campaign it came from.
  std::optional<std::int64_t> customers_address_billing_id;   ///< Billing address record.
  std::optional<std::int64_t> customers_address_shipping_id;  ///< Shipping address record.
  std::optional<std::string> order_notes;                     ///< The latest note.
  std::optional<bool> is_test;                                ///< Sent as "0" / "1".
  OptionalTime date_created;                                  ///< When it was created.
  OptionalTime date_modified;                                 ///< When it last changed.
  bool operator==(const Order&) const = default;
};

/// A subscription line of an order (`webhook_data.order_offer`).
struct OrderOffer {
  std::int64_t id = 0;                                ///< The order offer id.
  std::optional<std::int64_t> order_id;               ///< The order.
  std::optional<std::int64_t> customer_id;            ///< The customer.
  std::optional<std::int64_t> offer_id;               ///< The offer subscribed to.
  std::optional<std::string> offer_name;              ///< The offer's name.
  std::optional<std::int64_t> order_offer_quantity;   ///< Units per cycle.
  std::optional<std::string> order_offer_price;       ///< Price as decimal text, e.g. "0.50".
  std::optional<bool> is_recurring;                   ///< Sent as "0" / "1".
  std::optional<std::string> status_type_id;          ///< e.g. "Active", "Cancelled".
  std::optional<std::string> charge_timeframe_name;   ///< e.g. "Monthly".
  OptionalTime date_next_rebill;                      ///< Next charge (name inferred).
  OptionalTime date_expiration;                       ///< When it expires.
  OptionalTime date_cancel;                           ///< When it was cancelled.
  std::optional<Address> customer_address_billing;    ///< Billing address.
  std::optional<Address> customer_address_shipping;   ///< Shipping address.
  bool operator==(const OrderOffer&) const = default;
};

/// A payment went through.
struct TransactionCompleted {
  static constexpr std::string_view name = "transaction_completed";
  Transaction transaction;
  bool operator==(const TransactionCompleted&) const = default;
};
/// A scheduled payment was skipped.
struct TransactionSkipped {
  static constexpr std::string_view name = "transaction_skipped";
  Transaction transaction;
  bool operator==(const TransactionSkipped&) const = default;
};
/// A skipped payment was put back on schedule.
struct TransactionUnskipped {
  static constexpr std::string_view name = "transaction_unskipped";
  Transaction transaction;
  bool operator==(const TransactionUnskipped&) const = default;
};
/// An order changed (at most one per minute per order).
struct OrderUpdated {
  static constexpr std::string_view name = "order_updated";
  Order order;
  bool operator==(const OrderUpdated&) const = default;
};
/// An order was set as abandoned; VRIO spells the event "order_abandonned", both are accepted.
struct OrderAbandoned {
  static constexpr std::string_view name = "order_abandoned";
  Order order;
  bool operator==(const OrderAbandoned&) const = default;
};
/// A subscription's status, price or schedule changed.
struct OrderOfferUpdated {
  static constexpr std::string_view name = "order_offer_updated";
  OrderOffer order_offer;
  bool operator==(const OrderOfferUpdated&) const = default;
};
/// A subscription was cancelled.
struct OrderOfferCancelled {
  static constexpr std::string_view name = "order_offer_cancelled";
  OrderOffer order_offer;
  bool operator==(const OrderOfferCancelled&) const = default;
};
/// A shipment left the warehouse.
struct ShipmentShipped {
  static constexpr std::string_view name = "shipment_shipped";
  Shipment shipment;
  bool operator==(const ShipmentShipped&) const = default;
};
/// A shipment was cancelled: stop fulfilling it.
struct ShipmentCancelled {
  static constexpr std::string_view name = "shipment_cancelled";
  Shipment shipment;
  bool operator==(const ShipmentCancelled&) const = default;
};
/// A shipment was fulfilled.
struct ShipmentFulfilled {
  static constexpr std::string_view name = "shipment_fulfilled";
  Shipment shipment;
  bool operator==(const ShipmentFulfilled&) const = default;
};
/// A shipment is paid for and ready to fulfill on `date_scheduled`.
struct ShipmentScheduled {
  static constexpr std::string_view name = "shipment_scheduled";
  Shipment shipment;
  bool operator==(const ShipmentScheduled&) const = default;
};
/// A shipment's address changed: update the label.
struct ShipmentAddressUpdated {
  static constexpr std::string_view name = "shipment_address_updated";
  Shipment shipment;
  bool operator==(const ShipmentAddressUpdated&) const = default;
};
/// A shipment's items changed: update the packing list.
struct ShipmentItemUpdated {
  static constexpr std::string_view name = "shipment_item_updated";
  Shipment shipment;
  bool operator==(const ShipmentItemUpdated&) const = default;
};
/// This cycle's shipment was skipped: nothing to fulfill.
struct ShipmentSkipped {
  static constexpr std::string_view name = "shipment_skipped";
  Shipment shipment;
  bool operator==(const ShipmentSkipped&) const = default;
};
/// A previous fulfillment attempt failed (VRIO's `shipment_error` event).
struct ShipmentFailed {
  static constexpr std::string_view name = "shipment_error";
  Shipment shipment;
  bool operator==(const ShipmentFailed&) const = default;
};
/// A return was authorized.
struct ShipmentRma {
  static constexpr std::string_view name = "shipment_rma";
  Shipment shipment;
  bool operator==(const ShipmentRma&) const = default;
};
/// An event this SDK does not know yet: kept, never an error (its data is still checked to be
/// well-formed JSON).
struct Unknown {
  std::string name;          ///< The `webhook_event` as sent.
  std::string webhook_data;  ///< The raw JSON text of `webhook_data`; empty when absent.
  bool operator==(const Unknown&) const = default;
};

/// Every VRIO event.
using Payload = std::variant<TransactionCompleted, TransactionSkipped, TransactionUnskipped, OrderUpdated,
                             OrderAbandoned, OrderOfferUpdated, OrderOfferCancelled, ShipmentShipped,
                             ShipmentCancelled, ShipmentFulfilled, ShipmentScheduled, ShipmentAddressUpdated,
                             ShipmentItemUpdated, ShipmentSkipped, ShipmentFailed, ShipmentRma, Unknown>;

/// The fields every VRIO webhook has around its data.
struct Envelope {
  std::string webhook_type;       ///< "shipment", "order", "order_offer", "transaction"; empty when absent.
  std::string webhook_event;      ///< The event name as sent, e.g. "order_abandonned".
  std::string webhook_event_id;   ///< Unique per event (idempotency key); text even when sent as a number.
  OptionalTime webhook_event_date;  ///< When VRIO recorded the event, resolved in ParseOptions::zone.
  bool operator==(const Envelope&) const = default;
};

/// One parsed VRIO webhook.
struct Event {
  Envelope envelope;  ///< The envelope.
  Payload payload;    ///< The typed event.

  /// The platform-neutral facts: type = webhook_event, id = webhook_event_id, occurred_at = the
  /// event date (the epoch when absent), entity = "shipment:<id>", "order:<id>",
  /// "order_offer:<id>", "transaction:<id>", or empty for an Unknown event.
  [[nodiscard]] EventMeta meta() const;
  bool operator==(const Event&) const = default;
};

/// Parses a VRIO webhook body; refuses bad JSON, invalid UTF-8, trailing bytes, missing identity
/// fields, wrong types and duplicated `webhook_event`/`webhook_event_id` keys with the JSON path.
[[nodiscard]] Result<Event, ParseError> parse(std::string_view body, const ParseOptions& options = {});

/// The event as `hookline inspect` prints it: platform, event, event_id, event_date (ISO 8601 UTC
/// or null) and the payload under VRIO's field names; one line, no trailing newline.
[[nodiscard]] std::string to_json(const Event& event);

}  // namespace hookline::vrio

namespace hookline {

/// Dispatcher::on<T> for every typed VRIO event but Unknown (see EventTraits in hookline/event.hpp).
template <class T>
  requires(is_alternative_of<T, vrio::Payload> && !std::is_same_v<T, vrio::Unknown>)
struct EventTraits<T> {
  using Event = vrio::Event;
  static std::vector<std::string_view> types() {
    if constexpr (std::is_same_v<T, vrio::OrderAbandoned>) {
      return {T::name, "order_abandonned"};  // VRIO's own spelling
    } else {
      return {T::name};
    }
  }
  static Result<Event, ParseError> parse(std::string_view body, const ParseOptions& options) {
    return vrio::parse(body, options);
  }
  static const T* find(const Event& event) noexcept { return std::get_if<T>(&event.payload); }
};

}  // namespace hookline
