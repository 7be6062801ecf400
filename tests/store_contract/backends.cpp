// The backend list, and the SQLite fixture (the PostgreSQL one is in postgres_fixture.cpp).
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include "store_contract/backend.hpp"
#include "store_contract/postgres_fixture.hpp"
#include "store_contract/sqlite_fixture.hpp"

namespace tessera::store_contract {

SqliteFixture::SqliteFixture() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "tessera-store-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed for " + tmpl);
  dir_ = tmpl;
  file_ = dir_ / "tessera.db";
}

SqliteFixture::~SqliteFixture() {
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

void SqliteFixture::exec(const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(file_.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
  sqlite3_busy_timeout(db, 5000);
  char* message = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message);
  const std::string text = message != nullptr ? message : "";
  sqlite3_free(message);
  sqlite3_close_v2(db);
  ASSERT_EQ(rc, SQLITE_OK) << text << "\n" << sql;
}

std::vector<Backend> backends() {
  return {
      Backend{"sqlite", [] { return std::unique_ptr<Fixture>(new SqliteFixture()); }},
      Backend{"postgres", [] { return std::unique_ptr<Fixture>(new PostgresFixture()); }},
  };
}

}  // namespace tessera::store_contract
