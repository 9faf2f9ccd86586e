#pragma once
/// @file
/// The quarantine: deliveries that authenticated but could not be parsed, kept byte for byte with
/// their headers and the parse error, never handled, until a replay parses them (with a version
/// that can) or an operator deletes them. Receiver::replay_quarantined() does the replay.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "hookline/event.hpp"
#include "hookline/headers.hpp"
#include "hookline/result.hpp"
#include "hookline/storage.hpp"

namespace hookline {

/// The store's number for a quarantined delivery; increases in arrival order.
using QuarantineId = std::int64_t;

/// A delivery to quarantine: what arrived, and why it could not be parsed.
struct QuarantinedDelivery {
  /// The platform of the receiver that took it.
  Platform platform = Platform::vrio;
  /// What makes a redelivery the same entry: quarantine_key() of the body.
  std::string key;
  /// The raw request body, byte for byte.
  std::string body;
  /// The header fields as received.
  Headers headers;
  /// When the receiver took it.
  std::chrono::sys_seconds received_at{};
  /// Why it could not be parsed (the JSON path and the problem); the last replay's error once replayed.
  ParseError error;
};

/// One quarantined delivery.
struct QuarantineEntry {
  /// Store-assigned, increasing in arrival order.
  QuarantineId id = 0;
  /// What arrived, and the latest parse error.
  QuarantinedDelivery delivery;
  /// How many replays have failed so far.
  int failed_replays = 0;
};

/// What QuarantineStore::quarantine() did.
enum class QuarantineOutcome {
  stored,          ///< a new entry
  already_stored,  ///< an entry of this (platform, key) was there: nothing changed
};

/// The key of a quarantined body: the platform's event id when probe_event_id() reads one
/// (hookline/parse.hpp), else the body's SHA-256 in lowercase hex.
[[nodiscard]] std::string quarantine_key(Platform platform, std::string_view body);

/// Where quarantined deliveries are kept. Every operation is thread-safe and reports a failing
/// store as a StoreError. MemoryInbox, SqliteInbox and PostgresInbox implement it.
class QuarantineStore {
 public:
  QuarantineStore() = default;
  QuarantineStore(const QuarantineStore&) = delete;
  QuarantineStore& operator=(const QuarantineStore&) = delete;
  virtual ~QuarantineStore() = default;

  /// Keeps `delivery` unless an entry of its (platform, key) is kept already; durable before it
  /// returns, like InboxStore::claim().
  [[nodiscard]] virtual Result<QuarantineOutcome, StoreError> quarantine(const QuarantinedDelivery& delivery) = 0;
  /// A page of entries, oldest first (see PageRequest).
  [[nodiscard]] virtual Result<Page<QuarantineEntry>, StoreError> list_quarantined(const PageRequest& request) = 0;
  /// The entry with this id, if there is one.
  [[nodiscard]] virtual Result<std::optional<QuarantineEntry>, StoreError> find_quarantined(QuarantineId id) = 0;
  /// Records a replay that failed: `error` replaces the entry's error and failed_replays grows by
  /// one; false when there is no such entry.
  [[nodiscard]] virtual Result<bool, StoreError> record_replay_failure(QuarantineId id, const ParseError& error) = 0;
  /// Deletes the entry (replayed, or given up on); false when there is no such entry.
  [[nodiscard]] virtual Result<bool, StoreError> remove_quarantined(QuarantineId id) = 0;
  /// How many entries there are: the quarantine's depth, for metrics.
  [[nodiscard]] virtual Result<std::size_t, StoreError> quarantine_depth() = 0;
};

}  // namespace hookline
