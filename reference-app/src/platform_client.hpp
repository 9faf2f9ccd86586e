#pragma once
/// @file
/// The one HTTP client of the fulfillment server to the platform API: tracking posts
/// (`POST {platform-url}/shipments/{id}/track`) and shipment reads (`GET {platform-url}/shipments/{id}`),
/// both with the API key in a configurable header, through one unsigned hookline::Sender (its keep-alive
/// connections, timeouts, TLS verification and sentences for calls that get no answer).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "hookline/secret.hpp"
#include "hookline/vrio.hpp"
#include "shipment_check.hpp"
#include "tracking_client.hpp"

namespace fulfillment {

/// How the client reaches the platform.
struct PlatformOptions {
  std::string platform_url;                  ///< e.g. "http://127.0.0.1:9000" or "https://api.example.com/v1".
  std::string api_key_header = "X-Api-Key";  ///< The header carrying the API key.
  std::optional<hookline::Secret> api_key;   ///< The key (HOOKLINE_PLATFORM_API_KEY); none sends no header.
  std::chrono::milliseconds timeout{5000};   ///< Connect, read and write timeout of every call.
  std::size_t connections = 8;               ///< Keep-alive connections: at most this many calls at once.
  hookline::ParseOptions parse;              ///< How a shipment record's dates are read.
};

/// Tracking posts and shipment reads over HTTP(S) through a hookline::Sender; at most
/// PlatformOptions::connections calls run at once (a further one waits for one to end). Thread-safe.
class PlatformClient final : public TrackingClient, public ShipmentReader {
 public:
  /// A client for `options.platform_url`; throws std::invalid_argument when it is not http(s)://host[:port][/path].
  explicit PlatformClient(PlatformOptions options);
  ~PlatformClient() override;
  [[nodiscard]] PostResult post(const TrackingRequest& request) override;
  [[nodiscard]] ShipmentRead read(std::int64_t shipment_id) override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fulfillment
