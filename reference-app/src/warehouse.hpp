#pragma once
/// @file
/// The warehouse: the interface a merchant replaces with their own (WMS, 3PL, a shipping API), and a
/// simulated one that takes a configurable time per step and makes realistic tracking numbers.

#include <chrono>
#include <cstdint>
#include <string>

#include "fulfillment.hpp"
#include "hookline/result.hpp"

namespace fulfillment {

/// Why a warehouse step failed.
struct WarehouseError {
  std::string message;    ///< What went wrong, shown in the fulfillment's attention note.
  bool retryable = true;  ///< False when a person must look at it (the fulfillment goes to error).
};

/// The steps of fulfilling one shipment. Each step may be repeated for the same shipment after a
/// restart, so an implementation must be idempotent per shipment_id (e.g. use it as the order
/// reference in the warehouse system): ship() for a shipment already shipped returns its tracking.
class Warehouse {
 public:
  Warehouse() = default;
  Warehouse(const Warehouse&) = delete;
  Warehouse& operator=(const Warehouse&) = delete;
  virtual ~Warehouse() = default;

  /// Picks `fulfillment.items`.
  [[nodiscard]] virtual hookline::Status<WarehouseError> pick(const Fulfillment& fulfillment) = 0;
  /// Packs them with the packing list.
  [[nodiscard]] virtual hookline::Status<WarehouseError> pack(const Fulfillment& fulfillment) = 0;
  /// Labels the parcel for `fulfillment.address`, hands it to a carrier at `now`, returns its tracking.
  [[nodiscard]] virtual hookline::Result<Tracking, WarehouseError> ship(const Fulfillment& fulfillment,
                                                                        std::chrono::sys_seconds now) = 0;
};

/// A warehouse that sleeps `step_delay` per step and ships by UPS or USPS (by shipment id parity)
/// with a tracking number derived from the shipment id, so a repeated ship() returns the same one.
class SimulatedWarehouse final : public Warehouse {
 public:
  /// A warehouse whose pick, pack and ship each take `step_delay`.
  explicit SimulatedWarehouse(std::chrono::milliseconds step_delay) : step_delay_(step_delay) {}

  [[nodiscard]] hookline::Status<WarehouseError> pick(const Fulfillment& fulfillment) override;
  [[nodiscard]] hookline::Status<WarehouseError> pack(const Fulfillment& fulfillment) override;
  [[nodiscard]] hookline::Result<Tracking, WarehouseError> ship(const Fulfillment& fulfillment,
                                                                std::chrono::sys_seconds now) override;

 private:
  void wait() const;
  std::chrono::milliseconds step_delay_;
};

/// A UPS tracking number "1Z" + shipper + service + package + check digit (18 characters) for `seed`.
[[nodiscard]] std::string ups_tracking_number(std::uint64_t seed);
/// A USPS Intelligent Mail package barcode "9400 1…" of 22 digits with its mod-10 check digit for `seed`.
[[nodiscard]] std::string usps_tracking_number(std::uint64_t seed);
/// The UPS check digit of the 15 characters after "1Z".
[[nodiscard]] char ups_check_digit(const std::string& body15);
/// The USPS mod-10 check digit (weights 3 and 1 from the right) of the digits before it.
[[nodiscard]] char usps_check_digit(const std::string& digits);

}  // namespace fulfillment
