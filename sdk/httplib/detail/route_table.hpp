#pragma once
// The adapter's own routing: mounted receivers by exact path, application routes by regular
// expression, and for every other request the 404 or 405 it gets. cpp-httplib only sees one
// catch-all per method, so every answer, unknown paths included, is the adapter's.

#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "hookline/http_server.hpp"
#include "hookline/receiver.hpp"

namespace hookline::detail {

/// One application route.
struct Route {
  std::string method;
  std::regex pattern;
  RouteHandler handler;
  RouteAccess access = RouteAccess::checked;
};

/// Where one request goes.
struct RouteMatch {
  enum class Kind {
    receiver,            ///< a mounted receiver's path (any method: the receiver decides)
    route,               ///< an application route serves the method and path
    method_not_allowed,  ///< routes serve the path with other methods only (see allow)
    not_found,           ///< nothing serves the path
  };
  Kind kind = Kind::not_found;
  const Receiver* receiver = nullptr;
  const Route* route = nullptr;
  /// The route pattern's captures; [0] is the whole path.
  std::vector<std::string> captures;
  /// For method_not_allowed: the methods served, for the Allow field, e.g. "GET, HEAD, POST".
  std::string allow;
  /// True when the matched route, or (method_not_allowed) any route of the path, is RouteAccess::open.
  bool open = false;
};

/// The 404 of every path nothing serves: the same body whatever the path.
[[nodiscard]] HttpResponse not_found_response();
/// The 405 for a path served with other methods, with `Allow: allow`.
[[nodiscard]] HttpResponse method_not_allowed_response(const std::string& allow);

class RouteTable {
 public:
  /// Serves `receiver` at exactly `path`.
  void mount(std::string path, const Receiver& receiver);
  /// Adds a route; throws std::invalid_argument for a method routes cannot have, std::regex_error
  /// for a pattern that is not a regular expression.
  void add(std::string method, const std::string& pattern, RouteHandler handler, RouteAccess access);
  /// Where `method path` goes: a mount first, then the routes in the order they were added.
  [[nodiscard]] RouteMatch find(std::string_view method, const std::string& path) const;

 private:
  struct Mount {
    std::string path;
    const Receiver* receiver;
  };
  std::vector<Mount> mounts_;
  std::vector<Route> routes_;
};

}  // namespace hookline::detail
