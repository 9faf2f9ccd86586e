// Fuzz harness: ordergroove::parse and to_json on arbitrary bytes (see platform_parse_fuzz.hpp).

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "hookline/ordergroove.hpp"
#include "platform_parse_fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return hookline::fuzz::fuzz_platform_parser(
      hookline::Platform::ordergroove, [](std::string_view body) { return hookline::ordergroove::parse(body); },
      [](const hookline::ordergroove::Event& event) { return hookline::ordergroove::to_json(event); }, data, size);
}
