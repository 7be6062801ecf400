#pragma once
// PostgreSQL for the tests. The test command starts one server for the whole run
// (tests/support/pg.sh, a CTest fixture) and each test gets a schema of its own in its database,
// reached by a URL whose search_path names that schema: creating and dropping a schema is a few
// milliseconds, where a database per test would copy files. The few tests that stop or restart
// the server start a private one (PrivateServer), so the shared one never goes down under other
// tests running in parallel.
//
// The server's URL comes from TESSERA_TEST_PG_URL, or else from the file $TESSERA_TEST_PG_DIR/url
// that pg.sh writes (CTest sets TESSERA_TEST_PG_DIR). With neither, every PostgreSQL test fails
// with a message saying so: CI always provides a server, and a skipped backend would pass
// unnoticed.
#include <libpq-fe.h>

#include <filesystem>
#include <string>

#include "store_contract/backend.hpp"

namespace tessera::store_contract {

// The URL of the test server (no schema chosen); throws std::runtime_error when none is set up.
std::string test_server_url();

// `url` with a libpq parameter added (key=value, percent-encoded by the caller).
std::string with_parameter(const std::string& url, const std::string& parameter);

class PostgresFixture final : public Fixture {
 public:
  // Creates a fresh, empty schema on the test server (on the server at `server_url` if given).
  explicit PostgresFixture(std::string server_url = test_server_url());
  // Drops the schema and everything in it.
  ~PostgresFixture() override;

  std::string url() const override;
  void exec(const std::string& sql) override;

  // The schema's name (also the application_name of the store's connections made through url(),
  // so a test can find them in pg_stat_activity).
  const std::string& schema() const { return schema_; }
  // Runs SQL outside the schema's connections (e.g. to terminate them); fails the test on error.
  void admin(const std::string& sql);

 private:
  std::string server_url_;
  std::string schema_;
  PGconn* admin_ = nullptr;
};

// A PostgreSQL server of the test's own, in a temporary directory (below TESSERA_TEST_PG_DIR when
// set, so the test command's clean-up stops it even if the test crashes), started and stopped
// with tests/support/pg.sh. Throws std::runtime_error when it cannot start.
class PrivateServer {
 public:
  PrivateServer();
  ~PrivateServer();
  PrivateServer(const PrivateServer&) = delete;
  PrivateServer& operator=(const PrivateServer&) = delete;

  // postgres://postgres@127.0.0.1:PORT/tessera_test
  const std::string& url() const { return url_; }
  void restart();  // pg_ctl restart: every open connection is closed
  void suspend();  // stops the server, keeping its data and port
  void resume();   // starts it again after suspend()

 private:
  void run(const std::string& command);
  std::filesystem::path dir_;
  std::string url_;
};

}  // namespace tessera::store_contract
