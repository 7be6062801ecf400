#pragma once
// The SQLite schema as a versioned list of migrations compiled into the binary, and the
// Migrator that applies them. Applied versions are recorded in schema_migrations.
#include <memory>
#include <span>
#include <string_view>

#include "core/result.hpp"
#include "domain/store.hpp"
#include "store/common/migrations.hpp"
#include "store/sqlite/database.hpp"

namespace tessera::store::sqlite {

// Every migration this build knows, in version order.
std::span<const Migration> migrations();

// The highest migration applied to the database on `c`, 0 when it has none.
Result<int> schema_version(Connection& c);

// Refuses a database migrated by a newer build: its schema may mean things this one ignores.
Result<void> check_not_newer(Connection& c);

class SqliteMigrator final : public domain::Migrator {
 public:
  explicit SqliteMigrator(std::shared_ptr<Database> db) : db_(std::move(db)) {}

  // The highest migration applied, 0 for an empty database.
  Result<int> current_version() override;
  // The highest migration this build knows.
  int latest_version() const override;
  // Applies every pending migration, each in its own write transaction; returns how many ran.
  Result<int> migrate() override;

 private:
  std::shared_ptr<Database> db_;
};

}  // namespace tessera::store::sqlite
