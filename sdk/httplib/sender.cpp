// The webhook sender: a pool of keep-alive httplib clients per destination, one request (POST or GET)
// per client at a time (an httplib::Client holds one socket and is not meant for concurrent requests).

#include "hookline/sender.hpp"

#include <httplib.h>
#include <openssl/x509.h>

#include <charconv>
#include <mutex>
#include <unordered_map>
#include <utility>
#include <vector>

#include "toolkit/name_table.hpp"

namespace hookline {

namespace {
constexpr auto send_error_names = toolkit::name_table<SendError>({
    {SendError::invalid_url, "invalid_url"},
    {SendError::connection_refused, "connection_refused"},
    {SendError::timeout, "timeout"},
    {SendError::write_failed, "write_failed"},
    {SendError::read_failed, "read_failed"},
    {SendError::tls_failed, "tls_failed"},
    {SendError::certificate_rejected, "certificate_rejected"},
    {SendError::other, "other"},
});
}  // namespace

std::string_view to_string(SendError error) noexcept { return toolkit::name_of(send_error_names, error, "other"); }

namespace {

/// A URL split into the part that names a connection and the request target.
struct Destination {
  std::string origin;     ///< "http://host:port"
  std::string target;     ///< "/path?query"
  std::string host_port;  ///< "host:port", the port filled in when the URL has none, for messages
};

std::optional<Destination> split_url(std::string_view url) {
  std::string_view rest;
  std::string_view scheme;
  if (url.starts_with("http://")) {
    scheme = "http://";
  } else if (url.starts_with("https://")) {
    scheme = "https://";
  } else {
    return std::nullopt;
  }
  rest = url.substr(scheme.size());
  const auto slash = rest.find_first_of("/?");
  const auto authority = rest.substr(0, slash);
  if (authority.empty() || authority.find_first_of(" @") != std::string_view::npos) return std::nullopt;
  // A port, when given, is all digits.
  const auto colon = authority.rfind(':');
  if (colon != std::string_view::npos && authority.back() != ']') {
    const auto port = authority.substr(colon + 1);
    int value = 0;
    const auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (port.empty() || error != std::errc{} || end != port.data() + port.size() || value <= 0 || value > 65535) {
      return std::nullopt;
    }
    if (colon == 0) return std::nullopt;
  }
  Destination destination;
  destination.origin = std::string(scheme) + std::string(authority);
  const bool has_port = colon != std::string_view::npos && authority.back() != ']';
  destination.host_port = std::string(authority) + (has_port ? "" : scheme == "https://" ? ":443" : ":80");
  destination.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (destination.target.front() == '?') destination.target.insert(0, "/");
  return destination;
}

SendError classify(httplib::Error error, std::chrono::steady_clock::duration elapsed, std::chrono::milliseconds timeout) {
  // httplib reports a slow peer as a plain Read/Connection failure; the elapsed time tells them apart.
  const bool took_the_timeout = elapsed + std::chrono::milliseconds(50) >= timeout;
  switch (error) {
    case httplib::Error::ConnectionTimeout: return SendError::timeout;
    case httplib::Error::Connection: return took_the_timeout ? SendError::timeout : SendError::connection_refused;
    case httplib::Error::Read: return took_the_timeout ? SendError::timeout : SendError::read_failed;
    case httplib::Error::Write: return took_the_timeout ? SendError::timeout : SendError::write_failed;
    case httplib::Error::SSLConnection: return took_the_timeout ? SendError::timeout : SendError::tls_failed;
    case httplib::Error::SSLLoadingCerts: return SendError::tls_failed;
    case httplib::Error::SSLServerVerification: return SendError::certificate_rejected;
    default: return SendError::other;
  }
}

/// A sentence for people naming the cause of a failure and the endpoint, e.g. "connection refused to
/// 127.0.0.1:9090".
std::string describe_failure(SendError kind, httplib::Error error, const httplib::Client& client,
                             const SenderOptions& options, const std::string& host_port) {
  switch (kind) {
    case SendError::connection_refused: return "connection refused to " + host_port;
    case SendError::timeout:
      return "no response from " + host_port + " within " + std::to_string(options.timeout.count()) + " ms";
    case SendError::write_failed: return "the connection to " + host_port + " broke while the request was sent";
    case SendError::read_failed: return "the connection to " + host_port + " closed before a whole response came";
    case SendError::tls_failed:
      if (error == httplib::Error::SSLLoadingCerts) {
        return options.ca_file ? "cannot load CA certificates from " + options.ca_file->string()
                               : std::string("cannot load the system's CA certificates");
      }
      return "the TLS handshake with " + host_port + " failed (is it a plain http:// endpoint?)";
    case SendError::certificate_rejected: {
      const long result = client.get_openssl_verify_result();
      // A certificate that verifies but names another host fails after verification.
      return result == X509_V_OK ? "the certificate of " + host_port + " does not name the host"
                                 : "the certificate of " + host_port + " is rejected: " + X509_verify_cert_error_string(result);
    }
    case SendError::invalid_url:
    case SendError::other: break;
  }
  return "sending to " + host_port + " failed: " + httplib::to_string(error);
}

std::string invalid_url_sentence(std::string_view url) {
  return "not an http://host[:port][/path] or https:// URL: \"" + std::string(url) + "\"";
}

}  // namespace

std::optional<std::string> destination_problem(std::string_view url) {
  if (split_url(url)) return std::nullopt;
  return invalid_url_sentence(url);
}

struct Sender::Impl {
  std::optional<Signer> signer;
  SenderOptions options;
  mutable std::mutex mutex;
  mutable std::unordered_map<std::string, std::vector<std::unique_ptr<httplib::Client>>> idle;

