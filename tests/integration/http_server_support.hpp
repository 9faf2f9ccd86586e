#pragma once
// A running server for the HTTP adapter suites: a VRIO receiver on an SQLite inbox with a
// dispatcher behind it, a few application routes, on a plain or a TLS listener (Listener, so that
// a test runs against both), and raw requests to send it.

#include <boost/test/data/monomorphic.hpp>
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <optional>
#include <chrono>
#include <memory>
#include <mutex>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "hookline/dispatcher.hpp"
#include "hookline/http_server.hpp"
#include "hookline/parse.hpp"
#include "hookline/receiver.hpp"
#include "hookline/sqlite_inbox.hpp"
#include "http_test_support.hpp"
#include "inbox_test_support.hpp"
#include "tls_test_support.hpp"

namespace hookline::test {

using namespace std::chrono_literals;

/// Which listener a test runs against.
enum class Listener { plain, tls };

inline std::ostream& operator<<(std::ostream& out, Listener listener) {
  return out << (listener == Listener::tls ? "tls" : "plain");
}

/// Both listeners, for BOOST_DATA_TEST_CASE(name, listeners(), listener).
inline auto listeners() { return boost::unit_test::data::make({Listener::plain, Listener::tls}); }

/// The authority every TLS listener's certificate comes from in this process.
inline const ThrowawayAuthority& test_authority() {
  static const ThrowawayAuthority authority;
  return authority;
}

/// The server certificate of every TLS listener in this process.
inline const IssuedCertificate& server_certificate() {
  static const IssuedCertificate certificate = test_authority().issue("hookline-test-server");
  return certificate;
}

/// A client context that trusts test_authority().
inline SSL_CTX* trusting_client() {
  static const SslContext context = test_authority().client();
  return context.get();
}

/// A VRIO verifier with http_test_secret.
inline Verifier vrio_verifier() {
  const std::vector<Secret> secrets{Secret(std::string(http_test_secret))};
  auto verifier = Verifier::create(Scheme::vrio, secrets);
  if (!verifier) {
    throw std::runtime_error("cannot create the verifier");
  }
  return std::move(*verifier);
}

/// A running receiver: SQLite inbox in a temp dir, a dispatcher counting handled events by id,
/// and a WebhookServer on 127.0.0.1 with a port of its own, plain or TLS (with the test
/// authority's server certificate), plus a few application routes.
struct RunningServer {
  explicit RunningServer(Listener kind = Listener::plain, ServerOptions options = {}) : listener(kind) {
    if (listener == Listener::tls) {
      options.tls = TlsFiles{server_certificate().chain, server_certificate().key};
    }
    options.observer = [this](const HttpRequest& request, const ReceiveResult& result) {
      const std::lock_guard lock(mutex);
      observed.push_back(result.outcome);
      observed_paths.push_back(request.path);
    };
    server = std::make_unique<WebhookServer>(std::move(options));
    server->mount("/webhooks/vrio", receiver);
    server->route("GET", "/peer", [](const HttpRequest& request) {
      HttpResponse response;
      response.content_type = "text/plain";
      response.body = request.peer + "|" + std::to_string(request.headers.get_all("REMOTE_ADDR").size());
      return response;
    });
    server->route("GET", R"(/api/shipments/(\d+))", [](const HttpRequest& request) {
      HttpResponse response;
      response.body = R"({"id":")" + request.matches.at(1) + R"(","view":")" +
                      std::string(request.query_value("view").value_or("none")) + R"("})";
      return response;
    });
    server->route("POST", "/api/echo", [](const HttpRequest& request) {
      HttpResponse response;
      response.content_type = "text/plain";
      response.body = request.body;
      return response;
    });
    server->route("GET", "/note", [](const HttpRequest& request) {
      HttpResponse response;
      response.content_type = "text/plain";
      response.body = std::string(request.headers.get("X-Note").value_or("none"));
      return response;
    });
    server->route("GET", "/throws", [](const HttpRequest&) -> HttpResponse {
      throw std::runtime_error("secret internals /etc/passwd");
    });
    server->route("GET", "/throws-int", [](const HttpRequest&) -> HttpResponse { throw 42; });
    dispatcher.on<vrio::ShipmentScheduled>([this](const vrio::ShipmentScheduled&, const vrio::Event&,
                                                  const InboxEntry& entry) -> HandlerStatus {
      const std::lock_guard lock(mutex);
      handled.push_back(entry.meta.id);
      return {};
    });
    dispatcher.start();
    const auto started = server->start();
    if (!started) {
      throw std::runtime_error(started.error().message);
    }
  }

  [[nodiscard]] std::uint16_t port() const { return server->port(); }

  /// A new connection to the server, speaking its listener's protocol.
  [[nodiscard]] RawConnection connect() const {
    return listener == Listener::tls ? tls_connection(port(), trusting_client()) : RawConnection(port());
  }

  [[nodiscard]] std::vector<std::string> handled_ids() {
    BOOST_REQUIRE(dispatcher.wait_until_idle(10s));
    const std::lock_guard lock(mutex);
    return handled;
  }

  [[nodiscard]] std::size_t count(ReceiveOutcome outcome) {
    const std::lock_guard lock(mutex);
    return static_cast<std::size_t>(std::count(observed.begin(), observed.end(), outcome));
  }

  /// The path of every request the observer was told about, in order.
  [[nodiscard]] std::vector<std::string> paths_observed() {
    const std::lock_guard lock(mutex);
    return observed_paths;
  }

  // Declared in the order they must outlive each other: the server stops first, then the
  // dispatcher's workers, before what they write into goes away.
  Listener listener;
  TempDir dir;
  std::mutex mutex;
  std::vector<std::string> handled;
  std::vector<ReceiveOutcome> observed;
  std::vector<std::string> observed_paths;
  std::unique_ptr<SqliteInbox> inbox = open_sqlite(dir.path() / "inbox.db");
  Receiver receiver{vrio_verifier(), meta_parser(Platform::vrio), *inbox};
  Dispatcher dispatcher{*inbox, [](const InboxEntry&) -> HandlerStatus { return {}; }};
  std::unique_ptr<WebhookServer> server;
};

/// An unsigned HTTP/1.1 POST of `body` to `target` (path and query) with `extra` header lines.
inline std::string unsigned_post(std::string_view target, std::string_view body, std::string_view extra = {}) {
  return "POST " + std::string(target) + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n" +
         "Content-Length: " + std::to_string(body.size()) + "\r\n" + std::string(extra) + "\r\n" + std::string(body);
}

/// A request with raw header lines and no body.
inline std::string head_only(std::string_view method, std::string_view path, std::string_view header_lines) {
  return std::string(method) + " " + std::string(path) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + std::string(header_lines) +
         "\r\n";
}

/// The answer of a fresh server on `listener` to `request`.
inline std::optional<RawResponse> fresh_answer(Listener listener, std::string_view request) {
  RunningServer running(listener);
  auto connection = running.connect();
  return connection.exchange(request);
}

/// The answer to a new event (`event_id`) sent with the extra header lines `extra` (each ending in
/// CRLF) to a fresh server on `listener`.
inline std::optional<RawResponse> deliver_with(Listener listener, std::string_view event_id, std::string_view extra) {
  return fresh_answer(listener, signed_post("/webhooks/vrio", vrio_body(event_id), extra));
}

}  // namespace hookline::test
