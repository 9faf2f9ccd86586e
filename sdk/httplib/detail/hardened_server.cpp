#include "detail/hardened_server.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <array>
#include <exception>
#include <string_view>
#include <utility>

#include "detail/forwarded_for.hpp"
#include "hookline/threads.hpp"

// The connection loop below overrides Server::process_and_close_socket() and calls the protected
// process_request() with the setup_request hook, and start() reads svr_sock_: members and an order of
// calls (request line, headers, setup_request, Expect, pre-routing, body, handler) read in 0.11.x's
// source. Another version must be checked against it before this builds with it.
static_assert(std::string_view(CPPHTTPLIB_VERSION) == "0.11.4",
              "the adapter depends on cpp-httplib 0.11.4's protected members and request processing order");

namespace hookline::detail {
namespace {

static_assert(poll_slice < std::chrono::seconds(1), "SO_RCVTIMEO is set from poll_slice as microseconds alone");

/// The request being served on this pool thread.
thread_local RequestContext* current_request = nullptr;

std::chrono::sys_seconds system_seconds() {
  return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
}

/// A plain 500: no exception text, no EXCEPTION_WHAT header.
HttpResponse internal_error() { return error_response(500, "internal", "internal error"); }

void apply(const HttpResponse& response, httplib::Response& res) {
  res.status = response.status;
  for (const auto& field : response.headers.fields()) {
    res.set_header(field.name, field.value);
  }
  res.set_content(response.body, response.content_type);
  if (response.close_connection) {
    res.set_header("Connection", "close");
    if (current_request != nullptr) {
      current_request->close_after = true;
    }
  }
}

/// True when the head announces body bytes (which stay unread when the answer comes before them).
bool announces_body(const Headers& headers) {
  const auto length = headers.get("Content-Length");
  return headers.get("Transfer-Encoding").has_value() || (length && *length != "0");
}

/// `response`, closing the connection when the request's body is still unread on it.
HttpResponse before_body(HttpResponse response, const HttpRequest& head) {
  response.close_connection = response.close_connection || announces_body(head.headers);
  return response;
}

/// Screens a request to an application route. One with neither Content-Length nor
/// Transfer-Encoding has no body (RFC 9112 §6.3): screened as the empty body it is, where a
/// webhook delivery needs its Content-Length.
std::optional<ReceiveResult> screen_route_request(const HttpRequest& head, const ReceiverLimits& limits) {
  if (head.headers.get("Content-Length") || head.headers.get("Transfer-Encoding")) {
    return screen_headers(head.method, head.headers, limits);
  }
  Headers framed = head.headers;
  framed.add("Content-Length", "0");
  return screen_headers(head.method, framed, limits);
}

}  // namespace

HardenedServer::HardenedServer(ServerOptions options) : options_(std::move(options)) {
  if (!options_.clock) {
    options_.clock = system_seconds;
  }
  const std::size_t threads = std::max<std::size_t>(options_.threads, 1);
  new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  set_tcp_nodelay(true);
  set_payload_max_length(options_.limits.max_body_bytes);
  set_read_timeout(options_.read_timeout);
  set_write_timeout(options_.write_timeout);
  set_keep_alive_timeout(options_.keep_alive_timeout.count());
  set_keep_alive_max_count(options_.keep_alive_max_requests);
  // SO_REUSEADDR only: cpp-httplib's default also sets SO_REUSEPORT, which would let a second
  // server bind the same port and silently take half of the deliveries.
  set_socket_options([](socket_t sock) {
    const int on = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
  });

  // Expect: 100-continue is answered before routing: a request answered before its body gets that
  // final status instead of "100 Continue", so the client never sends the body. cpp-httplib writes
  // that answer without the Content-Length it gives routed responses, which would leave only the
  // connection's close to end the body, so it is set here. (Only while no error handler is
  // installed: with one, cpp-httplib would add its own Content-Length to this answer too.)
  set_expect_100_continue_handler([](const httplib::Request&, httplib::Response& res) {
    auto* context = current_request;
    if (context == nullptr || !context->early_answer) {
      return 100;
    }
    apply(*context->early_answer, res);
    res.set_header("Content-Length", std::to_string(res.body.size()));
    return res.status;
  });
  set_pre_routing_handler([](const httplib::Request&, httplib::Response& res) {
    auto* context = current_request;
    if (context == nullptr || !context->early_answer) {
      return HandlerResponse::Unhandled;
    }
    apply(*context->early_answer, res);
    return HandlerResponse::Handled;
  });
  set_exception_handler([](const httplib::Request&, httplib::Response& res, const std::exception_ptr&) {
    res.headers.clear();
    apply(internal_error(), res);
  });
  // Every request the pre-routing handler lets through is one the route table sent to a receiver
  // or a route: these catch-alls hand it over once cpp-httplib has read the body.
  const auto handler = [this](const httplib::Request& req, httplib::Response& res) { serve(req, res); };
  Get(".*", handler);
  Post(".*", handler);
  Put(".*", handler);
  Patch(".*", handler);
  Delete(".*", handler);
}

Status<ServerError> HardenedServer::load_tls() {
  if (!options_.tls) {
    return fail(ServerError{"this server has no TLS files to load (ServerOptions::tls)"});
  }
  auto context = load_tls_context(*options_.tls);
  if (!context) {
    return fail(ServerError{std::move(context.error())});
  }
  tls_.set(std::move(*context));
  return {};
}

void HardenedServer::observe(const HttpRequest& request, const ReceiveResult& result) const {
  if (options_.observer) {
    options_.observer(request, result);
  }
}

std::unique_ptr<Transport> HardenedServer::open_transport(socket_t sock) {
  const int on = 1;
  ::setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
  if (options_.tls) {
    // TLS on a non-blocking socket: OpenSSL then returns after each piece of a record, so a slow
    // peer cannot keep it reading past the deadlines.
    const int flags = ::fcntl(sock, F_GETFL);
    if (flags < 0 || ::fcntl(sock, F_SETFL, flags | O_NONBLOCK) != 0) {
      return nullptr;
    }
    return accept_tls(sock, tls_.current(), SteadyClock::now() + options_.read_timeout, stopping_);
  }
  // Without these timeouts a read between requests would block past a stop: not served.
  const timeval slice{0, std::chrono::duration_cast<std::chrono::microseconds>(poll_slice).count()};
  if (::setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &slice, sizeof(slice)) != 0 ||
      ::setsockopt(sock, SOL_SOCKET, SO_SNDTIMEO, &slice, sizeof(slice)) != 0) {
    return nullptr;
  }
  return plain_transport(sock);
}

