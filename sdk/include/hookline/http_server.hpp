#pragma once
/// @file
/// The HTTP adapter (target hookline::httplib): serves Receivers and an application's own routes
/// over cpp-httplib 0.11.4 (Debian's compiled libcpp-httplib), plain or over TLS, with that
/// version's known risks closed. What was checked: Debian's httplib.h only declares (the code is
/// compiled into libcpp-httplib.so, whose build definitions hookline::httplib repeats), so the
/// order was read in upstream 0.11.x's Server::process_request() and confirmed by tests that get
/// their 413 having sent only the head: it reads the request line and every header, calls
/// `setup_request`, answers `Expect: 100-continue`, then routing() calls the pre-routing handler
/// first and reads the body (read_content) only after it. When no route matches it answers a bare
/// 404 itself, so the adapter routes every request itself, through one catch-all per method.
/// A header line over 8 KiB is refused by the library itself (400). So:
/// - the adapter runs each connection on its own stream (cpp-httplib's keep-alive loop is replaced,
///   its request parser kept): reads are buffered, the header block has a byte budget
///   (max_header_count × max_header_bytes) and the body one of max_body_bytes, so a header line or
///   count flood cannot grow memory without bound (0.11.4 has no such limit), and a whole request must
///   arrive within request_timeout, so a slow sender dribbling bytes holds its thread a bounded time;
/// - TLS (ServerOptions::tls) is a transport of that stream (OpenSSL), so every rule here holds for
///   HTTPS too: TLS 1.2 at least, Mozilla's "intermediate" ciphers (ECDHE with AES-GCM or
///   ChaCha20-Poly1305; TLS 1.3's defaults), no compression, no renegotiation, no session
///   resumption, and a handshake that must complete within read_timeout however slowly it comes;
/// - the request head is checked as RFC 9112 asks, as it is received and before cpp-httplib
///   parses it (a proxy in front may read a malformed head differently: request smuggling):
///   whitespace between a field name and its colon, a line that starts with whitespace (obsolete
///   folding), a NUL, a CR not followed by LF or a LF not preceded by CR, a field name that is not
///   a token, or a line without a colon is a 400 (`bad_header_syntax`) that closes the connection,
///   before routing and before any body byte is read. The fields passed on are the ones sent, byte
///   for byte (0.11.4 percent-decodes header values). A head cpp-httplib refuses itself (a bad
///   request line or method, a line or a target over 8 KiB) gets its 400 or 414 with the one
///   error body too, and the connection closes;
/// - every request is then screened by screen_headers() before any body byte is read (in the
///   Expect: 100-continue handler, so no `100 Continue` goes out for a refused request, and in the
///   pre-routing handler): Transfer-Encoding, Content-Encoding, a missing, malformed or too large
///   Content-Length, a body on a method without one, header floods. A request answered before its
///   body was read closes the connection after the response, so an unread body is never taken for
///   the next request;
/// - a path no receiver or route serves is a 404 whose body is the same for every path; a path
///   served with other methods is a 405 with `Allow`; the access check (ServerOptions::access_check)
///   runs before either, and before the body is read;
/// - set_payload_max_length, read/write timeouts, keep-alive limits and TCP_NODELAY are explicit;
/// - an exception escaping a handler becomes a plain 500 with no exception text (no EXCEPTION_WHAT);
/// - the peer address comes from the socket (getpeername), or from X-Forwarded-For only when the
///   socket's peer is a trusted proxy (ServerOptions::trusted_proxies); REMOTE_ADDR/REMOTE_PORT/
///   LOCAL_ADDR/LOCAL_PORT fields sent by a client, which 0.11.4 lets shadow the real ones, are dropped;
/// - a Range header is ignored: 0.11.4 would send a slice of any response under the handler's status;
/// - every response carries one Content-Length, refusals sent instead of "100 Continue" included.
/// cpp-httplib stays out of this header: applications register routes over HttpRequest/HttpResponse.
///
/// Two listeners, a public one for webhooks and an admin one behind a bearer token:
/// @code
///   hookline::ServerOptions public_options;
///   public_options.listen = {"0.0.0.0", 8443};
///   public_options.tls = hookline::TlsFiles{"/etc/hookline/fullchain.pem", "/etc/hookline/key.pem"};
///   hookline::WebhookServer webhooks(public_options);
///   webhooks.mount("/webhooks/vrio", vrio_receiver);           // authenticated by its signature
///   webhooks.route("GET", "/healthz", health);                  // no access_check: open
///
///   hookline::ServerOptions admin_options;
///   admin_options.listen = {"127.0.0.1", 8081};
///   admin_options.access_check = hookline::require_bearer_token(hookline::Secret(token));
///   hookline::WebhookServer admin(admin_options);
///   admin.route("GET", "/api/orders", list_orders);           // needs "Authorization: Bearer <token>"
///   admin.route("GET", "/healthz", health, hookline::RouteAccess::open);  // for the load balancer
///   // start() both; on SIGHUP, webhooks.reload_tls() picks up renewed certificates.
/// @endcode

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hookline/clock.hpp"
#include "hookline/receiver.hpp"
#include "hookline/result.hpp"
#include "hookline/secret.hpp"
#include "hookline/source_guard.hpp"

