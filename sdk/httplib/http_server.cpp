#include "hookline/http_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <httplib.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <exception>
#include <optional>
#include <regex>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "hookline/threads.hpp"

namespace hookline {
namespace {

using SteadyClock = std::chrono::steady_clock;

/// How long one wait (a poll(), or a blocking read between requests) lasts at most, so that a
/// stopping server is noticed quickly.
constexpr std::chrono::milliseconds poll_slice{100};
static_assert(poll_slice < std::chrono::seconds(1), "SO_RCVTIMEO is set from poll_slice as microseconds alone");
// Most bytes of a response kept back to be sent in one piece; a larger write goes out at once.
constexpr std::size_t max_pending_bytes = 16 * 1024;

/// Pseudo headers cpp-httplib 0.11.4 adds to a request; a client may send them too, and then its
/// copy is the one get_header_value() returns. They are dropped: the socket is the only source.
constexpr std::array<std::string_view, 4> pseudo_headers{"REMOTE_ADDR", "REMOTE_PORT", "LOCAL_ADDR", "LOCAL_PORT"};

std::chrono::sys_seconds system_seconds() {
  return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
}

/// The address and port of a socket name, numerically.
void describe_address(const sockaddr_storage& address, std::string& ip, int& port) {
  std::array<char, INET6_ADDRSTRLEN> text{};
  if (address.ss_family == AF_INET) {
    const auto& v4 = reinterpret_cast<const sockaddr_in&>(address);
    inet_ntop(AF_INET, &v4.sin_addr, text.data(), text.size());
    port = ntohs(v4.sin_port);
  } else if (address.ss_family == AF_INET6) {
    const auto& v6 = reinterpret_cast<const sockaddr_in6&>(address);
    inet_ntop(AF_INET6, &v6.sin6_addr, text.data(), text.size());
    port = ntohs(v6.sin6_port);
  }
  ip = text.data();
}

/// One client connection as cpp-httplib's request parser reads it: buffered reads with a byte
/// budget and a deadline per request, writes that send everything, and stop awareness.
class ConnectionStream final : public httplib::Stream {
 public:
  ConnectionStream(int socket, const ServerOptions& options, const std::atomic<bool>& stopping)
      : socket_(socket), options_(options), stopping_(stopping) {}

  /// Reads the first bytes of the next request; false when the connection idled out, closed or
  /// failed, or the server is stopping. A blocking read whose wait the socket's receive timeout
  /// cuts into poll_slice steps: one system call for a request that arrives, where poll() and then
  /// a read took two.
  bool wait_for_request() {
    if (begin_ < end_) {
      return true;
    }
    const auto deadline = SteadyClock::now() + options_.keep_alive_timeout;
    while (!stopping_.load(std::memory_order_relaxed)) {
      const auto n = ::recv(socket_, buffer_.data(), buffer_.size(), 0);
      if (n > 0) {
        begin_ = 0;
        end_ = static_cast<std::size_t>(n);
        return true;
      }
      if (n == 0 || (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK) || SteadyClock::now() >= deadline) {
        return false;
      }
    }
    return false;
  }

  /// A new request starts: its header block may use `header_budget` bytes and must arrive by the deadline.
  void begin_request(std::size_t header_budget) {
    consumed_ = 0;
    allowed_ = header_budget;
    deadline_ = SteadyClock::now() + options_.request_timeout;
  }

  /// The headers are in: the body may use `body_budget` more bytes.
  void begin_body(std::size_t body_budget) { allowed_ = consumed_ + body_budget; }

  /// True once a budget, the deadline or the socket failed: the connection must close.
  [[nodiscard]] bool broken() const noexcept { return broken_; }

  bool is_readable() const override {
    return begin_ < end_ || (flush() && poll_once(POLLIN, options_.read_timeout));
  }
  bool is_writable() const override { return poll_once(POLLOUT, options_.write_timeout); }

