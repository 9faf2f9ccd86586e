#include "hookline/parse.hpp"

#include <optional>
#include <utility>

#include "detail/json_fields.hpp"
#include "detail/json_reader.hpp"

namespace hookline {

namespace {

using detail::JsonValue;
using detail::key_is;
using detail::ReadResult;

/// What the top level of a body shows about its sender.
struct TopLevelKeys {
  bool vrio_key = false;       // any webhook_* member
  bool store_key = false;      // event_type or event_id
  bool created = false;
  bool data = false;
  bool user = false;
  std::optional<std::string> type;  // a string `type`

  [[nodiscard]] std::optional<Platform> platform() const {
    if (vrio_key) return Platform::vrio;
    if (store_key) return Platform::store;
    if (type && type->find('.') != std::string::npos) return Platform::ordergroove;
    if (created && data) return Platform::ordergroove;
    if (type || user) return Platform::vero;
    return std::nullopt;
  }
};

std::optional<Platform> platform_from_headers(const Headers& headers) {
  if (headers.get("Ordergroove-Signature")) return Platform::ordergroove;
  if (headers.get("X-Store-Webhook-Token")) return Platform::store;
  if (headers.get("X-Webhook-Signature")) return Platform::vrio;
  return std::nullopt;
}

template <class Event>
Result<AnyEvent, ParseError> wrap(Result<Event, ParseError>&& parsed) {
  if (!parsed) return fail(parsed.error());
  return AnyEvent(std::move(parsed).value());
}

}  // namespace

Result<Platform, ParseError> detect_platform(std::string_view body, const Headers& headers) {
  if (const auto platform = platform_from_headers(headers)) return *platform;
  auto document = detail::JsonDocument::open(body);
  if (!document) return fail(document.error());
  TopLevelKeys keys;
  auto status = document->for_each_field([&](std::string_view key, JsonValue& value) -> ReadResult {
    if (key.substr(0, 8) == "webhook_") keys.vrio_key = true;
    if (key_is(key, "event_type") || key_is(key, "event_id")) keys.store_key = true;
    if (key_is(key, "created")) keys.created = true;
    if (key_is(key, "data")) keys.data = true;
    if (key_is(key, "user")) keys.user = true;
    if (key_is(key, "type") && !keys.type) {
      std::optional<std::string> type;
      if (auto read = value.read(type); !read) return read;
      keys.type = std::move(type);
      return {};
    }
    return value.skip();
  });
  if (const auto platform = keys.platform()) return *platform;
  if (!status) return fail(status.error());
  return fail(ParseError{"", "not a webhook of a known platform (vrio, ordergroove, vero, store)"});
}

Result<AnyEvent, ParseError> parse_any(Platform platform, std::string_view body, const AnyParseOptions& options) {
  switch (platform) {
    case Platform::vrio:
      return wrap(vrio::parse(body, vrio::ParseOptions{options.vrio_zone}));
    case Platform::ordergroove:
      return wrap(ordergroove::parse(body));
    case Platform::vero:
      return wrap(vero::parse(body));
    case Platform::store:
      return wrap(store::parse(body));
  }
  return fail(ParseError{"", "unknown platform"});
}

Result<AnyEvent, ParseError> parse_any(std::string_view body, const Headers& headers, const AnyParseOptions& options) {
  auto platform = detect_platform(body, headers);
  if (!platform) return fail(platform.error());
  return parse_any(*platform, body, options);
}

Platform platform_of(const AnyEvent& event) noexcept {
  switch (event.index()) {
    case 0:
      return Platform::vrio;
    case 1:
      return Platform::ordergroove;
    case 2:
      return Platform::vero;
    default:
      return Platform::store;
  }
}

EventMeta meta_of(const AnyEvent& event) {
  return std::visit([](const auto& typed) { return typed.meta(); }, event);
}

std::string to_json(const AnyEvent& event) {
  return std::visit(
      [](const auto& typed) -> std::string {
        using T = std::decay_t<decltype(typed)>;
        if constexpr (std::is_same_v<T, vrio::Event>) {
          return vrio::to_json(typed);
        } else if constexpr (std::is_same_v<T, ordergroove::Event>) {
          return ordergroove::to_json(typed);
        } else if constexpr (std::is_same_v<T, vero::Event>) {
          return vero::to_json(typed);
        } else {
          return store::to_json(typed);
        }
      },
      event);
}

EventMetaParser meta_parser(Platform platform, AnyParseOptions options) {
  return [platform, options = std::move(options)](std::string_view body) -> Result<EventMeta, ParseError> {
    auto event = parse_any(platform, body, options);
    if (!event) return fail(event.error());
    return meta_of(*event);
  };
}

}  // namespace hookline
