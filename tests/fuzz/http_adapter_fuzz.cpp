// Fuzz harness: the HTTP adapter (WebhookServer: cpp-httplib's request parser behind hookline's socket
// stream, its head syntax check, route table and header screening) fed raw bytes from a client, as the internet would send them. One
// server runs for the whole process on 127.0.0.1 with a VRIO receiver (MemoryInbox) at
// /webhooks/vrio and an application route GET /health (204); limits are small so that fuzzed inputs
// reach them. Each input is sent on a new connection, whose write side is then shut down, and every
// byte the server sends back is read until it closes the connection.
// Invariants:
// - the server closes the connection within 5 s of the input's end (nothing waits on a client that
//   has finished sending);
// - what comes back is a sequence of complete HTTP/1.1 responses: each final one carries exactly one
//   Content-Length and that many body bytes, unless it answers HEAD (cpp-httplib marks those, and
//   only those, "Accept-Ranges: bytes"); nothing follows the last, nor one that says
//   "Connection: close" (bytes after a refused request are never served as a request);
// - no status is 5xx (the inbox cannot fail here, so a 5xx is a bug such as an escaped exception);
// - every 200 carries the receiver's acknowledgement (accepted or duplicate), whole;
// - every request the observer is told about has the socket's address (127.0.0.1) as its peer and
//   none of the REMOTE_ADDR-like fields a client may send to shadow it;
// - every decision told to the observer (receiver outcomes, header refusals) went out with its
//   status, and every 200 on the wire is one the receiver decided;
// - afterwards a genuine signed delivery on a new connection still gets 200 (accepted the first
//   time, duplicate after).
// When the server closes with a reset (it had unread input), the kernel may drop what it sent: the
// responses that arrived are checked, the counts are not.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
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
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "fuzz_support.hpp"
#include "hookline/headers.hpp"
#include "hookline/http_server.hpp"
#include "hookline/inbox.hpp"
#include "hookline/parse.hpp"
#include "hookline/receiver.hpp"
#include "hookline/sign.hpp"
#include "hookline/verify.hpp"

namespace {

using hookline::fuzz::require;
using SteadyClock = std::chrono::steady_clock;

/// The time the server reads (VRIO signatures carry none, so any fixed time will do).
constexpr std::chrono::sys_seconds now{std::chrono::seconds{1700000000}};
/// How long the server may take to close a connection once the client has sent everything, and how
/// long one send may wait for the server to read.
constexpr std::chrono::seconds close_deadline{5};
/// How long a connect may wait for a loopback port: each input leaves two in TIME_WAIT.
constexpr std::chrono::seconds connect_deadline{5};

/// The secret of tests/fuzz/corpus/http_adapter/*, whose signed requests are genuine deliveries.
constexpr std::string_view secret_text = "hookline fuzz secret one";

/// Small enough that fuzzed inputs reach the header and body limits.
constexpr hookline::ReceiverLimits limits{.max_body_bytes = 4096, .max_header_count = 16, .max_header_bytes = 256};

/// The delivery that must still be acknowledged after every input (an id no seed uses).
constexpr std::string_view liveness_body =
    R"({"webhook_type":"shipment","webhook_event":"shipment_cancelled","webhook_event_id":"fuzz-liveness-1",)"
    R"("webhook_data":{"shipment":{"shipment_id":"4806","date_cancel":"0000-00-00 00:00:00"}}})";

/// The fields cpp-httplib 0.11.4 adds from the socket, which a client's own fields of the same names
/// would shadow; the adapter drops the client's.
constexpr std::array<std::string_view, 4> socket_fields{"REMOTE_ADDR", "REMOTE_PORT", "LOCAL_ADDR", "LOCAL_PORT"};

/// True when `text` is `lowercase` in any ASCII case (for header values; names go through Headers).
bool equals_ignoring_case(std::string_view text, std::string_view lowercase) {
  return std::equal(text.begin(), text.end(), lowercase.begin(), lowercase.end(), [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) == b;
  });
}

/// Statuses of the decisions the server told its observer about, counted per status.
class Decisions {
 public:
  /// Checks the request's peer and counts the decision; called on the server's threads.
  void record(const hookline::HttpRequest& request, int status) {
    require(request.peer == "127.0.0.1", "a request's peer address that is not the socket's");
    for (const auto field : socket_fields) {
      require(!request.headers.get(field).has_value(), "a client's REMOTE_ADDR-like field reached the receiver");
    }
    const std::lock_guard lock(mutex_);
    ++counts_[status];
  }

  /// The counts since the last call, per status.
  [[nodiscard]] std::map<int, int> take() {
    const std::lock_guard lock(mutex_);
    return std::exchange(counts_, {});
  }

 private:
  std::mutex mutex_;
  std::map<int, int> counts_;
};