  ssize_t read(char* out, size_t size) override {
    if (consumed_ >= allowed_) {
      broken_ = true;
      return -1;
    }
    size = std::min(size, allowed_ - consumed_);
    if (begin_ == end_ && !fill()) {
      return -1;
    }
    const auto n = std::min(size, end_ - begin_);
    std::memcpy(out, buffer_.data() + begin_, n);
    begin_ += n;
    consumed_ += n;
    return static_cast<ssize_t>(n);
  }

  // A response's status line and headers, then its body, are kept and sent together by flush():
  // one system call and one packet per response, where sending each write took two of each.
  ssize_t write(const char* data, size_t size) override {
    if (pending_.size() + size > max_pending_bytes && !flush()) {
      return -1;
    }
    if (size > max_pending_bytes) {
      return send_all(data, size) ? static_cast<ssize_t>(size) : -1;
    }
    pending_.append(data, size);
    return static_cast<ssize_t>(size);
  }

  /// Sends what write() kept; false once the socket failed. Called after each request, and before
  /// waiting to read (a "100 Continue" must reach the client before its body can arrive).
  bool flush() const {
    if (pending_.empty()) {
      return true;
    }
    const bool sent = send_all(pending_.data(), pending_.size());
    pending_.clear();
    return sent;
  }

  // cpp-httplib asks for both addresses on every request; they are read once per connection.
  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    if (!remote_) {
      remote_ = read_address(::getpeername);
    }
    ip = remote_->ip;
    port = remote_->port;
  }

  void get_local_ip_and_port(std::string& ip, int& port) const override {
    if (!local_) {
      local_ = read_address(::getsockname);
    }
    ip = local_->ip;
    port = local_->port;
  }

  socket_t socket() const override { return socket_; }

 private:
  /// Sends all of `data`, waiting only when the socket buffer is full: one system call in the common case.
  bool send_all(const char* data, std::size_t size) const {
    std::size_t sent = 0;
    const auto deadline = SteadyClock::now() + options_.write_timeout;
    while (sent < size) {
      const auto n = ::send(socket_, data + sent, size - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n >= 0) {
        sent += static_cast<std::size_t>(n);
        continue;
      }
      if ((errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK) ||
          !wait(POLLOUT, deadline, /*stoppable=*/false)) {
        broken_ = true;
        return false;
      }
    }
    return true;
  }

  /// Reads what the socket has into the empty buffer, waiting up to the read timeout and the
  /// request deadline.
  bool fill() {
    if (!flush()) {
      return false;
    }
    // Try first, wait only when nothing is there yet: one system call in the common case.
    const auto deadline = std::min(SteadyClock::now() + options_.read_timeout, deadline_);
    while (true) {
      if (SteadyClock::now() >= deadline_) {
        broken_ = true;
        return false;
      }
      const auto n = ::recv(socket_, buffer_.data(), buffer_.size(), MSG_DONTWAIT);
      if (n > 0) {
        begin_ = 0;
        end_ = static_cast<std::size_t>(n);
        return true;
      }
      if (n == 0 || (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK) || !wait(POLLIN, deadline)) {
        broken_ = true;
        return false;
      }
    }
  }

  /// Waits until the socket is ready for `events`, in slices so that a stop is noticed; false on
  /// timeout, a socket error, or (when `stoppable`: reads, not the response being written) a stop.
  bool wait(short events, SteadyClock::time_point deadline, bool stoppable = true) const {
    while (!stoppable || !stopping_.load(std::memory_order_relaxed)) {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - SteadyClock::now());
      if (left.count() <= 0) {
        return false;
      }
      pollfd descriptor{socket_, events, 0};
      const auto ready = ::poll(&descriptor, 1, static_cast<int>(std::min(left, poll_slice).count()));
      if (ready > 0) {
        return true;
      }
      if (ready < 0 && errno != EINTR) {
        return false;
      }
    }
    return false;
  }

  bool poll_once(short events, std::chrono::seconds timeout) const {
    return wait(events, SteadyClock::now() + timeout, events == POLLIN);
  }

