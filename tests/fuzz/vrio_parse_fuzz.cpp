// Fuzz harness: vrio::parse on arbitrary bytes, then to_json and meta on whatever parses.
// Invariants: parse never crashes; an error carries a message; to_json of a parsed event is one line of JSON text; parsing in another zone succeeds or fails
// exactly when parsing in UTC does (zones move dates, they never make a payload valid or invalid).

#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_support.hpp"
#include "hookline/vrio.hpp"

namespace {

const hookline::ParseOptions& new_york() {
  static const hookline::ParseOptions options{*hookline::TimeZone::named("America/New_York")};
  return options;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using hookline::fuzz::require;
  const auto body = hookline::fuzz::as_text(data, size);

  const auto event = hookline::vrio::parse(body);
  const auto zoned = hookline::vrio::parse(body, new_york());
  require(event.has_value() == zoned.has_value(), "the zone changed whether a payload parses");
  if (!event) {
    require(!event.error().message.empty(), "a parse error has no message");
    return 0;
  }

  const std::string json = hookline::vrio::to_json(*event);
  require(!json.empty() && json.front() == '{' && json.back() == '}', "to_json is not one JSON object");
  require(json.find('\n') == std::string::npos, "to_json spans several lines");
  const auto meta = event->meta();
  require(meta.id == event->envelope.webhook_event_id, "meta().id is not webhook_event_id");
  (void)hookline::vrio::to_json(*zoned);
  return 0;
}
