#pragma once
// Opens the store named by TESSERA_DATABASE: sqlite://PATH or postgres://... .
#include <chrono>
#include <memory>
#include <string_view>

#include "core/result.hpp"
#include "domain/store.hpp"

namespace tessera::store {

struct Options {
  int connections = 4;  // upper bound of connections (SQLite: one per worker thread)
  // How long a statement waits for a lock another process holds (SQLite's busy_timeout) before
  // the transaction is re-run; tests shorten it.
  std::chrono::milliseconds busy_timeout{5000};
};

struct Opened {
  std::unique_ptr<domain::Store> store;
  std::unique_ptr<domain::Migrator> migrator;
};

// Opens (and for SQLite creates) the database. Does not migrate.
Result<Opened> open_store(std::string_view database_url, const Options& options);

}  // namespace tessera::store