  /// One end's address, as getpeername or getsockname (`ask`) gives it; empty when it failed.
  struct Address {
    std::string ip;
    int port = 0;
  };
  Address read_address(int (*ask)(int, sockaddr*, socklen_t*)) const {
    Address described;
    sockaddr_storage address{};
    socklen_t length = sizeof(address);
    if (ask(socket_, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
      describe_address(address, described.ip, described.port);
    }
    return described;
  }

  int socket_;
  const ServerOptions& options_;
  const std::atomic<bool>& stopping_;
  std::array<char, 16 * 1024> buffer_{};
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
  std::size_t consumed_ = 0;
  std::size_t allowed_ = 0;
  SteadyClock::time_point deadline_{};
  mutable std::string pending_;  // written, not yet sent
  mutable std::optional<Address> remote_;
  mutable std::optional<Address> local_;
  mutable bool broken_ = false;
};

/// What the handlers of one request learn from the connection loop running it.
struct RequestContext {
  /// The refusal screen_headers() decided once the headers were in, if any.
  std::optional<ReceiveResult> refusal;
  /// The request as far as known before the body (for the observer).
  HttpRequest head;
  /// Set when the response asks to close: the loop closes after writing it.
  bool close_after = false;
  /// Set once the request line and every header parsed; a request refused before that (a bad
  /// request line, a header line over cpp-httplib's 8 KiB) leaves unread bytes: the loop closes.
  bool headers_complete = false;
};

/// The request being served on this pool thread.
thread_local RequestContext* current_request = nullptr;

Headers to_headers(const httplib::Headers& fields) {
  Headers headers;
  for (const auto& [name, value] : fields) {
    headers.add(name, value);
  }
  return headers;
}

HttpRequest to_request(const httplib::Request& req) {
  HttpRequest request;
  request.method = req.method;
  request.path = req.path;
  // The connection loop already converted the headers to screen them: take those.
  if (current_request != nullptr && current_request->headers_complete) {
    request.headers = std::move(current_request->head.headers);
  } else {
    request.headers = to_headers(req.headers);
  }
  request.body = req.body;
  request.peer = req.remote_addr;
  for (const auto& [name, value] : req.params) {
    request.query.emplace_back(name, value);
  }
  for (const auto& match : req.matches) {
    request.matches.push_back(match.str());
  }
  return request;
}

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

/// A plain 500: no exception text, no EXCEPTION_WHAT header.
HttpResponse internal_error() { return error_response(500, "internal", "internal error"); }

/// `text` as a regular expression that matches exactly it.
std::string escape_regex(std::string_view text) {
  std::string escaped;
  for (const char c : text) {
    if (std::strchr("\\^$.|?*+()[]{}", c) != nullptr) {
      escaped += '\\';
    }
    escaped += c;
  }
  return escaped;
}

}  // namespace

Result<ListenAddress, std::string> parse_listen_address(std::string_view text) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) {
    return fail("expected HOST:PORT, got \"" + std::string(text) + "\"");
  }
  auto host = text.substr(0, colon);
  if (host.front() == '[') {
    if (host.back() != ']' || host.size() < 3) {
      return fail("expected [IPv6]:PORT, got \"" + std::string(text) + "\"");
    }
    host = host.substr(1, host.size() - 2);
  }
  const auto port_text = text.substr(colon + 1);
  unsigned port = 0;
  const auto [end, error] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || error != std::errc{} || end != port_text.data() + port_text.size() || port > 65535) {
    return fail("expected a port from 0 to 65535, got \"" + std::string(port_text) + "\"");
  }
  return ListenAddress{std::string(host), static_cast<std::uint16_t>(port)};
}

/// cpp-httplib's server with its connection loop replaced: the request parser and routing stay,
/// reads and writes go through ConnectionStream.
class HardenedServer final : public httplib::Server {
 public:
  explicit HardenedServer(const ServerOptions& options) : options_(options) {}

  /// The listening socket, once bound.
  [[nodiscard]] socket_t listening_socket() const { return svr_sock_; }

  /// Tells every connection loop to finish.
  void begin_stop() { stopping_ = true; }

