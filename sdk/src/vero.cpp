#include "hookline/vero.hpp"

#include <algorithm>
#include <string>
#include <utility>

#include "detail/json_fields.hpp"
#include "detail/json_reader.hpp"
#include "toolkit/json_writer.hpp"
#include "detail/sha256.hpp"

namespace hookline::vero {

namespace {

using detail::JsonValue;
using toolkit::JsonWriter;
using detail::key_is;
using detail::ReadResult;

using Attributes = std::vector<std::pair<std::string, std::string>>;

// ---------------------------------------------------------------------------------------------
// Reading

/// Everything any Vero event may carry; parse() reads into it, then builds the typed event.
struct Fields {
  bool has_user = false;
  User user;
  std::optional<Campaign> campaign;
  std::optional<UnsubscribeCampaign> unsubscribe_campaign;
  std::optional<TriggerEvent> event;
  Changes changes;
  OptionalTime at;  // the event's own `<type>_at`
  std::optional<std::string> message_id;
  std::optional<std::string> user_agent;
  std::optional<std::string> bounce_type;
  std::optional<std::string> bounce_code;
  std::optional<std::string> bounce_message;
  std::optional<std::string> action;
  std::optional<std::string> id;
  std::optional<std::string> email;
};

/// Appends `key` and the raw JSON of `value` to `attributes`.
ReadResult read_attribute(std::string_view key, JsonValue& value, Attributes& attributes) {
  std::string raw;
  if (auto status = detail::read_compact_raw(value, raw); !status) return status;
  attributes.emplace_back(std::string(key), std::move(raw));
  return {};
}

ReadResult read_user(JsonValue& value, User& user) {
  auto status = value.for_each_field([&](std::string_view key, JsonValue& member) -> ReadResult {
    if (key_is(key, "id")) return member.read_optional_id(user.id);
    if (key_is(key, "email")) return member.read(user.email);
    return read_attribute(key, member, user.attributes);
  });
  if (!status) return status;
  if (!user.id && !user.email) return fail(value.error("expected an id or an email"));
  return {};
}

ReadResult read_campaign(JsonValue& value, std::optional<Campaign>& out) {
  return detail::read_optional_object(value, out, [](std::string_view key, JsonValue& member, Campaign& c) -> ReadResult {
    if (key_is(key, "id")) return member.read_optional_id(c.id);
    if (key_is(key, "type")) return member.read(c.type);
    if (key_is(key, "name")) return member.read(c.name);
    if (key_is(key, "group")) return member.read(c.group);
    if (key_is(key, "channel")) return member.read(c.channel);
    if (key_is(key, "subject")) return member.read(c.subject);
    if (key_is(key, "trigger-event")) return member.read(c.trigger_event);
    if (key_is(key, "permalink")) return member.read(c.permalink);
    if (key_is(key, "sent_to")) return member.read(c.sent_to);
    if (key_is(key, "variation")) return member.read(c.variation);
    if (key_is(key, "locale")) return member.read(c.locale);
    return member.skip();
  });
}

ReadResult read_unsubscribe_campaign(JsonValue& value, std::optional<UnsubscribeCampaign>& out) {
  return detail::read_optional_object(
      value, out, [](std::string_view key, JsonValue& member, UnsubscribeCampaign& c) -> ReadResult {
        if (key_is(key, "campaign_title")) return member.read(c.campaign_title);
        if (key_is(key, "series_title")) return member.read(c.series_title);
        if (key_is(key, "channel")) return member.read(c.channel);
        if (key_is(key, "message_id")) return member.read(c.message_id);
        if (key_is(key, "email_subject")) return member.read(c.email_subject);
        if (key_is(key, "variation_name")) return member.read(c.variation_name);
        if (key_is(key, "template")) return member.read(c.template_name);
        return member.skip();
      });
}

ReadResult read_trigger_event(JsonValue& value, std::optional<TriggerEvent>& out) {
  return detail::read_optional_object(value, out, [](std::string_view key, JsonValue& member, TriggerEvent& e) -> ReadResult {
    if (key_is(key, "name")) return member.read(e.name);
    if (key_is(key, "triggered_at")) return detail::read_optional_epoch(member, e.triggered_at);
    if (key_is(key, "data")) return detail::read_optional_raw(member, e.data);
    return member.skip();
  });
}

ReadResult read_changes(JsonValue& value, Changes& changes) {
  return value.for_each_field([&](std::string_view key, JsonValue& member) -> ReadResult {
    if (key_is(key, "_tags")) {
      return member.for_each_field([&](std::string_view tag_key, JsonValue& tags) -> ReadResult {
        if (key_is(tag_key, "add")) return detail::read_id_list(tags, changes.tags_added);
        if (key_is(tag_key, "remove")) return detail::read_id_list(tags, changes.tags_removed);
        return tags.skip();
      });
    }
    return read_attribute(key, member, changes.attributes);
  });
}

/// Reads one top-level member of an event of type `type` into `fields`.
ReadResult read_field(std::string_view type, std::string_view key, JsonValue& value, Fields& fields) {
  if (key_is(key, "user")) {
    if (fields.has_user) return fail(value.error("duplicated key"));
    fields.has_user = true;
    return read_user(value, fields.user);
  }
  if (key_is(key, "campaign")) {
    if (type == Unsubscribed::name) return read_unsubscribe_campaign(value, fields.unsubscribe_campaign);
    return read_campaign(value, fields.campaign);
  }
  if (key_is(key, "message_id")) return value.read(fields.message_id);
  if (key_is(key, "user_agent")) return value.read(fields.user_agent);
  if (key_is(key, "bounce_type")) return value.read(fields.bounce_type);
  if (key_is(key, "bounce_code")) return value.read_optional_id(fields.bounce_code);
  if (key_is(key, "bounce_message")) return value.read(fields.bounce_message);
  if (key_is(key, "event")) return read_trigger_event(value, fields.event);
  if (key_is(key, "changes")) return read_changes(value, fields.changes);
  if (key_is(key, "action")) return value.read(fields.action);
  if (key_is(key, "id")) return value.read_optional_id(fields.id);
  if (key_is(key, "email")) return value.read(fields.email);
  if (key.size() == type.size() + 3 && key.substr(0, type.size()) == type && key.substr(type.size()) == "_at") {
    return detail::read_optional_epoch(value, fields.at);
  }
  return value.skip();
}

/// The typed event of a known type, from its fields.
Payload build_payload(std::string_view type, Fields&& f, std::string_view body) {
  if (type == Sent::name) return Sent{f.at, std::move(f.user), std::move(f.campaign), std::move(f.message_id)};
  if (type == Delivered::name) return Delivered{f.at, std::move(f.user), std::move(f.campaign), std::move(f.message_id)};
  if (type == Opened::name) {
    return Opened{f.at, std::move(f.user_agent), std::move(f.user), std::move(f.campaign), std::move(f.message_id)};
  }
  if (type == Clicked::name) {
    return Clicked{f.at, std::move(f.user_agent), std::move(f.user), std::move(f.campaign), std::move(f.message_id)};
  }
  if (type == Failed::name) {
    return Failed{std::move(f.bounce_code), std::move(f.bounce_message), std::move(f.user), std::move(f.campaign)};
  }
  if (type == Bounced::name) {
    return Bounced{f.at,           std::move(f.bounce_type), std::move(f.bounce_code), std::move(f.bounce_message),
                   std::move(f.user), std::move(f.campaign), std::move(f.message_id)};
  }
  if (type == Converted::name) return Converted{std::move(f.user), std::move(f.campaign), std::move(f.message_id)};
  if (type == Unsubscribed::name) return Unsubscribed{f.at, std::move(f.user), std::move(f.unsubscribe_campaign)};
  if (type == Resubscribed::name) return Resubscribed{std::move(f.user)};
  if (type == Complained::name) {
    return Complained{f.at, std::move(f.user), std::move(f.event), std::move(f.campaign), std::move(f.message_id)};
  }
  if (type == UserCreated::name) return UserCreated{std::move(f.user)};
  if (type == UserUpdated::name) {
    return UserUpdated{std::move(f.action), std::move(f.user), std::move(f.id), std::move(f.email), std::move(f.changes)};
  }
  return Unknown{std::string(type), std::move(f.user), detail::compact_json(body)};
}

// ---------------------------------------------------------------------------------------------
// The idempotency key

/// Length-prefixed fields: "<size>:<bytes>" for a value, "~" for an absent one.
class CanonicalEncoder {
 public:
  void add(std::string_view value) {
    text_ += std::to_string(value.size());
    text_ += ':';
    text_ += value;
  }
  void add(const std::optional<std::string>& value) {
    if (value) {
      add(std::string_view(*value));
    } else {
      text_ += '~';
    }
  }
  void add(const OptionalTime& when) {
    if (when) {
      add(std::string_view(std::to_string(when->time_since_epoch().count())));
    } else {
      text_ += '~';
    }
  }
  /// Name/value pairs sorted by name, so that member order does not matter.
  void add(Attributes attributes) {
    std::sort(attributes.begin(), attributes.end());
    add(std::string_view(std::to_string(attributes.size())));
    for (const auto& [name, value] : attributes) {
      add(std::string_view(name));
      add(std::string_view(value));
    }
  }
  void add(std::vector<std::string> list) {
    std::sort(list.begin(), list.end());
    add(std::string_view(std::to_string(list.size())));
    for (const std::string& item : list) add(std::string_view(item));
  }
  void add(const User& user) {
    add(user.id);
    add(user.email);
  }
  void add(const std::optional<Campaign>& campaign) { add(campaign ? campaign->id : std::nullopt); }

