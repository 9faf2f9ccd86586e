// The client's side of hookline's hot PostgreSQL statements, done with libpq through hookline's own
// Connection (sdk/postgres/connection.hpp, as the product runs them: prepared once per connection,
// parameters and results in binary) and, when the build found it, with libpqxx 6.4 (prepared
// statements in a pqxx::nontransaction, and the claim also in a pqxx::work, the transaction type
// its documentation says one normally wants):
//   - the inbox's claim: one multi-row INSERT ... ON CONFLICT DO NOTHING RETURNING of 1 or 32 rows
//     (a 1 KB bytea body, text, bytea and bigint columns), one transaction;
//   - a handler's read: one row by primary key, 12 columns (the inbox entry's), the body among them.
// Each session runs with synchronous_commit off, so that the WAL flush of each commit does not drown
// what the client spends. Run a Release build by hand, against a throwaway cluster
// (tests/bench/run-all.sh pq_client starts one):
//   hookline_bench_pq_client [--benchmark_...] postgresql://hookline@127.0.0.1:PORT/postgres

#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "connection.hpp"

#ifdef HOOKLINE_BENCH_LIBPQXX
#include <pqxx/pqxx>
#endif

namespace {

using hookline::postgres::Connection;
using hookline::postgres::Params;

/// The inbox's columns (hookline_inbox's, under a table name of the bench's).
std::string create_table(std::string_view table) {
  return "DROP TABLE IF EXISTS " + std::string(table) + "; CREATE TABLE " + std::string(table) +
         " (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, platform text NOT NULL, event_id bytea NOT NULL, "
         "type bytea NOT NULL, occurred_at bigint NOT NULL, entity bytea NOT NULL, body bytea NOT NULL, "
         "received_at bigint NOT NULL, state bigint NOT NULL, attempts bigint NOT NULL DEFAULT 0, "
         "next_attempt_at bigint NOT NULL, last_error bytea NOT NULL DEFAULT '', owner text, "
         "lease_expires_at bigint, UNIQUE (platform, event_id))";
}

constexpr const char* claims_table = "pq_bench_claims";
constexpr const char* entries_table = "pq_bench_entries";
/// Rows of entries_table, read in turn by the read benchmarks.
constexpr std::int64_t entry_rows = 1000;

/// One claimed event: what the inbox's committer writes of it.
struct Claim {
  std::string event_id;
  std::string type = "shipment_scheduled";
  std::string entity = "shipment:8842113";
  std::string body;
  std::int64_t occurred_at = 1'764'800'000;
  std::int64_t received_at = 1'764'800'002;
};

/// An inbox entry as a handler reads it.
struct Entry {
  std::int64_t id = 0;
  std::string platform, event_id, type;
  std::int64_t occurred_at = 0;
  std::string entity, body;
  std::int64_t received_at = 0, state = 0, attempts = 0, next_attempt_at = 0;
  std::string last_error;
};

/// A 1 KB JSON-like body (the size of a VRIO shipment_scheduled).
std::string body_of_1_kb() {
  std::string body = R"({"event":"shipment_scheduled","data":{"items":[)";
  while (body.size() < 1000) body += R"({"sku":"BOX-M","quantity":1},)";
  body.back() = ']';
  return body + "}}";
}

/// `count` claims with event ids no earlier batch used: every row is inserted.
class Claims {
 public:
  explicit Claims(std::size_t count) : claims_(count) {
    const std::string body = body_of_1_kb();
    for (Claim& claim : claims_) claim.body = body;
  }
  const std::vector<Claim>& next() {
    for (Claim& claim : claims_) {
      char id[32];
      const int length = std::snprintf(id, sizeof id, "evt_%016llx", static_cast<unsigned long long>(++issued_));
      claim.event_id.assign(id, static_cast<std::size_t>(length));
    }
    return claims_;
  }

