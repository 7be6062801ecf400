#pragma once
// domain::Store on a PostgreSQL database (TESSERA_DATABASE=postgres://user:pass@host:port/db),
// which several instances may share.
//
// Each transaction borrows one pooled connection. Writes run at READ COMMITTED with row locks
// where the domain reads a row it is about to change (postgres_tx.hpp); reads run in a READ ONLY
// REPEATABLE READ transaction (one snapshot, no locks, never blocked by writers). A transaction
// that meets a serialization failure, a deadlock or a lock held past lock_timeout is re-run a few
// times; so is one whose connection turns out to be dead before it committed (the server
// restarted), on a fresh connection. While the database cannot be reached, transact() fails
// fast with errc::database_unavailable.
#include <memory>
#include <string_view>

#include "domain/store.hpp"
#include "store/common/attempts.hpp"
#include "store/open.hpp"
#include "store/postgres/pool.hpp"

namespace tessera::store::postgres {

class PostgresStore final : public domain::Store {
 public:
  explicit PostgresStore(std::shared_ptr<Pool> pool) : pool_(std::move(pool)) {}

  // Runs `body` in a transaction on a pooled connection; see the class comment. Calling it again
  // from inside `body` on the same thread is refused (internal_error), as on SQLite: the inner
  // transaction could wait for a row lock the outer one holds.
  Result<void> transact(domain::TxKind kind, FunctionRef<Result<void>(domain::StoreTx&)> body) override;
  // SELECT 1 on a pooled connection.
  Result<void> ping() override;
  // "postgres".
  std::string_view backend() const override { return "postgres"; }

 private:
  // transact() without the error metric.
  Result<void> run(domain::TxKind kind, FunctionRef<Result<void>(domain::StoreTx&)> body);
  Attempt attempt(Connection& c, domain::TxKind kind, FunctionRef<Result<void>(domain::StoreTx&)> body);

  std::shared_ptr<Pool> pool_;
};

// Opens a pool of up to options.connections connections to the database the URL names, connects
// once to check that it is reachable and its schema is not newer than this build. Does not
// migrate. Errors never contain the URL's password.
Result<Opened> open(std::string_view url, const Options& options);

}  // namespace tessera::store::postgres
