#pragma once
// Prepared statements kept per connection: each SQL text is compiled once, not once per call
// (compiling takes longer than running most statements), and reset after each use so that none
// keeps a read snapshot open.

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace SQLite {
class Database;
class Statement;
}  // namespace SQLite

namespace hookline::sqlite {

/// The statements of one connection by SQL text. Not thread-safe: used under its owner's mutex.
class StatementCache {
 public:
  explicit StatementCache(SQLite::Database& database);
  ~StatementCache();
  StatementCache(const StatementCache&) = delete;
  StatementCache& operator=(const StatementCache&) = delete;

  /// The statement for `sql`, reset and without bindings; valid until the enclosing Scope ends.
  [[nodiscard]] SQLite::Statement& prepare(std::string_view sql);

  /// One use of the cache: resets the statements prepared during it when it ends, so that none
  /// keeps a read snapshot open (which would stop the write-ahead log from being checkpointed).
  class Scope {
   public:
    explicit Scope(StatementCache& cache) : cache_(cache) {}
    ~Scope() { cache_.reset_used(); }
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    StatementCache& cache_;
  };

 private:
  void reset_used() noexcept;

  SQLite::Database& database_;
  std::map<std::string, std::unique_ptr<SQLite::Statement>, std::less<>> statements_;
  std::vector<SQLite::Statement*> used_;
};

}  // namespace hookline::sqlite
