#pragma once
// A throwaway PostgreSQL cluster for the suites that need a real database: Debian's initdb and
// pg_ctl, run as an unprivileged user when the tests run as root (PostgreSQL refuses root), in a
// temporary directory, on a free loopback port with its unix socket in that directory; stopped
// and removed at the end. And PostgresStore, the contract suites' fixture on it.

#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "hookline/inbox.hpp"
#include "hookline/postgres_inbox.hpp"

namespace hookline::test {

class PostgresCluster {
 public:
  /// Creates the cluster and starts it with `shared_buffers` (small for tests, the server's default
  /// 128MB for benchmarks); throws when it cannot.
  explicit PostgresCluster(std::string shared_buffers = "16MB") : shared_buffers_(std::move(shared_buffers)) {
    bin_ = find_bin();
    std::string pattern = (std::filesystem::temp_directory_path() / "hookline-pg-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      throw std::runtime_error("mkdtemp failed");
    }
    dir_ = pattern;
    if (::geteuid() == 0) {
      const passwd* nobody = ::getpwnam("nobody");
      if (nobody == nullptr || ::chown(dir_.c_str(), nobody->pw_uid, nobody->pw_gid) != 0) {
        throw std::runtime_error("cannot give " + dir_.string() + " to the user nobody");
      }
      as_user_ = "runuser -u nobody -- ";
    }
    port_ = free_port();
    shell((bin_ / "initdb").string() + " -D " + data() + " -U hookline -A trust -E UTF8 --locale=C --no-sync" +
          " > " + (dir_ / "initdb.log").string() + " 2>&1");
    // Every role may connect without a password (initdb -A trust) but password_role, which must give its own.
    const auto hba = dir_ / "data" / "pg_hba.conf";
    std::string rules = "host all " + std::string(password_role) + " 127.0.0.1/32 scram-sha-256\n";
    {
      std::ifstream in(hba);
      rules += std::string(std::istreambuf_iterator<char>(in), {});
    }
    std::ofstream(hba, std::ios::trunc) << rules;
    start();
    // Should this process die without its destructors (a crash, a sanitizer's abort, a timeout's
    // kill), a watchdog of its own session stops the server and removes the directory after it.
    shell("setsid -f sh -c 'while kill -0 " + std::to_string(::getpid()) + " 2>/dev/null; do sleep 1; done; " +
              as_user_ + (bin_ / "pg_ctl").string() + " -D " + data() + " -m immediate -w stop; rm -rf " +
              dir_.string() + "' > /dev/null 2>&1 < /dev/null",
          false);
  }
  PostgresCluster(const PostgresCluster&) = delete;
  PostgresCluster& operator=(const PostgresCluster&) = delete;
  ~PostgresCluster() {
    if (running_) {
      (void)std::system((as_user_ + (bin_ / "pg_ctl").string() + " -D " + data() + " -m immediate -w stop > /dev/null 2>&1").c_str());
    }
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  /// One cluster for the whole test process, started on first use.
  static PostgresCluster& shared() {
    static PostgresCluster cluster;
    return cluster;
  }

  /// The role that connects with a password only (scram-sha-256); the others need none.
  static constexpr const char* password_role = "merchant";

  /// The URI of the cluster's database as `user` (by default the superuser "hookline"), over TCP on loopback.
  [[nodiscard]] std::string uri(const std::string& user = "hookline") const {
    return "postgresql://" + user + "@127.0.0.1:" + std::to_string(port_) + "/postgres";
  }
  /// The loopback port the server listens on.
  [[nodiscard]] int port() const noexcept { return port_; }
  /// The cluster's temporary directory.
  [[nodiscard]] const std::filesystem::path& dir() const noexcept { return dir_; }

  /// The URI of a schema of its own in the database, created now: a fresh, empty store each time.
  [[nodiscard]] std::string fresh_schema_uri() {
    const std::string schema = "store_" + std::to_string(++schemas_);
    execute("CREATE SCHEMA " + schema);
    return uri() + "?options=-csearch_path%3D" + schema;
  }

  /// Runs SQL on `database_uri` (the cluster's database by default); throws when it fails.
  void execute(const std::string& sql, const std::string& database_uri = {}) const { (void)query(sql, database_uri); }

  /// The rows SQL on `database_uri` (the cluster's database by default) answers, each value as text
  /// (empty for NULL); throws when it fails.
  [[nodiscard]] std::vector<std::vector<std::string>> query(const std::string& sql,
                                                          const std::string& database_uri = {}) const {
    const std::string target = database_uri.empty() ? uri() : database_uri;
    std::unique_ptr<PGconn, decltype(&PQfinish)> db(PQconnectdb(target.c_str()), &PQfinish);
    if (PQstatus(db.get()) != CONNECTION_OK) {
      throw std::runtime_error("cannot connect to the test cluster: " + std::string(PQerrorMessage(db.get())));
    }
    std::unique_ptr<PGresult, decltype(&PQclear)> result(PQexec(db.get(), sql.c_str()), &PQclear);
    const auto status = PQresultStatus(result.get());
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
      throw std::runtime_error(sql + ": " + PQresultErrorMessage(result.get()));
    }
    std::vector<std::vector<std::string>> rows(static_cast<std::size_t>(PQntuples(result.get())));
    for (int row = 0; row < PQntuples(result.get()); ++row) {
      for (int column = 0; column < PQnfields(result.get()); ++column) {
        rows[static_cast<std::size_t>(row)].emplace_back(PQgetvalue(result.get(), row, column));
      }
    }
    return rows;
  }

