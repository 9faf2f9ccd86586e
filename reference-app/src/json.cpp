#include "json.hpp"

#include <simdjson.h>

#include <stdexcept>

namespace fulfillment::json {
namespace {

using hookline::fail;
using hookline::OrderKey;
using hookline::Result;
using hookline::vrio::Address;
using hookline::vrio::ShipmentItem;
using hookline::vrio::ShipmentStatus;
using hookline::vrio::ShipmentView;
using hookline::toolkit::JsonWriter;

/// Reading helpers over a simdjson DOM element; each fails with the member's name.
struct Reader {
  simdjson::dom::element element;

  [[nodiscard]] bool has(std::string_view name) const {
    simdjson::dom::element child;
    return element[name].get(child) == simdjson::SUCCESS && !child.is_null();
  }
  [[nodiscard]] std::optional<std::string> text(std::string_view name) const {
    simdjson::dom::element child;
    std::string_view value;
    if (element[name].get(child) != simdjson::SUCCESS || child.get(value) != simdjson::SUCCESS) {
      return std::nullopt;
    }
    return std::string(value);
  }
  [[nodiscard]] std::optional<std::int64_t> integer(std::string_view name) const {
    simdjson::dom::element child;
    std::int64_t value = 0;
    if (element[name].get(child) != simdjson::SUCCESS || child.get(value) != simdjson::SUCCESS) {
      return std::nullopt;
    }
    return value;
  }
  [[nodiscard]] bool flag(std::string_view name) const {
    simdjson::dom::element child;
    bool value = false;
    return element[name].get(child) == simdjson::SUCCESS && child.get(value) == simdjson::SUCCESS && value;
  }
  [[nodiscard]] std::optional<simdjson::dom::element> child(std::string_view name) const {
    simdjson::dom::element value;
    if (element[name].get(value) != simdjson::SUCCESS || value.is_null()) {
      return std::nullopt;
    }
    return value;
  }
  // What the store wrote is read back whole: a member it always writes and that is missing (or of
  // another type) is a damaged record, never a default. Throw MissingMember.
  [[nodiscard]] std::int64_t required_integer(std::string_view name) const {
    return required(integer(name), name, "an integer");
  }
  [[nodiscard]] std::string required_text(std::string_view name) const { return required(text(name), name, "a string"); }
  [[nodiscard]] bool required_flag(std::string_view name) const {
    simdjson::dom::element child;
    bool value = false;
    if (element[name].get(child) != simdjson::SUCCESS || child.get(value) != simdjson::SUCCESS) {
      throw MissingMember(std::string(name) + ": missing or not a boolean");
    }
    return value;
  }

  /// A member the store always writes is missing or of another type.
  struct MissingMember : std::runtime_error {
    using std::runtime_error::runtime_error;
  };