namespace hookline {

/// Where to listen: a host (name or IP address) and a port; port 0 picks a free one.
struct ListenAddress {
  /// e.g. "127.0.0.1" or "0.0.0.0".
  std::string host = "127.0.0.1";
  /// 0 asks the system for a free port (read it back with WebhookServer::port()).
  std::uint16_t port = 0;
};

/// Parses `HOST:PORT` (e.g. "127.0.0.1:8080", "0.0.0.0:0", "[::1]:8080"); an error message otherwise.
[[nodiscard]] Result<ListenAddress, std::string> parse_listen_address(std::string_view text);

/// Why the server could not start, or could not reload its TLS files.
struct ServerError {
  /// e.g. "cannot listen on 127.0.0.1:80: Permission denied".
  std::string message;
};

/// The PEM files that make a listener speak HTTPS, read at start() and at each reload_tls().
struct TlsFiles {
  /// The server's certificate first, then any intermediates (e.g. a "fullchain.pem").
  std::filesystem::path certificate_chain;
  /// Its private key, unencrypted (protect it with the file's mode instead).
  std::filesystem::path private_key;
};

/// Told about every request to a mounted receiver's path: each receiver decision and each refusal
/// on its headers. Never about application routes, unknown paths, or heads too malformed to route.
using ReceiveObserver = std::function<void(const HttpRequest& request, const ReceiveResult& result)>;

/// Answers one application route.
using RouteHandler = std::function<HttpResponse(const HttpRequest& request)>;

/// Decides whether a request may reach the server's application routes: nullopt lets it through,
/// a response (e.g. bearer_challenge()) answers it instead. It runs before the body is read, so
/// HttpRequest::body is empty; it must be thread-safe.
using AccessCheck = std::function<std::optional<HttpResponse>(const HttpRequest& request)>;

/// Whether a route is behind ServerOptions::access_check.
enum class RouteAccess {
  checked,  ///< the access check decides (the default: a new route is never open by mistake)
  open,     ///< anyone may call it, e.g. /healthz and /readyz for a load balancer
};

/// The 401 a bearer-token check answers: `WWW-Authenticate: Bearer` and the one error body
/// (code "unauthorized", `message`). The same whatever was sent, so that it never hints how close
/// a token was.
[[nodiscard]] HttpResponse bearer_challenge(std::string_view message = "a valid bearer token is required");

/// An AccessCheck that lets through requests with `Authorization: Bearer <token>` for exactly this
/// token, and answers bearer_challenge() to every other (missing, wrong, malformed, repeated).
/// Tokens are compared as HMAC-SHA256 digests under a random key, in constant time, so neither
/// the contents nor the length of the expected token shows in the time taken. Throws
/// std::invalid_argument for an empty token.
[[nodiscard]] AccessCheck require_bearer_token(Secret token);

/// How a WebhookServer listens and defends itself.
///
/// Sizing: each accepted connection holds one pool thread for as long as it stays open,
/// keep-alive waits included, and the rest are queued without limit. 256 concurrent keep-alive
/// senders answered within 2 s therefore need 256 threads of their own; 64 more keep room for slow
/// senders (each holds a thread at most request_timeout), health checks and the application's routes.
/// Idle threads sleep in a blocking read; each costs a stack mapping, mostly untouched. A connection beyond
/// the pool waits until another closes: at the latest keep_alive_timeout after that one's last
/// request (2 s, short for this reason, yet long enough for a sender's next delivery to reuse the
/// connection), or once it served keep_alive_max_requests.
struct ServerOptions {
  /// Where to listen.
  ListenAddress listen;
  /// When set, the listener speaks HTTPS only (plain HTTP is refused at the handshake).
  std::optional<TlsFiles> tls;
  /// Pool threads, one per open connection: 256 senders + 64 (see above).
  std::size_t threads = 320;
  /// How long an idle keep-alive connection (or a new one before its first byte) keeps its thread.
  std::chrono::seconds keep_alive_timeout{2};
  /// Requests served on one connection before it is closed, so connections rotate through the pool.
  std::size_t keep_alive_max_requests = 1000;
  /// Longest wait for each read from a client (a request that stalls this long is dropped), and the
  /// longest a TLS handshake may take in all.
  std::chrono::seconds read_timeout{5};
  /// Longest time from a request's first byte to its last, however the bytes trickle in.
  std::chrono::seconds request_timeout{10};
  /// Longest wait for each write to a client.
  std::chrono::seconds write_timeout{5};
  /// Pending connections the kernel queues before accept (cpp-httplib's own is 5).
  int listen_backlog = 1024;
  /// Header and body limits for every route; receivers also apply their own.
  ReceiverLimits limits;
  /// Proxies whose X-Forwarded-For names the client (e.g. nginx on 127.0.0.1/32). Only when the
  /// socket's peer is in one of them is the header read: from the right, trusted hops skipped, the
  /// first other address is HttpRequest::peer (an unparsable entry before it: the socket's peer).
  /// Empty: the header is ignored, and the peer is always the socket's.
  std::vector<IpNetwork> trusted_proxies;
  /// Checks every request except those to mounted receivers (which authenticate deliveries
  /// themselves) and to RouteAccess::open routes: unknown paths too, so that they reveal nothing
  /// to a caller without access. Empty: no check.
  AccessCheck access_check;
  /// The time passed to Receiver::handle(); the system clock by default.
  Clock clock;
  /// Told about receiver decisions and header refusals on receiver paths (metrics, logs); may be empty.
  ReceiveObserver observer;
};

/// An HTTP server for webhooks. Mount receivers and add routes, then start(); it serves on its own
/// threads until stop() or destruction, which stop listening, finish running requests and join.
/// A mounted path wins over a route whose pattern also matches it; routes are tried in the order
/// they were added.
class WebhookServer {
 public:
  /// A server that is not listening yet.
  explicit WebhookServer(ServerOptions options = {});
  WebhookServer(const WebhookServer&) = delete;
  WebhookServer& operator=(const WebhookServer&) = delete;
  /// Stops and joins.
  ~WebhookServer();

