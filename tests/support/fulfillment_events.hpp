#pragma once
// Test helpers of the fulfillment server's suites: VRIO shipment webhook bodies and temporary
// directories.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <random>
#include <string>
#include <string_view>

#include "toolkit/dates.hpp"

namespace fulfillment_test {

/// A VRIO shipment webhook body; `fields` are extra members of webhook_data.shipment (JSON text).
inline std::string shipment_event(std::string_view type, std::string_view event_id, std::string_view event_date,
                                  std::int64_t shipment_id, std::string_view fields = "") {
  std::string body = R"({"webhook_type":"shipment","webhook_event":")" + std::string(type) +
                     R"(","webhook_event_id":")" + std::string(event_id) + R"(","webhook_event_date":")" +
                     std::string(event_date) + R"(","webhook_data":{"shipment":{"shipment_id":)" +
                     std::to_string(shipment_id);
  if (!fields.empty()) body += "," + std::string(fields);
  return body + "}}}";
}

/// `"customer_address_shipping": {...}` with this street and city.
inline std::string address_fields(std::string_view street, std::string_view city = "Denver") {
  return R"("customer_address_shipping":{"fname":"John","lname":"Doe","address1":")" + std::string(street) +
         R"(","address2":null,"city":")" + std::string(city) + R"(","state":"CO","zipcode":"80014","country":"US"})";
}

/// `"shipment_items": [...]` with one line of this SKU and quantity.
inline std::string item_fields(std::string_view sku, int quantity = 1) {
  return R"("shipment_items":[{"shipment_item_id":270243,"quantity":)" + std::to_string(quantity) +
         R"(,"item_id":1282,"item_name":"Monthly Supplement Box","item_sku":")" + std::string(sku) + R"("}])";
}

/// A shipment_scheduled body due at `date_scheduled`, with an address and one item.
inline std::string scheduled(std::string_view event_id, std::string_view event_date, std::int64_t shipment_id,
                             std::string_view date_scheduled, std::string_view street = "123 Main St") {
  return shipment_event("shipment_scheduled", event_id, event_date, shipment_id,
                        R"("customer_id":71135,"order_id":135123,"shipment_status_id":"Pending Post","date_scheduled":")" +
                            std::string(date_scheduled) + "\"," + item_fields("SUP-001") + "," + address_fields(street));
}

/// The wall clock in whole seconds, for e2e tests that talk to a running server.
inline std::chrono::sys_seconds now_seconds() {
  return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
}

/// "YYYY-MM-DD HH:MM:SS" (UTC) of a time point, as VRIO writes dates.
inline std::string vrio_date(std::chrono::sys_seconds when) { return hookline::toolkit::format_date_time_utc(when); }

/// A fresh directory removed with everything in it at the end of the scope.
class TempDir {
 public:
  TempDir() {
    std::random_device seed;
    path_ = std::filesystem::temp_directory_path() / ("hookline-fulfillment-" + std::to_string(seed()) + std::to_string(seed()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  /// The directory.
  [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace fulfillment_test
