#pragma once
// domain::Store on an embedded SQLite file (TESSERA_DATABASE=sqlite://PATH).
//
// Write transactions queue on an in-process mutex and then take SQLite's write lock with BEGIN
// IMMEDIATE, so they never poll in SQLite's busy handler against each other; read transactions
// (BEGIN, deferred) read a WAL snapshot and run beside writers and each other. A transaction
// that meets SQLITE_BUSY/SQLITE_LOCKED (another process holds the lock longer than the busy
// timeout) is re-run a few times, then reported as errc::database_unavailable.
#include <memory>
#include <string_view>

#include "domain/store.hpp"
#include "store/common/attempts.hpp"
#include "store/open.hpp"
#include "store/sqlite/database.hpp"

namespace tessera::store::sqlite {

class SqliteStore final : public domain::Store {
 public:
  explicit SqliteStore(std::shared_ptr<Database> db) : db_(std::move(db)) {}

  // Runs `body` in a transaction on this thread's connection; see the class comment. Calling it
  // again from inside `body` is refused (internal_error): the inner call would deadlock.
  Result<void> transact(domain::TxKind kind, FunctionRef<Result<void>(domain::StoreTx&)> body) override;
  // SELECT 1 on this thread's connection.
  Result<void> ping() override;
  // "sqlite".
  std::string_view backend() const override { return "sqlite"; }

 private:
  // transact() without the error metric.
  Result<void> run(domain::TxKind kind, FunctionRef<Result<void>(domain::StoreTx&)> body);
  Attempt attempt(Connection& c, domain::TxKind kind, FunctionRef<Result<void>(domain::StoreTx&)> body);

  std::shared_ptr<Database> db_;
};

// Opens the SQLite database at `path` (relative to the working directory), creating the file
// but not its directory, and refuses a schema newer than this build. Does not migrate.
Result<Opened> open(std::string_view path, const Options& options);

}  // namespace tessera::store::sqlite
