#pragma once
// Opens the store named by TESSERA_DATABASE: sqlite://PATH or postgres://... .
#include <memory>
#include <string_view>

#include "core/result.hpp"
#include "domain/store.hpp"

namespace tessera::store {

struct Options {
  int connections = 4;  // upper bound of connections (SQLite: one per worker thread)
};

struct Opened {
  std::unique_ptr<domain::Store> store;
  std::unique_ptr<domain::Migrator> migrator;
};

// Opens (and for SQLite creates) the database. Does not migrate.
Result<Opened> open_store(std::string_view database_url, const Options& options);

}  // namespace tessera::store
