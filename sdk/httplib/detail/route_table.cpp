#include "detail/route_table.hpp"

#include <algorithm>
#include <array>
#include <stdexcept>
#include <utility>

namespace hookline::detail {
namespace {

/// The methods routes may have, in the order an Allow field lists them (HEAD is served by GET routes).
constexpr std::array<std::string_view, 6> allow_order{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"};

bool serves(const Route& route, std::string_view method) {
  return route.method == method || (method == "HEAD" && route.method == "GET");
}

}  // namespace

HttpResponse not_found_response() { return error_response(404, "not_found", "nothing is served at this path"); }

HttpResponse method_not_allowed_response(const std::string& allow) {
  auto response = error_response(405, "method_not_allowed", "this path is not served with this method",
                                 {{"allow", allow}});
  response.headers.set("Allow", allow);
  return response;
}

void RouteTable::mount(std::string path, const Receiver& receiver) { mounts_.push_back({std::move(path), &receiver}); }

void RouteTable::add(std::string method, const std::string& pattern, RouteHandler handler, RouteAccess access) {
  if (method == "HEAD" || std::find(allow_order.begin(), allow_order.end(), method) == allow_order.end()) {
    throw std::invalid_argument("WebhookServer::route: unsupported method " + method);
  }
  routes_.push_back(Route{std::move(method), std::regex(pattern), std::move(handler), access});
}

RouteMatch RouteTable::find(std::string_view method, const std::string& path) const {
  RouteMatch match;
  for (const auto& mount : mounts_) {
    if (mount.path == path) {
      match.kind = RouteMatch::Kind::receiver;
      match.receiver = mount.receiver;
      return match;
    }
  }
  std::array<bool, allow_order.size()> allowed{};
  std::smatch captures;
  for (const auto& route : routes_) {
    if (!std::regex_match(path, captures, route.pattern)) {
      continue;
    }
    if (serves(route, method)) {
      match.kind = RouteMatch::Kind::route;
      match.route = &route;
      match.open = route.access == RouteAccess::open;
      for (const auto& capture : captures) {
        match.captures.push_back(capture.str());
      }
      return match;
    }
    match.open = match.open || route.access == RouteAccess::open;
    for (std::size_t at = 0; at < allow_order.size(); ++at) {
      allowed[at] = allowed[at] || serves(route, allow_order[at]);
    }
  }
  for (std::size_t at = 0; at < allow_order.size(); ++at) {
    if (allowed[at]) {
      match.allow += (match.allow.empty() ? "" : ", ") + std::string(allow_order[at]);
    }
  }
  match.kind = match.allow.empty() ? RouteMatch::Kind::not_found : RouteMatch::Kind::method_not_allowed;
  return match;
}

}  // namespace hookline::detail