/// The server under test, what it is wired to and the liveness delivery; started once, stopped at exit.
struct Fixture {
  std::vector<hookline::Secret> secrets{hookline::Secret{std::string(secret_text)}};
  hookline::MemoryInbox inbox;
  Decisions decisions;
  hookline::Receiver receiver;
  hookline::WebhookServer server;
  std::string liveness_request;

  Fixture()
      : receiver(verifier(), hookline::meta_parser(hookline::Platform::vrio), inbox, limits),
        server(server_options()),
        liveness_request(signed_request(liveness_body)) {
    server.mount("/webhooks/vrio", receiver);
    server.route("GET", "/health", [](const hookline::HttpRequest&) {
      hookline::HttpResponse response;
      response.status = 204;
      return response;
    });
    require(server.start().has_value(), "the server did not start");
  }

  /// The receiver's verifier, keyed with the fuzz secret.
  [[nodiscard]] hookline::Verifier verifier() const {
    auto created = hookline::Verifier::create(hookline::Scheme::vrio, secrets);
    require(created.has_value(), "the fuzz secret is refused");
    return std::move(*created);
  }

  /// Four threads, short timeouts, the small limits, the fixed clock and the decision counter.
  [[nodiscard]] hookline::ServerOptions server_options() {
    hookline::ServerOptions options;
    options.threads = 4;
    options.read_timeout = std::chrono::seconds(1);
    options.request_timeout = std::chrono::seconds(2);
    options.write_timeout = std::chrono::seconds(2);
    options.limits = limits;
    options.clock = [] { return now; };
    options.observer = [this](const hookline::HttpRequest& request, const hookline::ReceiveResult& result) {
      decisions.record(request, result.response.status);
    };
    return options;
  }

  /// A genuine delivery of `body`, as a client would send it.
  [[nodiscard]] std::string signed_request(std::string_view body) const {
    auto signer = hookline::Signer::create(hookline::Scheme::vrio, secrets);
    require(signer.has_value(), "the fuzz secret is refused for signing");
    std::string request = "POST /webhooks/vrio HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n";
    const auto signature = signer->sign(body, "", now);
    for (const auto& field : signature.fields()) request += field.name + ": " + field.value + "\r\n";
    request += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
    request += body;
    return request;
  }
};

/// The process's one fixture, started on first use.
Fixture& fixture() {
  static Fixture instance;
  return instance;
}

/// A connected TCP socket to 127.0.0.1:`port`, with the receive and send timeouts set.
int connect_to(std::uint16_t port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const auto deadline = SteadyClock::now() + connect_deadline;
  while (true) {
    const int connection = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    require(connection >= 0, "socket() failed");
    const int on = 1;
    ::setsockopt(connection, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
    const timeval receive_slice{0, 100'000};
    ::setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &receive_slice, sizeof(receive_slice));
    const timeval send_limit{close_deadline.count(), 0};
    ::setsockopt(connection, SOL_SOCKET, SO_SNDTIMEO, &send_limit, sizeof(send_limit));
    int error = ::connect(connection, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) == 0 ? 0 : errno;
    if (error == EINTR) {
      // libFuzzer's timeout alarm interrupted the call; the connection goes on being set up.
      pollfd descriptor{connection, POLLOUT, 0};
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(connect_deadline).count();
      int ready = 0;
      while ((ready = ::poll(&descriptor, 1, static_cast<int>(left))) < 0 && errno == EINTR) {
      }
      socklen_t size_of_error = sizeof(error);
      if (ready != 1 || ::getsockopt(connection, SOL_SOCKET, SO_ERROR, &error, &size_of_error) != 0) error = ETIMEDOUT;
    }
    if (error == 0) return connection;
    ::close(connection);
    // Every loopback port may be in TIME_WAIT when the kernel does not reuse them early.
    if (error == EADDRNOTAVAIL && SteadyClock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      continue;
    }
    std::fprintf(stderr, "connect() to 127.0.0.1:%u: %s\n", static_cast<unsigned>(port), std::strerror(error));
    require(false, "connect() failed");
  }
}

/// What came back on one connection.
struct Conversation {
  std::string received;  ///< Every byte the server sent.
  bool closed = false;   ///< The server closed the connection within close_deadline (maybe with a reset).
  bool reset = false;    ///< The connection was reset: bytes the server sent may have been discarded.
};

/// Sends `input` on a new connection to `port`, shuts the write side and reads everything the server
/// sends until it closes the connection or close_deadline passes.
Conversation converse(std::uint16_t port, std::string_view input) {
  const int connection = connect_to(port);
  Conversation result;
  // The server may stop reading and close early (a refused request); what it sent is still read.
  while (!input.empty()) {
    const auto sent = ::send(connection, input.data(), input.size(), MSG_NOSIGNAL);
    if (sent > 0) {
      input.remove_prefix(static_cast<std::size_t>(sent));
    } else if (sent < 0 && errno == EINTR) {
      continue;
    } else {
      // A reset is reported once, here or to the next recv(); a send that timed out only ends the input.
      result.reset = sent < 0 && errno != EAGAIN && errno != EWOULDBLOCK;
      break;
    }
  }
  ::shutdown(connection, SHUT_WR);

  std::array<char, 16 * 1024> buffer{};
  const auto deadline = SteadyClock::now() + close_deadline;
  while (!result.closed && SteadyClock::now() < deadline) {
    const auto n = ::recv(connection, buffer.data(), buffer.size(), 0);
    if (n > 0) {
      result.received.append(buffer.data(), static_cast<std::size_t>(n));
    } else if (n == 0) {
      result.closed = true;
    } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
      result.closed = true;
      result.reset = true;
    }
  }
  ::close(connection);
  return result;
}

