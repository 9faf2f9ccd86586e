#include "tracking_client.hpp"

#include <algorithm>
#include <charconv>
#include <ctime>
#include <iomanip>
#include <sstream>

#include "toolkit/json_writer.hpp"
#include "toolkit/name_table.hpp"

namespace fulfillment {

namespace {
constexpr auto post_outcome_names = hookline::toolkit::name_table<PostOutcome>({
    {PostOutcome::accepted, "accepted"},
    {PostOutcome::retry, "retry"},
    {PostOutcome::rejected, "rejected"},
});
}  // namespace

std::string_view to_string(PostOutcome outcome) noexcept {
  return hookline::toolkit::name_of(post_outcome_names, outcome, "retry");
}

std::string tracking_body(const TrackingRequest& request) {
  hookline::toolkit::JsonWriter out;
  out.begin_object();
  out.key("shipment_tracking_id").string(request.tracking_number);
  out.key("carrier_id").integer(request.carrier_id);
  out.key("date_complete").string(request.date_complete);
  out.end_object();
  return out.take();
}

std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value, std::chrono::sys_seconds now) {
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  std::int64_t seconds = 0;
  const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (error == std::errc() && end == value.data() + value.size()) {
    if (seconds < 0) return std::nullopt;
    return std::chrono::seconds(seconds);
  }
  std::tm parts{};
  std::istringstream in{std::string(value)};
  in.imbue(std::locale::classic());
  in >> std::get_time(&parts, "%a, %d %b %Y %H:%M:%S GMT");
  if (in.fail()) return std::nullopt;
  const auto when = std::chrono::sys_seconds{std::chrono::seconds{timegm(&parts)}};
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::max(when - now, std::chrono::seconds{0}));
}

PostResult classify_answer(int status, std::optional<std::string_view> retry_after, std::string_view body,
                           std::chrono::sys_seconds now) {
  PostResult result;
  result.http_status = status;
  result.detail = "HTTP " + std::to_string(status);
  if (!body.empty()) result.detail += ": " + std::string(body.substr(0, 200));
  if (retry_after) result.retry_after = parse_retry_after(*retry_after, now);
  if (status >= 200 && status < 300) {
    result.outcome = PostOutcome::accepted;
  } else if (status == 429 || status == 408 || status >= 500) {
    result.outcome = PostOutcome::retry;
  } else {
    result.outcome = PostOutcome::rejected;
  }
  return result;
}

}  // namespace fulfillment
