#pragma once
/// @file
/// Out-of-order events: the order key that says which of two events of an entity is newer, and the
/// decisions an entity's reducer makes about each arriving event.

#include <chrono>
#include <compare>
#include <string>
#include <string_view>

#include "hookline/event.hpp"

namespace hookline {

/// Where an event stands among the events of its entity: its date, then its event id.
struct OrderKey {
  /// When the platform says the event happened.
  std::chrono::sys_seconds date{};
  /// The platform's event id; ids that are both decimal numbers compare as numbers.
  std::string event_id;

  /// The key of an event.
  [[nodiscard]] static OrderKey of(const EventMeta& meta);

  /// By date, then by id: numbers numerically and before any other id, other ids as text.
  [[nodiscard]] std::strong_ordering operator<=>(const OrderKey& other) const noexcept;
  /// Same date and same id.
  [[nodiscard]] bool operator==(const OrderKey& other) const noexcept = default;

  /// "event 10007 at 2026-03-22T16:00:00Z", for explanations.
  [[nodiscard]] std::string describe() const;
};

/// Compares two event ids: decimal numbers numerically (leading zeros ignored) and before any other
/// id, which compare as text.
[[nodiscard]] std::strong_ordering compare_event_ids(std::string_view a, std::string_view b) noexcept;

/// What a reducer did with one event.
enum class Decision {
  apply,      ///< the event changed the entity (at least one of its aspects)
  stale,      ///< a newer event already set what it would set, or the entity is in a terminal state
  hold,       ///< the entity does not exist yet; the event is kept and applied when it appears
  duplicate,  ///< this event id was seen before
  ignore,     ///< the event is not about this entity's state
};

/// "apply", "stale", "hold", "duplicate" or "ignore".
[[nodiscard]] std::string_view to_string(Decision decision) noexcept;

/// A decision about one event, with the reason in words for the admin history.
struct Verdict {
  /// The event decided on.
  std::string event_id;
  /// What happened to it.
  Decision decision = Decision::ignore;
  /// Why, e.g. "stale: address already updated by event 10007 at 2026-03-22T16:00:00Z".
  std::string explanation;
  bool operator==(const Verdict&) const = default;
};

}  // namespace hookline
