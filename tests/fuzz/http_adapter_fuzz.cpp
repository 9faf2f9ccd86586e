// Fuzz harness: the HTTP adapter (WebhookServer: cpp-httplib's request parser behind hookline's socket
// stream and header screening) fed raw bytes from a client, as the internet would send them. One
// server runs for the whole process on 127.0.0.1 with a VRIO receiver (MemoryInbox) at
// /webhooks/vrio and an application route GET /health (204); limits are small so that fuzzed inputs
// reach them. Each input is sent on a new connection, whose write side is then shut down, and every
// byte the server sends back is read until it closes the connection.
// Invariants:
// - the server closes the connection within 5 s of the input's end (nothing waits on a client that
//   has finished sending);
// - what comes back is a sequence of complete HTTP/1.1 responses, each final one framed by exactly
//   one Content-Length (a body-less answer to HEAD allowed), with nothing after the last, and
//   nothing after one that says "Connection: close";
// - no status is 5xx (the inbox cannot fail here, so a 5xx is a bug such as an escaped exception);
// - every request the observer is told about comes from 127.0.0.1, the socket's peer, whatever
//   REMOTE_ADDR-like headers say;
// - every decision told to the observer (receiver outcomes, header refusals) went out with its
//   status, and every 200 on the wire is one the receiver decided: no event is acknowledged that the
//   receiver did not accept or recognise as a duplicate;
// - afterwards a genuine signed delivery on a new connection still gets 200 (accepted the first
//   time, duplicate after).

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fuzz_support.hpp"
#include "hookline/http_server.hpp"
#include "hookline/inbox.hpp"
#include "hookline/receiver.hpp"
#include "hookline/sign.hpp"
#include "hookline/verify.hpp"

namespace {

using hookline::fuzz::require;

constexpr std::chrono::sys_seconds now{std::chrono::seconds{1700000000}};
constexpr std::chrono::seconds close_deadline{5};

/// The secret of tests/fuzz/corpus/http_adapter/*, whose signed requests are genuine deliveries.
constexpr std::string_view secret_text = "hookline fuzz secret one";

/// The delivery that must still be acknowledged after every input (an id no seed uses).
constexpr std::string_view liveness_body =
    R"({"webhook_type":"shipment","webhook_event":"shipment_cancelled","webhook_event_id":"fuzz-liveness-1",)"
    R"("webhook_data":{"shipment":{"shipment_id":"4806","date_cancel":"0000-00-00 00:00:00"}}})";

/// Statuses of the decisions the server told its observer about, counted per status.
class Decisions {
 public:
  /// Counts a decision on a request from `peer`, which must be the socket's address whatever the
  /// client's headers claim (cpp-httplib 0.11.4 lets a REMOTE_ADDR header shadow it).
  void record(const std::string& peer, int status) {
    require(peer == "127.0.0.1", "a request's peer address that is not the socket's");
    const std::lock_guard lock(mutex_);
    ++counts_[status];
  }
  [[nodiscard]] std::map<int, int> take() {
    const std::lock_guard lock(mutex_);
    return std::exchange(counts_, {});
  }

 private:
  std::mutex mutex_;
  std::map<int, int> counts_;
};

/// The server under test and what it is wired to; started once, stopped at exit.
struct Fixture {
  std::vector<hookline::Secret> secrets{hookline::Secret{std::string(secret_text)}};
  hookline::MemoryInbox inbox;
  Decisions decisions;
  hookline::Receiver receiver;
  hookline::WebhookServer server;

  Fixture()
      : receiver(make_verifier(), hookline::vrio_meta_parser(), inbox, limits()), server(server_options()) {
    server.mount("/webhooks/vrio", receiver);
    server.route("GET", "/health", [](const hookline::HttpRequest&) {
      hookline::HttpResponse response;
      response.status = 204;
      return response;
    });
    require(server.start().ok(), "the server did not start");
  }

  static constexpr hookline::ReceiverLimits limits() {
    return {.max_body_bytes = 4096, .max_header_count = 16, .max_header_bytes = 256};
  }

