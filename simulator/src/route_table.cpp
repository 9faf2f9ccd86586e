#include "route_table.hpp"

#include <array>
#include <string_view>
#include <utility>

namespace hookline::simulator {

namespace {

/// The methods a WebhookServer routes, in the order an `Allow` field lists them.
constexpr std::array<std::string_view, 5> routed_methods{"GET", "POST", "PUT", "PATCH", "DELETE"};

/// The method whose routes serve `method`: GET's for HEAD.
std::string_view served_as(std::string_view method) { return method == "HEAD" ? "GET" : method; }

HttpResponse method_not_allowed(const std::string& allow) {
  auto response = error_response(405, "method_not_allowed", "use " + allow);
  response.headers.set("Allow", allow);
  return response;
}

}  // namespace

RouteTable::RouteTable(std::vector<Route> routes) {
  entries_.reserve(routes.size());
  for (auto& route : routes) {
    std::regex path(route.pattern);
    entries_.push_back(Entry{std::move(route), std::move(path)});
  }
}

HttpResponse RouteTable::handle(const HttpRequest& request) const {
  const bool head = request.method == "HEAD";
  const auto method = served_as(request.method);
  HttpResponse response;
  const Entry* served = nullptr;
  std::smatch captures;
  for (const auto& entry : entries_) {
    if (entry.route.method == method && std::regex_match(request.path, captures, entry.path)) {
      served = &entry;
      break;
    }
  }
  if (served != nullptr) {
    HttpRequest matched = request;
    matched.matches.assign(captures.begin(), captures.end());
    response = serve(*served, matched);
  } else {
    response = unserved(request);
  }
  if (head) response.body.clear();
  return response;
}

void RouteTable::add_to(WebhookServer& server) const {
  for (const auto& entry : entries_) {
    server.route(entry.route.method, entry.route.pattern,
                 [&entry](const HttpRequest& request) { return serve(entry, request); });
  }
  for (const auto method : routed_methods) {
    server.route(std::string(method), ".*", [this](const HttpRequest& request) { return unserved(request); });
  }
}

HttpResponse RouteTable::serve(const Entry& entry, const HttpRequest& request) {
  if (entry.route.access) {
    if (auto refused = entry.route.access(request)) return std::move(*refused);
  }
  return entry.route.handler(request);
}

HttpResponse RouteTable::unserved(const HttpRequest& request) const {
  std::array<bool, routed_methods.size()> allowed{};
  const Entry* checked = nullptr;
  for (const auto& entry : entries_) {
    if (!std::regex_match(request.path, entry.path)) continue;
    if (checked == nullptr && entry.route.access) checked = &entry;
    for (std::size_t at = 0; at < routed_methods.size(); ++at) {
      allowed[at] = allowed[at] || entry.route.method == routed_methods[at];
    }
  }
  if (checked != nullptr) {
    if (auto refused = checked->route.access(request)) return std::move(*refused);
  }
  std::string allow;
  for (std::size_t at = 0; at < routed_methods.size(); ++at) {
    if (allowed[at]) allow += (allow.empty() ? "" : ", ") + std::string(routed_methods[at]);
  }
  if (allow.empty()) return error_response(404, "not_found", "no route " + request.method + " " + request.path);
  return method_not_allowed(allow);
}

}  // namespace hookline::simulator
