#pragma once
/// @file
/// One entry point for every platform: tell which platform sent a body, parse it into that
/// platform's typed event, and make the EventMeta parser an HTTP receiver needs.

#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "hookline/event.hpp"
#include "hookline/headers.hpp"
#include "hookline/ordergroove.hpp"
#include "hookline/result.hpp"
#include "hookline/store.hpp"
#include "hookline/time_zone.hpp"
#include "hookline/vero.hpp"
#include "hookline/vrio.hpp"

namespace hookline {

/// The typed event of any platform.
using AnyEvent = std::variant<vrio::Event, ordergroove::Event, vero::Event, store::Event>;

/// How to read any platform's payload.
struct AnyParseOptions {
  /// The zone of VRIO's zone-less dates (the other platforms send zoned or epoch times); UTC by default.
  TimeZone vrio_zone;
};

/// Which platform sent this webhook. Signature headers decide first (`Ordergroove-Signature`
/// → ordergroove, `X-Store-Webhook-Token` → store, `X-Webhook-Signature` → vrio); otherwise the
/// body's top-level keys: any `webhook_*` key → vrio; `event_type` or `event_id` → store; a string
/// `type` with a dot ("subscription.create") → ordergroove; a string `type` without one, or a
/// `user` object → vero. Only the top level is looked at, so a body broken deeper down is still
/// recognised (and parse_any then names its error). Refused: a body that is not a JSON object, or
/// one of no known shape ("not a webhook of a known platform").
[[nodiscard]] Result<Platform, ParseError> detect_platform(std::string_view body, const Headers& headers = {});

/// Parses `body` as a webhook of `platform`.
[[nodiscard]] Result<AnyEvent, ParseError> parse_any(Platform platform, std::string_view body,
                                                     const AnyParseOptions& options = {});

/// Detects the platform, then parses the body as its webhook.
[[nodiscard]] Result<AnyEvent, ParseError> parse_any(std::string_view body, const Headers& headers = {},
                                                     const AnyParseOptions& options = {});

/// The platform of a parsed event.
[[nodiscard]] Platform platform_of(const AnyEvent& event) noexcept;
/// The platform-neutral facts of a parsed event (its meta()).
[[nodiscard]] EventMeta meta_of(const AnyEvent& event);
/// The event as `hookline inspect` prints it (the platform's to_json()).
[[nodiscard]] std::string to_json(const AnyEvent& event);

/// The MetaParser of `platform` (hookline/event.hpp): parse_any(platform, body, options), then meta_of().
[[nodiscard]] MetaParser meta_parser(Platform platform, AnyParseOptions options = {});

/// The event id a body of `platform` names, read tolerantly from the platform's documented id
/// field at the top level (VRIO `webhook_event_id`, Ordergroove `id`, store `event_id`; a
/// non-empty string or an integer), even when the rest of the body is wrong or cut short; none
/// when it cannot be read, and always none for Vero, whose bodies carry no id. The quarantine
/// keys a body that does not parse by it.
[[nodiscard]] std::optional<std::string> probe_event_id(Platform platform, std::string_view body);

}  // namespace hookline
