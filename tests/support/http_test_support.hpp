#pragma once
// Helpers shared by the HTTP suites: VRIO bodies with chosen ids, signed raw requests, and a
// raw HTTP/1.1 client on 127.0.0.1 (plain TCP here, TLS with tls_test_support.hpp) that can also
// misbehave (chunked, floods, dribbling).

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hookline/headers.hpp"
#include "hookline/secret.hpp"
#include "hookline/sign.hpp"

namespace hookline::test {

/// The VRIO secret every HTTP suite signs with (a test value, not a real secret).
inline constexpr std::string_view http_test_secret = "whsec-http-suite-secret";

/// The bytes of a file under samples/, e.g. "vero/opened.json".
inline std::string sample_body(std::string_view relative) {
  std::ifstream in(std::string(HOOKLINE_SAMPLES_DIR) + "/" + std::string(relative), std::ios::binary);
  if (!in) {
    throw std::runtime_error("cannot read the sample " + std::string(relative));
  }
  return std::string(std::istreambuf_iterator<char>(in), {});
}

/// The shipment_scheduled sample with `event_id` as its webhook_event_id and `shipment_id` as its
/// shipment (so that events of different shipments are handled independently).
inline std::string vrio_body(std::string_view event_id, long long shipment_id = 251606) {
  static const std::string sample = sample_body("vrio/shipment_scheduled.json");
  std::string body = sample;
  auto replace = [&body](std::string_view from, const std::string& to) {
    const auto at = body.find(from);
    if (at == std::string::npos) {
      throw std::runtime_error("sample changed: no " + std::string(from));
    }
    body.replace(at, from.size(), to);
  };
  replace("\"webhook_event_id\": 10001", "\"webhook_event_id\": \"" + std::string(event_id) + "\"");
  replace("\"shipment_id\": 251606", "\"shipment_id\": " + std::to_string(shipment_id));
  return body;
}

/// A VRIO signer with http_test_secret.
inline const Signer& vrio_signer() {
  static const Signer signer = [] {
    const std::vector<Secret> secrets{Secret(std::string(http_test_secret))};
    auto created = Signer::create(Scheme::vrio, secrets);
    if (!created) {
      throw std::runtime_error("cannot create the signer");
    }
    return std::move(*created);
  }();
  return signer;
}

/// A complete HTTP/1.1 POST with Content-Length, the VRIO signature and `extra` header lines
/// (each ending in CRLF).
inline std::string signed_post(std::string_view path, std::string_view body, std::string_view extra = {}) {
  const auto headers = vrio_signer().sign(body, "", std::chrono::sys_seconds{});
  std::string request = "POST " + std::string(path) + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n";
  for (const auto& field : headers.fields()) {
    request += field.name + ": " + field.value + "\r\n";
  }
  request += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  request += extra;
  request += "\r\n";
  request += body;
  return request;
}

/// One parsed HTTP response.
struct RawResponse {
  int status = 0;
  Headers headers;
  std::string body;
};

/// How a RawConnection's bytes move: plain TCP here, TLS in tls_test_support.hpp.
class Wire {
 public:
  explicit Wire(int socket) noexcept : socket_(socket) {}
  Wire(const Wire&) = delete;
  Wire& operator=(const Wire&) = delete;
  virtual ~Wire() { ::close(socket_); }
  /// Sends a first part of `bytes`; how many, or <= 0 when the peer is gone (or EINTR, with errno).
  virtual ssize_t send_some(std::string_view bytes) { return ::send(socket_, bytes.data(), bytes.size(), MSG_NOSIGNAL); }
  /// Receives what arrived; <= 0 on EOF or reset.
  virtual ssize_t receive_some(char* out, std::size_t size) { return ::recv(socket_, out, size, 0); }
  /// True when received bytes wait inside the wire rather than the socket (decrypted TLS records).
  [[nodiscard]] virtual bool has_buffered_input() const { return false; }
  [[nodiscard]] int socket() const noexcept { return socket_; }

