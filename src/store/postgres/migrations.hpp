#pragma once
// The PostgreSQL schema as a versioned list of migrations compiled into the binary (the same
// versions as SQLite's, in PostgreSQL's dialect), and the Migrator that applies them. Applied
// versions are recorded in schema_migrations. Tables are created in the first schema of the
// connection's search_path (normally public).
#include <memory>
#include <span>
#include <string_view>

#include "core/result.hpp"
#include "domain/store.hpp"
#include "store/common/migrations.hpp"
#include "store/postgres/pool.hpp"

namespace tessera::store::postgres {

// Every migration this build knows, in version order.
std::span<const Migration> migrations();

// The highest migration applied to the database on `c`, 0 when it has none.
Result<int> schema_version(Connection& c);

// Refuses a database migrated by a newer build: its schema may mean things this one ignores.
Result<void> check_not_newer(Connection& c);

class PostgresMigrator final : public domain::Migrator {
 public:
  explicit PostgresMigrator(std::shared_ptr<Pool> pool) : pool_(std::move(pool)) {}

  // The highest migration applied, 0 for an empty database.
  Result<int> current_version() override;
  // The highest migration this build knows.
  int latest_version() const override;
  // Applies every pending migration, each in its own transaction, while holding an advisory
  // lock, so that instances migrating at once take turns; returns how many ran here.
  Result<int> migrate() override;

 private:
  std::shared_ptr<Pool> pool_;
};

}  // namespace tessera::store::postgres
