#include "store/sqlite/sqlite_store.hpp"

#include <chrono>
#include <thread>

#include "store/sqlite/migrations.hpp"
#include "store/sqlite/sqlite_tx.hpp"

namespace tessera::store::sqlite {
namespace {

// Another process (the CLI, a backup) holding the lock past the busy timeout is rare and
// usually brief: re-run the body a few times with a short, doubling pause, then give up.
constexpr int kMaxAttempts = 4;
constexpr std::chrono::milliseconds kFirstBackoff{10};

}  // namespace

Result<void> SqliteStore::transact(domain::TxKind kind, FunctionRef<Result<void>(domain::StoreTx&)> body) {
  return counted_db_failure(run(kind, body));
}

Result<void> SqliteStore::run(domain::TxKind kind, FunctionRef<Result<void>(domain::StoreTx&)> body) {
  auto conn = db_->connection();
  if (!conn) return std::move(conn).error();
  Connection& c = **conn;
  if (c.tx_state() != TxState::none) {
    // The same thread's connection is already in a transaction: a nested write would wait on
    // the mutex its own thread holds, and SQLite has no nested BEGIN.
    return make_error(errc::internal_error, "", "sqlite: transact() called inside a transaction on the same thread");
  }
  std::unique_lock<std::mutex> writer;
  if (kind == domain::TxKind::write) writer = std::unique_lock(db_->write_mutex());

  static const std::string gave_up =
      "sqlite: still locked by another process after " + std::to_string(kMaxAttempts) + " attempts";
  return run_attempts(
      kMaxAttempts, gave_up, [&] { return attempt(c, kind, body); },
      [](int n) { std::this_thread::sleep_for(kFirstBackoff * (1 << (n - 1))); });
}

Attempt SqliteStore::attempt(Connection& c, domain::TxKind kind, FunctionRef<Result<void>(domain::StoreTx&)> body) {
  c.clear_transient_failure();
  if (auto r = c.begin(kind == domain::TxKind::write ? TxState::write : TxState::read); !r) {
    return {std::move(r), c.transient_failure()};
  }
  SqliteTx tx(c);
  Result<void> r;
  try {
    r = body(tx);
  } catch (...) {
    c.rollback();
    throw;
  }
  if (c.transient_failure()) {
    // Even if the body swallowed the error, part of its work did not happen: run it again.
    c.rollback();
    if (r) r = make_error(errc::database_unavailable, "", "sqlite: a statement met a lock held elsewhere");
    return {std::move(r), true};
  }
  if (!r) {
    c.rollback();
    return {std::move(r), false};
  }
  auto committed = c.commit();
  const bool retry = !committed && c.transient_failure();
  return {std::move(committed), retry};
}

Result<void> SqliteStore::ping() {
  auto conn = db_->connection();
  if (!conn) return std::move(conn).error();
  auto st = (*conn)->prepare("SELECT 1");
  if (!st) return std::move(st).error();
  auto row = st->step();
  if (!row) return std::move(row).error();
  return ok();
}

Result<Opened> open(std::string_view path, const Options& options) {
  // Options::connections needs no enforcing here: there is one connection per thread that runs
  // transactions, and the worker pools bound those.
  auto db = Database::open(std::string(path), options.busy_timeout);
  if (!db) return std::move(db).error();
  auto c = (*db)->connection();
  if (!c) return std::move(c).error();
  if (auto r = check_not_newer(**c); !r) return std::move(r).error();
  Opened opened;
  opened.store = std::make_unique<SqliteStore>(*db);
  opened.migrator = std::make_unique<SqliteMigrator>(*db);
  return Result<Opened>(std::move(opened));
}

}  // namespace tessera::store::sqlite