 private:
  bool process_and_close_socket(socket_t sock) override {
    // Named once per pool thread, as top -H and perf show it.
    [[maybe_unused]] thread_local const bool named = [] {
      name_this_thread("hl-http");
      return true;
    }();
    const int on = 1;
    ::setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
    // Without the receive timeout a read between requests would block past a stop: not served.
    const timeval slice{0, std::chrono::duration_cast<std::chrono::microseconds>(poll_slice).count()};
    if (::setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &slice, sizeof(slice)) != 0) {
      close_connection(sock, false);
      return false;
    }
    ConnectionStream stream(sock, options_, stopping_);
    const std::size_t header_budget = options_.limits.max_header_count * options_.limits.max_header_bytes;
    bool ok = true;
    bool refused = false;
    for (std::size_t served = 0; served < options_.keep_alive_max_requests && !stopping_; ++served) {
      if (!stream.wait_for_request()) {
        break;
      }
      RequestContext context;
      current_request = &context;
      stream.begin_request(header_budget);
      bool connection_closed = false;
      const bool last = served + 1 == options_.keep_alive_max_requests;
      ok = process_request(stream, last, connection_closed, [&](httplib::Request& req) {
        for (const auto name : pseudo_headers) {
          req.headers.erase(std::string(name));
        }
        // cpp-httplib would answer a Range header with a slice of the response (or a multipart one)
        // under the handler's status; webhook acknowledgements and API answers are always whole.
        req.ranges.clear();
        context.headers_complete = true;
        context.head.method = req.method;
        context.head.path = req.path;
        context.head.headers = to_headers(req.headers);
        context.head.peer = req.remote_addr;
        context.refusal = screen_headers(req.method, context.head.headers, options_.limits);
        stream.begin_body(options_.limits.max_body_bytes);
      });
      current_request = nullptr;
      const bool sent = stream.flush();
      refused = context.close_after || !context.headers_complete;
      if (!ok || !sent || connection_closed || refused || stream.broken()) {
        break;
      }
    }
    close_connection(sock, refused);
    return ok;
  }

  /// Closes a connection; after a refusal, first drains (briefly, boundedly) what the client was
  /// still sending, so that the kernel does not answer it with a reset that could destroy the
  /// response before the client read it.
  void close_connection(socket_t sock, bool linger) const {
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

  const ServerOptions& options_;
  std::atomic<bool> stopping_{false};
};

struct WebhookServer::Impl {
  explicit Impl(ServerOptions server_options) : options(std::move(server_options)), server(options) {
    if (!options.clock) {
      options.clock = system_seconds;
    }
  }

  void observe(const HttpRequest& request, const ReceiveResult& result) const {
    if (options.observer) {
      options.observer(request, result);
    }
  }

  void require_not_started(const char* what) const {
    if (started) {
      throw std::logic_error(std::string("WebhookServer::") + what + " after start()");
    }
  }

  ServerOptions options;
  HardenedServer server;
  std::thread listener;
  std::uint16_t port = 0;
  bool started = false;
  bool stopped = false;
};

