// Fuzz harness: vero::parse and to_json on arbitrary bytes (see platform_parse_fuzz.hpp).

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "hookline/vero.hpp"
#include "platform_parse_fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return hookline::fuzz::fuzz_platform_parser(
      hookline::Platform::vero, [](std::string_view body) { return hookline::vero::parse(body); },
      [](const hookline::vero::Event& event) { return hookline::vero::to_json(event); }, data, size);
}
