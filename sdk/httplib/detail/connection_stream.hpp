#pragma once
// One client connection as cpp-httplib's request parser reads it: buffered reads with a byte
// budget and a deadline per request, the head checked as it goes by (HeadParser), writes that send
// everything, stop awareness; over a Transport (plain TCP or TLS).

#include <httplib.h>

#include <array>
#include <atomic>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "detail/request_head.hpp"
#include "detail/transport.hpp"
#include "hookline/headers.hpp"
#include "hookline/http_server.hpp"

namespace hookline::detail {

class ConnectionStream final : public httplib::Stream {
 public:
  ConnectionStream(Transport& transport, const ServerOptions& options, const std::atomic<bool>& stopping)
      : transport_(transport), options_(options), stopping_(stopping) {}

  /// Reads the first bytes of the next request; false when the connection idled out, closed or
  /// failed, or the server is stopping. For plain TCP a blocking read whose wait the socket's
  /// receive timeout cuts into poll_slice steps: one system call for a request that arrives.
  bool wait_for_request();

  /// A new request starts: its head may use `header_budget` bytes, keeps at most `max_fields`
  /// fields (see HeadParser::reset) and must arrive with the body by the request deadline.
  void begin_request(std::size_t header_budget, std::size_t max_fields);

  /// The head is in: the body may use `body_budget` more bytes and is not checked as a head.
  void begin_body(std::size_t body_budget);

  /// The head's fields as sent (moved out; call once, after the head is in).
  [[nodiscard]] Headers take_head_fields() noexcept { return head_.take_fields(); }

  /// Why the head was refused, once it was: cpp-httplib's own answer was discarded and the
  /// connection must send head_syntax_refusal() instead, then close.
  [[nodiscard]] std::optional<HeadSyntaxError> head_error() const noexcept { return head_.error(); }

  /// The status of a response written but not sent yet, which is discarded: cpp-httplib's own bare
  /// answer to a head it could not parse, to be replaced by one with the error body.
  [[nodiscard]] std::optional<int> take_unsent_status();

  /// Sends `bytes` now, after whatever cpp-httplib wrote was dropped (see head_error()).
  bool send_instead(std::string_view bytes);

  /// True once a budget, the deadline or the connection failed: the connection must close.
  [[nodiscard]] bool broken() const noexcept { return broken_; }

  /// Sends what write() kept; false once the connection failed. Called after each request, and
  /// before waiting to read (a "100 Continue" must reach the client before its body can arrive).
  bool flush() const;

  bool is_readable() const override;
  bool is_writable() const override;
  ssize_t read(char* out, size_t size) override;
  ssize_t write(const char* data, size_t size) override;
  void get_remote_ip_and_port(std::string& ip, int& port) const override;
  void get_local_ip_and_port(std::string& ip, int& port) const override;
  socket_t socket() const override { return transport_.socket(); }

 private:
  /// One end's address, as getpeername or getsockname gives it; empty when that failed.
  struct Address {
    std::string ip;
    int port = 0;
  };

  bool send_all(const char* data, std::size_t size) const;
  bool fill();
  Io::Kind receive();
  bool poll_until(short events, SteadyClock::time_point deadline, bool stoppable) const;
  Address read_address(int (*ask)(int, sockaddr*, socklen_t*)) const;

  Transport& transport_;
  const ServerOptions& options_;
  const std::atomic<bool>& stopping_;
  std::array<char, 16 * 1024> buffer_{};
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
  std::size_t consumed_ = 0;
  std::size_t allowed_ = 0;
  SteadyClock::time_point deadline_{};
  HeadParser head_;
  bool in_head_ = false;
  std::size_t checked_ = 0;  // buffer_[begin_, checked_) went through head_ already
  mutable std::string pending_;  // written, not yet sent
  mutable std::optional<Address> remote_;
  mutable std::optional<Address> local_;
  mutable bool broken_ = false;
};

}  // namespace hookline::detail