WebhookServer::WebhookServer(ServerOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {
  auto& server = impl_->server;
  const auto& opts = impl_->options;
  const std::size_t threads = std::max<std::size_t>(opts.threads, 1);
  server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server.set_tcp_nodelay(true);
  server.set_payload_max_length(opts.limits.max_body_bytes);
  server.set_read_timeout(opts.read_timeout);
  server.set_write_timeout(opts.write_timeout);
  server.set_keep_alive_timeout(opts.keep_alive_timeout.count());
  server.set_keep_alive_max_count(opts.keep_alive_max_requests);
  // SO_REUSEADDR only: cpp-httplib's default also sets SO_REUSEPORT, which would let a second
  // server bind the same port and silently take half of the deliveries.
  server.set_socket_options([](socket_t sock) {
    const int on = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
  });

  auto refuse = [impl = impl_.get()](httplib::Response& res) {
    auto* context = current_request;
    if (context == nullptr || !context->refusal) {
      return false;
    }
    impl->observe(context->head, *context->refusal);
    apply(context->refusal->response, res);
    return true;
  };
  // Expect: 100-continue is answered before routing: a refused request gets its final status
  // instead of "100 Continue", so the client never sends the body. cpp-httplib writes that answer
  // without the Content-Length it gives routed responses, which would leave only the connection's
  // close to end the body, so it is set here. (Only while no error handler is installed: with one,
  // cpp-httplib would add its own Content-Length to this answer too.)
  server.set_expect_100_continue_handler([refuse](const httplib::Request&, httplib::Response& res) {
    if (!refuse(res)) {
      return 100;
    }
    res.set_header("Content-Length", std::to_string(res.body.size()));
    return res.status;
  });
  server.set_pre_routing_handler([refuse](const httplib::Request&, httplib::Response& res) {
    return refuse(res) ? httplib::Server::HandlerResponse::Handled : httplib::Server::HandlerResponse::Unhandled;
  });
  server.set_exception_handler([](const httplib::Request&, httplib::Response& res, const std::exception_ptr&) {
    res.headers.clear();
    apply(internal_error(), res);
  });
}

WebhookServer::~WebhookServer() { stop(); }

WebhookServer& WebhookServer::mount(std::string path, const Receiver& receiver) {
  impl_->require_not_started("mount");
  const auto pattern = escape_regex(path);
  auto handler = [impl = impl_.get(), &receiver](const httplib::Request& req, httplib::Response& res) {
    const auto request = to_request(req);
    const auto result = receiver.handle(request, impl->options.clock());
    impl->observe(request, result);
    apply(result.response, res);
  };
  impl_->server.Post(pattern, handler);
  impl_->server.Get(pattern, handler);
  impl_->server.Put(pattern, handler);
  impl_->server.Patch(pattern, handler);
  impl_->server.Delete(pattern, handler);
  return *this;
}

WebhookServer& WebhookServer::route(std::string method, std::string pattern, RouteHandler handler) {
  impl_->require_not_started("route");
  auto adapter = [handler = std::move(handler)](const httplib::Request& req, httplib::Response& res) {
    HttpResponse response;
    try {
      response = handler(to_request(req));
    } catch (...) {
      response = internal_error();
    }
    apply(response, res);
  };
  auto& server = impl_->server;
  if (method == "GET") {
    server.Get(pattern, std::move(adapter));
  } else if (method == "POST") {
    server.Post(pattern, std::move(adapter));
  } else if (method == "PUT") {
    server.Put(pattern, std::move(adapter));
  } else if (method == "PATCH") {
    server.Patch(pattern, std::move(adapter));
  } else if (method == "DELETE") {
    server.Delete(pattern, std::move(adapter));
  } else {
    throw std::invalid_argument("WebhookServer::route: unsupported method " + method);
  }
  return *this;
}

Status<ServerError> WebhookServer::start() {
  impl_->require_not_started("start");
  auto& server = impl_->server;
  const auto& listen = impl_->options.listen;
  int port = listen.port;
  if (port == 0) {
    port = server.bind_to_any_port(listen.host);
    if (port < 0) {
      port = 0;
    }
  } else if (!server.bind_to_port(listen.host, port)) {
    port = 0;
  }
  if (port == 0) {
    return fail(ServerError{"cannot listen on " + listen.host + ":" + std::to_string(listen.port)});
  }
  // cpp-httplib listens with a backlog of 5 (compiled into the library); on Linux listen() again on
  // a listening socket only raises the queue, so a burst of senders is not dropped and retried later.
  ::listen(server.listening_socket(), impl_->options.listen_backlog);
  impl_->port = static_cast<std::uint16_t>(port);
  impl_->started = true;
  impl_->listener = std::thread([&server] { server.listen_after_bind(); });
  return {};
}

void WebhookServer::stop() {
  if (!impl_->started || impl_->stopped) {
    return;
  }
  impl_->stopped = true;
  impl_->server.begin_stop();
  // cpp-httplib's stop() does nothing until its accept loop runs: wait for it, briefly.
  const auto give_up = SteadyClock::now() + std::chrono::seconds(5);
  while (!impl_->server.is_running() && SteadyClock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  impl_->server.stop();
  if (impl_->listener.joinable()) {
    impl_->listener.join();
  }
}

std::uint16_t WebhookServer::port() const noexcept { return impl_->port; }

}  // namespace hookline
