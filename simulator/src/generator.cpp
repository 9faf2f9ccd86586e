#include "simulator/generator.hpp"

#include <algorithm>
#include <array>
#include <random>
#include <string_view>

#include "json.hpp"
#include "toolkit/dates.hpp"
#include "toolkit/json_writer.hpp"

namespace hookline::simulator {

namespace {

using toolkit::JsonWriter;

/// Random choices from a fixed engine, with no standard distribution (their output is not portable).
class Dice {
 public:
  explicit Dice(std::uint64_t seed) : engine_(seed) {}
  /// True with probability `rate`.
  bool chance(double rate) { return static_cast<double>(engine_() >> 11) * 0x1.0p-53 < rate; }
  /// A number in [0, bound).
  std::uint64_t below(std::uint64_t bound) { return bound == 0 ? 0 : engine_() % bound; }

 private:
  std::mt19937_64 engine_;
};

struct Person {
  std::string_view fname, lname;
};
constexpr std::array<Person, 6> people{{{"John", "Doe"}, {"Maria", "Garcia"}, {"Wei", "Chen"},
                                        {"Aisha", "Okafor"}, {"Lars", "Nilsen"}, {"Priya", "Rao"}}};
struct Place {
  std::string_view address1, city, state, zipcode;
};
constexpr std::array<Place, 5> places{{{"123 Main St", "Denver", "CO", "80014"},
                                       {"456 Oak Ave", "Boulder", "CO", "80302"},
                                       {"78 Pine Rd", "Austin", "TX", "73301"},
                                       {"9 Elm Ct", "Portland", "OR", "97201"},
                                       {"310 Lake Dr", "Madison", "WI", "53703"}}};
struct Product {
  std::int64_t item_id;
  std::string_view name, sku;
};
constexpr std::array<Product, 4> products{{{1282, "Monthly Supplement Box", "SUP-001"},
                                           {1283, "Vitamin D Supplement", "VIT-D-001"},
                                           {1284, "Omega-3 Softgels", "OMG-3-060"},
                                           {1285, "Protein Powder Vanilla", "PRO-VAN-1KG"}}};

/// One event before it is written: its name, when it happened and its shipment fields.
struct Draft {
  std::string_view name;
  std::chrono::sys_seconds date;
  std::string shipment_fields;  // members of webhook_data.shipment after shipment_id
};

std::string address_json(const Person& person, const Place& place, bool with_second_line) {
  return JsonWriter().begin_object()
      .member("fname", person.fname)
      .member("lname", person.lname)
      .member("address1", place.address1)
      .raw_member("address2", with_second_line ? toolkit::json_string("Apt 3B") : "null")
      .member("city", place.city)
      .member("country", "US")
      .member("state", place.state)
      .member("zipcode", place.zipcode)
      .end_object().take();
}

std::string items_json(const Product& product, std::int64_t line_id, std::int64_t quantity) {
  JsonWriter items;
  items.begin_array();
  items.raw(JsonWriter().begin_object()
                 .member("shipment_item_id", line_id)
                 .member("quantity", quantity)
                 .member("item_id", product.item_id)
                 .member("item_name", product.name)
                 .member("item_sku", product.sku)
                 .end_object().take());
  return items.end_array().take();
}

std::string shipment_event(std::int64_t event_id, const Draft& draft, std::int64_t shipment_id) {
  std::string shipment = JsonWriter().begin_object().member("shipment_id", shipment_id).end_object().take();
  if (!draft.shipment_fields.empty()) {
    shipment.pop_back();
    shipment += ',';
    shipment += draft.shipment_fields;
    shipment += '}';
  }
  return JsonWriter().begin_object()
      .member("webhook_type", "shipment")
      .member("webhook_event", draft.name)
      .member("webhook_event_id", event_id)
      .member("webhook_event_date", toolkit::format_date_time_utc(draft.date))
      .raw_member("webhook_data", JsonWriter().begin_object().raw_member("shipment", shipment).end_object().take())
      .end_object().take();
}

/// The members after `{` and before `}` of an object text.
std::string members(std::string object) { return object.substr(1, object.size() - 2); }

}  // namespace

Scenario generate(const GenerateOptions& options, std::chrono::sys_seconds now) {
  using namespace std::chrono_literals;
  Dice dice(options.seed);
  Scenario scenario;
  std::int64_t next_event_id = options.first_event_id;
  std::int64_t next_shipment_id = options.first_shipment_id;
  const int max_cycles = options.max_prepaid_cycles < 1 ? 1 : options.max_prepaid_cycles;

  for (std::size_t subscription = 0; subscription < options.subscriptions; ++subscription) {
    const auto customer_id = static_cast<std::int64_t>(70000 + subscription);
    const auto order_id = static_cast<std::int64_t>(130000 + subscription);
    const std::int64_t campaign_id =
        options.campaigns.empty() ? 0 : options.campaigns[subscription % options.campaigns.size()];
    const auto& person = people[dice.below(people.size())];
    const auto& place = places[dice.below(places.size())];
    const auto& product = products[dice.below(products.size())];
    const auto cycles = static_cast<int>(1 + dice.below(static_cast<std::uint64_t>(max_cycles)));
    // The prepaid order was placed a few hours ago; its first shipment is due now.
    const auto ordered_at = now - 3h - std::chrono::seconds(dice.below(3600));
    const auto cancelled_cycle = dice.chance(options.cancel_rate) ? static_cast<int>(dice.below(cycles)) : -1;
    int skipped_cycle = dice.chance(options.skip_rate) ? static_cast<int>(dice.below(cycles)) : -1;
    if (skipped_cycle == cancelled_cycle) skipped_cycle = -1;

    for (int cycle = 0; cycle < cycles; ++cycle) {
      GeneratedShipment shipment;
      shipment.shipment_id = next_shipment_id++;
      shipment.campaign_id = campaign_id;
      shipment.date_scheduled =
          cycle == 0 ? now - std::chrono::seconds(60 + dice.below(7200))
                     : now + std::chrono::days(30) * cycle - std::chrono::seconds(dice.below(3600));
      shipment.due = shipment.date_scheduled <= now;
      shipment.cancelled = cycle == cancelled_cycle;
      shipment.skipped = cycle == skipped_cycle;
      const auto line_id = shipment.shipment_id - options.first_shipment_id + 270000;

      const Draft scheduled{
          "shipment_scheduled", ordered_at,
          members(JsonWriter().begin_object()
                  .member("customer_id", customer_id)
                  .member("order_id", order_id)
                  .member("campaign_id", campaign_id)
                  .member("shipment_status_id", "Pending Post")
                  .member("date_scheduled", toolkit::format_date_time_utc(shipment.date_scheduled))
                  .raw_member("shipment_items", items_json(product, line_id, 1))
                  .raw_member("customer_address_shipping", address_json(person, place, false))
                  .end_object().take())};
      std::vector<Draft> before;  // queued before shipment_scheduled
      std::vector<Draft> after;
      auto change_at = ordered_at + 10min;
      if (shipment.cancelled || shipment.skipped) {
        const bool cancelled = shipment.cancelled;
        Draft terminal{cancelled ? "shipment_cancelled" : "shipment_skipped", change_at,
                       members(JsonWriter().begin_object()
                                   .member("campaign_id", campaign_id)
                                   .member("shipment_status_id", cancelled ? "Cancelled" : "Skipped")
                                   .member("date_cancel", cancelled ? toolkit::format_date_time_utc(change_at)
                                                                    : "0000-00-00 00:00:00")
                                   .member("shipment_notes", cancelled ? "Shipment cancelled." : "Shipment skipped.")
                                   .end_object().take())};
        (shipment.due ? before : after).push_back(std::move(terminal));
        change_at += 5min;
      }
      if (dice.chance(options.address_change_rate)) {
        const auto& new_place = places[dice.below(places.size())];
        Draft change{"shipment_address_updated", change_at,
                     members(JsonWriter().begin_object()
                                 .member("campaign_id", campaign_id)
                                 .raw_member("customer_address_shipping", address_json(person, new_place, true))
                                 .end_object().take())};
        (dice.chance(options.reorder_rate) ? before : after).push_back(std::move(change));
        change_at += 5min;
      }
      if (dice.chance(options.item_change_rate)) {
        const auto& new_product = products[dice.below(products.size())];
        Draft change{"shipment_item_updated", change_at,
                     members(JsonWriter().begin_object()
                                 .member("campaign_id", campaign_id)
                                 .raw_member("shipment_items", items_json(new_product, line_id + 1, 2))
                                 .end_object().take())};
        (dice.chance(options.reorder_rate) ? before : after).push_back(std::move(change));
      }
      const bool duplicate = dice.chance(options.duplicate_rate);

      // Ids follow the time the platform recorded each event, whatever the queue order.
      std::vector<std::pair<const Draft*, std::int64_t>> ids;
      std::vector<const Draft*> by_time{&scheduled};
      for (const auto& draft : before) by_time.push_back(&draft);
      for (const auto& draft : after) by_time.push_back(&draft);
      std::stable_sort(by_time.begin(), by_time.end(),
                       [](const Draft* a, const Draft* b) { return a->date < b->date; });
      for (const auto* draft : by_time) ids.emplace_back(draft, next_event_id++);
      const auto id_of = [&](const Draft& draft) {
        for (const auto& [candidate, id] : ids) {
          if (candidate == &draft) return id;
        }
        return std::int64_t{0};
      };

      const auto queue = [&](const Draft& draft) {
        scenario.events.push_back(shipment_event(id_of(draft), draft, shipment.shipment_id));
      };
      for (const auto& draft : before) queue(draft);
      queue(scheduled);
      for (const auto& draft : after) queue(draft);
      if (duplicate) queue(scheduled);
      scenario.shipments.push_back(shipment);
    }
  }
  return scenario;
}

}  // namespace hookline::simulator