bool HardenedServer::process_and_close_socket(socket_t sock) {
  // Named once per pool thread, as top -H and perf show it.
  [[maybe_unused]] thread_local const bool named = [] {
    name_this_thread("hl-http");
    return true;
  }();
  const auto transport = open_transport(sock);
  if (!transport) {
    close_connection(sock, false);
    return false;
  }
  ConnectionStream stream(*transport, options_, stopping_);
  const std::size_t header_budget = options_.limits.max_header_count * options_.limits.max_header_bytes;
  bool ok = true;
  bool refused = false;
  for (std::size_t served = 0; served < options_.keep_alive_max_requests && !stopping_; ++served) {
    if (!stream.wait_for_request()) {
      break;
    }
    RequestContext context;
    current_request = &context;
    stream.begin_request(header_budget, options_.limits.max_header_count + 1);
    bool connection_closed = false;
    const bool last = served + 1 == options_.keep_alive_max_requests;
    ok = process_request(stream, last, connection_closed,
                         [&](httplib::Request& req) { read_head(req, stream, context); });
    current_request = nullptr;
    if (const auto error = stream.head_error()) {
      stream.send_instead(serialize_closing_response(head_syntax_refusal(*error)));
      refused = true;
      break;
    }
    if (!context.headers_complete) {
      // cpp-httplib refused the head itself (a bad request line, a line over 8 KiB) with a bare
      // status: the same answer goes out with the one error body. Unread bytes follow: close.
      if (const auto status = stream.take_unsent_status()) {
        stream.send_instead(serialize_closing_response(unreadable_head_refusal(*status)));
      }
      refused = true;
      break;
    }
    const bool sent = stream.flush();
    refused = context.close_after;
    if (!ok || !sent || connection_closed || refused || stream.broken()) {
      break;
    }
  }
  transport->finish();
  close_connection(sock, refused);
  return ok;
}