  /// Serves `receiver` (which must outlive the server) at `POST path`, e.g. "/webhooks/vrio"; other
  /// methods on that path get the receiver's 405. Only before start(): throws std::logic_error after.
  WebhookServer& mount(std::string path, const Receiver& receiver);

  /// Serves an application route: `method` ("GET", which also answers HEAD, "POST", "PUT", "PATCH"
  /// or "DELETE") and a `pattern` matched against the whole path as an ECMAScript regular
  /// expression, e.g. "/api/shipments/(\\d+)" (captures in HttpRequest::matches). Requests are
  /// screened first like every other; a request with neither Content-Length nor Transfer-Encoding
  /// has an empty body (RFC 9112 §6.3), so a bodyless POST is served. Only before start(): throws
  /// std::logic_error after.
  WebhookServer& route(std::string method, std::string pattern, RouteHandler handler,
                       RouteAccess access = RouteAccess::checked);

  /// Loads the TLS files (when configured), binds, then serves on a background thread; returns once
  /// the port is bound. The error names a missing, unreadable or non-PEM file, or a key that does
  /// not match its certificate.
  [[nodiscard]] Status<ServerError> start();
  /// Reads the TLS files again and serves new connections with them; connections already open keep
  /// theirs. On failure nothing changes and the error says why (as start() would). Thread-safe.
  [[nodiscard]] Status<ServerError> reload_tls();
  /// Stops listening, lets running requests finish and joins; idempotent.
  void stop();
  /// The bound port (the one picked when ListenAddress::port was 0); 0 before start().
  [[nodiscard]] std::uint16_t port() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hookline