 private:
  template <class T>
  static T required(std::optional<T> value, std::string_view name, std::string_view kind) {
    if (!value) throw MissingMember(std::string(name) + ": missing or not " + std::string(kind));
    return std::move(*value);
  }
};

void write_key(JsonWriter& out, const std::optional<OrderKey>& key) {
  if (!key) {
    out.null();
    return;
  }
  out.begin_object();
  out.key("date").integer(key->date.time_since_epoch().count());
  out.key("id").string(key->event_id);
  out.end_object();
}

std::optional<OrderKey> read_key(const Reader& parent, std::string_view name) {
  const auto element = parent.child(name);
  if (!element) return std::nullopt;
  const Reader key{*element};
  return OrderKey{std::chrono::sys_seconds{std::chrono::seconds{key.required_integer("date")}}, key.required_text("id")};
}

Address address_of(const Reader& in) {
  Address address;
  address.fname = in.text("fname");
  address.lname = in.text("lname");
  address.address1 = in.text("address1");
  address.address2 = in.text("address2");
  address.city = in.text("city");
  address.state = in.text("state");
  address.zipcode = in.text("zipcode");
  address.country = in.text("country");
  return address;
}

Result<std::vector<ShipmentItem>, std::string> items_of(simdjson::dom::element element) {
  simdjson::dom::array array;
  if (element.get(array) != simdjson::SUCCESS) {
    return fail(std::string("items: expected an array"));
  }
  std::vector<ShipmentItem> items;
  try {
    for (const auto entry : array) {
      const Reader in{entry};
      ShipmentItem item;
      item.shipment_item_id = in.required_integer("shipment_item_id");
      item.quantity = in.required_integer("quantity");
      item.item_id = in.required_integer("item_id");
      item.item_name = in.required_text("item_name");
      item.item_sku = in.required_text("item_sku");
      items.push_back(std::move(item));
    }
  } catch (const Reader::MissingMember& missing) {
    return fail("items: " + std::string(missing.what()));
  }
  return items;
}

std::optional<ShipmentStatus> status_from_string(std::string_view name) {
  for (const auto status : {ShipmentStatus::unknown, ShipmentStatus::scheduled, ShipmentStatus::error,
                            ShipmentStatus::cancelled, ShipmentStatus::skipped, ShipmentStatus::shipped}) {
    if (hookline::vrio::to_string(status) == name) return status;
  }
  return std::nullopt;
}

void write_string_array(JsonWriter& out, const std::vector<std::string>& values) {
  out.begin_array();
  for (const auto& value : values) out.string(value);
  out.end_array();
}

std::vector<std::string> read_string_array(const Reader& parent, std::string_view name) {
  std::vector<std::string> values;
  const auto element = parent.child(name);
  simdjson::dom::array array;
  if (!element || element->get(array) != simdjson::SUCCESS) {
    throw Reader::MissingMember(std::string(name) + ": missing or not an array");
  }
  for (const auto entry : array) {
    std::string_view text;
    if (entry.get(text) != simdjson::SUCCESS) throw Reader::MissingMember(std::string(name) + ": an entry is not a string");
    values.emplace_back(text);
  }
  return values;
}

}  // namespace

void write_address(JsonWriter& out, const Address& address) {
  out.begin_object();
  out.member("fname", address.fname);
  out.member("lname", address.lname);
  out.member("address1", address.address1);
  out.member("address2", address.address2);
  out.member("city", address.city);
  out.member("state", address.state);
  out.member("zipcode", address.zipcode);
  out.member("country", address.country);
  out.end_object();
}

void write_items(JsonWriter& out, const std::vector<ShipmentItem>& items) {
  out.begin_array();
  for (const auto& item : items) {
    out.begin_object();
    out.key("shipment_item_id").integer(item.shipment_item_id);
    out.key("quantity").integer(item.quantity);
    out.key("item_id").integer(item.item_id);
    out.key("item_name").string(item.item_name);
    out.key("item_sku").string(item.item_sku);
    out.end_object();
  }
  out.end_array();
}

Result<Address, std::string> read_address(std::string_view text) {
  simdjson::dom::parser parser;
  simdjson::dom::element document;
  if (parser.parse(simdjson::padded_string(text)).get(document) != simdjson::SUCCESS) {
    return fail(std::string("address: not JSON"));
  }
  return address_of(Reader{document});
}

Result<std::vector<ShipmentItem>, std::string> read_items(std::string_view text) {
  simdjson::dom::parser parser;
  simdjson::dom::element document;
  if (parser.parse(simdjson::padded_string(text)).get(document) != simdjson::SUCCESS) {
    return fail(std::string("items: not JSON"));
  }
  return items_of(document);
}

std::string encode_view(const ShipmentView& view) {
  JsonWriter out;
  out.begin_object();
  out.key("shipment_id").integer(view.shipment_id);
  out.key("exists").boolean(view.exists);
  out.key("status").string(hookline::vrio::to_string(view.status));
  out.key("status_key");
  write_key(out, view.status_key);
  out.key("address");
  if (view.address) {
    write_address(out, *view.address);
  } else {
    out.null();
  }
  out.key("address_key");
  write_key(out, view.address_key);
  out.key("items");
  if (view.items) {
    write_items(out, *view.items);
  } else {
    out.null();
  }
  out.key("items_key");
  write_key(out, view.items_key);
  out.key("date_scheduled");
  if (view.date_scheduled) {
    out.integer(view.date_scheduled->time_since_epoch().count());
  } else {
    out.null();
  }
  out.member("customer_id", view.customer_id);
  out.member("order_id", view.order_id);
  out.key("schedule_key");
  write_key(out, view.schedule_key);
  std::vector<std::string> held_ids;
  for (const auto& held : view.held) held_ids.push_back(held.key.event_id);
  out.key("held");
  write_string_array(out, held_ids);
  out.key("seen");
  write_string_array(out, view.seen_event_ids);
  out.end_object();
  return out.take();
}

Result<StoredView, std::string> decode_view(std::string_view text) {
  simdjson::dom::parser parser;
  simdjson::dom::element document;
  if (parser.parse(simdjson::padded_string(text)).get(document) != simdjson::SUCCESS) {
    return fail(std::string("view: not JSON"));
  }
  const Reader in{document};
  StoredView stored;
  ShipmentView& view = stored.view;
  try {
    view.shipment_id = in.required_integer("shipment_id");
    view.exists = in.required_flag("exists");
    const auto status = status_from_string(in.required_text("status"));
    if (!status) return fail(std::string("view: status: unknown"));
    view.status = *status;
    view.status_key = read_key(in, "status_key");
    if (const auto address = in.child("address")) view.address = address_of(Reader{*address});
    view.address_key = read_key(in, "address_key");
    if (const auto items = in.child("items")) {
      auto read = items_of(*items);
      if (!read) return fail("view: " + read.error());
      view.items = std::move(*read);
    }
    view.items_key = read_key(in, "items_key");
    if (const auto scheduled = in.integer("date_scheduled")) {
      view.date_scheduled = std::chrono::sys_seconds{std::chrono::seconds{*scheduled}};
    }
    view.customer_id = in.integer("customer_id");
    view.order_id = in.integer("order_id");
    view.schedule_key = read_key(in, "schedule_key");
    stored.held_ids = read_string_array(in, "held");
    view.seen_event_ids = read_string_array(in, "seen");
  } catch (const Reader::MissingMember& missing) {
    return fail("view: " + std::string(missing.what()));
  }
  return stored;
}

Result<std::string, std::string> read_note(std::string_view text) {
  simdjson::dom::parser parser;
  simdjson::dom::element document;
  if (parser.parse(simdjson::padded_string(text)).get(document) != simdjson::SUCCESS || !document.is_object()) {
    return fail(std::string("body: expected a JSON object"));
  }
  auto note = Reader{document}.text("note");
  if (!note || note->empty()) return fail(std::string("note: required (a non-empty string saying why)"));
  return std::move(*note);
}

Result<ManualShipment, std::string> read_manual_shipment(std::string_view text) {
  simdjson::dom::parser parser;
  simdjson::dom::element document;
  if (parser.parse(simdjson::padded_string(text)).get(document) != simdjson::SUCCESS || !document.is_object()) {
    return fail(std::string("body: expected a JSON object"));
  }
  const Reader in{document};
  ManualShipment shipment;
  shipment.tracking_number = in.text("tracking").value_or(in.text("shipment_tracking_id").value_or(""));
  if (shipment.tracking_number.empty()) {
    return fail(std::string("tracking: required (a non-empty string)"));
  }
  if (const auto carrier = in.integer("carrier_id")) {
    shipment.carrier_id = *carrier;
  } else if (const auto carrier_text = in.text("carrier_id")) {
    std::int64_t value = 0;
    if (std::sscanf(carrier_text->c_str(), "%" SCNd64, &value) != 1) {
      return fail(std::string("carrier_id: expected an integer"));
    }
    shipment.carrier_id = value;
  }
  if (shipment.carrier_id <= 0) {
    return fail(std::string("carrier_id: required (a positive integer, e.g. 1 = USPS, 2 = UPS)"));
  }
  return shipment;
}

std::string error_message(std::string_view body) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  std::string_view message;
  if (parser.parse(body.data(), body.size()).get(root) != simdjson::SUCCESS ||
      root.at_pointer("/error/message").get(message) != simdjson::SUCCESS) {
    return {};
  }
  return std::string(message);
}

}  // namespace fulfillment::json
