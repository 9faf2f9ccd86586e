#pragma once
/// @file
/// The operator's dashboard: a small page application (HTML, CSS, plain JavaScript and Debian's
/// Chart.js) built into the binary and served on the admin listener at `/`. The pages only call the
/// admin API of the same listener; the Content-Security-Policy they are served with lets them load
/// and contact nothing else, and run no inline script.

#include <span>
#include <string_view>

#include "hookline/http_server.hpp"

namespace fulfillment {

/// One file of the dashboard.
struct DashboardAsset {
  std::string_view path;          ///< Where it is served, e.g. "/" or "/assets/app.js".
  std::string_view content_type;  ///< e.g. "text/html; charset=utf-8".
  std::string_view body;          ///< The file's bytes.
};

/// Every file of the dashboard (generated at build time).
[[nodiscard]] std::span<const DashboardAsset> dashboard_assets();

/// The Content-Security-Policy of every dashboard file: same origin only, no inline script.
inline constexpr std::string_view dashboard_content_security_policy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Serves the dashboard's files with GET (open routes: they hold no data; the pages ask the admin
/// API, behind the listener's access check, for everything they show).
void mount_dashboard(hookline::WebhookServer& server);

}  // namespace fulfillment
