#pragma once
/// @file
/// The refused record: the latest deliveries refused for authentication (a bad or missing
/// signature or token, a source not allowed), each with everything needed to verify it again, so
/// that a secret configured wrongly loses nothing once the right one is in place
/// (Receiver::retry_refused()). It is bounded by count and bytes, the oldest entries dropped
/// first, and cheap to write, since forged requests write it too.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "hookline/event.hpp"
#include "hookline/headers.hpp"
#include "hookline/result.hpp"
#include "hookline/storage.hpp"

namespace hookline {

/// The store's number for a refused delivery; increases in arrival order.
using RefusedId = std::int64_t;

/// A delivery refused for authentication, as it arrived.
struct RefusedDelivery {
  /// The platform of the receiver that refused it.
  Platform platform = Platform::vrio;
  /// The request's path, e.g. "/webhooks/vrio".
  std::string path;
  /// The peer's address, from the socket.
  std::string peer;
  /// The refusal's code: "bad_signature", "bad_token" or "source_not_allowed".
  std::string reason;
  /// The refusal's sentence, as answered (it never holds a secret).
  std::string message;
  /// The header fields as received.
  Headers headers;
  /// The query parameters as received (a SourceGuard may read its token there).
  std::vector<std::pair<std::string, std::string>> query;
  /// The raw request body, byte for byte.
  std::string body;
  /// When the receiver refused it: a retry verifies timestamps against this time.
  std::chrono::sys_seconds received_at{};
};

/// One kept refused delivery.
struct RefusedEntry {
  /// Store-assigned, increasing in arrival order.
  RefusedId id = 0;
  /// What arrived, and why it was refused.
  RefusedDelivery delivery;
};

/// How much the refused record keeps; past either limit the oldest entries are dropped.
struct RefusedLimits {
  /// Most entries kept.
  std::size_t max_entries = 1000;
  /// Most bytes kept, counted by recorded_bytes().
  std::size_t max_bytes = std::size_t{16} << 20;
};

/// The bytes an entry counts against RefusedLimits::max_bytes: its body, and every header and
/// query name and value.
[[nodiscard]] std::size_t recorded_bytes(const RefusedDelivery& delivery) noexcept;

/// How full the refused record is.
struct RefusedCounts {
  std::size_t entries = 0;  ///< entries kept
  std::size_t bytes = 0;    ///< their recorded_bytes(), summed
};

/// Where refused deliveries are kept, within RefusedLimits. Every operation is thread-safe and
/// reports a failing store as a StoreError. MemoryInbox, SqliteInbox and PostgresInbox implement it.
class RefusedRecord {
 public:
  RefusedRecord() = default;
  RefusedRecord(const RefusedRecord&) = delete;
  RefusedRecord& operator=(const RefusedRecord&) = delete;
  virtual ~RefusedRecord() = default;

  /// Keeps `delivery` and drops the oldest entries until the record is within its limits again;
  /// a delivery over max_bytes on its own is not kept (false). Cheap enough for every forged
  /// request: durable stores write it without waiting for the disk (a process crash keeps it, a
  /// power cut may not), and the work per call is bounded by the entries it drops.
  [[nodiscard]] virtual Result<bool, StoreError> record_refused(const RefusedDelivery& delivery) = 0;
  /// A page of entries, oldest first (see PageRequest).
  [[nodiscard]] virtual Result<Page<RefusedEntry>, StoreError> list_refused(const PageRequest& request) = 0;
  /// The entry with this id, if it is still kept.
  [[nodiscard]] virtual Result<std::optional<RefusedEntry>, StoreError> find_refused(RefusedId id) = 0;
  /// Deletes the entry (retried, or given up on); false when it is not kept.
  [[nodiscard]] virtual Result<bool, StoreError> remove_refused(RefusedId id) = 0;
  /// How many entries and bytes are kept.
  [[nodiscard]] virtual Result<RefusedCounts, StoreError> refused_counts() = 0;
};

}  // namespace hookline
