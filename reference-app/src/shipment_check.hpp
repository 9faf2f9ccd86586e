#pragma once
/// @file
/// Checking a shipment with the platform before acting: VRIO attempts each webhook once, and its
/// fulfillment guide says "Always check the current status before acting". This module reads what a
/// `GET {platform-url}/shipments/{shipment_id}` answer says (the shipment under VRIO's field names,
/// as its shipment webhooks carry it) and decides, as pure functions, what that means for a
/// fulfillment: release it, stop it (cancelled or skipped there), record it (shipped there), update its
/// label or packing list, hold it while the platform cannot be read, or ask a person.
///
/// The platform's record goes through the same ordering rules as the webhooks: it is applied with
/// vrio::apply as an observation dated one second before the request went out, so a webhook older
/// than the read never overrides it and a newer one (or one of the same second) does; terminal states
/// stay sticky.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fulfillment.hpp"
#include "storage/fulfillment_store.hpp"
#include "hookline/result.hpp"
#include "hookline/vrio.hpp"
#include "hookline/vrio_shipment.hpp"
#include "platform_retry.hpp"

namespace fulfillment {

/// Where the platform says a shipment is, from its `shipment_status_id`.
enum class PlatformStatus {
  open,       ///< "Pending Post": to be fulfilled on date_scheduled
  cancelled,  ///< "Cancelled"
  skipped,    ///< "Skipped"
  shipped,    ///< "Shipped" or "Fulfilled": another system shipped it
  unknown,    ///< any other status, or none: not acted on
};

/// "open", "cancelled", "skipped", "shipped" or "unknown".
[[nodiscard]] std::string_view to_string(PlatformStatus status) noexcept;
/// The status a `shipment_status_id` names.
[[nodiscard]] PlatformStatus platform_status_of(std::string_view shipment_status_id) noexcept;

/// A shipment as the platform holds it.
struct PlatformShipment {
  hookline::vrio::Shipment shipment;  ///< Its fields, read as VRIO's webhooks are (numbers as strings, empty dates...).
  PlatformStatus status = PlatformStatus::unknown;  ///< What shipment_status_id means.
};

/// Reads the body of a `GET /shipments/{id}` answer: a JSON object with VRIO's shipment fields
/// (`shipment_id`, `shipment_status_id`, `date_scheduled`, `shipment_items`,
/// `customer_address_shipping`, `shipment_tracking_id`, `carrier_id`, ...), dates in `options.zone`.
/// Refuses anything else, and a record of another shipment than `shipment_id`, naming the field.
[[nodiscard]] hookline::Result<PlatformShipment, std::string> parse_platform_shipment(
    std::string_view body, std::int64_t shipment_id, const hookline::ParseOptions& options);

/// What one read got.
enum class ReadOutcome {
  found,        ///< 2xx with the shipment's record
  not_found,    ///< 404: the platform does not know the shipment
  unavailable,  ///< no answer in time, 5xx, 429, any other refusal, or a body that is not a shipment
};

/// "found", "not_found" or "unavailable".
[[nodiscard]] std::string_view to_string(ReadOutcome outcome) noexcept;

/// The result of one `GET /shipments/{id}`.
struct ShipmentRead {
  ReadOutcome outcome = ReadOutcome::unavailable;          ///< What it got.
  int http_status = 0;                                     ///< 0 when no answer came.
  std::optional<std::chrono::milliseconds> retry_after;    ///< The platform's Retry-After, when it sent one.
  std::string detail;                                      ///< For the history, e.g. "HTTP 503: busy".
  std::optional<PlatformShipment> shipment;                ///< The record, when found.
};

/// Classifies an answer to `GET /shipments/{shipment_id}` (status, Retry-After header, body) at `now`.
[[nodiscard]] ShipmentRead classify_read(std::int64_t shipment_id, int status, std::optional<std::string_view> retry_after,
                                         std::string_view body, std::chrono::sys_seconds now,
                                         const hookline::ParseOptions& options);

/// Reads shipments from the platform; implementations must be safe to call from several threads.
class ShipmentReader {
 public:
  ShipmentReader() = default;
  ShipmentReader(const ShipmentReader&) = delete;
  ShipmentReader& operator=(const ShipmentReader&) = delete;
  virtual ~ShipmentReader() = default;
  /// Makes one `GET /shipments/{shipment_id}`.
  [[nodiscard]] virtual ShipmentRead read(std::int64_t shipment_id) = 0;
};

/// Why a shipment is read.
enum class CheckPurpose {
  release,    ///< before its fulfillment is released to the warehouse
  reconcile,  ///< the periodic pass over fulfillments still waiting, picking or packing
  held,       ///< its events are held (never scheduled here) for longer than the lookup age
};

/// "release", "reconcile" or "held".
[[nodiscard]] std::string_view to_string(CheckPurpose purpose) noexcept;

/// What a check found and did (the `outcome` label of its metrics).
enum class CheckOutcome {
  matches,             ///< the platform holds what the webhooks said
  updated,             ///< the platform's newer address, items or date_scheduled were applied
  stale,               ///< the platform's record differs, but events newer than the read set what differs
  rescheduled,         ///< the platform moved date_scheduled into the future: not released yet
  cancelled,           ///< cancelled at the platform: stopped, not shipped
  skipped,             ///< skipped at the platform: stopped, not shipped
  shipped_elsewhere,   ///< shipped at the platform by another system: recorded, not shipped here
  created,             ///< held events' shipment is live at the platform: a fulfillment from its record
  not_found,           ///< the platform does not know the shipment: needs attention
  attention,           ///< the platform holds it in a status not acted on: needs attention
  unavailable,         ///< the platform could not be read: tried again later (a release is held)
  released_unchecked,  ///< the platform stayed unavailable: released on what the webhooks said
};

/// The outcome's name, e.g. "shipped_elsewhere".
[[nodiscard]] std::string_view to_string(CheckOutcome outcome) noexcept;

/// What to do when the platform stays unavailable for a release (--check-unavailable).
enum class UnavailablePolicy {
  hold,  ///< keep the release held and keep reading, at the longest backoff (the default)
  ship,  ///< release on what the webhooks said
};

/// "hold" or "ship".
[[nodiscard]] std::string_view to_string(UnavailablePolicy policy) noexcept;
/// The policy of this name, if it is one.
[[nodiscard]] std::optional<UnavailablePolicy> unavailable_policy_from_string(std::string_view name) noexcept;

/// How checks retry and give up.
struct CheckPolicy {
  /// When the platform stays unavailable after retry.max_attempts reads of a release.
  UnavailablePolicy unavailable = UnavailablePolicy::hold;
  /// Backoff between reads of one shipment (Retry-After honoured); max_attempts reads before `unavailable` applies.
  PlatformRetry retry{std::chrono::milliseconds(1000), std::chrono::minutes(5), std::chrono::hours(1), 5};
};

/// One read of one shipment, as a check made it.
struct CheckAttempt {
  std::int64_t shipment_id = 0;  ///< The shipment read.
  ShipmentRead read;             ///< What came back.
  Millis started_at{};           ///< When the request went out: the record is dated one second before.
};

/// What a check decides; the caller stores it in one transaction.
struct CheckDecision {
  CheckOutcome outcome = CheckOutcome::unavailable;  ///< What it found and did.
  std::optional<Fulfillment> fulfillment;            ///< The fulfillment after the check, if there is one.
  bool fulfillment_changed = false;                  ///< True when `fulfillment` must be saved.
  std::optional<hookline::vrio::ShipmentView> view;  ///< The view to save, when the record changed it.
  std::vector<HistoryEntry> history;                 ///< Lines to add, in order.
  CheckState state;                                  ///< The shipment's check state after.
  bool released = false;                             ///< True when the fulfillment moved to picking.
};

/// Decides what one read means. `current` is the fulfillment as stored now (for `release` a waiting
/// one whose date_scheduled arrived; for `reconcile` one waiting, picking or packing; for `held`
/// none), `view` the shipment's stored view, `prior` its check state, `now` the time of the decision
/// and `unit` the jitter in [0, 1) of a backoff.
[[nodiscard]] CheckDecision decide(CheckPurpose purpose, const std::optional<Fulfillment>& current,
                                   const hookline::vrio::ShipmentView& view, const CheckState& prior,
                                   const CheckAttempt& attempt, const CheckPolicy& policy, Millis now, double unit);

}  // namespace fulfillment
