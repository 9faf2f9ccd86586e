// Fuzz harness: store_admin::parse and to_json on arbitrary bytes (see platform_parse_fuzz.hpp).

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "hookline/store_admin.hpp"
#include "platform_parse_fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return hookline::fuzz::fuzz_platform_parser(
      hookline::Platform::store_admin, [](std::string_view body) { return hookline::store_admin::parse(body); },
      [](const hookline::store_admin::Event& event) { return hookline::store_admin::to_json(event); }, data, size);
}
