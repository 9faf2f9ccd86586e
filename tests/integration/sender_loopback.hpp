#pragma once
// A webhook receiver on loopback for the sender, simulator and replay suites: it records every
// request (POST or GET) and answers with a behaviour the test chooses (a status, a delay, a verdict
// on the body).

#include <atomic>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "hookline/http_server.hpp"

namespace hookline::testing {

/// What the receiver got.
struct Received {
  std::string path;
  std::string body;
  Headers headers;
  std::string method;
};

class LoopbackReceiver {
 public:
  using Behaviour = std::function<HttpResponse(const HttpRequest&)>;

  /// Answers 200 {"ok":true} to everything.
  static HttpResponse ok(const HttpRequest& /*request*/) {
    HttpResponse response;
    response.body = R"({"ok":true})";
    return response;
  }

  explicit LoopbackReceiver(Behaviour behaviour = &LoopbackReceiver::ok)
      : behaviour_(std::move(behaviour)), server_(options()) {
    const auto record_and_answer = [this](const HttpRequest& request) {
      const int now_in_flight = ++in_flight_;
      for (int seen = max_in_flight_.load(); now_in_flight > seen && !max_in_flight_.compare_exchange_weak(seen, now_in_flight);) {
      }
      {
        const std::lock_guard lock(mutex_);
        received_.push_back(Received{request.path, request.body, request.headers, request.method});
      }
      auto response = behaviour_(request);
      --in_flight_;
      return response;
    };
    server_.route("POST", "/.*", record_and_answer);
    server_.route("GET", "/.*", record_and_answer);
    if (!server_.start()) throw std::runtime_error("loopback receiver: cannot listen");
  }

  /// http://127.0.0.1:<port><path>
  [[nodiscard]] std::string url(const std::string& path = "/hook") const {
    return "http://127.0.0.1:" + std::to_string(server_.port()) + path;
  }
  /// Every request so far, in arrival order.
  [[nodiscard]] std::vector<Received> received() const {
    const std::lock_guard lock(mutex_);
    return received_;
  }
  /// The most requests that were being answered at once.
  [[nodiscard]] int max_in_flight() const { return max_in_flight_.load(); }
  /// Stops listening (later connections are refused).
  void stop() { server_.stop(); }

 private:
  static ServerOptions options() {
    ServerOptions options;
    options.threads = 48;
    return options;
  }

  Behaviour behaviour_;
  mutable std::mutex mutex_;
  std::vector<Received> received_;
  std::atomic<int> in_flight_{0};
  std::atomic<int> max_in_flight_{0};
  WebhookServer server_;
};

/// A response with this status and body.
inline HttpResponse respond(int status, std::string body = "{}") {
  HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

}  // namespace hookline::testing
