#include "hookline/vrio.hpp"

#include <array>
#include <string>
#include <utility>

#include "detail/json_fields.hpp"
#include "detail/json_reader.hpp"
#include "toolkit/json_writer.hpp"

namespace hookline::vrio {

namespace {

using detail::JsonValue;
using detail::key_is;
using detail::TreeValue;
using detail::ReadStatus;
using toolkit::JsonWriter;

// ---------------------------------------------------------------------------------------------
// Reading: every reader is a template over the value type, run first on a detail::JsonTree (the
// fast path) and, when that gives up, on a detail::JsonDocument (see detail/json_reader.hpp).

template <class Value>
ReadStatus read_address(Value& value, std::optional<Address>& out) {
  return detail::read_optional_object(value, out, [](std::string_view key, Value& member, Address& address) {
    if (key_is(key, "fname")) return member.read(address.fname);
    if (key_is(key, "lname")) return member.read(address.lname);
    if (key_is(key, "address1")) return member.read(address.address1);
    if (key_is(key, "address2")) return member.read(address.address2);
    if (key_is(key, "city")) return member.read(address.city);
    if (key_is(key, "state")) return member.read(address.state);
    if (key_is(key, "zipcode")) return member.read(address.zipcode);
    if (key_is(key, "country")) return member.read(address.country);
    return member.skip();
  });
}

/// A string where null means "" (an item's name or SKU).
template <class Value>
ReadStatus read_text_or_null(Value& value, std::string& out) {
  std::optional<std::string> text;
  if (auto status = value.read(text); !status) return status;
  out = text ? std::move(*text) : std::string();
  return {};
}

template <class Value>
ReadStatus read_shipment_item(Value& value, ShipmentItem& item) {
  bool has_line_id = false;
  bool has_quantity = false;
  bool has_item_id = false;
  auto status = value.for_each_field([&](std::string_view key, Value& member) -> ReadStatus {
    if (key_is(key, "shipment_item_id")) {
      has_line_id = true;
      return member.read(item.shipment_item_id);
    }
    if (key_is(key, "quantity")) {
      has_quantity = true;
      return member.read(item.quantity);
    }
    if (key_is(key, "item_id")) {
      has_item_id = true;
      return member.read(item.item_id);
    }
    if (key_is(key, "item_name")) return read_text_or_null(member, item.item_name);
    if (key_is(key, "item_sku")) return read_text_or_null(member, item.item_sku);
    return member.skip();
  });
  if (!status) return status;
  if (!has_line_id) return fail(value.member_error("shipment_item_id", "missing"));
  if (!has_quantity) return fail(value.member_error("quantity", "missing"));
  if (!has_item_id) return fail(value.member_error("item_id", "missing"));
  return {};
}

template <class Value>
ReadStatus read_shipment_items(Value& value, std::optional<std::vector<ShipmentItem>>& out) {
  auto null = value.is_null();
  if (!null) return fail(null.error());
  if (*null) {
    out.reset();
    return {};
  }
  std::vector<ShipmentItem>& items = out.emplace();
  return value.for_each_element(
      [&](Value& element) -> ReadStatus { return read_shipment_item(element, items.emplace_back()); });
}

template <class Value>
ReadStatus read_shipment(Value& value, const ParseOptions& options, Shipment& shipment) {
  bool has_id = false;
  auto status = value.for_each_field([&](std::string_view key, Value& member) -> ReadStatus {
    if (key_is(key, "shipment_id")) {
      has_id = true;
      return member.read(shipment.shipment_id);
    }
    if (key_is(key, "customer_id")) return member.read(shipment.customer_id);
    if (key_is(key, "order_id")) return member.read(shipment.order_id);
    if (key_is(key, "shipment_status_id")) return member.read(shipment.shipment_status_id);
    if (key_is(key, "date_scheduled")) return member.read_date(shipment.date_scheduled, options.zone);
    if (key_is(key, "date_cancel")) return member.read_date(shipment.date_cancel, options.zone);
    if (key_is(key, "shipment_items")) return read_shipment_items(member, shipment.shipment_items);
    if (key_is(key, "customer_address_shipping")) return read_address(member, shipment.customer_address_shipping);
    if (key_is(key, "shipment_tracking_id")) return member.read(shipment.shipment_tracking_id);
    if (key_is(key, "carrier_id")) return member.read(shipment.carrier_id);
    if (key_is(key, "shipment_notes")) return member.read(shipment.shipment_notes);
    return member.skip();
  });
  if (!status) return status;
  if (!has_id) return fail(value.member_error("shipment_id", "missing"));
  return {};
}

template <class Value>
ReadStatus read_transaction(Value& value, const ParseOptions& options, Transaction& transaction) {
  bool has_id = false;
  auto status = value.for_each_field([&](std::string_view key, Value& member) -> ReadStatus {
    if (key_is(key, "transaction_id") || (key_is(key, "id") && !has_id)) {
      has_id = true;
      return member.read(transaction.transaction_id);
    }
    if (key_is(key, "order_id")) return member.read(transaction.order_id);
    if (key_is(key, "customer_id")) return member.read(transaction.customer_id);
    if (key_is(key, "merchant_id")) return member.read(transaction.merchant_id);
    if (key_is(key, "transaction_type")) return member.read(transaction.transaction_type);
    if (key_is(key, "response_type")) return member.read(transaction.response_type);
    if (key_is(key, "transaction_total")) return member.read_decimal(transaction.transaction_total);
    if (key_is(key, "date_complete")) return member.read_date(transaction.date_complete, options.zone);
    if (key_is(key, "date_next_attempt")) return member.read_date(transaction.date_next_attempt, options.zone);
    return member.skip();
  });
  if (!status) return status;
  if (!has_id) return fail(value.member_error("transaction_id", "missing"));
  return {};
}

template <class Value>
ReadStatus read_order(Value& value, const ParseOptions& options, Order& order) {
  bool has_id = false;
  auto status = value.for_each_field([&](std::string_view key, Value& member) -> ReadStatus {
    if (key_is(key, "id")) {
      has_id = true;
      return member.read(order.id);
    }
    if (key_is(key, "customer_id")) return member.read(order.customer_id);
    if (key_is(key, "campaign_id")) return member.read(order.campaign_id);
    if (key_is(key, "customers_address_billing_id")) return member.read(order.customers_address_billing_id);
    if (key_is(key, "customers_address_shipping_id")) return member.read(order.customers_address_shipping_id);
    if (key_is(key, "order_notes")) return member.read(order.order_notes);
    if (key_is(key, "is_test")) return member.read(order.is_test);
    if (key_is(key, "date_created")) return member.read_date(order.date_created, options.zone);
    if (key_is(key, "date_modified")) return member.read_date(order.date_modified, options.zone);
    return member.skip();
  });
  if (!status) return status;
  if (!has_id) return fail(value.member_error("id", "missing"));
  return {};
}

template <class Value>
ReadStatus read_order_offer(Value& value, const ParseOptions& options, OrderOffer& offer) {
  bool has_id = false;
  auto status = value.for_each_field([&](std::string_view key, Value& member) -> ReadStatus {
    if (key_is(key, "id")) {
      has_id = true;
      return member.read(offer.id);
    }
    if (key_is(key, "order_id")) return member.read(offer.order_id);
    if (key_is(key, "customer_id")) return member.read(offer.customer_id);
    if (key_is(key, "offer_id")) return member.read(offer.offer_id);
    if (key_is(key, "offer_name")) return member.read(offer.offer_name);
    if (key_is(key, "order_offer_quantity")) return member.read(offer.order_offer_quantity);
    if (key_is(key, "order_offer_price")) return member.read_decimal(offer.order_offer_price);
    if (key_is(key, "is_recurring")) return member.read(offer.is_recurring);
    if (key_is(key, "status_type_id")) return member.read(offer.status_type_id);
    if (key_is(key, "charge_timeframe_name")) return member.read(offer.charge_timeframe_name);
    if (key_is(key, "date_next_rebill")) return member.read_date(offer.date_next_rebill, options.zone);
    if (key_is(key, "date_expiration")) return member.read_date(offer.date_expiration, options.zone);
    if (key_is(key, "date_cancel")) return member.read_date(offer.date_cancel, options.zone);
    if (key_is(key, "customer_address_billing")) return read_address(member, offer.customer_address_billing);
    if (key_is(key, "customer_address_shipping")) return read_address(member, offer.customer_address_shipping);
    return member.skip();
  });
  if (!status) return status;
  if (!has_id) return fail(value.member_error("id", "missing"));
  return {};
}

/// Reads `webhook_data.<entity_key>` with `read_entity`; other members of webhook_data are ignored.
template <class Value, class Entity>
ReadStatus read_data(Value& data, std::string_view entity_key,
                             ReadStatus (*read_entity)(Value&, const ParseOptions&, Entity&),
                             const ParseOptions& options, Entity& out) {
  bool found = false;
  auto status = data.for_each_field([&](std::string_view key, Value& member) -> ReadStatus {
    if (key != entity_key || found) return member.skip();
    found = true;
    return read_entity(member, options, out);
  });
  if (!status) return status;
  if (!found) return fail(data.member_error(entity_key, "missing"));
  return {};
}

template <class Event, class Value>
ReadStatus read_event(Value& data, const ParseOptions& options, Payload& out) {
  Event& event = out.emplace<Event>();
  if constexpr (requires { event.shipment; }) {
    return read_data(data, "shipment", &read_shipment<Value>, options, event.shipment);
  } else if constexpr (requires { event.order_offer; }) {
    return read_data(data, "order_offer", &read_order_offer<Value>, options, event.order_offer);
  } else if constexpr (requires { event.order; }) {
    return read_data(data, "order", &read_order<Value>, options, event.order);
  } else {
    return read_data(data, "transaction", &read_transaction<Value>, options, event.transaction);
  }
}

template <class Value>
using ReadEvent = ReadStatus (*)(Value&, const ParseOptions&, Payload&);

template <class Value>
struct KnownEvent {
  std::string_view name;
  ReadEvent<Value> read;
};

template <class Value, class Event>
constexpr KnownEvent<Value> known(std::string_view name = Event::name) {
  return {name, &read_event<Event, Value>};
}

template <class Value>
constexpr std::array known_events{
    known<Value, ShipmentScheduled>(),    known<Value, ShipmentCancelled>(),  known<Value, ShipmentAddressUpdated>(),
    known<Value, ShipmentItemUpdated>(),  known<Value, ShipmentSkipped>(),    known<Value, ShipmentShipped>(),
    known<Value, ShipmentFulfilled>(),    known<Value, ShipmentFailed>(),      known<Value, ShipmentRma>(),
    known<Value, TransactionCompleted>(), known<Value, TransactionSkipped>(), known<Value, TransactionUnskipped>(),
    known<Value, OrderUpdated>(),         known<Value, OrderAbandoned>(),     known<Value, OrderAbandoned>("order_abandonned"),
    known<Value, OrderOfferUpdated>(),    known<Value, OrderOfferCancelled>(),
};

/// The reader for this event name, or null for an event this SDK does not know.
template <class Value>
ReadEvent<Value> find_reader(std::string_view event_name) noexcept {
  for (const auto& event : known_events<Value>) {
    if (event.name == event_name) return event.read;
  }
  return nullptr;
}

/// Reads `webhook_data` as the payload of the event `event_name`.
template <class Value>
ReadStatus read_payload(std::string_view event_name, Value& data, const ParseOptions& options,
                                Payload& out) {
  if (const ReadEvent<Value> read = find_reader<Value>(event_name)) return read(data, options, out);
  Unknown unknown{std::string(event_name), {}};
  if (auto status = data.read_raw(unknown.webhook_data); !status) return status;
  out = std::move(unknown);
  return {};
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
  out.member("fname", address->fname);
  out.member("lname", address->lname);
  out.member("address1", address->address1);
  out.member("address2", address->address2);
  out.member("city", address->city);
  out.member("state", address->state);
  out.member("zipcode", address->zipcode);
  out.member("country", address->country);
  out.end_object();
}

void write_decimal(JsonWriter& out, std::string_view name, const std::optional<std::string>& decimal) {
  out.key(name);
  if (decimal) {
    out.raw(*decimal);
  } else {
    out.null();
  }
}

void write_entity(JsonWriter& out, const Shipment& shipment) {
  out.key("shipment");
  out.begin_object();
  out.key("shipment_id");
  out.integer(shipment.shipment_id);
  out.member("customer_id", shipment.customer_id);
  out.member("order_id", shipment.order_id);
  out.member("shipment_status_id", shipment.shipment_status_id);
  out.member("date_scheduled", shipment.date_scheduled);
  out.member("date_cancel", shipment.date_cancel);
  out.key("shipment_items");
  if (shipment.shipment_items) {
    out.begin_array();
    for (const ShipmentItem& item : *shipment.shipment_items) {
      out.begin_object();
      out.key("shipment_item_id");
      out.integer(item.shipment_item_id);
      out.key("quantity");
      out.integer(item.quantity);
      out.key("item_id");
      out.integer(item.item_id);
      out.key("item_name");
      out.string(item.item_name);
      out.key("item_sku");
      out.string(item.item_sku);
      out.end_object();
    }
    out.end_array();
  } else {
    out.null();
  }
  write_address(out, "customer_address_shipping", shipment.customer_address_shipping);
  out.member("shipment_tracking_id", shipment.shipment_tracking_id);
  out.member("carrier_id", shipment.carrier_id);
  out.member("shipment_notes", shipment.shipment_notes);
  out.end_object();
}

void write_entity(JsonWriter& out, const Transaction& transaction) {
  out.key("transaction");
  out.begin_object();
  out.key("transaction_id");
  out.integer(transaction.transaction_id);
  out.member("order_id", transaction.order_id);
  out.member("customer_id", transaction.customer_id);
  out.member("merchant_id", transaction.merchant_id);
  out.member("transaction_type", transaction.transaction_type);
  out.member("response_type", transaction.response_type);
  write_decimal(out, "transaction_total", transaction.transaction_total);
  out.member("date_complete", transaction.date_complete);
  out.member("date_next_attempt", transaction.date_next_attempt);
  out.end_object();
}

void write_entity(JsonWriter& out, const Order& order) {
  out.key("order");
  out.begin_object();
  out.key("id");
  out.integer(order.id);
  out.member("customer_id", order.customer_id);
  out.member("campaign_id", order.campaign_id);
  out.member("customers_address_billing_id", order.customers_address_billing_id);
  out.member("customers_address_shipping_id", order.customers_address_shipping_id);
  out.member("order_notes", order.order_notes);
  out.member("is_test", order.is_test);
  out.member("date_created", order.date_created);
  out.member("date_modified", order.date_modified);
  out.end_object();
}

void write_entity(JsonWriter& out, const OrderOffer& offer) {
  out.key("order_offer");
  out.begin_object();
  out.key("id");
  out.integer(offer.id);
  out.member("order_id", offer.order_id);
  out.member("customer_id", offer.customer_id);
  out.member("offer_id", offer.offer_id);
  out.member("offer_name", offer.offer_name);
  out.member("order_offer_quantity", offer.order_offer_quantity);
  write_decimal(out, "order_offer_price", offer.order_offer_price);
  out.member("is_recurring", offer.is_recurring);
  out.member("status_type_id", offer.status_type_id);
  out.member("charge_timeframe_name", offer.charge_timeframe_name);
  out.member("date_next_rebill", offer.date_next_rebill);
  out.member("date_expiration", offer.date_expiration);
  out.member("date_cancel", offer.date_cancel);
  write_address(out, "customer_address_billing", offer.customer_address_billing);
  write_address(out, "customer_address_shipping", offer.customer_address_shipping);
  out.end_object();
}

/// "shipment:251606", "order:122685", ...; empty for an Unknown event.
std::string entity_of(const Payload& payload) {
  return std::visit(
      [](const auto& event) -> std::string {
        if constexpr (requires { event.shipment; }) {
          return "shipment:" + std::to_string(event.shipment.shipment_id);
        } else if constexpr (requires { event.order_offer; }) {
          return "order_offer:" + std::to_string(event.order_offer.id);
        } else if constexpr (requires { event.order; }) {
          return "order:" + std::to_string(event.order.id);
        } else if constexpr (requires { event.transaction; }) {
          return "transaction:" + std::to_string(event.transaction.transaction_id);
        } else {
          return {};
        }
      },
      payload);
}

/// Reads the open `document` into `event`: a detail::JsonTree with Value = TreeValue, or a
/// detail::JsonDocument with Value = JsonValue.
template <class Value, class Document>
ReadStatus read_document(Document& document, const ParseOptions& options, Event& event) {
  Envelope& envelope = event.envelope;
  bool seen_type = false;
  bool seen_event = false;
  bool seen_id = false;
  bool seen_date = false;
  bool seen_data = false;
  bool data_read = false;
  const auto read_once = [](bool& seen, Value& value, auto&& read) -> ReadStatus {
    if (seen) return fail(value.error("duplicated key"));
    seen = true;
    return read();
  };

  auto status = document.for_each_field([&](std::string_view key, Value& value) -> ReadStatus {
    if (key_is(key, "webhook_event")) {
      return read_once(seen_event, value, [&]() -> ReadStatus {
        if (auto read = value.read(envelope.webhook_event); !read) return read;
        if (envelope.webhook_event.empty()) return fail(value.error("expected a non-empty string"));
        return {};
      });
    }
    if (key_is(key, "webhook_event_id")) {
      return read_once(seen_id, value, [&] { return value.read_id(envelope.webhook_event_id); });
    }
    if (key_is(key, "webhook_event_date")) {
      return read_once(seen_date, value, [&] { return value.read_date(envelope.webhook_event_date, options.zone); });
    }
    if (key_is(key, "webhook_type")) {
      return read_once(seen_type, value, [&]() -> ReadStatus {
        std::optional<std::string> type;
        if (auto read = value.read(type); !read) return read;
        envelope.webhook_type = std::move(type).value_or(std::string());
        return {};
      });
    }
    if (key_is(key, "webhook_data")) {
      return read_once(seen_data, value, [&]() -> ReadStatus {
        // The data is typed by webhook_event: when that comes later, read the data in a second pass.
        if (!seen_event) return {};
        data_read = true;
        return read_payload(envelope.webhook_event, value, options, event.payload);
      });
    }
    return value.skip();
  });
  if (!status) return status;
  if (!seen_event) return fail(ParseError{"webhook_event", "missing"});
  if (!seen_id) return fail(ParseError{"webhook_event_id", "missing"});

  if (seen_data && !data_read) {
    document.rewind();
    return document.for_each_field([&](std::string_view key, Value& value) -> ReadStatus {
      if (key != "webhook_data") return {};
      return read_payload(envelope.webhook_event, value, options, event.payload);
    });
  }
  if (!seen_data) {
    if (find_reader<Value>(envelope.webhook_event) != nullptr) return fail(ParseError{"webhook_data", "missing"});
    event.payload = Unknown{envelope.webhook_event, {}};
  }
  return {};
}

}  // namespace

Result<Event, ParseError> parse(std::string_view body, const ParseOptions& options) {
  // The Event (about 1 KB) is filled where it is returned: built in place in the Result, which is
  // the only object returned so that it is constructed in the caller's slot (no move at all).
  Result<Event, ParseError> result(std::in_place);
  if (const auto tree = detail::JsonTree::open(body)) {
    if (read_document<TreeValue>(*tree, options, *result)) return result;
    *result = Event{};  // the tree gave up: read again from scratch, for the error or the exact text
  }
  auto document = detail::JsonDocument::open(body);
  if (!document) {
    result = fail(document.error());
    return result;
  }
  if (auto status = read_document<JsonValue>(*document, options, *result); !status) result = fail(status.error());
  return result;
}

EventMeta Event::meta() const {
  return EventMeta{Platform::vrio, envelope.webhook_event, envelope.webhook_event_id,
                   envelope.webhook_event_date.value_or(std::chrono::sys_seconds{}), entity_of(payload)};
}

std::string to_json(const Event& event) {
  JsonWriter out;
  out.begin_object();
  out.key("platform");
  out.string(to_string(Platform::vrio));
  out.key("event");
  out.string(event.envelope.webhook_event);
  out.key("event_id");
  out.string(event.envelope.webhook_event_id);
  out.member("event_date", event.envelope.webhook_event_date);
  out.key("webhook_type");
  if (event.envelope.webhook_type.empty()) {
    out.null();
  } else {
    out.string(event.envelope.webhook_type);
  }
  out.key("webhook_data");
  std::visit(
      [&out](const auto& typed) {
        if constexpr (requires { typed.webhook_data; }) {
          if (typed.webhook_data.empty()) {
            out.null();
          } else {
            out.raw(detail::compact_json(typed.webhook_data));
          }
        } else {
          out.begin_object();
          if constexpr (requires { typed.shipment; }) {
            write_entity(out, typed.shipment);
          } else if constexpr (requires { typed.order_offer; }) {
            write_entity(out, typed.order_offer);
          } else if constexpr (requires { typed.order; }) {
            write_entity(out, typed.order);
          } else {
            write_entity(out, typed.transaction);
          }
          out.end_object();
        }
      },
      event.payload);
  out.end_object();
  return std::move(out).take();
}

}  // namespace hookline::vrio
