// The webhook sender against a loopback receiver: what an attempt records, signatures that verify,
// non-2xx answers and their headers, GETs, timeouts, refused connections, bad URLs and many threads
// at once.

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "hookline/sender.hpp"
#include "hookline/sign.hpp"
#include "hookline/verify.hpp"
#include "printing.hpp"
#include "sender_loopback.hpp"

using namespace std::chrono_literals;
using hookline::Attempt;
using hookline::Outgoing;
using hookline::RequestMethod;
using hookline::Sender;
using hookline::SenderOptions;
using hookline::testing::LoopbackReceiver;
using hookline::testing::respond;

namespace {

const std::chrono::sys_seconds now{std::chrono::seconds{1774189800}};
const std::string body = R"({"webhook_event":"shipment_scheduled","webhook_event_id":"4806"})";

std::vector<hookline::Secret> secrets() { return {hookline::Secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")}; }

Sender signing_sender(hookline::Scheme scheme, SenderOptions options = {}) {
  const auto keys = secrets();
  auto signer = hookline::Signer::create(scheme, keys);
  BOOST_REQUIRE(signer.has_value());
  return Sender(std::move(*signer), std::move(options));
}

std::string error_name(const Attempt& attempt) {
  return attempt.error ? std::string(hookline::to_string(*attempt.error)) : std::string("none");
}

/// "127.0.0.1:PORT" of "http://127.0.0.1:PORT/path".
std::string endpoint_of(const std::string& url) { return url.substr(7, url.find('/', 7) - 7); }

/// A port nothing listens on: a receiver's, after it stopped.
std::string refused_url() {
  LoopbackReceiver receiver;
  const auto url = receiver.url();
  receiver.stop();
  return url;
}

/// A bare HTTP/1.1 keep-alive server on one thread that counts the connections it accepts.
class CountingServer {
 public:
  CountingServer() {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    BOOST_REQUIRE(::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    socklen_t length = sizeof address;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    BOOST_REQUIRE(::listen(listener_, 16) == 0);
    thread_ = std::jthread([this](std::stop_token stop) { serve(stop); });
  }
  ~CountingServer() {
    thread_.request_stop();
    ::shutdown(listener_, SHUT_RDWR);
    ::close(listener_);
  }
  CountingServer(const CountingServer&) = delete;
  CountingServer& operator=(const CountingServer&) = delete;

  [[nodiscard]] std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/hook"; }
  [[nodiscard]] int connections() const { return connections_.load(); }
  [[nodiscard]] int requests() const { return requests_.load(); }

 private:
  void serve(const std::stop_token& stop) {
    while (!stop.stop_requested()) {
      const int connection = ::accept(listener_, nullptr, nullptr);
      if (connection < 0) return;
      ++connections_;
      answer_all(connection);
      ::close(connection);
    }
  }

  /// Answers every request on the connection until the client closes it.
  void answer_all(int connection) {
    std::string buffer;
    char chunk[4096];
    for (;;) {
      const auto end = buffer.find("\r\n\r\n");
      if (end != std::string::npos) {
        const auto at = buffer.find("Content-Length: ");
        const auto length = at == std::string::npos ? 0 : std::stoul(buffer.substr(at + 16));
        if (buffer.size() >= end + 4 + length) {
          buffer.erase(0, end + 4 + length);
          ++requests_;
          const std::string response = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok";
          ::send(connection, response.data(), response.size(), MSG_NOSIGNAL);
          continue;
        }
      }
      const auto got = ::recv(connection, chunk, sizeof chunk, 0);
      if (got <= 0) return;
      buffer.append(chunk, static_cast<std::size_t>(got));
    }
  }

  int listener_ = -1;
  int port_ = 0;
  std::atomic<int> connections_{0};
  std::atomic<int> requests_{0};
  std::jthread thread_;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(sender)

BOOST_AUTO_TEST_CASE(an_attempt_records_what_a_platform_log_shows) {
  LoopbackReceiver receiver([](const hookline::HttpRequest&) { return respond(200, R"({"received":true})"); });
  const auto sender = signing_sender(hookline::Scheme::vrio);
  Outgoing outgoing{receiver.url("/webhooks/vrio"), body, "4806", {}};
  outgoing.headers.add("Idempotency-Key", "abc");

  const auto attempt = sender.send(outgoing, now);

  BOOST_TEST(attempt.succeeded());
  BOOST_TEST(error_name(attempt) == "none");
  BOOST_TEST(attempt.url == receiver.url("/webhooks/vrio"));
  BOOST_TEST(attempt.event_id == "4806");
  BOOST_TEST(attempt.request_body == body);
  BOOST_TEST(attempt.status == 200);
  BOOST_TEST(attempt.response_body == R"({"received":true})");
  BOOST_TEST((attempt.sent_at == now));
  BOOST_TEST(attempt.duration.count() > 0);
  BOOST_TEST(attempt.request_headers.get("X-Webhook-Signature").has_value());

  const auto received = receiver.received();
  BOOST_REQUIRE_EQUAL(received.size(), 1U);
  BOOST_TEST(received[0].path == "/webhooks/vrio");
  BOOST_TEST(received[0].body == body);
  BOOST_TEST(received[0].headers.get("Idempotency-Key").value_or("") == "abc");
  BOOST_TEST(received[0].headers.get("Content-Type").value_or("") == "application/json");
}

BOOST_DATA_TEST_CASE(what_it_sends_verifies_for_every_scheme,
                     boost::unit_test::data::make(std::vector<hookline::Scheme>(hookline::all_schemes().begin(),
                                                                                hookline::all_schemes().end())),
                     scheme) {
  LoopbackReceiver receiver;
  const auto sender = signing_sender(scheme);
  const auto attempt = sender.send(Outgoing{receiver.url(), body, "msg_4806", {}}, now);
  BOOST_REQUIRE(attempt.succeeded());

  const auto received = receiver.received();
  BOOST_REQUIRE_EQUAL(received.size(), 1U);
  const auto keys = secrets();
  const auto verifier = hookline::Verifier::create(scheme, keys);
  BOOST_REQUIRE(verifier.has_value());
  const auto verified = verifier->verify(received[0].body, received[0].headers, now);
  BOOST_TEST(verified.has_value(), (verified.has_value() ? std::string() : verified.error().to_string()));
}

BOOST_AUTO_TEST_CASE(an_unsigned_sender_adds_no_signature) {
  LoopbackReceiver receiver;
  const Sender sender;
  const auto attempt = sender.send(Outgoing{receiver.url(), body, "1", {}}, now);
  BOOST_TEST(attempt.succeeded());
  BOOST_TEST(!attempt.request_headers.get("X-Webhook-Signature").has_value());
  BOOST_TEST(attempt.request_headers.size() == 2U);  // Content-Type and User-Agent
}

BOOST_AUTO_TEST_CASE(a_non_2xx_answer_is_recorded_as_a_response_not_an_error) {
  LoopbackReceiver receiver([](const hookline::HttpRequest&) { return respond(503, R"({"error":"busy"})"); });
  const Sender sender;
  const auto attempt = sender.send(Outgoing{receiver.url(), body, "1", {}}, now);
  BOOST_TEST(!attempt.succeeded());
  BOOST_TEST(error_name(attempt) == "none");
  BOOST_TEST(attempt.status == 503);
  BOOST_TEST(attempt.response_body == R"({"error":"busy"})");
}

BOOST_AUTO_TEST_CASE(an_attempt_records_the_response_headers) {
  LoopbackReceiver receiver([](const hookline::HttpRequest&) {
    auto response = respond(429, R"({"error":"slow down"})");
    response.headers.add("Retry-After", "7");
    return response;
  });
  const Sender sender;
  const auto attempt = sender.send(Outgoing{receiver.url(), body, "1", {}}, now);
  BOOST_TEST(attempt.status == 429);
  BOOST_TEST(attempt.response_headers.get("retry-after").value_or("") == "7");
  BOOST_TEST(attempt.response_headers.get("Content-Type").value_or("") == "application/json");
}

BOOST_AUTO_TEST_CASE(a_get_sends_no_body_and_no_content_type) {
  LoopbackReceiver receiver([](const hookline::HttpRequest&) {
    auto response = respond(200, R"({"id":42})");
    response.headers.add("Retry-After", "3");
    return response;
  });
  const Sender sender;
  const auto attempt = sender.send(
      Outgoing{receiver.url("/shipments/42"), body, "", {{"Accept", "application/json"}}, RequestMethod::get}, now);

  BOOST_TEST(attempt.succeeded(), attempt.error_detail);
  BOOST_TEST(attempt.response_body == R"({"id":42})");
  BOOST_TEST(attempt.response_headers.get("Retry-After").value_or("") == "3");
  BOOST_TEST(attempt.request_body.empty());
  BOOST_TEST(!attempt.request_headers.get("Content-Type").has_value());
  const auto received = receiver.received();
  BOOST_REQUIRE_EQUAL(received.size(), 1U);
  BOOST_TEST(received[0].method == "GET");
  BOOST_TEST(received[0].path == "/shipments/42");
  BOOST_TEST(received[0].body.empty());
  BOOST_TEST(!received[0].headers.get("Content-Type").has_value());
  BOOST_TEST(received[0].headers.get("Accept").value_or("") == "application/json");
}

BOOST_AUTO_TEST_CASE(a_get_that_finds_nothing_listening_is_connection_refused) {
  const Sender sender;
  const auto url = refused_url();
  const auto attempt = sender.send(Outgoing{url, "", "", {}, RequestMethod::get}, now);
  BOOST_TEST(error_name(attempt) == "connection_refused");
  BOOST_TEST(attempt.error_detail == "connection refused to " + endpoint_of(url));
  BOOST_TEST(attempt.response_headers.size() == 0U);
}

BOOST_AUTO_TEST_CASE(a_slow_receiver_is_a_timeout) {
  LoopbackReceiver receiver([](const hookline::HttpRequest&) {
    std::this_thread::sleep_for(1500ms);
    return respond(200);
  });
  SenderOptions options;
  options.timeout = 300ms;
  const Sender sender(options);
  const auto attempt = sender.send(Outgoing{receiver.url(), body, "1", {}}, now);
  BOOST_TEST(!attempt.succeeded());
  BOOST_TEST(error_name(attempt) == "timeout");
  BOOST_TEST(attempt.error_detail == "no response from " + endpoint_of(receiver.url()) + " within 300 ms");
  BOOST_TEST(attempt.status == 0);
  BOOST_TEST(attempt.duration >= std::chrono::microseconds(250ms));
  BOOST_TEST(attempt.duration < std::chrono::microseconds(1500ms));
}

BOOST_AUTO_TEST_CASE(nothing_listening_is_connection_refused) {
  const Sender sender;
  const auto url = refused_url();
  const auto attempt = sender.send(Outgoing{url, body, "1", {}}, now);
  BOOST_TEST(!attempt.succeeded());
  BOOST_TEST(error_name(attempt) == "connection_refused");
  BOOST_TEST(attempt.error_detail == "connection refused to " + endpoint_of(url));
  BOOST_TEST(attempt.status == 0);
  BOOST_TEST(attempt.request_body == body);
}

BOOST_DATA_TEST_CASE(bad_urls_are_refused_before_any_connection,
                     boost::unit_test::data::make({"ftp://127.0.0.1/hook", "http://", "127.0.0.1:8080/hook",
                                                   "http://127.0.0.1:99999/hook", "http://127.0.0.1:port/",
                                                   "http://user@127.0.0.1/hook", ""}),
                     url) {
  const Sender sender;
  const auto attempt = sender.send(Outgoing{url, body, "1", {}}, now);
  BOOST_TEST(error_name(attempt) == "invalid_url");
  BOOST_TEST(attempt.error_detail.starts_with("not an http://host[:port][/path] or https:// URL: "), attempt.error_detail);
  BOOST_TEST(attempt.url == url);
  // Checked before any send, the same URL gets the same sentence.
  BOOST_TEST(hookline::destination_problem(url) == std::optional<std::string>(attempt.error_detail));
}

BOOST_DATA_TEST_CASE(good_urls_have_no_problem,
                     boost::unit_test::data::make({"http://127.0.0.1:8080/webhooks/vrio", "https://example.com",
                                                   "http://[::1]:9090/hook?x=1", "http://localhost?x"}),
                     url) {
  BOOST_TEST(!hookline::destination_problem(url).has_value(), url);
}

BOOST_AUTO_TEST_CASE(many_threads_share_one_sender) {
  LoopbackReceiver receiver;
  const auto sender = signing_sender(hookline::Scheme::standard);
  constexpr int threads = 8;
  constexpr int per_thread = 25;
  std::atomic<int> succeeded{0};
  {
    std::vector<std::jthread> workers;
    for (int t = 0; t < threads; ++t) {
      workers.emplace_back([&, t] {
        for (int i = 0; i < per_thread; ++i) {
          const auto id = "msg_" + std::to_string(t) + "_" + std::to_string(i);
          if (sender.send(Outgoing{receiver.url(), body, id, {}}, now).succeeded()) ++succeeded;
        }
      });
    }
  }
  BOOST_TEST(succeeded.load() == threads * per_thread);
  BOOST_TEST(receiver.received().size() == static_cast<std::size_t>(threads * per_thread));
}

BOOST_AUTO_TEST_CASE(sequential_sends_to_one_destination_reuse_one_connection) {
  CountingServer server;
  const Sender sender;
  for (int i = 0; i < 20; ++i) {
    const auto attempt = sender.send(Outgoing{server.url(), body, std::to_string(i), {}}, now);
    BOOST_REQUIRE_MESSAGE(attempt.succeeded(), error_name(attempt));
  }
  BOOST_TEST(server.requests() == 20);
  BOOST_TEST(server.connections() == 1);
}

BOOST_AUTO_TEST_CASE(gets_and_posts_to_one_destination_share_one_connection) {
  CountingServer server;
  const Sender sender;
  for (int i = 0; i < 10; ++i) {
    const auto method = i % 2 == 0 ? RequestMethod::get : RequestMethod::post;
    const auto attempt = sender.send(Outgoing{server.url(), i % 2 == 0 ? "" : body, std::to_string(i), {}, method}, now);
    BOOST_REQUIRE_MESSAGE(attempt.succeeded(), error_name(attempt));
  }
  BOOST_TEST(server.requests() == 10);
  BOOST_TEST(server.connections() == 1);
}

BOOST_AUTO_TEST_CASE(a_restarted_receiver_is_reached_again_after_idle_connections_are_closed) {
  const Sender sender;
  {
    LoopbackReceiver first;
    BOOST_TEST(sender.send(Outgoing{first.url(), body, "1", {}}, now).succeeded());
  }
  sender.close_idle_connections();
  LoopbackReceiver second;
  BOOST_TEST(sender.send(Outgoing{second.url(), body, "2", {}}, now).succeeded());
}

BOOST_AUTO_TEST_SUITE_END()
