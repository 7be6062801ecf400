#pragma once
// Opens the store named by TESSERA_DATABASE: sqlite://PATH or postgres://... .
#include <chrono>
#include <functional>
#include <memory>
#include <string_view>

#include "core/result.hpp"
#include "domain/store.hpp"

namespace tessera::store {

struct Options {
  // Upper bound of connections: PostgreSQL's pool size (opened as needed); SQLite has one per
  // worker thread and ignores it.
  int connections = 8;
  // How long a statement waits for a lock another process holds (SQLite's busy_timeout,
  // PostgreSQL's lock_timeout) before the transaction is re-run, and how long a transaction waits
  // for a free pooled connection (PostgreSQL); tests shorten it.
  std::chrono::milliseconds busy_timeout{5000};
};

struct Opened {
  std::unique_ptr<domain::Store> store;
  std::unique_ptr<domain::Migrator> migrator;
};

// Opens (and for SQLite creates) the database. Does not migrate.
Result<Opened> open_store(std::string_view database_url, const Options& options);

// Tells a running server that another process changed state it caches (revocations), so it
// reads the change at once instead of at its next poll. Destroying it stops it.
class ChangeListener {
 public:
  virtual ~ChangeListener() = default;
};

// PostgreSQL: LISTEN/NOTIFY on a connection of its own (postgres/listener.hpp); `on_change` runs
// on the listener's thread for each notification and after each (re)connect, and must be quick.
// SQLite: nullptr. Another process on the same SQLite file (the CLI) is seen by the poll.
std::unique_ptr<ChangeListener> listen_for_changes(std::string_view database_url, std::function<void()> on_change);

}  // namespace tessera::store
