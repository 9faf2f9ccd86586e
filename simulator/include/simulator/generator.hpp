#pragma once
/// @file
/// Scenario generation for `hookline simulate --generate N` (vrio mode): N subscriptions with
/// prepaid cycles, one shipment per cycle with staggered `date_scheduled` (the first due now, the
/// others a month apart in the future, as prepaid subscriptions have them), and a configurable mix of
/// cancellations, skips, address and item changes, duplicates and out-of-order arrivals.
///
/// The same options and `now` always give the same events, byte for byte (the random numbers come
/// from std::mt19937_64, whose output the standard fixes, with no library distribution involved).
///
/// Queue order is the delivery order within a shipment. A cancellation or skip of a shipment that
/// is due is queued before its shipment_scheduled (the out-of-order case a prepaid cancellation gives), so a
/// receiver must not fulfill it whatever its warehouse's speed; for shipments in the future it
/// comes after. With reorder_rate, address and item changes too arrive before shipment_scheduled.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace hookline::simulator {

/// The mix of a generated scenario; rates are probabilities from 0 to 1.
struct GenerateOptions {
  std::size_t subscriptions = 10;     ///< How many subscriptions (each with 1..max_prepaid_cycles shipments).
  int max_prepaid_cycles = 3;         ///< Prepaid cycles per subscription, at most.
  double cancel_rate = 0.1;           ///< Per subscription: one of its shipments is cancelled.
  double skip_rate = 0.1;             ///< Per subscription: one of its (other) shipments is skipped.
  double address_change_rate = 0.1;   ///< Per shipment: a shipment_address_updated.
  double item_change_rate = 0.1;      ///< Per shipment: a shipment_item_updated.
  double duplicate_rate = 0.05;       ///< Per shipment: its shipment_scheduled is queued twice (same id).
  double reorder_rate = 0.1;          ///< Per change: it is queued before shipment_scheduled.
  std::uint64_t seed = 1;             ///< The random seed.
  std::vector<std::int64_t> campaigns{1, 2, 3};  ///< Campaign ids given to subscriptions in turn.
  std::int64_t first_event_id = 500000;       ///< Event ids count up from here.
  std::int64_t first_shipment_id = 300000;    ///< Shipment ids count up from here.
};

/// What the generator decided for one shipment: the expected outcome at a receiver.
struct GeneratedShipment {
  std::int64_t shipment_id = 0;              ///< The shipment.
  std::int64_t campaign_id = 0;              ///< Its subscription's campaign.
  std::chrono::sys_seconds date_scheduled{};  ///< When it is due.
  bool due = false;                          ///< date_scheduled <= now.
  bool cancelled = false;                    ///< A shipment_cancelled is among the events.
  bool skipped = false;                      ///< A shipment_skipped is among the events.
};

/// A generated scenario: VRIO payloads in queue order, and the shipments they describe.
struct Scenario {
  std::vector<std::string> events;            ///< Full VRIO payloads, each with its id and date.
  std::vector<GeneratedShipment> shipments;   ///< By shipment id.
};

/// Generates a scenario at time `now`.
[[nodiscard]] Scenario generate(const GenerateOptions& options, std::chrono::sys_seconds now);

}  // namespace hookline::simulator
