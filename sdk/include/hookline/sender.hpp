#pragma once
/// @file
/// The other side of a webhook: sign a body the way a platform does, POST it with a timeout, and
/// record the attempt as a platform's webhook log shows it (URL, payload, response code, headers and
/// body, timestamp, event id, duration, or why no response came). Part of hookline::httplib; a
/// merchant can drive their own receiver with it from a test suite, and an unsigned Sender is a
/// plain API client (POST and GET) with the same timeouts, connection reuse and error sentences.
///
/// Connections are kept alive and reused per destination (scheme, host and port), with TCP_NODELAY
/// set; a Sender may be used from any number of threads at once. `https://` URLs are sent over TLS
/// with the endpoint's certificate always verified: against the system's CA certificates (or those
/// OpenSSL's SSL_CERT_FILE / SSL_CERT_DIR name), or against SenderOptions::ca_file.

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "hookline/headers.hpp"
#include "hookline/sign.hpp"

namespace hookline {

/// Why an attempt got no HTTP response.
enum class SendError {
  invalid_url,         ///< the URL is not http(s)://host[:port][/path]
  connection_refused,  ///< nothing accepted the connection (refused or unreachable)
  timeout,             ///< connecting, sending or waiting for the response took longer than the timeout
  write_failed,        ///< the connection broke while the request was being sent
  read_failed,         ///< the connection broke before a whole response came back
  tls_failed,          ///< https: no TLS session (the endpoint speaks plain HTTP, or no protocol version or cipher in common), or the CA certificates could not be loaded
  certificate_rejected,  ///< https: the endpoint's certificate does not verify against the trusted CAs, or does not name the host
  other,               ///< any other transport failure
};

/// The error's name in snake_case, e.g. "connection_refused".
[[nodiscard]] std::string_view to_string(SendError error) noexcept;

/// Why `url` cannot be a destination (it is not http(s)://host[:port][/path]), as a sentence; nullopt
/// when it can. Sender::send refuses such a URL as SendError::invalid_url.
[[nodiscard]] std::optional<std::string> destination_problem(std::string_view url);

/// The HTTP method of an Outgoing request.
enum class RequestMethod {
  post,  ///< POST the body with the sender's Content-Type (every webhook)
  get,   ///< GET with no body and no Content-Type (e.g. reading a record from a platform API)
};

/// One webhook to deliver (or, with RequestMethod::get, one record to read).
struct Outgoing {
  /// The destination, e.g. "http://127.0.0.1:8080/webhooks/vrio".
  std::string url;
  /// The JSON payload, sent byte for byte as given.
  std::string body;
  /// The event's id: recorded with the attempt and signed as `webhook-id` by the Standard Webhooks scheme.
  std::string event_id;
  /// Extra request headers (e.g. `Idempotency-Key`), sent besides Content-Type and the signature.
  Headers headers;
  /// POST (the default) or GET; a GET sends no body (`body` is not sent, nor recorded as sent).
  RequestMethod method = RequestMethod::post;
};

/// One delivery attempt, as a platform's webhook log records it.
struct Attempt {
  /// Where it was sent.
  std::string url;
  /// The event's id (the receiver's idempotency key).
  std::string event_id;
  /// The payload sent (empty for a GET).
  std::string request_body;
  /// Every header sent, the signature included.
  Headers request_headers;
  /// When it was sent: the `now` given to Sender::send.
  std::chrono::sys_seconds sent_at{};
  /// Wall time from the start of the attempt to the end of the response (or of the failure).
  std::chrono::microseconds duration{};
  /// The HTTP status code; 0 when no response came.
  int status = 0;
  /// The response's header fields (e.g. `Retry-After`); empty when no response came.
  Headers response_headers;
  /// The response body, as the endpoint answered it.
  std::string response_body;
  /// Why no response came, when none did.
  std::optional<SendError> error;
  /// The error as a sentence for people naming its cause and the endpoint, e.g. "connection refused to
  /// 127.0.0.1:9090" or "the TLS handshake with 127.0.0.1:8443 failed (is it a plain http:// endpoint?)";
  /// empty when a response came.
  std::string error_detail;

  /// True when the endpoint answered with a 2xx status.
  [[nodiscard]] bool succeeded() const noexcept { return !error && status >= 200 && status < 300; }
};

/// Tunables of a Sender.
struct SenderOptions {
  /// Limit for connecting, for sending and for waiting on the response (VRIO: 2 s, Vero: 5 s).
  std::chrono::milliseconds timeout{2000};
  /// Idle keep-alive connections kept per destination; more may be open while requests are in flight.
  std::size_t max_idle_connections = 16;
  /// The `User-Agent` header sent.
  std::string user_agent = "hookline-sender/0.1";
  /// The `Content-Type` header sent.
  std::string content_type = "application/json";
  /// https: trust only the CA certificates in this PEM file (e.g. a private CA, or a test's
  /// throwaway one) instead of the system's.
  std::optional<std::filesystem::path> ca_file;
};

/// Signs and POSTs webhooks (or GETs), recording each attempt. Thread-safe; reuses connections per destination.
class Sender {
 public:
  /// A sender that signs every body with `signer`.
  explicit Sender(Signer signer, SenderOptions options = {});
  /// A sender that sends bodies unsigned (platforms that do not sign, or tests of a receiver's refusal).
  explicit Sender(SenderOptions options = {});

  Sender(Sender&& other) noexcept;
  Sender& operator=(Sender&& other) noexcept;
  ~Sender();

  /// Delivers `outgoing` once: signs it at time `now`, sends it with its method, and returns what
  /// happened. Never throws for a network failure: that is recorded in Attempt::error.
  [[nodiscard]] Attempt send(const Outgoing& outgoing, std::chrono::sys_seconds now) const;

  /// Closes every idle connection (e.g. after the receiver restarted).
  void close_idle_connections() const;

  /// The options this sender was made with.
  [[nodiscard]] const SenderOptions& options() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hookline
