#pragma once
/// @file
/// What every webhook event has, whichever platform sent it.

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "hookline/result.hpp"

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

/// How a receiver reads the bodies of one platform: the platform (the quarantine and the refused
/// record name it) and the function that extracts an EventMeta from a verified body. Made by
/// meta_parser() (hookline/parse.hpp) or vrio_meta_parser() (hookline/receiver.hpp).
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

}  // namespace hookline
