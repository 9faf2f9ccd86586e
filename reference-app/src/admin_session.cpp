#include "admin_session.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <simdjson.h>

#include <stdexcept>

#include "json.hpp"
#include "toolkit/json_writer.hpp"

namespace fulfillment {
namespace {

using hookline::HttpRequest;
using hookline::HttpResponse;

std::string hex(const unsigned char* bytes, std::size_t size) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (std::size_t i = 0; i < size; ++i) {
    out += digits[bytes[i] >> 4];
    out += digits[bytes[i] & 0xf];
  }
  return out;
}

/// 32 random bytes as hex, from OpenSSL's CSPRNG.
std::string random_token() {
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("RAND_bytes failed");
  return hex(bytes, sizeof bytes);
}

std::string sha256_hex(std::string_view text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(text.data(), text.size(), digest, &size, EVP_sha256(), nullptr);
  return hex(digest, size);
}

bool same(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool changes_state(std::string_view method) { return method != "GET" && method != "HEAD" && method != "OPTIONS"; }

/// The value of cookie `name` in the request's Cookie headers (RFC 6265 §5.4: "a=b; c=d").
std::optional<std::string_view> cookie_value(const hookline::Headers& headers, std::string_view name) {
  for (const auto line : headers.get_all("Cookie")) {
    std::size_t start = 0;
    while (start < line.size()) {
      auto end = line.find(';', start);
      if (end == std::string_view::npos) end = line.size();
      auto pair = line.substr(start, end - start);
      while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
      if (pair.size() > name.size() && pair.starts_with(name) && pair[name.size()] == '=') {
        return pair.substr(name.size() + 1);
      }
      start = end + 1;
    }
  }
  return std::nullopt;
}

}  // namespace

AdminSessions::AdminSessions(std::optional<hookline::Secret> token, hookline::Clock clock, SessionOptions options)
    : configured_(token.has_value()), clock_(std::move(clock)), options_(std::move(options)) {
  if (token) bearer_ = hookline::require_bearer_token(std::move(*token));
}

HttpResponse AdminSessions::unauthorized() const {
  return configured_ ? hookline::bearer_challenge()
                     : hookline::bearer_challenge(
                           "no admin token is configured: set HOOKLINE_ADMIN_TOKEN (or --admin-token-file) and "
                           "restart the server");
}

std::map<std::string, AdminSessions::Session>::iterator AdminSessions::find_session(const HttpRequest& request) {
  const auto id = cookie_value(request.headers, session_cookie);
  if (!id) return sessions_.end();
  const auto found = sessions_.find(sha256_hex(*id));
  if (found == sessions_.end()) return found;
  if (found->second.expires_at <= clock_()) {
    sessions_.erase(found);
    return sessions_.end();
  }
  return found;
}

hookline::AccessCheck AdminSessions::access_check() {
  return [this](const HttpRequest& request) -> std::optional<HttpResponse> {
    if (!configured_) return unauthorized();
    if (request.headers.get("Authorization")) return bearer_(request);
    const std::lock_guard lock(mutex_);
    const auto session = find_session(request);
    if (session == sessions_.end()) return unauthorized();
    if (changes_state(request.method)) {
      const auto presented = request.headers.get(csrf_header);
      if (!presented || !same(*presented, session->second.csrf_token)) {
        return hookline::error_response(403, "csrf_token_invalid",
                                        "a request that changes state needs the session's CSRF token in X-CSRF-Token");
      }
    }
    return std::nullopt;
  };
}

void AdminSessions::mount(hookline::WebhookServer& server) {
  server.route("POST", "/api/session", [this](const HttpRequest& request) { return login(request); },
               hookline::RouteAccess::open);
  server.route("GET", "/api/session", [this](const HttpRequest& request) { return describe(request); });
  server.route("DELETE", "/api/session", [this](const HttpRequest& request) { return logout(request); });
}

std::string AdminSessions::cookie(std::string_view value, std::chrono::seconds max_age) const {
  std::string text = std::string(session_cookie) + "=" + std::string(value) + "; Path=/; Max-Age=" +
                     std::to_string(max_age.count()) + "; HttpOnly; SameSite=Strict";
  if (options_.secure_cookie) text += "; Secure";
  return text;
}

HttpResponse AdminSessions::login(const HttpRequest& request) {
  const auto answer = [&](HttpResponse response) {
    if (options_.audit) options_.audit("login", request.peer, response.status);
    return response;
  };
  // JSON only: a form on another site cannot send it without the browser asking this server first.
  const auto type = request.headers.get("Content-Type");
  if (!type || !type->starts_with("application/json")) {
    return answer(hookline::error_response(415, "unsupported_media_type", "send {\"token\":\"...\"} as application/json"));
  }
  simdjson::dom::parser parser;
  simdjson::dom::element document;
  std::string_view token;
  if (parser.parse(simdjson::padded_string(request.body)).get(document) != simdjson::SUCCESS ||
      document["token"].get_string().get(token) != simdjson::SUCCESS) {
    return answer(hookline::error_response(400, "bad_request", "token: expected a string"));
  }
  if (!configured_) return answer(unauthorized());
  HttpRequest presented;
  presented.headers.add("Authorization", "Bearer " + std::string(token));
  if (bearer_(presented)) return answer(hookline::bearer_challenge("that is not the admin token"));

  const std::string id = random_token();
  Session session{random_token(), clock_() + options_.lifetime};
  {
    const std::lock_guard lock(mutex_);
    const auto now = clock_();
    std::erase_if(sessions_, [&](const auto& entry) { return entry.second.expires_at <= now; });
    if (sessions_.size() >= options_.max_sessions) {
      const auto oldest = std::ranges::min_element(
          sessions_, [](const auto& a, const auto& b) { return a.second.expires_at < b.second.expires_at; });
      sessions_.erase(oldest);
    }
    sessions_.emplace(sha256_hex(id), session);
  }
  hookline::toolkit::JsonWriter out;
  out.begin_object();
  out.key("csrf_token").string(session.csrf_token);
  out.member("expires_at", session.expires_at);
  out.end_object();
  HttpResponse response;
  response.body = out.take();
  response.headers.add("Set-Cookie", cookie(id, options_.lifetime));
  response.headers.add("Cache-Control", "no-store");
  return answer(std::move(response));
}

HttpResponse AdminSessions::describe(const HttpRequest& request) {
  hookline::toolkit::JsonWriter out;
  out.begin_object();
  if (request.headers.get("Authorization")) {
    out.key("via").string("bearer");
  } else {
    const std::lock_guard lock(mutex_);
    const auto session = find_session(request);
    if (session == sessions_.end()) return unauthorized();
    out.key("via").string("session");
    out.key("csrf_token").string(session->second.csrf_token);
    out.member("expires_at", session->second.expires_at);
  }
  out.end_object();
  HttpResponse response;
  response.body = out.take();
  response.headers.add("Cache-Control", "no-store");
  return response;
}

HttpResponse AdminSessions::logout(const HttpRequest& request) {
  {
    const std::lock_guard lock(mutex_);
    if (const auto session = find_session(request); session != sessions_.end()) sessions_.erase(session);
  }
  HttpResponse response;
  response.body = R"({"status":"signed_out"})";
  response.headers.add("Set-Cookie", cookie("", std::chrono::seconds(0)));
  if (options_.audit) options_.audit("logout", request.peer, response.status);
  return response;
}

}  // namespace fulfillment
