#include "warehouse.hpp"

#include <cstdio>
#include <stdexcept>
#include <thread>

namespace fulfillment {
namespace {

/// SplitMix64: spreads consecutive shipment ids over unrelated-looking numbers.
std::uint64_t mix(std::uint64_t value) {
  value += 0x9e3779b97f4a7c15ULL;
  value = (value ^ (value >> 30)) * 0xbf58476d1ce4e5b9ULL;
  value = (value ^ (value >> 27)) * 0x94d049bb133111ebULL;
  return value ^ (value >> 31);
}

std::string digits(std::uint64_t value, int count) {
  std::string text(static_cast<std::size_t>(count), '0');
  for (int i = count - 1; i >= 0; --i) {
    text[static_cast<std::size_t>(i)] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  return text;
}

}  // namespace

char ups_check_digit(const std::string& body15) {
  int sum = 0;
  for (std::size_t i = 0; i < body15.size(); ++i) {
    const char c = body15[i];
    int value = 0;
    if (c >= '0' && c <= '9') {
      value = c - '0';
    } else if (c >= 'A' && c <= 'Z') {
      value = (c - 'A' + 2) % 10;  // UPS maps letters onto digits: A=2, B=3, ... H=9, I=0, ...
    } else {
      throw std::invalid_argument("UPS tracking numbers hold digits and capital letters only");
    }
    sum += (i % 2 == 1) ? 2 * value : value;
  }
  return static_cast<char>('0' + (10 - sum % 10) % 10);
}

char usps_check_digit(const std::string& number) {
  int sum = 0;
  int weight = 3;
  for (auto it = number.rbegin(); it != number.rend(); ++it) {
    sum += (*it - '0') * weight;
    weight = weight == 3 ? 1 : 3;
  }
  return static_cast<char>('0' + (10 - sum % 10) % 10);
}

std::string ups_tracking_number(std::uint64_t seed) {
  const std::uint64_t bits = mix(seed);
  static constexpr char alphabet[] = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ";
  std::string shipper;
  std::uint64_t rest = bits;
  for (int i = 0; i < 6; ++i) {
    shipper += alphabet[rest % (sizeof alphabet - 1)];
    rest /= sizeof alphabet - 1;
  }
  const std::string body = shipper + "03" + digits(mix(bits), 7);  // service 03: UPS Ground
  return "1Z" + body + ups_check_digit(body);
}

std::string usps_tracking_number(std::uint64_t seed) {
  const std::string number = "94001" + digits(mix(seed) % 10000000000000000ULL, 16);
  return number + usps_check_digit(number);
}

void SimulatedWarehouse::wait() const {
  if (step_delay_.count() > 0) std::this_thread::sleep_for(step_delay_);
}

hookline::Status<WarehouseError> SimulatedWarehouse::pick(const Fulfillment&) {
  wait();
  return {};
}

hookline::Status<WarehouseError> SimulatedWarehouse::pack(const Fulfillment&) {
  wait();
  return {};
}

hookline::Result<Tracking, WarehouseError> SimulatedWarehouse::ship(const Fulfillment& fulfillment,
                                                                    std::chrono::sys_seconds now) {
  wait();
  if (!fulfillment.address || !fulfillment.address->address1) {
    return hookline::fail(WarehouseError{"no shipping address to print a label for", false});
  }
  const auto seed = static_cast<std::uint64_t>(fulfillment.shipment_id);
  if (fulfillment.shipment_id % 2 == 0) {
    return Tracking{ups_tracking_number(seed), carrier_ups, now, "warehouse"};
  }
  return Tracking{usps_tracking_number(seed), carrier_usps, now, "warehouse"};
}

}  // namespace fulfillment