/// One response read off the wire.
struct WireResponse {
  int status = 0;
  std::string_view body;
};

/// The header fields of a response head (the status line skipped), looked up in any case.
hookline::Headers head_fields(std::string_view head) {
  hookline::Headers fields;
  std::string_view lines = hookline::fuzz::split_once(head, "\r\n").tail;
  while (!lines.empty()) {
    const auto [line, rest] = hookline::fuzz::split_once(lines, "\r\n");
    lines = rest;
    auto [name, value] = hookline::fuzz::split_once(line, ":");
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    fields.add(std::string(name), std::string(value));
  }
  return fields;
}

/// Splits what the server sent into complete responses, aborting on anything else; with `cut_short`
/// (after a reset) the last may end early and is left out.
std::vector<WireResponse> split_responses(std::string_view wire, bool cut_short) {
  std::vector<WireResponse> responses;
  while (!wire.empty()) {
    const auto head_end = wire.find("\r\n\r\n");
    if (head_end == std::string_view::npos) {
      require(cut_short, "a response head that never ends");
      break;
    }
    require(wire.starts_with("HTTP/1.1 ") && head_end >= 12, "bytes that do not start an HTTP/1.1 response");
    WireResponse response;
    const auto [end, error] = std::from_chars(wire.data() + 9, wire.data() + 12, response.status);
    require(error == std::errc{} && end == wire.data() + 12 && response.status >= 100 && response.status <= 599,
            "a status line without a three-digit status");
    const std::string_view head = wire.substr(0, head_end);
    wire.remove_prefix(head_end + 4);
    if (response.status < 200) {  // "100 Continue": no body
      responses.push_back(response);
      continue;
    }
    const auto fields = head_fields(head);
    const auto lengths = fields.get_all("Content-Length");
    require(lengths.size() == 1, "a final response without exactly one Content-Length");
    std::size_t length = 0;
    const auto field = lengths.front();
    const auto [length_end, length_error] = std::from_chars(field.data(), field.data() + field.size(), length);
    require(length_error == std::errc{} && length_end == field.data() + field.size(), "a malformed Content-Length");
    const auto ranges = fields.get_all("Accept-Ranges");
    const bool answers_head = ranges.size() == 1 && ranges.front() == "bytes";
    if (!answers_head) {
      if (length > wire.size()) {
        require(cut_short, "a response shorter than its Content-Length");
        break;
      }
      response.body = wire.substr(0, length);
      wire.remove_prefix(length);
    }
    const auto connection = fields.get_all("Connection");
    const bool closes = std::any_of(connection.begin(), connection.end(),
                                    [](std::string_view value) { return equals_ignoring_case(value, "close"); });
    require(!closes || wire.empty(), "a response after one that closed the connection");
    responses.push_back(response);
  }
  return responses;
}

/// True when `body` is the receiver's acknowledgement of a delivery.
bool is_acknowledgement(std::string_view body) {
  return body == R"({"status":"accepted"})" || body == R"({"status":"duplicate"})";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Fixture& setup = fixture();
  const std::uint16_t port = setup.server.port();
  (void)setup.decisions.take();

  const auto conversation = converse(port, hookline::fuzz::as_text(data, size));
  require(conversation.closed, "the server kept the connection open after the client's input ended");
  const auto decided = setup.decisions.take();
  std::map<int, int> on_wire;
  for (const auto& response : split_responses(conversation.received, conversation.reset)) {
    require(response.status < 500, "a 5xx answer to a client's bytes");
    if (response.status == 200) require(is_acknowledgement(response.body), "a 200 that is not an acknowledgement");
    ++on_wire[response.status];
  }
  if (!conversation.reset) {
    for (const auto& [status, count] : decided) {
      require(on_wire[status] >= count, "a decision whose response never went out");
    }
    const auto acknowledged = decided.find(200);
    require(on_wire[200] == (acknowledged == decided.end() ? 0 : acknowledged->second),
            "a 200 the receiver did not decide");
  }

  const auto answer = converse(port, setup.liveness_request);
  require(answer.closed && !answer.reset, "a genuine delivery's connection was not closed cleanly after its input");
  const auto answers = split_responses(answer.received, false);
  require(answers.size() == 1 && answers.front().status == 200 && is_acknowledgement(answers.front().body),
          "a genuine delivery after the input was not acknowledged");
  return 0;
}
