#pragma once
/// @file
/// Who may use the admin listener: programs sending `Authorization: Bearer <token>`, and browsers
/// that exchanged the token for a session at POST /api/session. The session is a cookie (HttpOnly,
/// SameSite=Strict, Secure when the listener speaks TLS) that scripts cannot read; each session
/// also has a CSRF token, answered by the login and by GET /api/session, that every request
/// changing state (POST, PUT, PATCH, DELETE) must send in `X-CSRF-Token`. A bearer request needs no
/// CSRF token: a browser never adds that header by itself.

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "hookline/dispatcher.hpp"
#include "hookline/http_server.hpp"
#include "hookline/secret.hpp"

namespace fulfillment {

/// The session cookie's name.
inline constexpr std::string_view session_cookie = "hookline_session";
/// The header that carries a session's CSRF token.
inline constexpr std::string_view csrf_header = "X-CSRF-Token";

/// How sessions are kept.
struct SessionOptions {
  bool secure_cookie = false;                            ///< Mark the cookie Secure (the listener speaks TLS).
  std::chrono::seconds lifetime{std::chrono::hours(8)};  ///< A session ends this long after its login.
  std::size_t max_sessions = 256;                        ///< Beyond this, a login ends the oldest session.
  /// Told about each login and logout: "login" or "logout", the caller's address, the status answered.
  std::function<void(std::string_view action, std::string_view peer, int status)> audit;
};

/// The admin listener's access: the bearer token, or a session made from it; thread-safe.
class AdminSessions {
 public:
  /// Sessions for `token` (none configured: every check and login answers 401 saying so), reading
  /// the time from `clock`.
  AdminSessions(std::optional<hookline::Secret> token, hookline::Clock clock, SessionOptions options = {});

  /// The listener's ServerOptions::access_check: a valid bearer token, or a live session whose
  /// state-changing requests carry its CSRF token (403 `csrf_token_invalid` otherwise).
  [[nodiscard]] hookline::AccessCheck access_check();

  /// Adds POST /api/session (open: the login), GET /api/session and DELETE /api/session (the logout).
  void mount(hookline::WebhookServer& server);

  /// POST /api/session with `{"token":"..."}` as application/json: sets the cookie and answers
  /// `{"csrf_token":...,"expires_at":...}`; a wrong token is a 401.
  [[nodiscard]] hookline::HttpResponse login(const hookline::HttpRequest& request);
  /// GET /api/session: how the caller is signed in, and the session's CSRF token.
  [[nodiscard]] hookline::HttpResponse describe(const hookline::HttpRequest& request);
  /// DELETE /api/session: ends the caller's session and clears the cookie.
  [[nodiscard]] hookline::HttpResponse logout(const hookline::HttpRequest& request);

 private:
  struct Session {
    std::string csrf_token;
    std::chrono::sys_seconds expires_at{};
  };
  /// The live session the request's cookie names, by the digest of its id (under mutex_).
  std::map<std::string, Session>::iterator find_session(const hookline::HttpRequest& request);
  [[nodiscard]] std::string cookie(std::string_view value, std::chrono::seconds max_age) const;
  [[nodiscard]] hookline::HttpResponse unauthorized() const;

  bool configured_;
  hookline::AccessCheck bearer_;
  hookline::Clock clock_;
  SessionOptions options_;
  std::mutex mutex_;
  std::map<std::string, Session> sessions_;  // by SHA-256 of the session id, hex
};

}  // namespace fulfillment
