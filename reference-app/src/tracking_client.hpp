#pragma once
/// @file
/// Posting tracking to the platform: `POST {platform-url}/shipments/{shipment_id}/track` with
/// `{"shipment_tracking_id","carrier_id","date_complete"}` and an Idempotency-Key (PlatformClient
/// makes the call); and how each answer of the platform API is classified (accepted, retry later,
/// rejected).

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace fulfillment {

/// One tracking post.
struct TrackingRequest {
  std::int64_t shipment_id = 0;  ///< Goes in the path.
  std::string idempotency_key;   ///< The Idempotency-Key header, the same on every attempt.
  std::string tracking_number;   ///< shipment_tracking_id.
  std::int64_t carrier_id = 0;   ///< carrier_id.
  std::string date_complete;     ///< "YYYY-MM-DD HH:MM:SS".
};

/// What to do after an attempt.
enum class PostOutcome {
  accepted,  ///< 2xx: done
  retry,     ///< no answer, timeout, 5xx, 429 (or 408): try again later
  rejected,  ///< any other 4xx (or a redirect): a dead letter at once
};

/// "accepted", "retry" or "rejected".
[[nodiscard]] std::string_view to_string(PostOutcome outcome) noexcept;

/// The result of one attempt.
struct PostResult {
  PostOutcome outcome = PostOutcome::retry;          ///< What to do next.
  int http_status = 0;                               ///< 0 when no answer came.
  std::optional<std::chrono::milliseconds> retry_after;  ///< The platform's Retry-After, when it sent one.
  std::string detail;                                ///< For the attempt log, e.g. "HTTP 503: busy".
};

/// The JSON body of a tracking post.
[[nodiscard]] std::string tracking_body(const TrackingRequest& request);

/// A Retry-After value (delay-seconds or an HTTP-date) as a delay from `now`; none when it is neither.
[[nodiscard]] std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value,
                                                                         std::chrono::sys_seconds now);

/// Classifies an HTTP answer (status, Retry-After header, body excerpt) at `now`.
[[nodiscard]] PostResult classify_answer(int status, std::optional<std::string_view> retry_after,
                                         std::string_view body, std::chrono::sys_seconds now);

/// Posts tracking; implementations must be safe to call again with the same request.
class TrackingClient {
 public:
  TrackingClient() = default;
  TrackingClient(const TrackingClient&) = delete;
  TrackingClient& operator=(const TrackingClient&) = delete;
  virtual ~TrackingClient() = default;
  /// Makes one attempt.
  [[nodiscard]] virtual PostResult post(const TrackingRequest& request) = 0;
};

}  // namespace fulfillment
