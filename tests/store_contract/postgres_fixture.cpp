// The PostgreSQL fixtures: a schema per test on the shared test server, and private servers.
#include "store_contract/postgres_fixture.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <stdexcept>

namespace tessera::store_contract {
namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr ? v : "";
}

// tests/support/pg.sh of this source tree (TESSERA_SOURCE_DIR may point elsewhere).
std::string pg_script() {
  std::string root = env("TESSERA_SOURCE_DIR");
  if (root.empty()) root = TESSERA_TEST_SOURCE_DIR;
  return root + "/tests/support/pg.sh";
}

int next_number() {
  static std::atomic<int> n{0};
  return ++n;
}

}  // namespace

std::string test_server_url() {
  if (std::string url = env("TESSERA_TEST_PG_URL"); !url.empty()) return url;
  if (const std::string dir = env("TESSERA_TEST_PG_DIR"); !dir.empty()) {
    std::ifstream in(dir + "/url");
    std::string url;
    if (in && std::getline(in, url) && !url.empty()) return url;
    throw std::runtime_error("no PostgreSQL URL in " + dir +
                             "/url: the test server did not start (see the store.postgres.start test's output)");
  }
  throw std::runtime_error(
      "no PostgreSQL server for the tests: run them through ctest, which starts one "
      "(tests/support/pg.sh), or set TESSERA_TEST_PG_URL=postgres://user@host:port/database");
}

std::string with_parameter(const std::string& url, const std::string& parameter) {
  return url + (url.find('?') == std::string::npos ? "?" : "&") + parameter;
}

// ---- PostgresFixture

PostgresFixture::PostgresFixture(std::string server_url)
    : server_url_(std::move(server_url)),
      schema_("t_" + std::to_string(::getpid()) + "_" + std::to_string(next_number())) {
  admin_ = PQconnectdb(server_url_.c_str());
  if (PQstatus(admin_) != CONNECTION_OK) {
    const std::string why = PQerrorMessage(admin_);
    PQfinish(admin_);
    admin_ = nullptr;
    throw std::runtime_error("cannot connect to the test PostgreSQL at " + server_url_ + ": " + why);
  }
  // Quiet: NOTICEs of DROP ... CASCADE would fill the test output.
  PQsetNoticeProcessor(
      admin_, [](void*, const char*) {}, nullptr);
  // The name is made here of letters, digits and '_': safe to write into the SQL.
  admin("DROP SCHEMA IF EXISTS " + schema_ + " CASCADE; CREATE SCHEMA " + schema_ + "; SET search_path TO " + schema_);
}

PostgresFixture::~PostgresFixture() {
  if (admin_ == nullptr) return;
  PQclear(PQexec(admin_, ("DROP SCHEMA IF EXISTS " + schema_ + " CASCADE").c_str()));
  PQfinish(admin_);
}

std::string PostgresFixture::url() const {
  // options=-c search_path=SCHEMA (percent-encoded): every connection of the store works in the
  // test's schema, where migrations create the tables.
  return with_parameter(with_parameter(server_url_, "options=-csearch_path%3D" + schema_),
                        "application_name=" + schema_);
}

void PostgresFixture::exec(const std::string& sql) { admin(sql); }

void PostgresFixture::admin(const std::string& sql) {
  ASSERT_NE(admin_, nullptr);
  PGresult* r = PQexec(admin_, sql.c_str());
  const auto status = PQresultStatus(r);
  const std::string message = PQresultErrorMessage(r);
  PQclear(r);
  ASSERT_TRUE(status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) << message << "\n" << sql;
}

// ---- PrivateServer

PrivateServer::PrivateServer() {
  const std::string shared = env("TESSERA_TEST_PG_DIR");
  if (!shared.empty() && std::filesystem::is_directory(shared)) {
    dir_ =
        std::filesystem::path(shared) / ("private-" + std::to_string(::getpid()) + "-" + std::to_string(next_number()));
  } else {
    std::string tmpl = (std::filesystem::temp_directory_path() / "tessera-pg-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed for " + tmpl);
    dir_ = tmpl;
  }
  run("start");
  std::ifstream in(dir_ / "url");
  if (!in || !std::getline(in, url_) || url_.empty()) throw std::runtime_error("no url in " + dir_.string());
}

PrivateServer::~PrivateServer() {
  try {
    run("stop");
  } catch (const std::exception& e) {
    ADD_FAILURE() << e.what();
  }
}

void PrivateServer::restart() { run("restart"); }
void PrivateServer::suspend() { run("suspend"); }
void PrivateServer::resume() { run("resume"); }

void PrivateServer::run(const std::string& command) {
  const std::string line = "bash '" + pg_script() + "' " + command + " '" + dir_.string() + "'";
  if (std::system(line.c_str()) != 0) throw std::runtime_error("failed: " + line);
}

}  // namespace tessera::store_contract
