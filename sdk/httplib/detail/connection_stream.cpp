#include "detail/connection_stream.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <charconv>
#include <cstring>

namespace hookline::detail {
namespace {

// Most bytes of a response kept back to be sent in one piece; a larger write goes out at once.
constexpr std::size_t max_pending_bytes = 16 * 1024;

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

}  // namespace

bool ConnectionStream::wait_for_request() {
  if (begin_ < end_) {
    return true;
  }
  const auto deadline = SteadyClock::now() + options_.keep_alive_timeout;
  while (!stopping_.load(std::memory_order_relaxed)) {
    const auto io = receive();
    if (io == Io::Kind::moved) {
      return true;
    }
    if (io == Io::Kind::ended || SteadyClock::now() >= deadline) {
      return false;
    }
  }
  return false;
}

void ConnectionStream::begin_request(std::size_t header_budget, std::size_t max_fields) {
  consumed_ = 0;
  allowed_ = header_budget;
  deadline_ = SteadyClock::now() + options_.request_timeout;
  head_.reset(max_fields);
  in_head_ = true;
  checked_ = begin_;
}

void ConnectionStream::begin_body(std::size_t body_budget) {
  allowed_ = consumed_ + body_budget;
  in_head_ = false;
}

std::optional<int> ConnectionStream::take_unsent_status() {
  constexpr std::string_view status_line = "HTTP/1.1 ";
  int status = 0;
  const bool parsed = pending_.size() >= status_line.size() + 3 && pending_.starts_with(status_line) &&
                      std::from_chars(pending_.data() + status_line.size(), pending_.data() + status_line.size() + 3, status).ec ==
                          std::errc{};
  pending_.clear();
  return parsed ? std::optional<int>(status) : std::nullopt;
}

bool ConnectionStream::send_instead(std::string_view bytes) {
  pending_.clear();
  return send_all(bytes.data(), bytes.size());
}

bool ConnectionStream::is_readable() const {
  return begin_ < end_ || transport_.has_buffered_input() ||
         (flush() && poll_until(POLLIN, SteadyClock::now() + options_.read_timeout, /*stoppable=*/true));
}

bool ConnectionStream::is_writable() const {
  return poll_until(POLLOUT, SteadyClock::now() + options_.write_timeout, /*stoppable=*/false);
}

ssize_t ConnectionStream::read(char* out, size_t size) {
  if (consumed_ >= allowed_ || head_.error()) {
    broken_ = true;
    return -1;
  }
  size = std::min(size, allowed_ - consumed_);
  if (begin_ == end_ && !fill()) {
    return -1;
  }
  if (in_head_ && begin_ >= checked_) {
    // Everything buffered is checked at once (cpp-httplib then takes the head a byte at a time);
    // the check stops at the head's end, and what follows it is the body's.
    checked_ = begin_ + head_.feed(std::string_view(buffer_.data() + begin_, end_ - begin_));
    if (head_.error()) {
      broken_ = true;
      return -1;
    }
    in_head_ = !head_.complete();
  }
  const auto n = std::min(size, end_ - begin_);
  std::memcpy(out, buffer_.data() + begin_, n);
  begin_ += n;
  consumed_ += n;
  return static_cast<ssize_t>(n);
}

// A response's status line and headers, then its body, are kept and sent together by flush():
// one system call (one TLS record) and one packet per response, where sending each write took two.
ssize_t ConnectionStream::write(const char* data, size_t size) {
  if (head_.error()) {
    return static_cast<ssize_t>(size);  // cpp-httplib's own 400 for a head it could not parse: dropped
  }
  if (pending_.size() + size > max_pending_bytes && !flush()) {
    return -1;
  }
  if (size > max_pending_bytes) {
    return send_all(data, size) ? static_cast<ssize_t>(size) : -1;
  }
  pending_.append(data, size);
  return static_cast<ssize_t>(size);
}

bool ConnectionStream::flush() const {
  if (pending_.empty()) {
    return true;
  }
  const bool sent = send_all(pending_.data(), pending_.size());
  pending_.clear();
  return sent;
}

// cpp-httplib asks for both addresses on every request; they are read once per connection.
void ConnectionStream::get_remote_ip_and_port(std::string& ip, int& port) const {
  if (!remote_) {
    remote_ = read_address(::getpeername);
  }
  ip = remote_->ip;
  port = remote_->port;
}

void ConnectionStream::get_local_ip_and_port(std::string& ip, int& port) const {
  if (!local_) {
    local_ = read_address(::getsockname);
  }
  ip = local_->ip;
  port = local_->port;
}

/// Sends all of `data`: one system call in the common case, waiting only when the connection
/// cannot take more, up to the write timeout (a stop does not cut a response short).
bool ConnectionStream::send_all(const char* data, std::size_t size) const {
  std::size_t sent = 0;
  const auto deadline = SteadyClock::now() + options_.write_timeout;
  while (sent < size) {
    const auto io = transport_.write_some(data + sent, size - sent);
    if (io.kind == Io::Kind::moved) {
      sent += io.bytes;
    } else if (io.kind == Io::Kind::ended || SteadyClock::now() >= deadline) {
      broken_ = true;
      return false;
    }
  }
  return true;
}

/// Reads what arrived into the empty buffer, waiting up to the read timeout and the request deadline.
/// A stop does not cut it short: a request already begun is read to its end (a stop finishes the
/// requests running), which those deadlines bound.
bool ConnectionStream::fill() {
  if (!flush()) {
    return false;
  }
  const auto deadline = std::min(SteadyClock::now() + options_.read_timeout, deadline_);
  while (SteadyClock::now() < deadline) {
    const auto io = receive();
    if (io == Io::Kind::moved) {
      return true;
    }
    if (io == Io::Kind::ended) {
      break;
    }
  }
  broken_ = true;
  return false;
}

/// One read into the (consumed) buffer, which then holds what came.
Io::Kind ConnectionStream::receive() {
  const auto io = transport_.read_some(buffer_.data(), buffer_.size());
  if (io.kind == Io::Kind::moved) {
    begin_ = 0;
    end_ = io.bytes;
    checked_ = 0;
  }
  return io.kind;
}

/// Waits until the socket is ready for `events`, in slices so that a stop is noticed; false on
/// timeout, a socket error, or (when `stoppable`) a stop.
bool ConnectionStream::poll_until(short events, SteadyClock::time_point deadline, bool stoppable) const {
  while (!stoppable || !stopping_.load(std::memory_order_relaxed)) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - SteadyClock::now());
    if (left.count() <= 0) {
      return false;
    }
    pollfd descriptor{transport_.socket(), events, 0};
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

ConnectionStream::Address ConnectionStream::read_address(int (*ask)(int, sockaddr*, socklen_t*)) const {
  Address described;
  sockaddr_storage address{};
  socklen_t length = sizeof(address);
  if (ask(transport_.socket(), reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    describe_address(address, described.ip, described.port);
  }
  return described;
}

}  // namespace hookline::detail
