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

/// The four object families of Ordergroove's event types ("<family>.<action>").
bool is_ordergroove_family(std::string_view family) noexcept {
  return family == "subscriber" || family == "subscription" || family == "order" || family == "item";
}

/// The text before the first '.' of a dotted type ("order" of "order.success"); empty without a dot.
std::string_view family_of(std::string_view type) noexcept {
  const std::size_t dot = type.find('.');
  return dot == std::string_view::npos || dot == 0 ? std::string_view() : type.substr(0, dot);
}

/// What a body's members (and the request's headers) show about its sender. Each platform is
/// claimed only on several of its own fields together, never on one key: see detect_platform().
struct Evidence {
  // VRIO: the webhook_* envelope.
  int vrio = 0;
  // Ordergroove: id, type "<family>.<action>", created, data.object.
  bool og_id = false;
  bool og_created = false;
  bool og_data_object = false;
  std::optional<std::string> og_object_type;  // data.object.type
  // Vero: a `type` without a dot and a `user` object.
  bool vero_user = false;
  // Store admin: event_id, event_type "<resource>.<event>", resource, created_at, data.
  int store_admin = 0;
  bool store_admin_key = false;  // event_id or event_type
  // Shared.
  std::optional<std::string> type;  // a string `type`
  std::optional<std::string_view> foreign;  // another platform's envelope or header, by name
  std::optional<Platform> header;           // a signature header of one of ours

  [[nodiscard]] int header_for(Platform platform) const { return header == platform ? 1 : 0; }

  [[nodiscard]] bool ordergroove_type() const {
    if (!type) return false;
    const std::string_view family = family_of(*type);
    return !family.empty() && (is_ordergroove_family(family) || og_object_type == family);
  }

  /// How many of each platform's fields the body carries, 0 when it cannot be that platform.
  [[nodiscard]] int score(Platform platform) const {
    if (foreign) return 0;
    switch (platform) {
      case Platform::vrio:
        return vrio + header_for(platform);
      case Platform::ordergroove:
        if (!ordergroove_type()) return 0;
        return 1 + og_id + og_created + og_data_object + header_for(platform);
      case Platform::vero:
        if (!type || !family_of(*type).empty() || type->empty() || !vero_user) return 0;
        return 2 + header_for(platform);
      case Platform::store_admin:
        if (!store_admin_key) return 0;
        return store_admin + header_for(platform);
    }
    return 0;
  }

  /// The one platform with at least two of its fields and more than any other; none otherwise.
  [[nodiscard]] std::optional<Platform> platform() const {
    std::optional<Platform> best;
    int best_score = 1;  // a single field is not enough
    bool tie = false;
    for (Platform candidate : {Platform::vrio, Platform::ordergroove, Platform::vero, Platform::store_admin}) {
      const int candidate_score = score(candidate);
      if (candidate_score > best_score) {
        best = candidate;
        best_score = candidate_score;
        tie = false;
      } else if (candidate_score == best_score && best) {
        tie = true;
      }
    }
    if (tie) return std::nullopt;
    return best;
  }
};

/// What the headers show: a signature header of one of hookline's platforms, or another platform's
/// delivery headers.
void read_headers(const Headers& headers, Evidence& evidence) {
  if (headers.get("Ordergroove-Signature")) evidence.header = Platform::ordergroove;
  if (headers.get("X-Store-Webhook-Token")) evidence.header = Platform::store_admin;
  if (headers.get("X-Webhook-Signature")) evidence.header = Platform::vrio;
  if (headers.get("Stripe-Signature")) evidence.foreign = "a Stripe delivery (Stripe-Signature header)";
  if (headers.get("X-GitHub-Event")) evidence.foreign = "a GitHub delivery (X-GitHub-Event header)";
  if (headers.get("X-Shopify-Topic") || headers.get("X-Shopify-Hmac-Sha256")) {
    evidence.foreign = "a Shopify delivery (X-Shopify-* headers)";
  }
}

