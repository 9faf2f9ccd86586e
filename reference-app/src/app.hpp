#pragma once
/// @file
/// The fulfillment server put together: inbox, receiver at POST /webhooks/vrio, dispatcher with the
/// shipment handlers, scheduler and warehouse, platform checks and reconciliation, tracking outbox,
/// on two hardened WebhookServers:
/// - the public listener serves POST /webhooks/vrio, /healthz and /readyz, and nothing else (any
///   other path is the same 404);
/// - the admin listener serves the operator's dashboard at / (its files open, its data from the API),
///   the admin API (/api/...) and /metrics behind the admin token (bearer, or a session cookie with
///   a CSRF token: AdminSessions), and /healthz and /readyz open. Without a token configured every
///   checked route answers 401 naming HOOKLINE_ADMIN_TOKEN. Each state-changing admin request, login
///   and logout is one "admin action" log line.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "hookline/http_server.hpp"
#include "hookline/result.hpp"
#include "hookline/secret.hpp"
#include "hookline/time_zone.hpp"
#include "platform_checks.hpp"
#include "reconciler.hpp"
#include "tracking_outbox.hpp"

namespace fulfillment {

/// Everything the server needs to run.
struct AppConfig {
  hookline::ListenAddress listen{"127.0.0.1", 8080};   ///< --listen: the public listener (webhooks).
  std::optional<hookline::TlsFiles> tls;               ///< --tls-cert, --tls-key: HTTPS on the public listener.
  /// --trusted-proxy: proxies in front of the public listener whose X-Forwarded-For names the client.
  std::vector<hookline::IpNetwork> trusted_proxies;
  hookline::ListenAddress admin_listen{"127.0.0.1", 8081};  ///< --admin-listen: the admin API and /metrics.
  std::optional<hookline::TlsFiles> admin_tls;         ///< --admin-tls-cert, --admin-tls-key.
  /// HOOKLINE_ADMIN_TOKEN or --admin-token-file (at least min_admin_token_length characters);
  /// none: every admin route but /healthz and /readyz answers 401.
  std::optional<hookline::Secret> admin_token;
  hookline::RefusedLimits refused;                     ///< --refused-max-entries, --refused-max-bytes.
  /// --db: an SQLite file path (the inbox lives next to it) or a PostgreSQL URI (both in that database).
  std::string database = "var/fulfillment.db";
  /// --lease-s: how long an instance's claim on an event, a fulfillment or a tracking post lasts.
  std::chrono::seconds lease{30};
  std::string platform_url = "http://127.0.0.1:9090";  ///< --platform-url
  std::chrono::milliseconds platform_timeout{5000};    ///< --platform-timeout-ms: connect, read and write timeout of a platform call.
  std::chrono::milliseconds warehouse_delay{500};      ///< --warehouse-delay-ms
  hookline::TimeZone zone;                             ///< --zone
  std::string api_key_header = "X-Api-Key";            ///< --api-key-header
  std::vector<hookline::Secret> webhook_secrets;       ///< HOOKLINE_SECRET, HOOKLINE_SECRET_PREVIOUS, --secret-file.
  std::optional<hookline::Secret> platform_api_key;    ///< HOOKLINE_PLATFORM_API_KEY
  OutboxOptions outbox;                                ///< Tracking retries.
  /// --check-before-ship: read each shipment from the platform before releasing it, and run
  /// reconciliation; off, the server never reads the platform.
  bool check_before_ship = false;
  CheckOptions checks;          ///< --check-unavailable, --check-attempts.
  ReconcilerOptions reconcile;  ///< --reconcile-interval-s (zero: no passes), --reconcile-reads-per-s, --held-lookup-after-s.
  std::ostream* log = nullptr;                         ///< JSON-lines log; std::clog when null.
};

/// The variable that holds the admin token.
inline constexpr std::string_view admin_token_variable = "HOOKLINE_ADMIN_TOKEN";
/// The shortest admin token accepted.
inline constexpr std::size_t min_admin_token_length = 32;

/// The SQLite inbox file that goes with a fulfillment database file: "x.db" → "x.inbox.db".
[[nodiscard]] std::filesystem::path inbox_path_for(const std::filesystem::path& database);

/// The running server.
class App {
 public:
  /// Opens the databases and builds every part; nothing runs yet.
  [[nodiscard]] static hookline::Result<std::unique_ptr<App>, std::string> create(AppConfig config);
  ~App();
  App(const App&) = delete;
  App& operator=(const App&) = delete;

  /// Starts the workers and both listeners; returns once their ports are bound.
  [[nodiscard]] hookline::Status<std::string> start();
  /// Reads the TLS files of both listeners again (SIGHUP); connections open keep theirs. On a
  /// failure the listener that failed keeps its files, and the error says which and why.
  [[nodiscard]] hookline::Status<std::string> reload_tls();
  /// Fails /readyz from now on ("draining") while still serving, so that a load balancer's health
  /// check moves traffic away before stop() closes the listeners.
  void begin_drain() noexcept;
  /// Stops accepting, drains running work (bounded by `drain`) and stops every worker; idempotent.
  void stop(std::chrono::milliseconds drain = std::chrono::seconds(5));
  /// The public listener's bound port.
  [[nodiscard]] std::uint16_t port() const noexcept;
  /// The admin listener's bound port.
  [[nodiscard]] std::uint16_t admin_port() const noexcept;
  /// Waits until received events are handled and due fulfillments fulfilled; false on timeout.
  [[nodiscard]] bool wait_until_idle(std::chrono::milliseconds timeout);

 private:
  struct Parts;
  explicit App(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

}  // namespace fulfillment
