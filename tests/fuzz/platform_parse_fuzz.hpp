#pragma once
// The body of the Ordergroove, Vero and store parser harnesses: one platform's parse() on arbitrary
// bytes, then to_json() and meta() on whatever parses, and the generic entry points of
// hookline/parse.hpp on the same bytes.
// Invariants: nothing crashes; a refusal carries a message; to_json is one JSON object on one line;
// parse_any(platform, body) agrees with the platform's own parse(); detect_platform never crashes.

#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_support.hpp"
#include "hookline/parse.hpp"

namespace hookline::fuzz {

/// Runs the platform parser `parse` (and `to_json`) of `platform` on the fuzzer's bytes.
template <class Parse, class ToJson>
int fuzz_platform_parser(Platform platform, Parse parse, ToJson to_json, const std::uint8_t* data, std::size_t size) {
  const auto body = as_text(data, size);
  const auto event = parse(body);
  const auto any = parse_any(platform, body);
  require(event.has_value() == any.has_value(), "parse_any(platform) disagrees with the platform's parse");
  (void)detect_platform(body);
  if (!event) {
    require(!event.error().message.empty(), "a parse error has no message");
    return 0;
  }
  const std::string json = to_json(*event);
  require(!json.empty() && json.front() == '{' && json.back() == '}', "to_json is not one JSON object");
  require(json.find('\n') == std::string::npos, "to_json spans several lines");
  require(event->meta().platform == platform, "meta() names another platform");
  require(hookline::to_json(*any) == json, "parse_any's to_json differs from the platform's");
  return 0;
}

}  // namespace hookline::fuzz
