#pragma once
/// @file
/// The durable inbox for more than one receiver: one PostgreSQL database shared by every instance,
/// group commit so that concurrent claims share one transaction, leases so that any instance may
/// handle any claimed event and a dead instance's work passes to the others (target hookline::postgres).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "hookline/inbox.hpp"

namespace hookline {

/// True when `db` is a PostgreSQL connection URI (`postgresql://` or `postgres://`), not a file path.
[[nodiscard]] bool is_postgres_uri(std::string_view db) noexcept;

/// Checks a connection URI without connecting, as PostgresInbox::open() does first: an error when
/// libpq cannot parse it or when it holds a password (which belongs in the environment), so that a
/// command line can refuse it as a usage error.
[[nodiscard]] Status<StoreError> check_postgres_uri(std::string_view uri);

/// How a PostgresInbox is opened.
struct PostgresInboxOptions {
  /// Most claims written in one transaction (one multi-row INSERT; at most 9362, 7 parameters each).
  std::size_t max_batch = 256;
  /// How long an entry taken by take_due() stays this instance's; past it, any instance may take it again.
  std::chrono::seconds lease{30};
  /// The bound on waiting for the database: connecting, a statement, an unanswered network, a free connection.
  std::chrono::seconds timeout{10};
  /// Most connections for operations other than claims (the committer has one of its own).
  std::size_t max_connections = 8;
  /// How much the refused record keeps (shared by every instance on the database).
  RefusedLimits refused;
};

/// Counters of a PostgresInbox's group committer, for metrics and benchmarks.
struct PostgresCommitStats {
  std::uint64_t batches = 0;  ///< transactions committed or failed
  std::uint64_t claims = 0;   ///< claims answered as durable
};

/// A ReceiverStore in a PostgreSQL database: the inbox, the quarantine and the refused record, shared
/// by any number of instances (processes) that open the same database.
/// Claims go to one committer thread that writes each batch of them in one multi-row
/// `INSERT ... ON CONFLICT DO NOTHING`, committed with synchronous_commit on before any of them is
/// answered; the same event claimed by two instances at once is accepted by one.
/// take_due() marks entries in flight with this instance as owner and a lease (`now` + lease): takes
/// are ordered by a transaction-level advisory lock, so that each sees the entries the last one took,
/// and rows being recorded are skipped (`FOR UPDATE SKIP LOCKED`), not waited for. An entry whose lease
/// has expired is due again, for any instance. recover_in_flight() gives back only this instance's entries.
/// counts(), dead_letters() and the listings are of the whole database, every instance's entries.
/// A lost database answers StoreError within the timeout; the store connects again on the next call.
class PostgresInbox final : public ReceiverStore {
 public:
  /// Connects to `uri` (`postgresql://user@host:port/dbname?param=value`) and applies the schema
  /// migrations this version knows, one instance at a time (under an advisory lock). Fails on a URI
  /// that holds a password (it comes from PGPASSWORD, PGPASSFILE or ~/.pgpass, or HOOKLINE_DB_PASSWORD),
  /// on a database that cannot be reached, and on a schema newer than this version knows.
  [[nodiscard]] static Result<std::unique_ptr<PostgresInbox>, StoreError> open(std::string_view uri,
                                                                               PostgresInboxOptions options = {});
  ~PostgresInbox() override;

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

  /// The name this instance's in-flight entries carry as their owner (host, process id and a random part).
  [[nodiscard]] const std::string& owner() const noexcept;
  /// How many batches and claims the committer has written so far.
  [[nodiscard]] PostgresCommitStats commit_stats() const;

  /// The newest schema version this version of hookline knows and migrates to.
  static constexpr long long schema_version = 3;

 private:
  struct Impl;
  explicit PostgresInbox(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace hookline
