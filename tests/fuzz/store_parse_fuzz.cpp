// Fuzz harness: store::parse and to_json on arbitrary bytes (see platform_parse_fuzz.hpp).

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "hookline/store.hpp"
#include "platform_parse_fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return hookline::fuzz::fuzz_platform_parser(
      hookline::Platform::store, [](std::string_view body) { return hookline::store::parse(body); },
      [](const hookline::store::Event& event) { return hookline::store::to_json(event); }, data, size);
}
