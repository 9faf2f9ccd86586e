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

MetaParser meta_parser(Platform platform, AnyParseOptions options) {
  return MetaParser(platform, [platform, options = std::move(options)](std::string_view body) -> Result<EventMeta, ParseError> {
    auto event = parse_any(platform, body, options);
    if (!event) return fail(event.error());
    return meta_of(*event);
  });
}

namespace {

/// A cursor over a text that may be cut short anywhere: every step says whether it could be taken.
class TolerantScanner {
 public:
  explicit TolerantScanner(std::string_view text) noexcept : text_(text) {}

  [[nodiscard]] std::size_t position() const noexcept { return at_; }
  void skip_space() noexcept {
    while (at_ < text_.size() && (text_[at_] == ' ' || text_[at_] == '\t' || text_[at_] == '\n' || text_[at_] == '\r')) ++at_;
  }
  /// Takes `c` if it is next.
  [[nodiscard]] bool take(char c) noexcept {
    skip_space();
    if (at_ >= text_.size() || text_[at_] != c) return false;
    ++at_;
    return true;
  }
  /// Skips a string whose opening quote is next; false when none is, or the text ends inside it.
  [[nodiscard]] bool skip_string() noexcept {
    if (at_ >= text_.size() || text_[at_] != '"') return false;
    for (++at_; at_ < text_.size(); ++at_) {
      if (text_[at_] == '\\') {
        ++at_;
      } else if (text_[at_] == '"') {
        ++at_;
        return true;
      }
    }
    return false;
  }
  /// Skips one value (a string, an object or array with everything inside, or a scalar); false when
  /// the text ends inside it. Syntax is not checked: the value's own reader does that.
  [[nodiscard]] bool skip_value() noexcept {
    skip_space();
    if (at_ >= text_.size()) return false;
    if (text_[at_] == '"') return skip_string();
    if (text_[at_] == '{' || text_[at_] == '[') {
      std::size_t depth = 0;
      while (at_ < text_.size()) {
        const char c = text_[at_];
        if (c == '"') {
          if (!skip_string()) return false;
          continue;
        }
        ++at_;
        if (c == '{' || c == '[') ++depth;
        if ((c == '}' || c == ']') && --depth == 0) return true;
      }
      return false;
    }
    const auto end = text_.find_first_of(",}] \t\r\n", at_);
    if (end == std::string_view::npos) return false;  // a number or literal that ends the text may be cut short
    at_ = end;
    return true;
  }

 private:
  std::string_view text_;
  std::size_t at_ = 0;
};

/// The raw JSON text of the top-level member `name` of an object, found without reading anything
/// else, so that a body wrong or cut short elsewhere still yields it; none when the text ends before
/// the member is whole and followed by another member or by the object's end (an id that ends the
/// text may be cut short: "100" of "10001").
std::optional<std::string_view> top_level_member(std::string_view text, std::string_view name) {
  TolerantScanner scanner(text);
  if (!scanner.take('{')) return std::nullopt;
  for (;;) {
    scanner.skip_space();
    const std::size_t key_start = scanner.position();
    if (!scanner.skip_string()) return std::nullopt;
    const auto key = text.substr(key_start, scanner.position() - key_start);
    if (!scanner.take(':')) return std::nullopt;
    scanner.skip_space();
    const std::size_t value_start = scanner.position();
    if (!scanner.skip_value()) return std::nullopt;
    const auto value = text.substr(value_start, scanner.position() - value_start);
    const bool followed = scanner.take(',');
    if (key.size() == name.size() + 2 && key.substr(1, name.size()) == name) {
      if (followed || scanner.take('}')) return value;
      return std::nullopt;
    }
    if (!followed) return std::nullopt;
  }
}

}  // namespace

std::optional<std::string> probe_event_id(Platform platform, std::string_view body) {
  std::string_view id_field;
  switch (platform) {
    case Platform::vrio: id_field = "webhook_event_id"; break;
    case Platform::ordergroove: id_field = "id"; break;
    case Platform::store: id_field = "event_id"; break;
    case Platform::vero: return std::nullopt;
  }
  const auto member = top_level_member(body, id_field);
  if (!member) return std::nullopt;
  // The member's value alone, read by the JSON reader like the platform parsers read it.
  auto document = detail::JsonDocument::open("{\"id\":" + std::string(*member) + "}");
  if (!document) return std::nullopt;
  std::optional<std::string> id;
  const auto read = document->for_each_field([&id](std::string_view, JsonValue& value) -> ReadResult {
    std::string text;
    if (auto status = value.read_id(text); !status) return status;
    id = std::move(text);
    return {};
  });
  if (!read) return std::nullopt;
  return id;
}

}  // namespace hookline