 private:
  std::vector<Claim> claims_;
  std::uint64_t issued_ = 0;
};

const std::string entry_columns =
    "id, platform, event_id, type, occurred_at, entity, body, received_at, state, attempts, next_attempt_at, last_error";

/// The committer's statement for `rows` claims, parameters row by row ($1..$7 the first row's).
std::string claim_sql(std::size_t rows) {
  std::string sql = std::string("INSERT INTO ") + claims_table +
                    " (platform, event_id, type, occurred_at, entity, body, received_at, state, next_attempt_at) VALUES ";
  for (std::size_t i = 0; i < rows; ++i) {
    const auto n = [i](std::size_t column) { return "$" + std::to_string(i * 7 + column); };
    sql += (i == 0 ? "(" : ", (") + n(1) + ", " + n(2) + ", " + n(3) + ", " + n(4) + ", " + n(5) + ", " + n(6) + ", " +
           n(7) + ", 0, " + n(7) + ")";
  }
  return sql + " ON CONFLICT (platform, event_id) DO NOTHING RETURNING platform, event_id";
}

/// The bench's libpq session: hookline's Connection with synchronous_commit off.
std::unique_ptr<Connection> open_libpq(const std::string& uri) {
  auto opened = Connection::open({.uri = uri});
  if (!opened) {
    std::cerr << opened.error().message << '\n';
    return nullptr;
  }
  if (auto set = (*opened)->run("setting up the bench", "SET synchronous_commit TO off"); !set) {
    std::cerr << set.error().message << '\n';
    return nullptr;
  }
  return std::move(*opened);
}

std::string uri;  // the database, from the command line

/// Empties the claims table before a run (untimed), so that every run inserts into the same size of table.
bool empty_claims(benchmark::State& state, Connection& db) {
  const std::string sql = std::string("TRUNCATE ") + claims_table;
  if (auto done = db.run("emptying the claims", sql.c_str()); !done) {
    state.SkipWithError(done.error().message.c_str());
    return false;
  }
  return true;
}

void claim_with_libpq(benchmark::State& state, std::size_t rows) {
  const auto db = open_libpq(uri);
  if (!db) {
    state.SkipWithError("cannot connect");
    return;
  }
  if (!empty_claims(state, *db)) return;
  Claims claims(rows);
  const std::string sql = claim_sql(rows);
  std::vector<std::pair<std::string, std::string>> inserted;
  for (auto _ : state) {
    Params params;
    for (const Claim& claim : claims.next()) {
      params.text("vrio")
          .bytes(claim.event_id)
          .bytes(claim.type)
          .int64(claim.occurred_at)
          .bytes(claim.entity)
          .bytes(claim.body)
          .int64(claim.received_at);
    }
    auto done = db->exec("claiming events", sql, params);
    if (!done || static_cast<std::size_t>(done->count()) != rows) {
      state.SkipWithError(done ? "not every claim was inserted" : done.error().message.c_str());
      return;
    }
    inserted.clear();
    for (int row = 0; row < done->count(); ++row) inserted.emplace_back(done->bytes(row, 0), done->bytes(row, 1));
    benchmark::DoNotOptimize(inserted.data());
  }
}

void read_with_libpq(benchmark::State& state) {
  const auto db = open_libpq(uri);
  if (!db) {
    state.SkipWithError("cannot connect");
    return;
  }
  const std::string sql = "SELECT " + entry_columns + " FROM " + entries_table + " WHERE id = $1";
  std::int64_t next_id = 0;
  for (auto _ : state) {
    Params params;
    params.int64(next_id++ % entry_rows + 1);
    auto rows = db->exec("reading an entry", sql, params);
    if (!rows || rows->count() != 1) {
      state.SkipWithError(rows ? "no entry" : rows.error().message.c_str());
      return;
    }
    Entry entry{rows->int64(0, 0),  rows->bytes(0, 1),  rows->bytes(0, 2),  rows->bytes(0, 3),
                rows->int64(0, 4),  rows->bytes(0, 5),  rows->bytes(0, 6),  rows->int64(0, 7),
                rows->int64(0, 8),  rows->int64(0, 9),  rows->int64(0, 10), rows->bytes(0, 11)};
    benchmark::DoNotOptimize(entry);
  }
}

/// Fills entries_table with entry_rows inserted claims, for the reads.
bool fill_entries(Connection& db) {
  const std::string sql = "INSERT INTO " + std::string(entries_table) +
                          " (platform, event_id, type, occurred_at, entity, body, received_at, state, next_attempt_at) "
                          "SELECT 'vrio', convert_to('evt_' || n, 'UTF8'), 'shipment_scheduled', 1764800000, "
                          "'shipment:8842113', $1, 1764800002, 0, 1764800002 FROM generate_series(1, $2) AS n";
  const std::string body = body_of_1_kb();
  Params params;
  params.bytes(body).int64(entry_rows);
  auto done = db.exec("filling the entries", sql, params);
  if (!done) std::cerr << done.error().message << '\n';
  return done.has_value();
}

#ifdef HOOKLINE_BENCH_LIBPQXX

/// The bench's libpqxx session, with synchronous_commit off and the statements prepared.
std::unique_ptr<pqxx::connection> open_libpqxx(std::size_t claim_rows) {
  auto db = std::make_unique<pqxx::connection>(uri);
  pqxx::nontransaction(*db).exec("SET synchronous_commit TO off");
  if (claim_rows > 0) {
    // libpqxx 6.4 takes a dynamic number of parameters one container at a time: the parameters
    // are numbered column by column ($1..$N the platforms, $N+1..$2N the event ids, ...).
    std::string sql = std::string("INSERT INTO ") + claims_table +
                      " (platform, event_id, type, occurred_at, entity, body, received_at, state, next_attempt_at) VALUES ";
    for (std::size_t i = 0; i < claim_rows; ++i) {
      const auto n = [i, claim_rows](std::size_t column) { return "$" + std::to_string(column * claim_rows + i + 1); };
      sql += (i == 0 ? "(" : ", (") + n(0) + ", " + n(1) + ", " + n(2) + ", " + n(3) + ", " + n(4) + ", " + n(5) + ", " +
             n(6) + ", 0, " + n(6) + ")";
    }
    db->prepare("claim", sql + " ON CONFLICT (platform, event_id) DO NOTHING RETURNING platform, event_id");
  }
  db->prepare("read", "SELECT " + entry_columns + " FROM " + entries_table + " WHERE id = $1");
  return db;
}

/// The claim statement with libpqxx: bytea parameters as pqxx::binarystring (sent in binary),
/// the others as text; the result in text, bytea unescaped by pqxx::binarystring.
template <typename Transaction>
void claim_with_libpqxx(benchmark::State& state, std::size_t rows) {
  try {
    const auto db = open_libpqxx(rows);
    pqxx::nontransaction(*db).exec(std::string("TRUNCATE ") + claims_table);
    Claims claims(rows);
    std::vector<std::string> platforms;
    std::vector<pqxx::binarystring> event_ids, types, entities, bodies;
    std::vector<std::int64_t> occurred, received;
    std::vector<std::pair<std::string, std::string>> inserted;
    for (auto _ : state) {
      for (auto* strings : {&event_ids, &types, &entities, &bodies}) strings->clear();
      platforms.clear();
      occurred.clear();
      received.clear();
      for (const Claim& claim : claims.next()) {
        platforms.emplace_back("vrio");
        event_ids.emplace_back(claim.event_id.data(), claim.event_id.size());
        types.emplace_back(claim.type.data(), claim.type.size());
        occurred.push_back(claim.occurred_at);
        entities.emplace_back(claim.entity.data(), claim.entity.size());
        bodies.emplace_back(claim.body.data(), claim.body.size());
        received.push_back(claim.received_at);
      }
      Transaction transaction(*db);
      const pqxx::result done = transaction.exec_prepared(
          "claim", pqxx::prepare::make_dynamic_params(platforms), pqxx::prepare::make_dynamic_params(event_ids),
          pqxx::prepare::make_dynamic_params(types), pqxx::prepare::make_dynamic_params(occurred),
          pqxx::prepare::make_dynamic_params(entities), pqxx::prepare::make_dynamic_params(bodies),
          pqxx::prepare::make_dynamic_params(received));
      transaction.commit();
      if (done.size() != rows) {
        state.SkipWithError("not every claim was inserted");
        return;
      }
      inserted.clear();
      for (const pqxx::row& row : done) inserted.emplace_back(row[0].as<std::string>(), pqxx::binarystring(row[1]).str());
      benchmark::DoNotOptimize(inserted.data());
    }
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
  }
}

void read_with_libpqxx(benchmark::State& state) {
  try {
    const auto db = open_libpqxx(0);
    std::int64_t next_id = 0;
    for (auto _ : state) {
      pqxx::nontransaction transaction(*db);
      const pqxx::result rows = transaction.exec_prepared("read", next_id++ % entry_rows + 1);
      if (rows.size() != 1) {
        state.SkipWithError("no entry");
        return;
      }
      const pqxx::row row = rows[0];
      Entry entry{row[0].as<std::int64_t>(),           row[1].as<std::string>(),
                  pqxx::binarystring(row[2]).str(),    pqxx::binarystring(row[3]).str(),
                  row[4].as<std::int64_t>(),           pqxx::binarystring(row[5]).str(),
                  pqxx::binarystring(row[6]).str(),    row[7].as<std::int64_t>(),
                  row[8].as<std::int64_t>(),           row[9].as<std::int64_t>(),
                  row[10].as<std::int64_t>(),          pqxx::binarystring(row[11]).str()};
      benchmark::DoNotOptimize(entry);
    }
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
  }
}

#endif

/// Wall time decides the iterations (a statement waits on the server far longer than it computes);
/// CPU time is the whole process's: the client's work on the statement.
void configure(benchmark::internal::Benchmark* benchmark) {
  benchmark->Unit(benchmark::kMicrosecond)->UseRealTime()->MeasureProcessCPUTime();
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (argc != 2) {
    std::cerr << "usage: hookline_bench_pq_client [--benchmark_...] postgresql://USER@HOST:PORT/DATABASE\n";
    return 2;
  }
  uri = argv[1];
  {
    const auto db = open_libpq(uri);
    if (!db) return 1;
    for (const char* table : {claims_table, entries_table}) {
      if (auto made = db->run("creating the bench's tables", create_table(table).c_str()); !made) {
        std::cerr << made.error().message << '\n';
        return 1;
      }
    }
    if (!fill_entries(*db)) return 1;
  }
  for (const std::size_t rows : {1, 32}) {
    const std::string claim = "claim/" + std::to_string(rows) + "/";
    configure(benchmark::RegisterBenchmark((claim + "libpq").c_str(), claim_with_libpq, rows));
#ifdef HOOKLINE_BENCH_LIBPQXX
    configure(benchmark::RegisterBenchmark((claim + "libpqxx").c_str(), claim_with_libpqxx<pqxx::nontransaction>, rows));
    configure(benchmark::RegisterBenchmark((claim + "libpqxx_work").c_str(), claim_with_libpqxx<pqxx::work>, rows));
#endif
  }
  configure(benchmark::RegisterBenchmark("read/libpq", read_with_libpq));
#ifdef HOOKLINE_BENCH_LIBPQXX
  configure(benchmark::RegisterBenchmark("read/libpqxx", read_with_libpqxx));
#endif
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