  [[nodiscard]] const std::string& text() const noexcept { return text_; }

 private:
  std::string text_;
};

void encode_payload(CanonicalEncoder& key, const Payload& payload) {
  std::visit(
      [&key](const auto& e) {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, Unknown>) {
          key.add(e.user);
          key.add(std::string_view(e.body));
        } else {
          key.add(e.user);
          if constexpr (std::is_same_v<T, Unsubscribed>) {
            key.add(e.campaign ? e.campaign->message_id : std::nullopt);
            key.add(e.campaign ? e.campaign->campaign_title : std::nullopt);
          } else if constexpr (requires { e.campaign; }) {
            key.add(e.campaign);
          }
          if constexpr (requires { e.message_id; }) key.add(e.message_id);
          if constexpr (requires { e.sent_at; }) key.add(e.sent_at);
          if constexpr (requires { e.delivered_at; }) key.add(e.delivered_at);
          if constexpr (requires { e.opened_at; }) key.add(e.opened_at);
          if constexpr (requires { e.clicked_at; }) key.add(e.clicked_at);
          if constexpr (requires { e.bounced_at; }) key.add(e.bounced_at);
          if constexpr (requires { e.unsubscribed_at; }) key.add(e.unsubscribed_at);
          if constexpr (requires { e.complained_at; }) key.add(e.complained_at);
          if constexpr (requires { e.bounce_type; }) key.add(e.bounce_type);
          if constexpr (requires { e.bounce_code; }) {
            key.add(e.bounce_code);
            key.add(e.bounce_message);
          }
          if constexpr (std::is_same_v<T, Complained>) {
            key.add(e.event ? e.event->name : std::nullopt);
            key.add(e.event ? e.event->triggered_at : std::nullopt);
          }
          if constexpr (std::is_same_v<T, UserCreated>) key.add(e.user.attributes);
          if constexpr (std::is_same_v<T, UserUpdated>) {
            key.add(e.changes.tags_added);
            key.add(e.changes.tags_removed);
            key.add(e.changes.attributes);
          }
        }
      },
      payload);
}

/// The event's own timestamp, if its type has one.
OptionalTime occurred_at(const Payload& payload) {
  return std::visit(
      [](const auto& e) -> OptionalTime {
        if constexpr (requires { e.sent_at; }) return e.sent_at;
        if constexpr (requires { e.delivered_at; }) return e.delivered_at;
        if constexpr (requires { e.opened_at; }) return e.opened_at;
        if constexpr (requires { e.clicked_at; }) return e.clicked_at;
        if constexpr (requires { e.bounced_at; }) return e.bounced_at;
        if constexpr (requires { e.unsubscribed_at; }) return e.unsubscribed_at;
        if constexpr (requires { e.complained_at; }) return e.complained_at;
        return std::nullopt;
      },
      payload);
}

const User& user_of(const Payload& payload) {
  return std::visit([](const auto& e) -> const User& { return e.user; }, payload);
}

// ---------------------------------------------------------------------------------------------
// Writing

/// True for an optional '-' and digits: text that is a JSON integer as it stands.
bool is_integer_text(std::string_view text) noexcept {
  if (!text.empty() && text.front() == '-') text.remove_prefix(1);
  if (text.empty() || (text.size() > 1 && text.front() == '0')) return false;
  return std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

void write_attributes(JsonWriter& out, const Attributes& attributes) {
  for (const auto& [name, value] : attributes) {
    out.key(name);
    out.raw(value);
  }
}

void write_user(JsonWriter& out, const User& user) {
  out.key("user");
  out.begin_object();
  out.member("id", user.id);
  out.member("email", user.email);
  write_attributes(out, user.attributes);
  out.end_object();
}

void write_campaign(JsonWriter& out, const std::optional<Campaign>& campaign) {
  out.key("campaign");
  if (!campaign) {
    out.null();
    return;
  }
  out.begin_object();
  out.member("id", campaign->id);
  out.member("type", campaign->type);
  out.member("name", campaign->name);
  out.member("group", campaign->group);
  out.member("channel", campaign->channel);
  out.member("subject", campaign->subject);
  out.member("trigger-event", campaign->trigger_event);
  out.member("permalink", campaign->permalink);
  out.member("sent_to", campaign->sent_to);
  out.member("variation", campaign->variation);
  out.member("locale", campaign->locale);
  out.end_object();
}

void write_campaign(JsonWriter& out, const std::optional<UnsubscribeCampaign>& campaign) {
  out.key("campaign");
  if (!campaign) {
    out.null();
    return;
  }
  out.begin_object();
  out.member("campaign_title", campaign->campaign_title);
  out.member("series_title", campaign->series_title);
  out.member("channel", campaign->channel);
  out.member("message_id", campaign->message_id);
  out.member("email_subject", campaign->email_subject);
  out.member("variation_name", campaign->variation_name);
  out.member("template", campaign->template_name);
  out.end_object();
}

void write_payload(JsonWriter& out, const Payload& payload) {
  std::visit(
      [&out](const auto& e) {
        using T = std::decay_t<decltype(e)>;
        if constexpr (requires { e.sent_at; }) out.member("sent_at", e.sent_at);
        if constexpr (requires { e.delivered_at; }) out.member("delivered_at", e.delivered_at);
        if constexpr (requires { e.opened_at; }) out.member("opened_at", e.opened_at);
        if constexpr (requires { e.clicked_at; }) out.member("clicked_at", e.clicked_at);
        if constexpr (requires { e.bounced_at; }) out.member("bounced_at", e.bounced_at);
        if constexpr (requires { e.unsubscribed_at; }) out.member("unsubscribed_at", e.unsubscribed_at);
        if constexpr (requires { e.complained_at; }) out.member("complained_at", e.complained_at);
        if constexpr (requires { e.user_agent; }) out.member("user_agent", e.user_agent);
        if constexpr (requires { e.bounce_type; }) out.member("bounce_type", e.bounce_type);
        if constexpr (requires { e.bounce_code; }) {
          out.key("bounce_code");
          if (!e.bounce_code) {
            out.null();
          } else if (is_integer_text(*e.bounce_code)) {
            out.raw(*e.bounce_code);  // the number Vero sends
          } else {
            out.string(*e.bounce_code);
          }
          out.member("bounce_message", e.bounce_message);
        }
        if constexpr (std::is_same_v<T, UserUpdated>) {
          out.member("action", e.action);
          out.member("id", e.id);
          out.member("email", e.email);
        }
        write_user(out, e.user);
        if constexpr (std::is_same_v<T, Complained>) {
          out.key("event");
          if (e.event) {
            out.begin_object();
            out.member("name", e.event->name);
            out.member("triggered_at", e.event->triggered_at);
            detail::write_raw_member(out, "data", e.event->data);
            out.end_object();
          } else {
            out.null();
          }
        }
        if constexpr (requires { e.campaign; }) write_campaign(out, e.campaign);
        if constexpr (requires { e.message_id; }) out.member("message_id", e.message_id);
        if constexpr (std::is_same_v<T, UserUpdated>) {
          out.key("changes");
          out.begin_object();
          out.key("_tags");
          out.begin_object();
          detail::write_string_list(out, "add", e.changes.tags_added);
          detail::write_string_list(out, "remove", e.changes.tags_removed);
          out.end_object();
          write_attributes(out, e.changes.attributes);
          out.end_object();
        }
      },
      payload);
}

}  // namespace

const std::vector<std::string_view>& known_event_types() {
  static const std::vector<std::string_view> types{Sent::name,         Delivered::name,    Opened::name,
                                                   Clicked::name,      Failed::name,       Bounced::name,
                                                   Converted::name,    Unsubscribed::name, Resubscribed::name,
                                                   Complained::name,   UserCreated::name,  UserUpdated::name};
  return types;
}

Result<Event, ParseError> parse(std::string_view body) {
  auto document = detail::JsonDocument::open(body);
  if (!document) return fail(document.error());

  // One pass reads everything. Two members depend on the type (`campaign`, whose fields differ for
  // unsubscribed, and the event's own `<type>_at`): met before `type`, they are only validated,
  // and read in a second pass.
  Event event{};
  Fields fields;
  bool seen_type = false;
  bool deferred = false;
  const auto depends_on_type = [](std::string_view key) {
    return key_is(key, "campaign") || (key.size() > 3 && key.substr(key.size() - 3) == "_at");
  };
  auto status = document->for_each_field([&](std::string_view key, JsonValue& value) -> ReadResult {
    if (key_is(key, "type")) {
      if (seen_type) return fail(value.error("duplicated key"));
      seen_type = true;
      if (auto read = value.read(event.type); !read) return read;
      if (event.type.empty()) return fail(value.error("expected a non-empty string"));
      return {};
    }
    if (!seen_type && depends_on_type(key)) {
      deferred = true;
      return value.skip();
    }
    return read_field(event.type, key, value, fields);
  });
  if (!status) return fail(status.error());
  if (!seen_type) return fail(ParseError{"type", "missing"});
  if (deferred) {
    document->rewind();
    bool type_passed = false;
    status = document->for_each_field([&](std::string_view key, JsonValue& value) -> ReadResult {
      if (key_is(key, "type")) type_passed = true;
      if (type_passed || !depends_on_type(key)) return {};
      return read_field(event.type, key, value, fields);
    });
    if (!status) return fail(status.error());
  }
  const auto& known = known_event_types();
  const bool is_known = std::find(known.begin(), known.end(), event.type) != known.end();
  if (is_known && !fields.has_user) return fail(ParseError{"user", "missing"});
  event.payload = build_payload(event.type, std::move(fields), body);
  return event;
}

std::string idempotency_key(const Event& event) {
  CanonicalEncoder key;
  key.add(std::string_view("vero-idempotency-v1"));
  key.add(std::string_view(event.type));
  encode_payload(key, event.payload);
  return detail::sha256_hex(key.text());
}

EventMeta Event::meta() const {
  const User& user = user_of(payload);
  std::string entity;
  if (user.id) {
    entity = "user:" + *user.id;
  } else if (user.email) {
    entity = "user:" + *user.email;
  }
  return EventMeta{Platform::vero, type, idempotency_key(*this), occurred_at(payload).value_or(std::chrono::sys_seconds{}),
                   std::move(entity)};
}

std::string to_json(const Event& event) {
  JsonWriter out;
  out.begin_object();
  detail::write_string_member(out, "platform", hookline::to_string(Platform::vero));
  detail::write_string_member(out, "event", event.type);
  detail::write_string_member(out, "event_id", idempotency_key(event));
  out.member("event_date", occurred_at(event.payload));
  if (const auto* unknown = std::get_if<Unknown>(&event.payload)) {
    out.key("body");
    out.raw(unknown->body);
  } else {
    write_payload(out, event.payload);
  }
  out.end_object();
  return std::move(out).take();
}

}  // namespace hookline::vero