/// Reads `data.object.type` (and whether data.object is an object) for Ordergroove's evidence.
ReadResult read_data_evidence(JsonValue& data, Evidence& evidence) {
  // Only objects are looked into; anything else is validated and left to the parser to refuse.
  if (!data.is_object()) return data.skip();
  return data.for_each_field([&](std::string_view key, JsonValue& member) -> ReadResult {
    if (!key_is(key, "object") || !member.is_object()) return member.skip();
    evidence.og_data_object = true;
    return member.for_each_field([&](std::string_view object_key, JsonValue& field) -> ReadResult {
      if (!key_is(object_key, "type")) return field.skip();
      std::optional<std::string> type;
      if (field.read(type)) {
        evidence.og_object_type = std::move(type);
        return {};
      }
      return field.skip();
    });
  });
}

/// The "unknown platform" error: what each platform needs, or what the body shows instead.
ParseError unknown_platform(const Evidence& evidence) {
  if (evidence.foreign) {
    return {"", "unknown platform: this is " + std::string(*evidence.foreign) +
                    ", not a webhook of vrio, ordergroove, vero or store_admin"};
  }
  return {"", "unknown platform: the body does not carry enough of any known platform's fields (vrio: two of "
              "webhook_event, webhook_event_id, webhook_event_date, webhook_type, webhook_data; ordergroove: a "
              "type \"<subscriber|subscription|order|item>.<action>\" with id, created or data.object; vero: a "
              "type without a dot and a user object; store_admin: event_id or event_type with another of its fields); "
              "name the platform to parse it as one"};
}

template <class Event>
Result<AnyEvent, ParseError> wrap(Result<Event, ParseError>&& parsed) {
  if (!parsed) return fail(parsed.error());
  return AnyEvent(std::move(parsed).value());
}

}  // namespace

Result<Platform, ParseError> detect_platform(std::string_view body, const Headers& headers) {
  Evidence evidence;
  read_headers(headers, evidence);
  auto document = detail::JsonDocument::open(body);
  if (!document) return fail(document.error());
  auto status = document->for_each_field([&](std::string_view key, JsonValue& value) -> ReadResult {
    if (key_is(key, "webhook_event") || key_is(key, "webhook_event_id") || key_is(key, "webhook_event_date") ||
        key_is(key, "webhook_type") || key_is(key, "webhook_data")) {
      ++evidence.vrio;
      return value.skip();
    }
    if (key_is(key, "event_id") || key_is(key, "event_type")) {
      evidence.store_admin_key = true;
      ++evidence.store_admin;
      return value.skip();
    }
    if (key_is(key, "resource") || key_is(key, "created_at")) {
      ++evidence.store_admin;
      return value.skip();
    }
    if (key_is(key, "id")) evidence.og_id = true;
    if (key_is(key, "created")) evidence.og_created = true;
    if (key_is(key, "user")) evidence.vero_user = value.is_object();
    if (key_is(key, "data")) {
      ++evidence.store_admin;
      return read_data_evidence(value, evidence);
    }
    // Stripe's envelope: {"id": "evt_...", "object": "event", "api_version": ..., "data": {"object": ...}}.
    if (key_is(key, "object") || key_is(key, "api_version") || key_is(key, "livemode")) {
      evidence.foreign = "a Stripe event (top-level \"object\", \"api_version\" or \"livemode\")";
      return value.skip();
    }
    if (key_is(key, "type") && !evidence.type) {
      std::optional<std::string> type;
      if (value.read(type)) {
        evidence.type = std::move(type);
        return {};
      }
    }
    return value.skip();
  });
  if (const auto platform = evidence.platform()) return *platform;
  if (!status) return fail(status.error());
  return fail(unknown_platform(evidence));
}

Result<AnyEvent, ParseError> parse_any(Platform platform, std::string_view body, const ParseOptions& options) {
  switch (platform) {
    case Platform::vrio:
      return wrap(vrio::parse(body, options));
    case Platform::ordergroove:
      return wrap(ordergroove::parse(body));
    case Platform::vero:
      return wrap(vero::parse(body));
    case Platform::store_admin:
      return wrap(store_admin::parse(body));
  }
  return fail(ParseError{"", "unknown platform"});
}

Result<AnyEvent, ParseError> parse_any(std::string_view body, const Headers& headers, const ParseOptions& options) {
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
      return Platform::store_admin;
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
          return store_admin::to_json(typed);
        }
      },
      event);
}

MetaParser meta_parser(Platform platform, ParseOptions options) {
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
    case Platform::store_admin: id_field = "event_id"; break;
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