  std::unique_ptr<httplib::Client> borrow(const std::string& origin) const {
    {
      const std::lock_guard lock(mutex);
      auto& clients = idle[origin];
      if (!clients.empty()) {
        auto client = std::move(clients.back());
        clients.pop_back();
        return client;
      }
    }
    auto client = std::make_unique<httplib::Client>(origin);
    const auto timeout = std::chrono::duration_cast<std::chrono::microseconds>(options.timeout);
    client->set_connection_timeout(timeout);
    client->set_read_timeout(timeout);
    client->set_write_timeout(timeout);
    client->set_keep_alive(true);
    client->set_tcp_nodelay(true);
    client->set_follow_location(false);
    client->set_decompress(false);
    client->enable_server_certificate_verification(true);
    if (options.ca_file) client->set_ca_cert_path(options.ca_file->string());
    return client;
  }

  void give_back(const std::string& origin, std::unique_ptr<httplib::Client> client) const {
    const std::lock_guard lock(mutex);
    auto& clients = idle[origin];
    if (clients.size() < options.max_idle_connections) clients.push_back(std::move(client));
  }
};

Sender::Sender(Signer signer, SenderOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->signer.emplace(std::move(signer));
  impl_->options = std::move(options);
}

Sender::Sender(SenderOptions options) : impl_(std::make_unique<Impl>()) { impl_->options = std::move(options); }

Sender::Sender(Sender&& other) noexcept = default;
Sender& Sender::operator=(Sender&& other) noexcept = default;
Sender::~Sender() = default;

const SenderOptions& Sender::options() const noexcept { return impl_->options; }

void Sender::close_idle_connections() const {
  const std::lock_guard lock(impl_->mutex);
  impl_->idle.clear();
}

Attempt Sender::send(const Outgoing& outgoing, std::chrono::sys_seconds now) const {
  const bool posting = outgoing.method == RequestMethod::post;
  Attempt attempt;
  attempt.url = outgoing.url;
  attempt.event_id = outgoing.event_id;
  if (posting) attempt.request_body = outgoing.body;
  attempt.sent_at = now;

  if (posting) attempt.request_headers.set("Content-Type", impl_->options.content_type);
  attempt.request_headers.set("User-Agent", impl_->options.user_agent);
  if (impl_->signer) {
    const auto signature = impl_->signer->sign(attempt.request_body, outgoing.event_id, now);
    for (const auto& field : signature.fields()) attempt.request_headers.add(field.name, field.value);
  }
  for (const auto& field : outgoing.headers.fields()) attempt.request_headers.add(field.name, field.value);

  const auto destination = split_url(outgoing.url);
  if (!destination) {
    attempt.error = SendError::invalid_url;
    attempt.error_detail = invalid_url_sentence(outgoing.url);
    return attempt;
  }

  httplib::Headers headers;
  for (const auto& field : attempt.request_headers.fields()) {
    if (header_name_equals(field.name, "Content-Type")) continue;  // passed to Post() below
    headers.emplace(field.name, field.value);
  }

  auto client = impl_->borrow(destination->origin);
  const auto started = std::chrono::steady_clock::now();
  auto result = posting ? client->Post(destination->target, headers, attempt.request_body, impl_->options.content_type)
                        : client->Get(destination->target, headers);
  const auto elapsed = std::chrono::steady_clock::now() - started;
  attempt.duration = std::chrono::duration_cast<std::chrono::microseconds>(elapsed);

  if (!result) {
    attempt.error = classify(result.error(), elapsed, impl_->options.timeout);
    attempt.error_detail =
        describe_failure(*attempt.error, result.error(), *client, impl_->options, destination->host_port);
    return attempt;  // the client's socket is in an unknown state: drop it
  }
  attempt.status = result->status;
  for (const auto& [name, value] : result->headers) attempt.response_headers.add(name, value);
  attempt.response_body = result->body;
  const bool closing = header_name_equals(result->get_header_value("Connection"), "close");
  if (!closing) impl_->give_back(destination->origin, std::move(client));
  return attempt;
}

}  // namespace hookline