  /// Stops the server (fast: sessions are ended) and waits until it is down.
  void stop() {
    shell((bin_ / "pg_ctl").string() + " -D " + data() + " -m fast -w stop > /dev/null");
    running_ = false;
  }
  /// Starts the stopped server again, with the options it was first started with.
  void start() {
    shell((bin_ / "pg_ctl").string() + " -D " + data() + " -l " + (dir_ / "server.log").string() + " -w -t 60" +
          " -o '-c listen_addresses=127.0.0.1 -p " + std::to_string(port_) + " -k " + dir_.string() +
          " -c shared_buffers=" + shared_buffers_ + " -c max_connections=200' start > /dev/null");
    running_ = true;
  }
  /// Restarts the server (pg_ctl restart -m fast): every session is ended.
  void restart() { shell((bin_ / "pg_ctl").string() + " -D " + data() + " -m fast -w -t 60 restart > /dev/null"); }

 private:
  /// Debian's server binaries, the newest major version installed.
  static std::filesystem::path find_bin() {
    std::vector<std::filesystem::path> found;
    std::error_code error;
    for (const auto& version : std::filesystem::directory_iterator("/usr/lib/postgresql", error)) {
      if (std::filesystem::exists(version.path() / "bin" / "initdb")) {
        found.push_back(version.path() / "bin");
      }
    }
    if (found.empty()) {
      throw std::runtime_error("no PostgreSQL server under /usr/lib/postgresql (apt-get install postgresql)");
    }
    std::sort(found.begin(), found.end());
    return found.back();
  }

  static int free_port() {
    const int probe = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (probe < 0 || ::bind(probe, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::getsockname(probe, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      throw std::runtime_error("cannot find a free port");
    }
    ::close(probe);
    return ntohs(address.sin_port);
  }

  [[nodiscard]] std::string data() const { return (dir_ / "data").string(); }

  /// Runs a command in the cluster's directory, as the unprivileged user when root (unless not
  /// `as_user`); throws on failure.
  void shell(const std::string& command, bool as_user = true) const {
    const std::string line = "cd " + dir_.string() + " && " + (as_user ? as_user_ : std::string()) + command;
    if (std::system(line.c_str()) != 0) {
      throw std::runtime_error("failed: " + line);
    }
  }

  std::string shared_buffers_;
  std::filesystem::path bin_;
  std::filesystem::path dir_;
  std::string as_user_;
  int port_ = 0;
  bool running_ = false;
  std::atomic<int> schemas_{0};
};

/// Opens a PostgresInbox that must open.
inline std::unique_ptr<PostgresInbox> open_postgres(const std::string& uri, PostgresInboxOptions options = {}) {
  auto inbox = PostgresInbox::open(uri, options);
  if (!inbox) {
    throw std::runtime_error("cannot open " + uri + ": " + inbox.error().message);
  }
  return std::move(*inbox);
}

/// A PostgresInbox on a fresh schema of the shared cluster, for the contract suites every
/// ReceiverStore must pass; reopen() closes it and opens it again on the same schema.
struct PostgresStore {
  static constexpr const char* name = "postgres";
  explicit PostgresStore(RefusedLimits limits = {}) : uri(PostgresCluster::shared().fresh_schema_uri()) {
    reopen(limits);
  }
  void reopen(RefusedLimits limits = {}) {
    store.reset();
    PostgresInboxOptions options;
    options.refused = limits;
    store = open_postgres(uri, options);
  }
  std::string uri;
  std::unique_ptr<ReceiverStore> store;
};

}  // namespace hookline::test