 private:
  int socket_;
};

/// A TCP socket connected to 127.0.0.1:`port`, with TCP_NODELAY set; throws when nothing listens.
inline int connect_loopback(std::uint16_t port) {
  const int socket = ::socket(AF_INET, SOCK_STREAM, 0);
  if (socket < 0) {
    throw std::runtime_error("socket failed");
  }
  const int on = 1;
  ::setsockopt(socket, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(socket, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) {
    ::close(socket);
    throw std::runtime_error("connect failed");
  }
  return socket;
}

/// A connection to 127.0.0.1 (plain TCP, or TLS over a tls_test_support.hpp wire), speaking just
/// enough HTTP/1.1 for the tests.
class RawConnection {
 public:
  /// A plain TCP connection.
  explicit RawConnection(std::uint16_t port) : wire_(std::make_unique<Wire>(connect_loopback(port))) {}
  /// A connection over `wire`.
  explicit RawConnection(std::unique_ptr<Wire> wire) : wire_(std::move(wire)) {}

  /// Sends every byte; false when the peer is gone.
  bool send(std::string_view bytes) {
    while (!bytes.empty()) {
      const auto n = wire_->send_some(bytes);
      if (n <= 0) {
        if (n < 0 && errno == EINTR) {
          continue;
        }
        return false;
      }
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  /// Reads one response (Content-Length framed), or nullopt on EOF, reset or timeout.
  std::optional<RawResponse> read_response(std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::size_t header_end = std::string::npos;
    while ((header_end = pending_.find("\r\n\r\n")) == std::string::npos) {
      if (!receive(deadline)) {
        return std::nullopt;
      }
    }
    RawResponse response;
    std::istringstream head(pending_.substr(0, header_end));
    std::string line;
    std::getline(head, line);
    if (line.rfind("HTTP/1.1 ", 0) != 0 || line.size() < 12) {
      return std::nullopt;
    }
    response.status = std::stoi(line.substr(9, 3));
    while (std::getline(head, line)) {
      if (!line.empty() && line.back() == '\r') {
        line.pop_back();
      }
      const auto colon = line.find(':');
      if (colon != std::string::npos) {
        const auto value_at = line.find_first_not_of(' ', colon + 1);
        response.headers.add(line.substr(0, colon), value_at == std::string::npos ? "" : line.substr(value_at));
      }
    }
    const auto length = std::stoul(std::string(response.headers.get("Content-Length").value_or("0")));
    const auto body_at = header_end + 4;
    while (pending_.size() < body_at + length) {
      if (!receive(deadline)) {
        return std::nullopt;
      }
    }
    response.body = pending_.substr(body_at, length);
    pending_.erase(0, body_at + length);
    if (response.status == 100) {
      return read_response(timeout);
    }
    return response;
  }

  /// True once `text` has arrived within `timeout`; it is left unread.
  bool received(std::string_view text, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (pending_.find(text) == std::string::npos) {
      if (!receive(deadline)) {
        return false;
      }
    }
    return true;
  }

  /// Sends a request and reads its response.
  std::optional<RawResponse> exchange(std::string_view request,
                                      std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    if (!send(request)) {
      return std::nullopt;
    }
    return read_response(timeout);
  }

  /// True when the server closed the connection (EOF or reset) within `timeout`.
  bool closed_by_peer(std::chrono::milliseconds timeout = std::chrono::seconds(3)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd descriptor{wire_->socket(), POLLIN, 0};
      if (wire_->has_buffered_input() || ::poll(&descriptor, 1, 50) > 0) {
        char sink[4096];
        const auto n = wire_->receive_some(sink, sizeof(sink));
        if (n <= 0) {
          return true;
        }
      }
    }
    return false;
  }

  /// The wire, for tests of the transport itself.
  [[nodiscard]] Wire& wire() noexcept { return *wire_; }

 private:
  bool receive(std::chrono::steady_clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      return false;
    }
    pollfd descriptor{wire_->socket(), POLLIN, 0};
    if (!wire_->has_buffered_input() && ::poll(&descriptor, 1, static_cast<int>(left.count())) <= 0) {
      return false;
    }
    char buffer[16384];
    const auto n = wire_->receive_some(buffer, sizeof(buffer));
    if (n <= 0) {
      return false;
    }
    pending_.append(buffer, static_cast<std::size_t>(n));
    return true;
  }

  std::unique_ptr<Wire> wire_;
  std::string pending_;
};

}  // namespace hookline::test
