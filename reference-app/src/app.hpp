#pragma once
/// @file
/// The fulfillment server put together: inbox, receiver at POST /webhooks/vrio, dispatcher with the
/// shipment handlers, scheduler and warehouse, platform checks and reconciliation, tracking outbox,
/// admin API, /healthz, /readyz and /metrics on one hardened WebhookServer.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
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
  hookline::ListenAddress listen{"127.0.0.1", 8080};   ///< --listen
  std::filesystem::path database = "var/fulfillment.db";  ///< --db; the inbox lives next to it.
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

/// The inbox database that goes with a fulfillment database: "x.db" → "x.inbox.db".
[[nodiscard]] std::filesystem::path inbox_path_for(const std::filesystem::path& database);

/// The running server.
class App {
 public:
  /// Opens the databases and builds every part; nothing runs yet.
  [[nodiscard]] static hookline::Result<std::unique_ptr<App>, std::string> create(AppConfig config);
  ~App();
  App(const App&) = delete;
  App& operator=(const App&) = delete;

  /// Starts the workers and listens; returns once the port is bound.
  [[nodiscard]] hookline::Status<std::string> start();
  /// Stops accepting, drains running work (bounded by `drain`) and stops every worker; idempotent.
  void stop(std::chrono::milliseconds drain = std::chrono::seconds(5));
  /// The bound port.
  [[nodiscard]] std::uint16_t port() const noexcept;
  /// Waits until received events are handled and due fulfillments fulfilled; false on timeout.
  [[nodiscard]] bool wait_until_idle(std::chrono::milliseconds timeout);

 private:
  struct Parts;
  explicit App(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

}  // namespace fulfillment
