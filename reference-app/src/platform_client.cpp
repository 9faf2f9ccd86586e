#include "platform_client.hpp"

#include <algorithm>
#include <cstddef>
#include <semaphore>
#include <stdexcept>
#include <string>
#include <utility>

#include "hookline/clock.hpp"
#include "hookline/sender.hpp"

namespace fulfillment {
namespace {

/// One of a bounded number of calls that may run at once, taken for the holder's lifetime.
class CallSlot {
 public:
  explicit CallSlot(std::counting_semaphore<>& slots) : slots_(slots) { slots_.acquire(); }
  CallSlot(const CallSlot&) = delete;
  CallSlot& operator=(const CallSlot&) = delete;
  ~CallSlot() { slots_.release(); }

 private:
  std::counting_semaphore<>& slots_;
};

}  // namespace

struct PlatformClient::Impl {
  PlatformOptions options;
  std::string shipments_url;  // "{platform_url}/shipments/", without a doubled slash
  hookline::Sender sender;
  std::counting_semaphore<> free_slots;  // how many more calls may start now

  explicit Impl(PlatformOptions platform)
      : options(std::move(platform)),
        sender(sender_options(options)),
        free_slots(static_cast<std::ptrdiff_t>(std::max<std::size_t>(options.connections, 1))) {
    std::string base = options.platform_url;
    while (base.ends_with('/')) base.pop_back();
    shipments_url = base + "/shipments/";
  }

  static hookline::SenderOptions sender_options(const PlatformOptions& platform) {
    hookline::SenderOptions sender;
    sender.timeout = platform.timeout;
    sender.max_idle_connections = std::max<std::size_t>(platform.connections, 1);
    sender.user_agent = "hookline-fulfillment";
    return sender;
  }

  /// Sends one call once a call slot is free; "no answer: <why>" in Attempt::error_detail when none came.
  hookline::Attempt call(hookline::Outgoing outgoing) {
    outgoing.headers.add("Accept", "application/json");
    if (options.api_key) outgoing.headers.add(options.api_key_header, std::string(options.api_key->reveal()));
    auto attempt = [&] {
      const CallSlot slot(free_slots);
      return sender.send(outgoing, hookline::system_now());
    }();
    if (attempt.error) attempt.error_detail = "no answer: " + attempt.error_detail;
    return attempt;
  }
};

PlatformClient::PlatformClient(PlatformOptions options) {
  if (const auto problem = hookline::destination_problem(options.platform_url)) {
    throw std::invalid_argument("platform URL: " + *problem);
  }
  impl_ = std::make_unique<Impl>(std::move(options));
}

PlatformClient::~PlatformClient() = default;

PostResult PlatformClient::post(const TrackingRequest& request) {
  hookline::Outgoing outgoing;
  outgoing.url = impl_->shipments_url + std::to_string(request.shipment_id) + "/track";
  outgoing.body = tracking_body(request);
  outgoing.headers.add("Idempotency-Key", request.idempotency_key);
  const auto answer = impl_->call(std::move(outgoing));
  if (answer.error) {
    PostResult result;
    result.outcome = PostOutcome::retry;
    result.detail = answer.error_detail;
    return result;
  }
  return classify_answer(answer.status, answer.response_headers.get("Retry-After"), answer.response_body,
                         hookline::system_now());
}

ShipmentRead PlatformClient::read(std::int64_t shipment_id) {
  hookline::Outgoing outgoing;
  outgoing.url = impl_->shipments_url + std::to_string(shipment_id);
  outgoing.method = hookline::RequestMethod::get;
  const auto answer = impl_->call(std::move(outgoing));
  if (answer.error) {
    ShipmentRead result;
    result.detail = answer.error_detail;
    return result;
  }
  return classify_read(shipment_id, answer.status, answer.response_headers.get("Retry-After"), answer.response_body,
                       hookline::system_now(), impl_->options.parse);
}

}  // namespace fulfillment
