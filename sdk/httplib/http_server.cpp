#include "hookline/http_server.hpp"

#include <sys/socket.h>

#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <stdexcept>
#include <thread>
#include <utility>

#include "detail/constant_time.hpp"
#include "detail/hardened_server.hpp"
#include "detail/hmac.hpp"

namespace hookline {
namespace {

/// The token of `Authorization: Bearer <token>` (RFC 6750 §2.1; the scheme in any case), if that
/// is what the one Authorization field holds.
std::optional<std::string_view> bearer_token_of(const Headers& headers) {
  const auto fields = headers.get_all("Authorization");
  constexpr std::string_view scheme = "Bearer";
  if (fields.size() != 1) {
    return std::nullopt;
  }
  const std::string_view value = fields.front();
  if (value.size() <= scheme.size() || value[scheme.size()] != ' ' ||
      !header_name_equals(value.substr(0, scheme.size()), scheme)) {
    return std::nullopt;
  }
  auto token = value.substr(scheme.size());
  token.remove_prefix(std::min(token.find_first_not_of(' '), token.size()));
  if (token.empty()) {
    return std::nullopt;
  }
  return token;
}

/// One expected bearer token, kept only as its HMAC under a key of its own: a presented token is
/// hashed the same way and the digests compared in constant time, so the time taken depends on
/// neither the expected token's bytes nor its length.
class BearerToken {
 public:
  explicit BearerToken(const Secret& token) : key_(random_key()), expected_(key_.digest({token.reveal()})) {}

  [[nodiscard]] bool matches(std::string_view presented) const {
    return detail::constant_time_equals(key_.digest({presented}), expected_);
  }

 private:
  static std::string random_key() {
    std::array<unsigned char, 32> bytes{};
    if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
      throw std::runtime_error("require_bearer_token: no random bytes for the comparison key");
    }
    return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  }

  detail::HmacKey key_;
  detail::HmacDigest expected_;
};

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

HttpResponse bearer_challenge(std::string_view message) {
  auto response = error_response(401, "unauthorized", message);
  response.headers.set("WWW-Authenticate", "Bearer");
  return response;
}

AccessCheck require_bearer_token(Secret token) {
  if (token.empty()) {
    throw std::invalid_argument("require_bearer_token: the token is empty");
  }
  auto expected = std::make_shared<const BearerToken>(token);
  return [expected = std::move(expected)](const HttpRequest& request) -> std::optional<HttpResponse> {
    const auto presented = bearer_token_of(request.headers);
    if (presented && expected->matches(*presented)) {
      return std::nullopt;
    }
    return bearer_challenge();
  };
}

struct WebhookServer::Impl {
  explicit Impl(ServerOptions options) : server(std::move(options)) {}

  void require_not_started(const char* what) const {
    if (started) {
      throw std::logic_error(std::string("WebhookServer::") + what + " after start()");
    }
  }

  detail::HardenedServer server;
  std::thread listener;
  std::uint16_t port = 0;
  bool started = false;
  bool stopped = false;
};

WebhookServer::WebhookServer(ServerOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

WebhookServer::~WebhookServer() { stop(); }

WebhookServer& WebhookServer::mount(std::string path, const Receiver& receiver) {
  impl_->require_not_started("mount");
  impl_->server.routes().mount(std::move(path), receiver);
  return *this;
}

WebhookServer& WebhookServer::route(std::string method, std::string pattern, RouteHandler handler, RouteAccess access) {
  impl_->require_not_started("route");
  impl_->server.routes().add(std::move(method), pattern, std::move(handler), access);
  return *this;
}

Status<ServerError> WebhookServer::start() {
  impl_->require_not_started("start");
  auto& server = impl_->server;
  if (server.options().tls) {
    if (auto loaded = server.load_tls(); !loaded) {
      return loaded;
    }
  }
  const auto& listen = server.options().listen;
  int port = listen.port;
  errno = 0;  // what bind() or listen() left says why they failed; getaddrinfo() failing leaves it 0
  if (port == 0) {
    port = server.bind_to_any_port(listen.host);
    if (port < 0) {
      port = 0;
    }
  } else if (!server.bind_to_port(listen.host, port)) {
    port = 0;
  }
  if (port == 0) {
    const int cause = errno;
    return fail(ServerError{"cannot listen on " + listen.host + ":" + std::to_string(listen.port) + ": " +
                            (cause != 0 ? std::string(std::strerror(cause)) : "the host name does not resolve to an address")});
  }
  // cpp-httplib listens with a backlog of 5 (compiled into the library); on Linux listen() again on
  // a listening socket only raises the queue, so a burst of senders is not dropped and retried later.
  ::listen(server.listening_socket(), server.options().listen_backlog);
  impl_->port = static_cast<std::uint16_t>(port);
  impl_->started = true;
  impl_->listener = std::thread([&server] { server.listen_after_bind(); });
  return {};
}

Status<ServerError> WebhookServer::reload_tls() { return impl_->server.load_tls(); }

void WebhookServer::stop() {
  if (!impl_->started || impl_->stopped) {
    return;
  }
  impl_->stopped = true;
  impl_->server.begin_stop();
  // cpp-httplib's stop() does nothing until its accept loop runs: wait for it, briefly.
  const auto give_up = detail::SteadyClock::now() + std::chrono::seconds(5);
  while (!impl_->server.is_running() && detail::SteadyClock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  impl_->server.stop();
  if (impl_->listener.joinable()) {
    impl_->listener.join();
  }
}

std::uint16_t WebhookServer::port() const noexcept { return impl_->port; }

}  // namespace hookline
