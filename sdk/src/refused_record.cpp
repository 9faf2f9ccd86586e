#include "hookline/refused_record.hpp"

namespace hookline {

std::size_t recorded_bytes(const RefusedDelivery& delivery) noexcept {
  std::size_t bytes = delivery.body.size();
  for (const auto& field : delivery.headers.fields()) {
    bytes += field.name.size() + field.value.size();
  }
  for (const auto& [name, value] : delivery.query) {
    bytes += name.size() + value.size();
  }
  return bytes;
}

}  // namespace hookline
