#pragma once
/// @file
/// Typed Vero reporting webhooks: one struct per event, parse(), to_json() and the idempotency key.
///
/// The 12 events and their fields are those of Vero's "Setting up Webhooks" page
/// (https://help.getvero.com/vero-2/integrations/setting-up-reporting-webhooks, its "Webhook payloads"). Their
/// shapes differ: `unsubscribed` carries a campaign of other fields (`campaign_title`,
/// `series_title`, ...) than the others (`id`, `name`, `trigger-event`, ...); `user_updated` carries
/// `action`, a top-level `id` and `email` and `changes`; `complained` carries the triggering
/// `event`; `failed` and `converted` have no timestamp. Ids may be numbers or strings and are kept
/// as text. Timestamps are epoch seconds (numbers or strings of one). Unknown fields are ignored;
/// an unknown `type` is an Unknown event, never an error.
///
/// Vero sends no signature and no event id. Authenticate the sender with SourceGuard
/// (hookline/source_guard.hpp): a secret token in the URL or a header, and an allow-list of Vero's
/// source addresses. For deduplication, idempotency_key() derives a key from the payload; it is
/// meta().id.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <type_traits>
#include <variant>
#include <vector>

#include "hookline/event.hpp"
#include "hookline/result.hpp"

namespace hookline::vero {

/// A point in time from Vero's epoch seconds; absent when not sent.
using OptionalTime = std::optional<std::chrono::sys_seconds>;

/// The user an event is about (`user`). Vero identifies users by id, email or both.
struct User {
  std::optional<std::string> id;     ///< The user's id, as text even when sent as a number.
  std::optional<std::string> email;  ///< The user's email.
  /// Every other member as name and compact raw JSON value, in arrival order (user_created's profile:
  /// `firstname`, `company`, ...).
  std::vector<std::pair<std::string, std::string>> attributes;
  bool operator==(const User&) const = default;
};

/// The campaign of a message event (`campaign` of sent, delivered, opened, clicked, failed,
/// bounced, converted, complained).
struct Campaign {
  std::optional<std::string> id;             ///< The campaign id, as text.
  std::optional<std::string> type;           ///< e.g. "transactional".
  std::optional<std::string> name;           ///< Campaign name.
  std::optional<std::string> group;          ///< Campaign group.
  std::optional<std::string> channel;        ///< e.g. "email".
  std::optional<std::string> subject;        ///< Message subject.
  std::optional<std::string> trigger_event;  ///< `trigger-event`: the event that triggered it.
  std::optional<std::string> permalink;      ///< Link to the message as sent.
  std::optional<std::string> sent_to;        ///< Recipient address.
  std::optional<std::string> variation;      ///< A/B variation name.
  std::optional<std::string> locale;         ///< e.g. "en-US".
  bool operator==(const Campaign&) const = default;
};

/// The campaign of an `unsubscribed` event, whose fields differ from Campaign's.
struct UnsubscribeCampaign {
  std::optional<std::string> campaign_title;  ///< Campaign title.
  std::optional<std::string> series_title;    ///< Series (workflow) title.
  std::optional<std::string> channel;         ///< e.g. "email".
  std::optional<std::string> message_id;      ///< The message unsubscribed from.
  std::optional<std::string> email_subject;   ///< Message subject.
  std::optional<std::string> variation_name;  ///< A/B variation name.
  std::optional<std::string> template_name;   ///< `template`.
  bool operator==(const UnsubscribeCampaign&) const = default;
};

/// The customer event that triggered a message (`event` of complained).
struct TriggerEvent {
  std::optional<std::string> name;   ///< Event name.
  OptionalTime triggered_at;         ///< When it was tracked.
  std::optional<std::string> data;   ///< Raw JSON of its `data`.
  bool operator==(const TriggerEvent&) const = default;
};

/// `changes` of a user_updated event.
struct Changes {
  std::vector<std::string> tags_added;    ///< `_tags.add`.
  std::vector<std::string> tags_removed;  ///< `_tags.remove`.
  /// Every other changed attribute as name and compact raw JSON value, in arrival order.
  std::vector<std::pair<std::string, std::string>> attributes;
  bool operator==(const Changes&) const = default;
};

/// Vero sent an email.
struct Sent {
  static constexpr std::string_view name = "sent";
  OptionalTime sent_at;                   ///< When.
  User user;                              ///< Recipient.
  std::optional<Campaign> campaign;       ///< Campaign.
  std::optional<std::string> message_id;  ///< The message.
  bool operator==(const Sent&) const = default;
};
/// The recipient's mail server accepted the email.
struct Delivered {
  static constexpr std::string_view name = "delivered";
  OptionalTime delivered_at;              ///< When.
  User user;                              ///< Recipient.
  std::optional<Campaign> campaign;       ///< Campaign.
  std::optional<std::string> message_id;  ///< The message.
  bool operator==(const Delivered&) const = default;
};
/// The recipient opened the email.
struct Opened {
  static constexpr std::string_view name = "opened";
  OptionalTime opened_at;                 ///< When.
  std::optional<std::string> user_agent;  ///< The opening client.
  User user;                              ///< Recipient.
  std::optional<Campaign> campaign;       ///< Campaign.
  std::optional<std::string> message_id;  ///< The message.
  bool operator==(const Opened&) const = default;
};
/// The recipient clicked a link in the email.
struct Clicked {
  static constexpr std::string_view name = "clicked";
  OptionalTime clicked_at;                ///< When.
  std::optional<std::string> user_agent;  ///< The clicking client.
  User user;                              ///< Recipient.
  std::optional<Campaign> campaign;       ///< Campaign.
  std::optional<std::string> message_id;  ///< The message.
  bool operator==(const Clicked&) const = default;
};
/// The email could not be sent (e.g. a bad Fusion response); no timestamp, no message id.
struct Failed {
  static constexpr std::string_view name = "failed";
  std::optional<std::string> bounce_code;     ///< e.g. "500", as text.
  std::optional<std::string> bounce_message;  ///< e.g. "FusionBadResponse".
  User user;                                  ///< Recipient.
  std::optional<Campaign> campaign;           ///< Campaign.
  bool operator==(const Failed&) const = default;
};
/// The email bounced (hard or soft).
struct Bounced {
  static constexpr std::string_view name = "bounced";
  OptionalTime bounced_at;                    ///< When.
  std::optional<std::string> bounce_type;     ///< "hard" or "soft".
  std::optional<std::string> bounce_code;     ///< e.g. "550", as text.
  std::optional<std::string> bounce_message;  ///< The server's message.
  User user;                                  ///< Recipient.
  std::optional<Campaign> campaign;           ///< Campaign.
  std::optional<std::string> message_id;      ///< The message.
  bool operator==(const Bounced&) const = default;
};
/// The recipient converted on the campaign; no timestamp.
struct Converted {
  static constexpr std::string_view name = "converted";
  User user;                              ///< Recipient.
  std::optional<Campaign> campaign;       ///< Campaign.
  std::optional<std::string> message_id;  ///< The message.
  bool operator==(const Converted&) const = default;
};
/// The user unsubscribed.
struct Unsubscribed {
  static constexpr std::string_view name = "unsubscribed";
  OptionalTime unsubscribed_at;                  ///< When.
  User user;                                     ///< Who.
  std::optional<UnsubscribeCampaign> campaign;   ///< The message unsubscribed from, when known.
  bool operator==(const Unsubscribed&) const = default;
};
/// The user resubscribed; only the user is sent.
struct Resubscribed {
  static constexpr std::string_view name = "resubscribed";
  User user;  ///< Who.
  bool operator==(const Resubscribed&) const = default;
};
/// The recipient marked the email as spam.
struct Complained {
  static constexpr std::string_view name = "complained";
  OptionalTime complained_at;             ///< When.
  User user;                              ///< Recipient.
  std::optional<TriggerEvent> event;      ///< The event that triggered the message.
  std::optional<Campaign> campaign;       ///< Campaign.
  std::optional<std::string> message_id;  ///< The message.
  bool operator==(const Complained&) const = default;
};
/// A user profile was created (API or import).
struct UserCreated {
  static constexpr std::string_view name = "user_created";
  User user;  ///< The profile, attributes included.
  bool operator==(const UserCreated&) const = default;
};
/// A user profile was updated (API or import).
struct UserUpdated {
  static constexpr std::string_view name = "user_updated";
  std::optional<std::string> action;  ///< "user_updated".
  User user;                          ///< The user.
  std::optional<std::string> id;      ///< Top-level `id` (the user's id, as text).
  std::optional<std::string> email;   ///< Top-level `email`.
  Changes changes;                    ///< What changed.
  bool operator==(const UserUpdated&) const = default;
};
/// An event type this SDK does not know yet: kept, never an error.
struct Unknown {
  std::string type;  ///< `type` as sent.
  User user;         ///< `user`, when sent (empty otherwise).
  std::string body;  ///< The whole body, without the whitespace between its tokens.
  bool operator==(const Unknown&) const = default;
};

/// Every Vero event.
using Payload = std::variant<Sent, Delivered, Opened, Clicked, Failed, Bounced, Converted, Unsubscribed, Resubscribed,
                             Complained, UserCreated, UserUpdated, Unknown>;

/// One parsed Vero webhook.
struct Event {
  std::string type;  ///< `type` as sent, e.g. "sent".
  Payload payload;   ///< The typed event.

