#pragma once
// cpp-httplib's server with its connection loop replaced: each connection runs on a
// ConnectionStream over its Transport (plain or TLS), the request parser stays, and every request
// is routed by the adapter's RouteTable, screened, checked and answered before its body is read
// whenever the answer does not need the body.

#include <httplib.h>

#include <atomic>
#include <optional>
#include <string>

#include "detail/connection_stream.hpp"
#include "detail/route_table.hpp"
#include "detail/transport.hpp"
#include "hookline/http_server.hpp"

namespace hookline::detail {

/// What the handlers of one request learn from the connection loop running it.
struct RequestContext {
  /// The request as far as known before the body (the whole of it once the body is read).
  HttpRequest request;
  /// Where it goes.
  RouteMatch match;
  /// The answer decided before the body is read (a refusal, 404, 405, the access check's), if any.
  std::optional<HttpResponse> early_answer;
  /// Set when the response asks to close: the loop closes after writing it.
  bool close_after = false;
  /// Set once the request line and every header parsed; a request refused before that (a bad
  /// request line, a header line over cpp-httplib's 8 KiB) leaves unread bytes: the loop closes.
  bool headers_complete = false;
};

class HardenedServer final : public httplib::Server {
 public:
  explicit HardenedServer(ServerOptions options);

  /// The routes; only changed before start().
  [[nodiscard]] RouteTable& routes() noexcept { return routes_; }
  /// The options, clock filled in.
  [[nodiscard]] const ServerOptions& options() const noexcept { return options_; }

  /// Reads the TLS files into the context new connections take; the old one stays on failure.
  [[nodiscard]] Status<ServerError> load_tls();

  /// The listening socket, once bound.
  [[nodiscard]] socket_t listening_socket() const { return svr_sock_; }

  /// Tells every connection loop to finish.
  void begin_stop() { stopping_ = true; }

 private:
  bool process_and_close_socket(socket_t sock) override;
  std::unique_ptr<Transport> open_transport(socket_t sock);
  void read_head(httplib::Request& req, ConnectionStream& stream, RequestContext& context) const;
  std::optional<HttpResponse> answer_before_body(const RequestContext& context) const;
  void serve(const httplib::Request& req, httplib::Response& res) const;
  void observe(const HttpRequest& request, const ReceiveResult& result) const;
  void close_connection(socket_t sock, bool linger) const;

  ServerOptions options_;
  RouteTable routes_;
  TlsContextSlot tls_;
  std::atomic<bool> stopping_{false};
};

}  // namespace hookline::detail
