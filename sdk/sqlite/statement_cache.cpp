#include "sqlite_layer/statement_cache.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

namespace hookline::sqlite {

StatementCache::StatementCache(SQLite::Database& database) : database_(database) {}

StatementCache::~StatementCache() = default;

SQLite::Statement& StatementCache::prepare(std::string_view sql) {
  auto found = statements_.find(sql);
  if (found == statements_.end()) {
    found =
        statements_.emplace(std::string(sql), std::make_unique<SQLite::Statement>(database_, std::string(sql))).first;
  }
  SQLite::Statement& statement = *found->second;
  statement.tryReset();
  statement.clearBindings();
  used_.push_back(&statement);
  return statement;
}

void StatementCache::reset_used() noexcept {
  for (SQLite::Statement* statement : used_) {
    statement->tryReset();
  }
  used_.clear();
}

}  // namespace hookline::sqlite
