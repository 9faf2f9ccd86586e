#include "platform_client.hpp"

#include <httplib.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <vector>

namespace fulfillment {
namespace {

std::chrono::sys_seconds wall_clock_now() {
  return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
}

/// The Retry-After of an answer, if it has one.
std::optional<std::string> retry_after_of(const httplib::Response& answer) {
  if (!answer.has_header("Retry-After")) return std::nullopt;
  return answer.get_header_value("Retry-After");
}

/// Why a call got no answer, naming the cause and the endpoint ("no answer: connection refused to
/// 127.0.0.1:9090"). httplib reports a silent peer as a plain connection or read failure; the time the
/// call took tells the two apart.
std::string no_answer(httplib::Error error, const std::string& endpoint, std::chrono::milliseconds timeout,
                      std::chrono::steady_clock::duration took) {
  const bool took_the_timeout = took + std::chrono::milliseconds(50) >= timeout;
  const std::string within = "no answer: no response from " + endpoint + " within " + std::to_string(timeout.count()) + " ms";
  switch (error) {
    case httplib::Error::ConnectionTimeout: return within;
    case httplib::Error::Connection: return took_the_timeout ? within : "no answer: connection refused to " + endpoint;
    case httplib::Error::Read:
      return took_the_timeout ? within : "no answer: the connection to " + endpoint + " closed before a whole response came";
    case httplib::Error::Write:
      return took_the_timeout ? within : "no answer: the connection to " + endpoint + " broke while the request was sent";
    case httplib::Error::SSLConnection: return "no answer: the TLS handshake with " + endpoint + " failed";
    case httplib::Error::SSLServerVerification: return "no answer: the certificate of " + endpoint + " is rejected";
    default: return "no answer from " + endpoint + ": " + httplib::to_string(error);
  }
}

}  // namespace

struct PlatformClient::Impl {
  PlatformOptions options;
  std::string path_prefix;
  std::string endpoint;  // host:port, for the sentences of calls that get no answer
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

  /// The headers of every call: Accept and the API key.
  httplib::Headers headers() const {
    httplib::Headers out{{"Accept", "application/json"}};
    if (options.api_key) out.emplace(options.api_key_header, std::string(options.api_key->reveal()));
    return out;
  }
  std::string shipment_path(std::int64_t shipment_id) const {
    return path_prefix + "/shipments/" + std::to_string(shipment_id);
  }
};

PlatformClient::PlatformClient(PlatformOptions options) : impl_(std::make_unique<Impl>()) {
  const std::string& url = options.platform_url;
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos || (url.compare(0, scheme_end, "http") != 0 && url.compare(0, scheme_end, "https") != 0)) {
    throw std::invalid_argument("platform URL must be http(s)://host[:port][/path]: " + url);
  }
  const auto path_start = url.find('/', scheme_end + 3);
  const std::string origin = path_start == std::string::npos ? url : url.substr(0, path_start);
  if (origin.size() <= scheme_end + 3) throw std::invalid_argument("platform URL has no host: " + url);
  const std::string authority = origin.substr(scheme_end + 3);
  const auto bracket = authority.rfind(']');  // an IPv6 literal's colons are not a port's
  const bool has_port = authority.find(':', bracket == std::string::npos ? 0 : bracket) != std::string::npos;
  impl_->endpoint = has_port ? authority : authority + (url.compare(0, scheme_end, "https") == 0 ? ":443" : ":80");
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

PlatformClient::~PlatformClient() = default;

PostResult PlatformClient::post(const TrackingRequest& request) {
  httplib::Headers headers = impl_->headers();
  headers.emplace("Idempotency-Key", request.idempotency_key);
  const std::string body = tracking_body(request);
  const Impl::Lease client(*impl_);
  const auto started = std::chrono::steady_clock::now();
  auto answer = client->Post(impl_->shipment_path(request.shipment_id) + "/track", headers, body, "application/json");
  if (!answer) {
    PostResult result;
    result.outcome = PostOutcome::retry;
    result.detail = no_answer(answer.error(), impl_->endpoint, impl_->options.timeout, std::chrono::steady_clock::now() - started);
    return result;
  }
  const auto retry_after = retry_after_of(*answer);
  return classify_answer(answer->status, retry_after ? std::optional<std::string_view>(*retry_after) : std::nullopt,
                         answer->body, wall_clock_now());
}

ShipmentRead PlatformClient::read(std::int64_t shipment_id) {
  const Impl::Lease client(*impl_);
  const auto started = std::chrono::steady_clock::now();
  auto answer = client->Get(impl_->shipment_path(shipment_id), impl_->headers());
  if (!answer) {
    ShipmentRead result;
    result.detail = no_answer(answer.error(), impl_->endpoint, impl_->options.timeout, std::chrono::steady_clock::now() - started);
    return result;
  }
  const auto retry_after = retry_after_of(*answer);
  return classify_read(shipment_id, answer->status,
                       retry_after ? std::optional<std::string_view>(*retry_after) : std::nullopt, answer->body,
                       wall_clock_now(), impl_->options.parse);
}

}  // namespace fulfillment
