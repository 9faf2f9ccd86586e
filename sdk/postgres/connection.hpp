#pragma once
// A thin RAII layer over libpq for the PostgreSQL inbox and the fulfillment store: connections, parameters sent in binary,
// results read in binary, every failure as a StoreError.

#include <libpq-fe.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hookline/result.hpp"
#include "hookline/storage.hpp"

namespace hookline::postgres {

/// How to reach the database: the URI (checked to hold no password) and the bound on every wait.
struct ConnectSettings {
  std::string uri;
  std::chrono::seconds timeout{10};
};

/// Checks that `uri` is a PostgreSQL URI libpq can read and that it holds no password.
[[nodiscard]] Status<StoreError> check_uri(std::string_view uri);

/// Statement parameters, all sent in binary with their types given: bytea and text as their bytes,
/// bigint as 8 bytes in network order. Views passed in must outlive the statement.
class Params {
 public:
  Params& bytes(std::string_view value);
  Params& text(std::string_view value);
  Params& int64(std::int64_t value);
  /// An SQL NULL of type bigint.
  Params& null_int64();
  /// An SQL NULL of type text.
  Params& null_text();
  /// `value`, or NULL when there is none.
  Params& int64(const std::optional<std::int64_t>& value) { return value ? int64(*value) : null_int64(); }

  [[nodiscard]] int size() const noexcept { return static_cast<int>(values_.size()); }
  [[nodiscard]] const Oid* types() const noexcept { return types_.data(); }
  [[nodiscard]] const char* const* values() const noexcept { return values_.data(); }
  [[nodiscard]] const int* lengths() const noexcept { return lengths_.data(); }
  [[nodiscard]] const int* formats() const noexcept { return formats_.data(); }

 private:
  Params& add(Oid type, const char* value, std::size_t length);
  std::deque<std::string> encoded_;  // bigint encodings; a deque keeps their addresses
  std::vector<Oid> types_;
  std::vector<const char*> values_;
  std::vector<int> lengths_;
  std::vector<int> formats_;
};

/// A statement's rows, read in binary: bigint columns with int64(), bytea and text with bytes().
class Rows {
 public:
  explicit Rows(PGresult* result) : result_(result, &PQclear) {}
  [[nodiscard]] int count() const noexcept { return PQntuples(result_.get()); }
  [[nodiscard]] std::int64_t int64(int row, int column) const;
  [[nodiscard]] std::string bytes(int row, int column) const;
  [[nodiscard]] std::string_view view(int row, int column) const;
  /// True when the value is SQL NULL.
  [[nodiscard]] bool is_null(int row, int column) const { return PQgetisnull(result_.get(), row, column) == 1; }
  /// A bigint column that may be NULL.
  [[nodiscard]] std::optional<std::int64_t> optional_int64(int row, int column) const {
    if (is_null(row, column)) return std::nullopt;
    return int64(row, column);
  }
  /// How many rows an INSERT, UPDATE or DELETE changed.
  [[nodiscard]] std::size_t affected() const;

 private:
  std::unique_ptr<PGresult, decltype(&PQclear)> result_;
};

/// One open connection, used by one thread at a time.
class Connection {
 public:
  /// Connects, with synchronous_commit on and statements bounded by settings.timeout.
  [[nodiscard]] static Result<std::unique_ptr<Connection>, StoreError> open(const ConnectSettings& settings);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  /// Runs one statement with parameters; `doing` begins the error's message. The statement is
  /// prepared on the connection the first time its text is run (up to max_prepared texts), and only
  /// executed after that: the server parses and plans it once per connection, not once per call.
  [[nodiscard]] Result<Rows, StoreError> exec(std::string_view doing, const std::string& sql, const Params& params);
  /// Runs statements without parameters (may be several, separated by ';').
  [[nodiscard]] Status<StoreError> run(std::string_view doing, const char* sql);
  /// True once the connection to the server is lost: it is closed rather than used again.
  [[nodiscard]] bool broken() const noexcept;
  /// True when no transaction is open (or failed and not yet rolled back) on the connection.
  [[nodiscard]] bool idle() const noexcept { return PQtransactionStatus(connection_) == PQTRANS_IDLE; }

 private:
  explicit Connection(PGconn* connection) : connection_(connection) {}
  [[nodiscard]] Result<Rows, StoreError> check(std::string_view doing, PGresult* result);
  /// The name `sql` is prepared under on this connection (preparing it now if it is new), or none
  /// when the cache is full or the preparing failed (the statement is then run unprepared).
  [[nodiscard]] const std::string* prepared(const std::string& sql, const Params& params);

  /// Most statement texts prepared on one connection (the texts of a program are few; a query
  /// built with many shapes of filter beyond this is run unprepared).
  static constexpr std::size_t max_prepared = 512;
  PGconn* connection_;
  std::map<std::string, std::string, std::less<>> prepared_;  // statement text → its name
};

}  // namespace hookline::postgres
