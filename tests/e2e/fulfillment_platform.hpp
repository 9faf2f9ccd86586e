#pragma once
// Test helpers of the fulfillment server's end-to-end suites: a stand-in platform API that records
// tracking posts and shipment reads (and can fail, answer late or drop the connection on purpose),
// signed webhook delivery, and small HTTP calls. All traffic stays on 127.0.0.1.

#include <dirent.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "hookline/secret.hpp"
#include "hookline/sign.hpp"

namespace fulfillment_test {

/// One POST /shipments/{id}/track the stand-in received.
struct RecordedPost {
  std::int64_t shipment_id = 0;
  std::string idempotency_key;
  std::string api_key;
  std::string body;
  int answered = 0;
  std::chrono::steady_clock::time_point at;
};

/// A scripted answer: a status and an optional Retry-After; a 2xx takes effect when the post arrives,
/// even if the answer then comes only after `delay` or never (`drop` closes the connection unanswered).
struct ScriptedAnswer {
  int status = 200;
  std::string retry_after;
  std::chrono::milliseconds delay{0};
  bool drop = false;
};

/// Shuts down this process's socket of `request`'s connection (found by its local and peer ports) so
/// the client sees it closed without an answer; false when no such socket is open.
inline bool drop_connection(const httplib::Request& request) {
  DIR* fds = opendir("/proc/self/fd");
  if (fds == nullptr) return false;
  bool dropped = false;
  while (const dirent* entry = readdir(fds)) {
    char* end = nullptr;
    const long fd = std::strtol(entry->d_name, &end, 10);
    if (end == entry->d_name || *end != '\0' || fd == dirfd(fds)) continue;
    sockaddr_in local{};
    sockaddr_in peer{};
    socklen_t local_size = sizeof local;
    socklen_t peer_size = sizeof peer;
    if (getsockname(static_cast<int>(fd), reinterpret_cast<sockaddr*>(&local), &local_size) != 0 ||
        getpeername(static_cast<int>(fd), reinterpret_cast<sockaddr*>(&peer), &peer_size) != 0 ||
        local.sin_family != AF_INET || peer.sin_family != AF_INET) {
      continue;
    }
    if (ntohs(local.sin_port) == request.local_port && ntohs(peer.sin_port) == request.remote_port) {
      dropped = shutdown(static_cast<int>(fd), SHUT_RDWR) == 0;
      break;
    }
  }
  closedir(fds);
  return dropped;
}

/// One GET /shipments/{id} the stand-in received.
struct RecordedRead {
  std::int64_t shipment_id = 0;
  std::string api_key;
  int answered = 0;
  std::chrono::steady_clock::time_point at;
};

/// The platform API in tests: POST /shipments/{id}/track answered from a script (200 when it is
/// empty); an accepted Idempotency-Key seen again is answered 200 without a second effect.
/// GET /shipments/{id} answers from its own script first, then with the record the test holds for the
/// shipment, or a Pending Post record with nothing else (as if the platform agreed with the webhooks).
class StandInPlatform {
 public:
  /// A stand-in on 127.0.0.1:`port` (any free port when 0).
  explicit StandInPlatform(std::string api_key_header = "X-Api-Key", int port = 0)
      : api_key_header_(std::move(api_key_header)) {
    // A thread per keep-alive connection of the server under test (outbox senders and checks at once).
    server_.new_task_queue = [] { return new httplib::ThreadPool(32); };
    server_.Get(R"(/shipments/(\d+))", [this](const httplib::Request& request, httplib::Response& response) {
      RecordedRead read;
      read.shipment_id = std::stoll(request.matches[1]);
      read.api_key = request.get_header_value(api_key_header_);
      read.at = std::chrono::steady_clock::now();
      ScriptedAnswer answer;
      std::string record;
      {
        const std::lock_guard lock(mutex_);
        if (!read_script_.empty()) {
          answer = read_script_.front();
          read_script_.pop_front();
        }
        const auto held = records_.find(read.shipment_id);
        record = held != records_.end() ? held->second
                                        : R"({"shipment_id":)" + std::to_string(read.shipment_id) +
                                              R"(,"shipment_status_id":"Pending Post"})";
        read.answered = answer.status;
        reads_.push_back(read);
      }
      changed_.notify_all();
      if (answer.status == 200) {
        answer_late(answer, request, response, record);
      } else {
        answer_late(answer, request, response, R"({"error":{"code":"scripted","message":"a scripted answer"}})");
      }
    });
    server_.Post(R"(/shipments/(\d+)/track)", [this](const httplib::Request& request, httplib::Response& response) {
      RecordedPost post;
      post.shipment_id = std::stoll(request.matches[1]);
      post.idempotency_key = request.get_header_value("Idempotency-Key");
      post.api_key = request.get_header_value(api_key_header_);
      post.body = request.body;
      post.at = std::chrono::steady_clock::now();
      ScriptedAnswer answer;
      {
        const std::lock_guard lock(mutex_);
        if (auto own = shipment_scripts_.find(post.shipment_id); own != shipment_scripts_.end() && !own->second.empty()) {
          answer = own->second.front();
          own->second.pop_front();
        } else if (!script_.empty()) {
          answer = script_.front();
          script_.pop_front();
        }
        post.answered = answer.status;
        if (answer.status >= 200 && answer.status < 300) effects_.insert(post.idempotency_key);
        posts_.push_back(post);
      }
      changed_.notify_all();
      std::function<void(const RecordedPost&)> hook;
      {
        const std::lock_guard lock(mutex_);
        hook = on_post_;
      }
      if (hook) hook(post);
      answer_late(answer, request, response, answer.status < 300 ? R"({"status":"Shipped"})" : R"({"error":"scripted"})");
    });
    port_ = port == 0 ? server_.bind_to_any_port("127.0.0.1") : (server_.bind_to_port("127.0.0.1", port) ? port : -1);
    if (port_ < 0) throw std::runtime_error("stand-in platform: cannot listen on port " + std::to_string(port));
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~StandInPlatform() {
    {
      const std::lock_guard lock(mutex_);
      stopping_ = true;  // late answers go out now
    }
    changed_.notify_all();
    server_.stop();
    thread_.join();
  }
  StandInPlatform(const StandInPlatform&) = delete;
  StandInPlatform& operator=(const StandInPlatform&) = delete;

  /// The base URL to give as --platform-url.
  [[nodiscard]] std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  /// Answers the next posts with these, in order.
  void script(std::vector<ScriptedAnswer> answers) {
    const std::lock_guard lock(mutex_);
    script_.insert(script_.end(), answers.begin(), answers.end());
  }
  /// Answers the next posts for this shipment with these, in order, before the shared script.
  void script_for(std::int64_t shipment_id, std::vector<ScriptedAnswer> answers) {
    const std::lock_guard lock(mutex_);
    auto& own = shipment_scripts_[shipment_id];
    own.insert(own.end(), answers.begin(), answers.end());
  }
  /// Answers the next shipment reads with these, in order, before any record (a 200 answers the record).
  void script_reads(std::vector<ScriptedAnswer> answers) {
    const std::lock_guard lock(mutex_);
    read_script_.insert(read_script_.end(), answers.begin(), answers.end());
  }
  /// Answers reads of `shipment_id` with `record` (a JSON object under VRIO's field names) from now on.
  void hold(std::int64_t shipment_id, std::string record) {
    const std::lock_guard lock(mutex_);
    records_[shipment_id] = std::move(record);
  }
  /// Every shipment read so far.
  [[nodiscard]] std::vector<RecordedRead> reads() const {
    const std::lock_guard lock(mutex_);
    return reads_;
  }
  /// Waits until at least `count` reads arrived; false on timeout.
  bool wait_for_reads(std::size_t count, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return reads_.size() >= count; });
  }
  /// Calls `hook` on each post after recording it and before answering (e.g. to kill the poster).
  void on_post(std::function<void(const RecordedPost&)> hook) {
    const std::lock_guard lock(mutex_);
    on_post_ = std::move(hook);
  }
  /// Every post so far.
  [[nodiscard]] std::vector<RecordedPost> posts() const {
    const std::lock_guard lock(mutex_);
    return posts_;
  }
  /// Distinct Idempotency-Keys accepted: the tracking effects.
  [[nodiscard]] std::set<std::string> effects() const {
    const std::lock_guard lock(mutex_);
    return effects_;
  }
  /// Waits until at least `count` posts arrived; false on timeout.
  bool wait_for_posts(std::size_t count, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return posts_.size() >= count; });
  }
  /// Waits until at least `count` distinct effects happened; false on timeout.
  bool wait_for_effects(std::size_t count, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return effects_.size() >= count; });
  }

 private:
  /// Answers `request` as `answer` scripts it, after its delay (or never, when it drops the connection).
  void answer_late(const ScriptedAnswer& answer, const httplib::Request& request, httplib::Response& response,
                   const std::string& body) {
    if (answer.delay.count() > 0) {
      std::unique_lock lock(mutex_);
      changed_.wait_for(lock, answer.delay, [this] { return stopping_; });
    }
    if (answer.drop) {
      drop_connection(request);
      return;
    }
    response.status = answer.status;
    if (!answer.retry_after.empty()) response.set_header("Retry-After", answer.retry_after);
    response.set_content(body, "application/json");
  }

  std::string api_key_header_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<ScriptedAnswer> script_;
  std::map<std::int64_t, std::deque<ScriptedAnswer>> shipment_scripts_;
  std::vector<RecordedPost> posts_;
  std::deque<ScriptedAnswer> read_script_;
  std::map<std::int64_t, std::string> records_;
  std::vector<RecordedRead> reads_;
  std::set<std::string> effects_;
  std::function<void(const RecordedPost&)> on_post_;
  bool stopping_ = false;
};