  /// The platform-neutral facts: type, id = idempotency_key(), occurred_at = the event's own
  /// timestamp (`sent_at`, `opened_at`...; the epoch for events without one), entity =
  /// "user:<id>", or "user:<email>" when the user has no id.
  [[nodiscard]] EventMeta meta() const;
  bool operator==(const Event&) const = default;
};

/// Every event type Vero documents, in the order of its page.
[[nodiscard]] const std::vector<std::string_view>& known_event_types();

/// Parses a Vero webhook body; refuses bad JSON, invalid UTF-8, trailing bytes, a missing or
/// duplicated `type`, a known event without `user` or whose user has neither id nor email, and
/// wrong types, naming the JSON path.
[[nodiscard]] Result<Event, ParseError> parse(std::string_view body);

/// The deduplication key of an event Vero sent without an id: the lowercase hex SHA-256 of a
/// canonical encoding (each field length-prefixed, so no two field lists encode alike) of
///   "vero-idempotency-v1", the type, the user's id and email, the campaign's id (for unsubscribed:
///   its message_id and campaign_title), the message_id, the event's own timestamp, and what
///   tells two events of one user and message apart: bounce type, code and message (failed,
///   bounced), the trigger event's name and time (complained), the user's attributes
///   (user_created), the changes (user_updated); for an Unknown event, the whole body.
/// These fields name one occurrence: the same delivery parsed twice gives the same key, and so
/// does a copy whose members come in another order or with other whitespace (ids compare as text,
/// 123 and "123" alike); a different message, user, time or change gives another. Fields that vary between copies of one occurrence (user_agent, campaign names) are
/// left out. Events without a timestamp (converted, failed, resubscribed, user_created,
/// user_updated) repeated with identical content share a key: harmless, as handling one twice
/// changes nothing.
[[nodiscard]] std::string idempotency_key(const Event& event);

/// The event as `hookline inspect` prints it: platform, event, event_id (the idempotency key),
/// event_date (ISO 8601 UTC or null), then the payload under Vero's field names; one line.
[[nodiscard]] std::string to_json(const Event& event);

}  // namespace hookline::vero

namespace hookline {

/// Dispatcher::on<T> for every typed Vero event but Unknown (see EventTraits in hookline/event.hpp).
template <class T>
  requires(is_alternative_of<T, vero::Payload> && !std::is_same_v<T, vero::Unknown>)
struct EventTraits<T> {
  using Event = vero::Event;
  static std::vector<std::string_view> types() { return {T::name}; }
  static Result<Event, ParseError> parse(std::string_view body, const ParseOptions&) { return vero::parse(body); }
  static const T* find(const Event& event) noexcept { return std::get_if<T>(&event.payload); }
};

}  // namespace hookline
