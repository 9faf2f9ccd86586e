#pragma once
/// @file
/// What every webhook event has, whichever platform sent it.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace hookline {

/// The platform that sent an event.
enum class Platform { vrio, ordergroove, vero, store };

/// The platform's name as used in URLs, flags and output: "vrio", "ordergroove", "vero", "store".
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

}  // namespace hookline