/// POSTs a VRIO webhook signed with `secret` to 127.0.0.1:`port`/webhooks/vrio; the status, or 0 when none came.
inline int send_webhook(int port, const std::string& body, const std::string& secret) {
  const std::vector<hookline::Secret> secrets{hookline::Secret(secret)};
  auto signer = hookline::Signer::create(hookline::Scheme::vrio, secrets);
  if (!signer) return -1;
  const auto now = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  httplib::Headers headers;
  const hookline::Headers signature = signer->sign(body, "", now);
  for (const auto& field : signature.fields()) headers.emplace(field.name, field.value);
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(2, 0);
  client.set_read_timeout(5, 0);
  auto answer = client.Post("/webhooks/vrio", headers, body, "application/json");
  return answer ? answer->status : 0;
}

/// An HTTP answer in tests.
struct Answer {
  int status = 0;
  std::string body;
};

/// The admin token the servers under test are given (HOOKLINE_ADMIN_TOKEN), at least 32 characters.
inline const std::string test_admin_token = "test-admin-token-9f0c2d7e4b1a8c3f6e5d";

/// GET, DELETE or POST (with a JSON body, or none when `body` is nullopt) on 127.0.0.1:`port`,
/// with `Authorization: <authorization>` unless it is empty.
inline Answer call_authorized(const std::string& authorization, int port, const std::string& method,
                              const std::string& path, const std::optional<std::string>& body = std::string()) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(2, 0);
  client.set_read_timeout(5, 0);
  httplib::Headers headers;
  if (!authorization.empty()) headers.emplace("Authorization", authorization);
  auto answer = [&] {
    if (method == "GET") return client.Get(path.c_str(), headers);
    if (method == "DELETE") return client.Delete(path.c_str(), headers);
    if (body) return client.Post(path.c_str(), headers, *body, "application/json");
    return client.Post(path.c_str(), headers);
  }();
  if (!answer) return {};
  return {answer->status, answer->body};
}

/// GET, DELETE or POST (with a JSON body) on 127.0.0.1:`port` with the test admin token.
inline Answer call(int port, const std::string& method, const std::string& path, const std::string& body = "") {
  return call_authorized("Bearer " + test_admin_token, port, method, path, body);
}

/// Polls `condition` every 20 ms until it holds; false after `timeout`.
inline bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return condition();
}

/// The value of `"name":"value"` in a JSON text (the first occurrence), for quick checks.
inline std::string json_string(const std::string& text, const std::string& name) {
  const std::string needle = "\"" + name + "\":\"";
  const auto start = text.find(needle);
  if (start == std::string::npos) return "";
  const auto end = text.find('"', start + needle.size());
  return text.substr(start + needle.size(), end - start - needle.size());
}

}  // namespace fulfillment_test
