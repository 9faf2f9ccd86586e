#pragma once
/// @file
/// What every webhook event has, whichever platform sent it.

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

#include "hookline/result.hpp"
#include "hookline/time_zone.hpp"

namespace hookline {

/// The platform that sent an event.
enum class Platform { vrio, ordergroove, vero, store_admin };

/// The platform's name as used in URLs, flags and output: "vrio", "ordergroove", "vero", "store_admin".
[[nodiscard]] std::string_view to_string(Platform platform) noexcept;
/// The platform with this name, if it is one.
[[nodiscard]] std::optional<Platform> platform_from_string(std::string_view name) noexcept;

/// Why a payload was refused: where in the JSON document, and what was expected there.
struct ParseError {
  /// JSON path of the offending value, e.g. "webhook_data.shipment.shipment_items[0].quantity";
  /// empty when the document as a whole is at fault.
  std::string path;
  /// What was wrong, e.g. "expected an integer".
  std::string message;

  /// "path: message", or just the message for the whole document.
  [[nodiscard]] std::string to_string() const;
};

/// The platform-neutral facts of one event: what storage, ordering and dispatch need to know.
struct EventMeta {
  /// Who sent it.
  Platform platform = Platform::vrio;
  /// The platform's event name, e.g. "shipment_scheduled".
  std::string type;
  /// The platform's unique event id, as a string whatever its JSON type.
  std::string id;
  /// When the platform says the event happened.
  std::chrono::sys_seconds occurred_at{};
  /// The entity the event is about, e.g. "shipment:251606"; empty when it is about none.
  std::string entity;
};

/// How to read a platform's payload, whichever platform it is.
struct ParseOptions {
  /// The zone of zone-less dates (VRIO's; the other platforms send zoned or epoch times); UTC by default.
  TimeZone zone;
};

/// How a receiver reads the bodies of one platform: the platform (the quarantine and the refused
/// record name it) and the function that extracts an EventMeta from a verified body. Made by
/// meta_parser() (hookline/parse.hpp), the one way to have one.
class MetaParser {
 public:
  /// The function that reads a body's EventMeta, or says where and why it cannot.
  using Function = std::function<Result<EventMeta, ParseError>(std::string_view body)>;

  /// Reads bodies of `platform` with `parse`.
  MetaParser(Platform platform, Function parse) : platform_(platform), parse_(std::move(parse)) {}

  /// The platform whose bodies this reads.
  [[nodiscard]] Platform platform() const noexcept { return platform_; }
  /// The body's EventMeta, or the ParseError that names its JSON path.
  [[nodiscard]] Result<EventMeta, ParseError> operator()(std::string_view body) const { return parse_(body); }

 private:
  Platform platform_;
  Function parse_;
};

/// True when T is one of the alternatives of the std::variant `Variant`.
template <class T, class Variant>
inline constexpr bool is_alternative_of = false;
template <class T, class... Alternatives>
inline constexpr bool is_alternative_of<T, std::variant<Alternatives...>> = (std::is_same_v<T, Alternatives> || ...);

/// What Dispatcher::on<T> (hookline/dispatcher.hpp) needs of a typed event T, so that the
/// dispatcher knows no platform: each platform's header specialises it for its typed events, with
///   - `using Event = ...;` the platform's whole parsed event;
///   - `static std::vector<std::string_view> types();` the EventMeta::type names T is sent under;
///   - `static Result<Event, ParseError> parse(std::string_view body, const ParseOptions& options);`
///   - `static const T* find(const Event& event) noexcept;` T in the event, or null.
template <class T>
struct EventTraits;

/// A typed event Dispatcher::on<T> can route: one whose platform specialises EventTraits for it.
template <class T>
concept TypedEvent = requires(std::string_view body, const ParseOptions& options) {
  typename EventTraits<T>::Event;
  { EventTraits<T>::types() };
  { EventTraits<T>::parse(body, options) };
  { EventTraits<T>::find(std::declval<const typename EventTraits<T>::Event&>()) };
};

}  // namespace hookline
