#include "connection.hpp"

#include <algorithm>

#include <cstdlib>
#include <cstring>

namespace hookline::postgres {
namespace {

constexpr Oid bytea_oid = 17;
constexpr Oid int8_oid = 20;
constexpr Oid text_oid = 25;

/// libpq's messages end with a newline; a StoreError's does not.
std::string trimmed(const char* message) {
  std::string text = message == nullptr ? "" : message;
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) {
    text.pop_back();
  }
  return text;
}

StoreError error_of(std::string_view doing, std::string_view what) {
  return StoreError{std::string(doing) + ": " + std::string(what)};
}

}  // namespace

Status<StoreError> check_uri(std::string_view uri) {
  char* parse_error = nullptr;
  const std::string text(uri);
  std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> options(PQconninfoParse(text.c_str(), &parse_error),
                                                                     &PQconninfoFree);
  if (!options) {
    std::string message = "not a PostgreSQL connection URI: " + trimmed(parse_error);
    PQfreemem(parse_error);
    return fail(StoreError{std::move(message)});
  }
  for (const PQconninfoOption* option = options.get(); option->keyword != nullptr; ++option) {
    if (std::strcmp(option->keyword, "password") == 0 && option->val != nullptr) {
      return fail(StoreError{
          "the database URI holds a password: leave it out and set PGPASSWORD, a password file "
          "(~/.pgpass or PGPASSFILE) or HOOKLINE_DB_PASSWORD instead, so that it is not seen in the process list"});
    }
  }
  return {};
}

Params& Params::add(Oid type, const char* value, std::size_t length) {
  types_.push_back(type);
  values_.push_back(value);
  lengths_.push_back(static_cast<int>(length));
  formats_.push_back(1);
  return *this;
}

Params& Params::bytes(std::string_view value) {
  // libpq reads a null pointer as SQL NULL: an empty value points at "".
  return add(bytea_oid, value.empty() ? "" : value.data(), value.size());
}

Params& Params::text(std::string_view value) { return add(text_oid, value.empty() ? "" : value.data(), value.size()); }

Params& Params::int64(std::int64_t value) {
  const auto bits = static_cast<std::uint64_t>(value);
  std::string& encoded = encoded_.emplace_back(8, '\0');
  for (int i = 0; i < 8; ++i) {
    encoded[static_cast<std::size_t>(i)] = static_cast<char>((bits >> (56 - 8 * i)) & 0xff);
  }
  return add(int8_oid, encoded.data(), encoded.size());
}

Params& Params::null_int64() { return add(int8_oid, nullptr, 0); }

Params& Params::null_text() { return add(text_oid, nullptr, 0); }

std::int64_t Rows::int64(int row, int column) const {
  const auto* value = reinterpret_cast<const unsigned char*>(PQgetvalue(result_.get(), row, column));
  if (PQgetlength(result_.get(), row, column) != 8) {
    return 0;  // not a bigint: every column read so is one, selected NOT NULL or COALESCEd
  }
  std::uint64_t bits = 0;
  for (int i = 0; i < 8; ++i) {
    bits = (bits << 8) | value[i];
  }
  return static_cast<std::int64_t>(bits);
}

std::string_view Rows::view(int row, int column) const {
  return {PQgetvalue(result_.get(), row, column), static_cast<std::size_t>(PQgetlength(result_.get(), row, column))};
}

std::string Rows::bytes(int row, int column) const { return std::string(view(row, column)); }

std::size_t Rows::affected() const {
  const char* tuples = PQcmdTuples(result_.get());
  return tuples == nullptr || *tuples == '\0' ? 0 : std::strtoull(tuples, nullptr, 10);
}

Result<std::unique_ptr<Connection>, StoreError> Connection::open(const ConnectSettings& settings) {
  const auto seconds = std::to_string(std::max<long long>(settings.timeout.count(), 1));
  const auto milliseconds = std::to_string(std::max<long long>(settings.timeout.count(), 1) * 1000);
  // Defaults first: what the URI itself says (its query parameters) overrides them.
  std::vector<const char*> keywords{"application_name", "connect_timeout", "keepalives", "keepalives_idle",
                                    "keepalives_interval", "keepalives_count", "tcp_user_timeout"};
  std::vector<const char*> values{"hookline", seconds.c_str(), "1", "5", "2", "3", milliseconds.c_str()};
  const char* password = std::getenv("HOOKLINE_DB_PASSWORD");
  if (password != nullptr && std::getenv("PGPASSWORD") == nullptr) {
    keywords.push_back("password");
    values.push_back(password);
  }
  keywords.push_back("dbname");
  values.push_back(settings.uri.c_str());
  keywords.push_back(nullptr);
  values.push_back(nullptr);
  PGconn* raw = PQconnectdbParams(keywords.data(), values.data(), 1);
  if (raw == nullptr) {
    return fail(StoreError{"connecting to the database: out of memory"});
  }
  std::unique_ptr<Connection> connection(new Connection(raw));
  if (PQstatus(raw) != CONNECTION_OK) {
    return fail(error_of("connecting to the database", trimmed(PQerrorMessage(raw))));
  }
  const std::string setup = "SET client_min_messages TO warning; SET synchronous_commit TO on; "
                            "SET statement_timeout TO " + milliseconds +
                            "; SET lock_timeout TO " + milliseconds;
  if (auto set = connection->run("setting up the database connection", setup.c_str()); !set) {
    return fail(set.error());
  }
  return connection;
}

Connection::~Connection() { PQfinish(connection_); }

Result<Rows, StoreError> Connection::check(std::string_view doing, PGresult* result) {
  const auto status = PQresultStatus(result);
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
    return Rows(result);
  }
  const Rows cleared(result);
  const char* message = result != nullptr ? PQresultErrorMessage(result) : nullptr;
  return fail(error_of(doing, trimmed(message != nullptr && *message != '\0' ? message : PQerrorMessage(connection_))));
}

const std::string* Connection::prepared(const std::string& sql, const Params& params) {
  if (const auto found = prepared_.find(sql); found != prepared_.end()) return &found->second;
  if (prepared_.size() >= max_prepared) return nullptr;
  std::string name = "hookline_" + std::to_string(prepared_.size());
  const std::unique_ptr<PGresult, decltype(&PQclear)> done(
      PQprepare(connection_, name.c_str(), sql.c_str(), params.size(), params.types()), &PQclear);
  if (PQresultStatus(done.get()) != PGRES_COMMAND_OK) return nullptr;  // run unprepared: its error is told then
  return &prepared_.emplace(sql, std::move(name)).first->second;
}

Result<Rows, StoreError> Connection::exec(std::string_view doing, const std::string& sql, const Params& params) {
  // Inside a failed transaction nothing can be prepared: the statement runs unprepared and fails with
  // the transaction's error.
  const std::string* name = PQtransactionStatus(connection_) == PQTRANS_INERROR ? nullptr : prepared(sql, params);
  if (name == nullptr) {
    return check(doing, PQexecParams(connection_, sql.c_str(), params.size(), params.types(), params.values(),
                                     params.lengths(), params.formats(), 1));
  }
  return check(doing, PQexecPrepared(connection_, name->c_str(), params.size(), params.values(), params.lengths(),
                                     params.formats(), 1));
}

Status<StoreError> Connection::run(std::string_view doing, const char* sql) {
  auto done = check(doing, PQexec(connection_, sql));
  if (!done) {
    return fail(done.error());
  }
  return {};
}

bool Connection::broken() const noexcept { return PQstatus(connection_) != CONNECTION_OK; }

}  // namespace hookline::postgres
