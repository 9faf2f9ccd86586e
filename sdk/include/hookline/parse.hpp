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
#include "hookline/store_admin.hpp"
#include "hookline/vero.hpp"
#include "hookline/vrio.hpp"

namespace hookline {

/// The typed event of any platform.
using AnyEvent = std::variant<vrio::Event, ordergroove::Event, vero::Event, store_admin::Event>;

/// Which platform sent this webhook, from the evidence the body's top level (and `data.object`)
/// and the headers carry together, never from one key. A platform is claimed when at least two of
/// its own fields are there and no other platform has as many:
///   - vrio: webhook_event, webhook_event_id, webhook_event_date, webhook_type, webhook_data;
///   - ordergroove: a `type` "<family>.<action>" of its families (subscriber, subscription, order,
///     item; or whatever `data.object.type` names), with `id`, `created` or a `data.object` object;
///   - vero: a `type` without a dot and a `user` object;
///   - store_admin: `event_id` or `event_type`, with `resource`, `created_at`, `data` or the other;
///   - a signature header (`Ordergroove-Signature`, `X-Store-Webhook-Token`, `X-Webhook-Signature`)
///     counts as one field of its platform.
/// Another platform's envelope (Stripe's top-level `object`, `api_version` or `livemode`) or
/// delivery headers (`Stripe-Signature`, `X-GitHub-Event`, `X-Shopify-*`) rule all four out. Refused
/// with "unknown platform: ..." when the evidence is not enough; a byte-order mark, a body that is not
/// a JSON object, or one broken before enough was seen, with the JSON error. A body broken deeper down
/// is still recognised (parse_any then names its error).
[[nodiscard]] Result<Platform, ParseError> detect_platform(std::string_view body, const Headers& headers = {});

/// Parses `body` as a webhook of `platform`.
[[nodiscard]] Result<AnyEvent, ParseError> parse_any(Platform platform, std::string_view body,
                                                     const ParseOptions& options = {});

/// Detects the platform, then parses the body as its webhook.
[[nodiscard]] Result<AnyEvent, ParseError> parse_any(std::string_view body, const Headers& headers = {},
                                                     const ParseOptions& options = {});

/// The platform of a parsed event.
[[nodiscard]] Platform platform_of(const AnyEvent& event) noexcept;
/// The platform-neutral facts of a parsed event (its meta()).
[[nodiscard]] EventMeta meta_of(const AnyEvent& event);
/// The event as `hookline inspect` prints it (the platform's to_json()).
[[nodiscard]] std::string to_json(const AnyEvent& event);

/// The MetaParser of `platform` (hookline/event.hpp), the one way to make one:
/// parse_any(platform, body, options), then meta_of().
[[nodiscard]] MetaParser meta_parser(Platform platform, ParseOptions options = {});

/// The event id a body of `platform` names, read tolerantly from the platform's documented id
/// field at the top level (VRIO `webhook_event_id`, Ordergroove `id`, store admin `event_id`; a
/// non-empty string or an integer), even when the rest of the body is wrong or cut short; none
/// when it cannot be read, and always none for Vero, whose bodies carry no id. The quarantine
/// keys a body that does not parse by it.
[[nodiscard]] std::optional<std::string> probe_event_id(Platform platform, std::string_view body);

}  // namespace hookline
