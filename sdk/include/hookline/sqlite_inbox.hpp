#pragma once
/// @file
/// The default durable inbox: one SQLite file in WAL mode, group commit so that concurrent claims share
/// one transaction, and the write-ahead log synced before any claim is answered (target hookline::sqlite).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>

#include "hookline/inbox.hpp"

namespace hookline {

/// How a SqliteInbox is opened.
struct SqliteInboxOptions {
  /// Most claims written in one transaction; 1 means one commit per claim.
  std::size_t max_batch = 256;
  /// How long a connection waits for a lock held by another before failing.
  std::chrono::milliseconds busy_timeout{5000};
  /// A cap on the database size; claims fail with a StoreError (so senders retry) once it is full.
  std::optional<std::uint64_t> max_size_bytes;
  /// How much the refused record keeps.
  RefusedLimits refused;
  /// Told, once per file, when open() narrowed a database file that others could read to 0600.
  std::function<void(std::string_view note)> warn;
};

/// Counters of the group committer, for metrics and benchmarks.
struct CommitStats {
  std::uint64_t batches = 0;  ///< transactions committed or failed
  std::uint64_t syncs = 0;    ///< syncs of the write-ahead log, each covering the batches before it
  std::uint64_t claims = 0;   ///< claims answered as durable
};

/// A ReceiverStore in a SQLite file: the inbox, the quarantine and the refused record in one
/// database, its files mode 0600 and locked against a second process for as long as it is open.
/// Inbox: an InboxStore in a SQLite file. Claims and handling outcomes go to one committer thread that writes
/// each batch of them in one transaction; a syncer thread syncs the write-ahead log while the next
/// batch is written, and a claim is answered only once the log holding it is synced (what
/// synchronous=FULL gives, without making the next batch wait for the disk). The batch after that
/// waits for the sync, so that claims arriving meanwhile share one transaction. Outcomes are answered
/// at commit: one lost in a power cut (never in a process crash) only means that an entry is handled
/// again. The dispatcher takes only synced entries. The destructor answers every queued write before
/// it closes the file.
/// Quarantine: a delivery is quarantined through the same committer and answered once synced, like a
/// claim. Refused record: each delivery is one transaction on a connection of its own, committed
/// without a sync (it survives a process crash, maybe not a power cut); an insert deletes the
/// oldest entries over the limits in the same transaction, their ids and sizes known from memory.
class SqliteInbox final : public ReceiverStore {
 public:
  /// Opens (creating if needed) the database at `path`, for this process only: fails when another
  /// process holds it (see DatabaseLock in hookline/sqlite_files.hpp), creates its files mode 0600
  /// and narrows wider ones (telling options.warn), and migrates a file an older hookline wrote to
  /// schema_version; refuses a newer one. Being in flight is kept in memory, so entries a previous
  /// process left in flight are simply pending.
  [[nodiscard]] static Result<std::unique_ptr<SqliteInbox>, StoreError> open(const std::filesystem::path& path,
                                                                             SqliteInboxOptions options = {});
  ~SqliteInbox() override;

  [[nodiscard]] Result<ClaimOutcome, StoreError> claim(const EventMeta& meta, std::string_view body,
                                                       std::chrono::sys_seconds now) override;
  [[nodiscard]] Result<std::vector<InboxEntry>, StoreError> take_due(std::size_t limit,
                                                                     std::chrono::sys_seconds now) override;
  [[nodiscard]] Result<std::size_t, StoreError> record(std::span<const HandlingOutcome> outcomes) override;
  [[nodiscard]] Result<std::vector<InboxEntry>, StoreError> dead_letters(std::size_t limit) override;
  [[nodiscard]] Result<std::optional<InboxEntry>, StoreError> find(EntryId id) override;
  [[nodiscard]] Result<bool, StoreError> replay(EntryId id, std::chrono::sys_seconds now) override;
  [[nodiscard]] Result<std::size_t, StoreError> prune_handled(std::chrono::sys_seconds now,
                                                              std::chrono::seconds retention) override;
  [[nodiscard]] Result<InboxCounts, StoreError> counts() override;
  [[nodiscard]] Result<std::size_t, StoreError> recover_in_flight() override;

  [[nodiscard]] Result<QuarantineOutcome, StoreError> quarantine(const QuarantinedDelivery& delivery) override;
  [[nodiscard]] Result<Page<QuarantineEntry>, StoreError> list_quarantined(const PageRequest& request) override;
  [[nodiscard]] Result<std::optional<QuarantineEntry>, StoreError> find_quarantined(QuarantineId id) override;
  [[nodiscard]] Result<bool, StoreError> record_replay_failure(QuarantineId id, const ParseError& error) override;
  [[nodiscard]] Result<bool, StoreError> remove_quarantined(QuarantineId id) override;
  [[nodiscard]] Result<std::size_t, StoreError> quarantine_depth() override;

  [[nodiscard]] Result<bool, StoreError> record_refused(const RefusedDelivery& delivery) override;
  [[nodiscard]] Result<Page<RefusedEntry>, StoreError> list_refused(const PageRequest& request) override;
  [[nodiscard]] Result<std::optional<RefusedEntry>, StoreError> find_refused(RefusedId id) override;
  [[nodiscard]] Result<bool, StoreError> remove_refused(RefusedId id) override;
  [[nodiscard]] Result<RefusedCounts, StoreError> refused_counts() override;

  /// How many batches and claims the committer has written so far.
  [[nodiscard]] CommitStats commit_stats() const;

  /// The schema version this version of hookline writes and migrates to (the file's user_version).
  static constexpr long long schema_version = 1;

 private:
  struct Impl;
  explicit SqliteInbox(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace hookline
