#pragma once
/// @file
/// Reading shipments from the platform and storing what each read decides (shipment_check's
/// decide()), one transaction per decision or per release pass, so that a check run twice (a retry,
/// a second instance) changes nothing the second time. Used by the scheduler before it releases due
/// fulfillments and by the reconciler for its periodic pass.
///
/// A Retry-After on a failed read holds back every read of this process until it has passed, counted
/// from when the answer came (read from the clock then, rounded up to the next whole second); a read
/// that fails without one stops a release pass from starting more reads (the rest wait for the next
/// pass, uncounted), so a platform that is down or hangs is not hammered.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "hookline/clock.hpp"
#include "storage/fulfillment_store.hpp"
#include "shipment_check.hpp"

namespace fulfillment {

/// One check, for metrics and logs.
struct CheckReport {
  std::int64_t shipment_id = 0;                     ///< The shipment read.
  CheckPurpose purpose = CheckPurpose::release;     ///< Why.
  CheckOutcome outcome = CheckOutcome::unavailable;  ///< What came of it.
  std::chrono::duration<double> took{};             ///< How long the read took.
  int http_status = 0;                              ///< The answer's status; 0 when none came.
  std::string detail;                               ///< What the read got, in words.
};

/// How checks run.
struct CheckOptions {
  CheckPolicy policy;           ///< Retries and the unavailable policy.
  std::size_t concurrency = 16;  ///< Reads in flight at once during a release pass.
  std::function<double()> random;  ///< Jitter in [0, 1); a seeded generator when empty.
  std::function<void(const CheckReport& report)> observer;  ///< Told about each stored check.
};

/// What a release pass did.
struct ReleasePass {
  std::vector<std::int64_t> released;  ///< The fulfillments moved to picking.
  bool read_all = true;                ///< False when reads stopped early (a failure, a Retry-After).
};

/// Checks shipments with the platform and stores the outcome; thread-safe.
class PlatformChecks {
 public:
  /// Checks reading with `reader` and storing in `store` (both must outlive it); `clock` tells when
  /// a Retry-After came.
  PlatformChecks(FulfillmentStore& store, ShipmentReader& reader, hookline::Clock clock, CheckOptions options = {});

  /// Reads each of `due` (waiting fulfillments whose date_scheduled came at `now`) from the platform,
  /// up to `concurrency` at once, then in one transaction stores every decision; returns the ids
  /// released to the warehouse (moved to picking). A fulfillment that changed meanwhile is left as it is.
  [[nodiscard]] hookline::Result<ReleasePass, StoreError> release(const std::vector<std::int64_t>& due,
                                                                  std::chrono::sys_seconds now);
  /// Reads one shipment for `purpose` (reconcile or held) at `now` and stores the decision; none when
  /// the read was held back by a Retry-After.
  [[nodiscard]] hookline::Result<std::optional<CheckOutcome>, StoreError> check(CheckPurpose purpose,
                                                                               std::int64_t shipment_id, Millis now);

 private:
  struct Done {
    CheckAttempt attempt;
    std::chrono::duration<double> took{};
  };
  /// One read, unless a Retry-After holds reads back at `now`.
  std::optional<Done> read(std::int64_t shipment_id, Millis now);
  /// Decides what one read means for the shipment as `tx` holds it now and stores that; none (and
  /// nothing stored) when the shipment is no longer what `purpose` reads (a fulfillment cancelled
  /// meanwhile, a held shipment scheduled meanwhile...).
  std::optional<CheckDecision> store_decision(StoreTx& tx, CheckPurpose purpose, const Done& done, Millis now);
  void report(CheckPurpose purpose, const Done& done, CheckOutcome outcome) const;
  double jitter();

  FulfillmentStore& store_;
  ShipmentReader& reader_;
  hookline::Clock clock_;
  CheckOptions options_;
  std::mutex mutex_;     // guards the two below
  Millis not_before_{};  // no read before this (the platform's Retry-After)
};

}  // namespace fulfillment
