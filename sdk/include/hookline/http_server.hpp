#pragma once
/// @file
/// The HTTP adapter (target hookline::httplib): serves Receivers and an application's own routes
/// over cpp-httplib 0.11.4 (Debian's compiled libcpp-httplib), with that version's known risks
/// closed (see DESIGN.md). What was checked: Debian's httplib.h only declares (the code is compiled
/// into libcpp-httplib.so, whose build definitions hookline::httplib repeats), so the order was read
/// in upstream 0.11.x's Server::process_request() and confirmed by tests that get their 413 having
/// sent only the head: it reads the request line and every header, calls `setup_request`, answers
/// `Expect: 100-continue`, then routing() calls the pre-routing handler first and reads the body
/// (read_content) only after it. A header line over 8 KiB is refused by the library itself (400). So:
/// - every request is screened by screen_headers() before any body byte is read (in the
///   Expect: 100-continue handler, so no `100 Continue` goes out for a refused request, and in the
///   pre-routing handler): Transfer-Encoding, Content-Encoding, a missing, malformed or too large
///   Content-Length, a body on a method without one, header floods. A refused connection is closed
///   after the response, so an unread body is never taken for the next request;
/// - the adapter runs each connection on its own socket stream (cpp-httplib's keep-alive loop is
///   replaced, its request parser kept): reads are buffered, the header block has a byte budget
///   (max_header_count × max_header_bytes) and the body one of max_body_bytes, so a header line or
///   count flood cannot grow memory without bound (0.11.4 has no such limit), and a whole request must
///   arrive within request_timeout, so a slow sender dribbling bytes holds its thread a bounded time;
/// - set_payload_max_length, read/write timeouts, keep-alive limits and TCP_NODELAY are explicit;
/// - an exception escaping a handler becomes a plain 500 with no exception text (no EXCEPTION_WHAT);
/// - the peer address comes from the socket (getpeername); REMOTE_ADDR/REMOTE_PORT/LOCAL_ADDR/
///   LOCAL_PORT headers sent by a client, which 0.11.4 lets shadow the real ones, are dropped;
/// - a Range header is ignored: 0.11.4 would send a slice of any response under the handler's status;
/// - every response carries one Content-Length, refusals sent instead of "100 Continue" included.
/// cpp-httplib stays out of this header: applications register routes over HttpRequest/HttpResponse.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "hookline/receiver.hpp"
#include "hookline/result.hpp"

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

/// Why the server could not start.
struct ServerError {
  /// e.g. "cannot listen on 127.0.0.1:80".
  std::string message;
};

/// Told about every request a receiver decided and every request refused on its headers.
using ReceiveObserver = std::function<void(const HttpRequest& request, const ReceiveResult& result)>;

/// Answers one application route.
using RouteHandler = std::function<HttpResponse(const HttpRequest& request)>;

/// How a WebhookServer listens and defends itself.
///
/// Sizing: cpp-httplib gives each accepted connection one pool thread for as long as it stays open,
/// keep-alive waits included, and queues the rest without limit. 256 concurrent keep-alive senders
/// answered within 2 s therefore need 256 threads of their own; 64 more keep room for slow senders
/// (each holds a thread at most request_timeout), health checks and the application's routes.
/// Idle threads sleep in a blocking read; each costs a stack mapping, mostly untouched. A connection beyond
/// the pool waits until another closes: at the latest keep_alive_timeout after that one's last
/// request (2 s, short for this reason, yet long enough for a sender's next delivery to reuse the
/// connection), or once it served keep_alive_max_requests.
struct ServerOptions {
  /// Where to listen.
  ListenAddress listen;
  /// Pool threads, one per open connection: 256 senders + 64 (see above).
  std::size_t threads = 320;
  /// How long an idle keep-alive connection (or a new one before its first byte) keeps its thread.
  std::chrono::seconds keep_alive_timeout{2};
  /// Requests served on one connection before it is closed, so connections rotate through the pool.
  std::size_t keep_alive_max_requests = 1000;
  /// Longest wait for each read from a client (a request that stalls this long is dropped).
  std::chrono::seconds read_timeout{5};
  /// Longest time from a request's first byte to its last, however the bytes trickle in.
  std::chrono::seconds request_timeout{10};
  /// Longest wait for each write to a client.
  std::chrono::seconds write_timeout{5};
  /// Pending connections the kernel queues before accept (cpp-httplib's own is 5).
  int listen_backlog = 1024;
  /// Header and body limits for every route; receivers also apply their own.
  ReceiverLimits limits;
  /// The time passed to Receiver::handle(); the system clock by default.
  std::function<std::chrono::sys_seconds()> clock;
  /// Told about receiver decisions and header refusals (metrics, logs); may be empty.
  ReceiveObserver observer;
};

/// An HTTP server for webhooks. Mount receivers and add routes, then start(); it serves on its own
/// threads until stop() or destruction, which stop listening, finish running requests and join.
class WebhookServer {
 public:
  /// A server that is not listening yet.
  explicit WebhookServer(ServerOptions options = {});
  WebhookServer(const WebhookServer&) = delete;
  WebhookServer& operator=(const WebhookServer&) = delete;
  /// Stops and joins.
  ~WebhookServer();

  /// Serves `receiver` (which must outlive the server) at `POST path`, e.g. "/webhooks/vrio"; other
  /// methods on that path get 405. Only before start(): throws std::logic_error after.
  WebhookServer& mount(std::string path, const Receiver& receiver);

  /// Serves an application route: `method` ("GET", "POST", "PUT", "PATCH" or "DELETE") and a
  /// `pattern` matched against the whole path as an ECMAScript regular expression, e.g.
  /// "/api/shipments/(\\d+)" (captures in HttpRequest::matches). Requests are screened first like
  /// every other. Only before start(): throws std::logic_error after.
  WebhookServer& route(std::string method, std::string pattern, RouteHandler handler);

  /// Binds, then serves on a background thread; returns once the port is bound.
  [[nodiscard]] Status<ServerError> start();
  /// Stops listening, lets running requests finish and joins; idempotent.
  void stop();
  /// The bound port (the one picked when ListenAddress::port was 0); 0 before start().
  [[nodiscard]] std::uint16_t port() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hookline
