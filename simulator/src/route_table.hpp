#pragma once
// Private: the simulator's HTTP routes as one table, served the same way in-process
// (Simulator::handle) and on a WebhookServer (add_routes).

#include <regex>
#include <string>
#include <vector>

#include "hookline/http_server.hpp"
#include "hookline/receiver.hpp"

namespace hookline::simulator {

/// One route: a method, a path pattern and what answers it.
struct Route {
  std::string method;    ///< "GET" (which serves HEAD too), "POST", "PUT", "PATCH" or "DELETE".
  std::string pattern;   ///< ECMAScript regular expression of the whole path; captures in HttpRequest::matches.
  RouteHandler handler;  ///< Answers a request this route serves.
  /// When set, it answers first every request to a path this route's pattern matches, whatever the
  /// method: a path behind a key tells nothing, not even its methods, to a caller without the key.
  AccessCheck access;
};

/// Routes in the order they are tried, and the answers to what none of them serves: a 405 with
/// `Allow` for a path served with other methods, a 404 `no route METHOD PATH` for any other.
class RouteTable {
 public:
  /// Throws std::regex_error for a pattern that is not a regular expression.
  explicit RouteTable(std::vector<Route> routes);

  /// The answer to `request`, from the first route serving its method and path, as a WebhookServer
  /// would give it (HEAD is served by GET routes, without the body).
  [[nodiscard]] HttpResponse handle(const HttpRequest& request) const;

  /// Registers every route on `server`, then a catch-all per method answering the rest as handle()
  /// does, so the server never answers a 404 or 405 of its own. The table must outlive the server.
  void add_to(WebhookServer& server) const;

 private:
  struct Entry {
    Route route;
    std::regex path;
  };

  /// The answer of `entry`'s route to `request` (its matches set), after the route's access check.
  [[nodiscard]] static HttpResponse serve(const Entry& entry, const HttpRequest& request);
  /// The answer to a request no route serves: its path's access check, then the 405 or the 404.
  [[nodiscard]] HttpResponse unserved(const HttpRequest& request) const;

  std::vector<Entry> entries_;
};

}  // namespace hookline::simulator