  hookline::Verifier make_verifier() const {
    auto verifier = hookline::Verifier::create(hookline::Scheme::vrio, secrets);
    require(verifier.ok(), "the fuzz secret is refused");
    return std::move(*verifier);
  }

  hookline::ServerOptions server_options() {
    hookline::ServerOptions options;
    options.threads = 4;
    options.read_timeout = std::chrono::seconds(1);
    options.request_timeout = std::chrono::seconds(2);
    options.write_timeout = std::chrono::seconds(2);
    options.limits = limits();
    options.clock = [] { return now; };
    options.observer = [this](const hookline::HttpRequest& request, const hookline::ReceiveResult& result) {
      decisions.record(request.peer, result.response.status);
    };
    return options;
  }

  /// A genuine delivery of `body`, as a client would send it.
  std::string signed_request(std::string_view body) const {
    auto signer = hookline::Signer::create(hookline::Scheme::vrio, secrets);
    require(signer.ok(), "the fuzz secret is refused for signing");
    std::string request = "POST /webhooks/vrio HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n";
    const auto signature = signer->sign(body, "", now);
    for (const auto& field : signature.fields()) request += field.name + ": " + field.value + "\r\n";
    request += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
    request += body;
    return request;
  }
};

Fixture& fixture() {
  static Fixture instance;
  return instance;
}

/// What came back on one connection.
struct Conversation {
  std::string received;  ///< Every byte the server sent.
  bool closed = false;   ///< The server closed the connection within close_deadline.
  bool reset = false;    ///< It closed with a reset: bytes it sent may have been discarded.
};

/// Sends `input` on a new connection to `port`, shuts the write side and reads everything the server
/// sends until it closes the connection or close_deadline passes.
Conversation converse(std::uint16_t port, std::string_view input) {
  const int socket = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  require(socket >= 0, "socket() failed");
  const int on = 1;
  ::setsockopt(socket, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
  const timeval slice{0, 100'000};
  ::setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &slice, sizeof(slice));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int error = ::connect(socket, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) == 0 ? 0 : errno;
  if (error == EINTR) {
    // libFuzzer's timeout alarm interrupted the call; the connection goes on being set up.
    pollfd descriptor{socket, POLLOUT, 0};
    while (::poll(&descriptor, 1, -1) < 0 && errno == EINTR) {
    }
    socklen_t size_of_error = sizeof(error);
    ::getsockopt(socket, SOL_SOCKET, SO_ERROR, &error, &size_of_error);
  }
  if (error != 0) {
    std::fprintf(stderr, "connect() to 127.0.0.1:%u: %s\n", static_cast<unsigned>(port), std::strerror(error));
    require(false, "connect() failed");
  }

  // The server may close early (a refused request); what it sent before that is still read.
  while (!input.empty()) {
    const auto sent = ::send(socket, input.data(), input.size(), MSG_NOSIGNAL);
    if (sent < 0 && errno == EINTR) continue;
    if (sent <= 0) break;
    input.remove_prefix(static_cast<std::size_t>(sent));
  }
  ::shutdown(socket, SHUT_WR);

  Conversation result;
  char buffer[16 * 1024];
  const auto deadline = std::chrono::steady_clock::now() + close_deadline;
  while (!result.closed && std::chrono::steady_clock::now() < deadline) {
    const auto n = ::recv(socket, buffer, sizeof(buffer), 0);
    if (n > 0) {
      result.received.append(buffer, static_cast<std::size_t>(n));
    } else if (n == 0) {
      result.closed = true;
    } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
      result.closed = true;
      result.reset = true;
    }
  }
  ::close(socket);
  return result;
}

/// One response read off the wire.
struct WireResponse {
  int status = 0;
  std::string_view body;
};

/// The values of the field `name` (case-insensitive) in a response head.
std::vector<std::string_view> head_fields(std::string_view head, std::string_view name) {
  std::vector<std::string_view> values;
  while (!head.empty()) {
    const auto end = head.find("\r\n");
    const std::string_view line = head.substr(0, end);
    head = end == std::string_view::npos ? std::string_view{} : head.substr(end + 2);
    const auto colon = line.find(':');
    if (colon != name.size()) continue;
    const auto same = [](char a, char b) {
      return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
    };
    if (!std::equal(name.begin(), name.end(), line.begin(), same)) continue;
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    values.push_back(value);
  }
  return values;
}

/// Splits what the server sent into complete responses; aborts on anything else.
std::vector<WireResponse> split_responses(std::string_view wire) {
  std::vector<WireResponse> responses;
  while (!wire.empty()) {
    require(wire.starts_with("HTTP/1.1 ") && wire.size() >= 12, "bytes that do not start an HTTP/1.1 response");
    WireResponse response;
    const auto [end, error] = std::from_chars(wire.data() + 9, wire.data() + 12, response.status);
    require(error == std::errc{} && end == wire.data() + 12 && response.status >= 100 && response.status <= 599,
            "a status line without a three-digit status");
    const auto head_end = wire.find("\r\n\r\n");
    require(head_end != std::string_view::npos, "a response head that never ends");
    const std::string_view head = wire.substr(0, head_end);
    wire.remove_prefix(head_end + 4);
    if (response.status < 200) {  // "100 Continue": no body
      responses.push_back(response);
      continue;
    }
    // Every final response is framed by one Content-Length, so that a client never has to wait for
    // the connection's close to know where its body ends.
    const auto lengths = head_fields(head, "Content-Length");
    require(lengths.size() == 1, "a final response without exactly one Content-Length");
    std::size_t length = 0;
    const auto field = lengths.front();
    const auto [length_end, length_error] = std::from_chars(field.data(), field.data() + field.size(), length);
    require(length_error == std::errc{} && length_end == field.data() + field.size(), "a malformed Content-Length");
    // An answer to HEAD announces a length it does not send: what follows its head is then the next
    // response or nothing (hookline's bodies are JSON, never "HTTP/1.1 ").
    if (!wire.empty() && !wire.starts_with("HTTP/1.1 ")) {
      require(length <= wire.size(), "a response shorter than its Content-Length");
      response.body = wire.substr(0, length);
      wire.remove_prefix(length);
    }
    // A response that closes the connection is the last: bytes the client sent after a refused
    // request (a body never read, say) must never be served as a request of their own.
    const auto connection = head_fields(head, "Connection");
    const bool closes = std::any_of(connection.begin(), connection.end(), [](std::string_view value) {
      return value.size() == 5 && std::equal(value.begin(), value.end(), "close", [](char a, char b) {
               return std::tolower(static_cast<unsigned char>(a)) == b;
             });
    });
    require(!closes || wire.empty(), "a response after one that closed the connection");
    responses.push_back(response);
  }
  return responses;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Fixture& server = fixture();
  const std::uint16_t port = server.server.port();
  (void)server.decisions.take();

  const auto sent = converse(port, hookline::fuzz::as_text(data, size));
  require(sent.closed, "the server kept the connection open after the client's input ended");
  const auto decided = server.decisions.take();
  // After a reset the kernel may have dropped responses the server wrote: nothing to compare.
  if (!sent.reset) {
    std::map<int, int> on_wire;
    for (const auto& response : split_responses(sent.received)) {
      require(response.status < 500, "a 5xx answer to a client's bytes");
      ++on_wire[response.status];
    }
    for (const auto& [status, count] : decided) {
      require(on_wire[status] >= count, "a decision whose response never went out");
    }
    const auto acknowledged = decided.find(200);
    require(on_wire[200] == (acknowledged == decided.end() ? 0 : acknowledged->second),
            "a 200 the receiver did not decide");
  }

  const auto delivery = server.signed_request(liveness_body);
  const auto answer = converse(port, delivery);
  require(answer.closed && !answer.reset, "a genuine delivery's connection was not closed cleanly after its input");
  const auto answers = split_responses(answer.received);
  require(answers.size() == 1 && answers.front().status == 200, "a genuine delivery after the input was not acknowledged");
  const auto body = answers.front().body;
  require(body.find("\"accepted\"") != std::string_view::npos || body.find("\"duplicate\"") != std::string_view::npos,
          "a genuine delivery acknowledged as neither accepted nor duplicate");
  return 0;
}
