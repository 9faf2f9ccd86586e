#include "tracking_client.hpp"

#include <httplib.h>

#include <algorithm>
#include <charconv>
#include <condition_variable>
#include <ctime>
#include <iomanip>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "json.hpp"

namespace fulfillment {

std::string_view to_string(PostOutcome outcome) noexcept {
  switch (outcome) {
    case PostOutcome::accepted: return "accepted";
    case PostOutcome::retry: return "retry";
    case PostOutcome::rejected: return "rejected";
  }
  return "retry";
}

std::string tracking_body(const TrackingRequest& request) {
  json::Writer out;
  out.begin_object();
  out.key("shipment_tracking_id").string(request.tracking_number);
  out.key("carrier_id").integer(request.carrier_id);
  out.key("date_complete").string(request.date_complete);
  out.end_object();
  return std::move(out).take();
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

struct HttpTrackingClient::Impl {
  HttpTrackingOptions options;
  std::string path_prefix;
  std::mutex mutex;  // guards idle
  std::condition_variable returned;
  std::vector<std::unique_ptr<httplib::Client>> idle;  // connections no call is using

  /// A connection of the pool, handed back when the lease ends.
  class Lease {
   public:
    explicit Lease(Impl& pool) : pool_(pool) {
      std::unique_lock lock(pool_.mutex);
      pool_.returned.wait(lock, [this] { return !pool_.idle.empty(); });
      client_ = std::move(pool_.idle.back());
      pool_.idle.pop_back();
    }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease() {
      {
        const std::lock_guard lock(pool_.mutex);
        pool_.idle.push_back(std::move(client_));
      }
      pool_.returned.notify_one();
    }
    httplib::Client* operator->() const { return client_.get(); }

   private:
    Impl& pool_;
    std::unique_ptr<httplib::Client> client_;
  };
};

HttpTrackingClient::HttpTrackingClient(HttpTrackingOptions options) : impl_(std::make_unique<Impl>()) {
  const std::string& url = options.platform_url;
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos || (url.compare(0, scheme_end, "http") != 0 && url.compare(0, scheme_end, "https") != 0)) {
    throw std::invalid_argument("platform URL must be http(s)://host[:port][/path]: " + url);
  }
  const auto path_start = url.find('/', scheme_end + 3);
  const std::string origin = path_start == std::string::npos ? url : url.substr(0, path_start);
  if (origin.size() <= scheme_end + 3) throw std::invalid_argument("platform URL has no host: " + url);
  impl_->path_prefix = path_start == std::string::npos ? "" : url.substr(path_start);
  while (!impl_->path_prefix.empty() && impl_->path_prefix.back() == '/') impl_->path_prefix.pop_back();
  const auto timeout = options.timeout;
  const auto seconds = static_cast<time_t>(timeout.count() / 1000);
  const auto micros = static_cast<time_t>((timeout.count() % 1000) * 1000);
  for (std::size_t i = 0; i < std::max<std::size_t>(options.connections, 1); ++i) {
    auto client = std::make_unique<httplib::Client>(origin);
    client->set_connection_timeout(seconds, micros);
    client->set_read_timeout(seconds, micros);
    client->set_write_timeout(seconds, micros);
    client->set_keep_alive(true);
    client->set_tcp_nodelay(true);
    impl_->idle.push_back(std::move(client));
  }
  impl_->options = std::move(options);
}

HttpTrackingClient::~HttpTrackingClient() = default;

PostResult HttpTrackingClient::post(const TrackingRequest& request) {
  httplib::Headers headers{{"Idempotency-Key", request.idempotency_key}, {"Accept", "application/json"}};
  if (impl_->options.api_key) {
    headers.emplace(impl_->options.api_key_header, std::string(impl_->options.api_key->reveal()));
  }
  const std::string path = impl_->path_prefix + "/shipments/" + std::to_string(request.shipment_id) + "/track";
  const std::string body = tracking_body(request);
  const Impl::Lease client(*impl_);
  auto answer = client->Post(path, headers, body, "application/json");
  if (!answer) {
    PostResult result;
    result.outcome = PostOutcome::retry;
    result.detail = "no answer: " + httplib::to_string(answer.error());
    return result;
  }
  const std::string retry_after_text = answer->get_header_value("Retry-After");
  std::optional<std::string_view> retry_after;
  if (answer->has_header("Retry-After")) retry_after = retry_after_text;
  const auto now = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  return classify_answer(answer->status, retry_after, answer->body, now);
}

}  // namespace fulfillment