void HardenedServer::read_head(httplib::Request& req, ConnectionStream& stream, RequestContext& context) const {
  // cpp-httplib would answer a Range header with a slice of the response (or a multipart one)
  // under the handler's status; webhook acknowledgements and API answers are always whole.
  req.ranges.clear();
  context.headers_complete = true;
  HttpRequest& head = context.request;
  head.method = req.method;
  head.path = req.path;
  head.headers = stream.take_head_fields();
  head.socket_peer = req.remote_addr;
  head.peer = forwarded_client(head.socket_peer, head.headers, options_.trusted_proxies);
  for (const auto& [name, value] : req.params) {
    head.query.emplace_back(name, value);
  }
  context.match = routes_.find(head.method, head.path);
  if (context.match.kind != RouteMatch::Kind::receiver && !head.headers.get("Content-Length") &&
      !head.headers.get("Transfer-Encoding")) {
    // No body (RFC 9112 §6.3); 0.11.4 would otherwise read a POST's body until the client closes.
    req.headers.emplace("Content-Length", "0");
  }
  try {
    context.early_answer = answer_before_body(context);
  } catch (...) {
    // This runs outside cpp-httplib's exception handling: nothing may escape it.
    auto answer = internal_error();
    answer.close_connection = true;
    context.early_answer = std::move(answer);
  }
  stream.begin_body(options_.limits.max_body_bytes);
}

std::optional<HttpResponse> HardenedServer::answer_before_body(const RequestContext& context) const {
  const HttpRequest& head = context.request;
  const RouteMatch& match = context.match;
  if (match.kind == RouteMatch::Kind::receiver) {
    if (auto refusal = screen_headers(head.method, head.headers, options_.limits)) {
      observe(head, *refusal);
      return std::move(refusal->response);
    }
    if (head.method == "POST") {
      return std::nullopt;  // the receiver needs the body
    }
    auto result = match.receiver->handle(head, options_.clock());  // its 405, without reading a body
    observe(head, result);
    return before_body(std::move(result.response), head);
  }
  if (auto refusal = screen_route_request(head, options_.limits)) {
    return std::move(refusal->response);
  }
  if (!match.open && options_.access_check) {
    if (auto denied = options_.access_check(head)) {
      return before_body(std::move(*denied), head);
    }
  }
  if (match.kind == RouteMatch::Kind::not_found) {
    return before_body(not_found_response(), head);
  }
  if (match.kind == RouteMatch::Kind::method_not_allowed) {
    return before_body(method_not_allowed_response(match.allow), head);
  }
  return std::nullopt;
}

void HardenedServer::serve(const httplib::Request& req, httplib::Response& res) const {
  auto* context = current_request;
  if (context == nullptr || (context->match.kind != RouteMatch::Kind::receiver && context->match.route == nullptr)) {
    apply(internal_error(), res);  // not a request the connection loop routed: cannot happen
    return;
  }
  HttpRequest request = std::move(context->request);
  request.body = req.body;
  if (context->match.kind == RouteMatch::Kind::receiver) {
    const auto result = context->match.receiver->handle(request, options_.clock());
    observe(request, result);
    apply(result.response, res);
    return;
  }
  request.matches = std::move(context->match.captures);
  HttpResponse response;
  try {
    response = context->match.route->handler(request);
  } catch (...) {
    response = internal_error();
  }
  apply(response, res);
}

/// Closes a connection; after a refusal, first drains (briefly, boundedly) what the client was
/// still sending, so that the kernel does not answer it with a reset that could destroy the
/// response before the client read it.
void HardenedServer::close_connection(socket_t sock, bool linger) const {
  if (linger) {
    ::shutdown(sock, SHUT_WR);
    const auto deadline = SteadyClock::now() + std::chrono::milliseconds(500);
    std::array<char, 16 * 1024> sink{};
    std::size_t drained = 0;
    while (drained < 4 * options_.limits.max_body_bytes && !stopping_) {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - SteadyClock::now());
      pollfd descriptor{sock, POLLIN, 0};
      if (left.count() <= 0 || ::poll(&descriptor, 1, static_cast<int>(left.count())) <= 0) {
        break;
      }
      const auto n = ::recv(sock, sink.data(), sink.size(), 0);
      if (n <= 0) {
        break;
      }
      drained += static_cast<std::size_t>(n);
    }
  }
  ::shutdown(sock, SHUT_RDWR);
  ::close(sock);
}

}  // namespace hookline::detail
