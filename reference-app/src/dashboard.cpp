#include "dashboard.hpp"

#include <regex>
#include <string>

namespace fulfillment {

void mount_dashboard(hookline::WebhookServer& server) {
  for (const DashboardAsset& asset : dashboard_assets()) {
    const std::string pattern = std::regex_replace(std::string(asset.path), std::regex(R"([.^$|()\[\]{}*+?\\])"), R"(\$&)");
    server.route(
        "GET", pattern,
        [&asset](const hookline::HttpRequest&) {
          hookline::HttpResponse response;
          response.content_type = std::string(asset.content_type);
          response.body = std::string(asset.body);
          response.headers.add("Content-Security-Policy", std::string(dashboard_content_security_policy));
          response.headers.add("X-Content-Type-Options", "nosniff");
          response.headers.add("Referrer-Policy", "no-referrer");
          response.headers.add("Cache-Control", "no-cache");
          return response;
        },
        hookline::RouteAccess::open);
  }
}

}  // namespace fulfillment
