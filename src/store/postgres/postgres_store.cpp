#include "store/postgres/postgres_store.hpp"

#include <algorithm>
#include <chrono>
#include <random>
#include <thread>
#include <vector>

#include "store/postgres/migrations.hpp"
#include "store/postgres/postgres_tx.hpp"

namespace tessera::store::postgres {
namespace {

// A conflict (serialization failure, deadlock, lock timeout) usually clears as soon as the
// other transaction ends; a dead pooled connection is replaced at once. Either way a few runs
// are enough; then the failure is reported as database_unavailable.
constexpr int kMaxAttempts = 4;
constexpr std::chrono::milliseconds kFirstBackoff{5};

// The stores whose transaction the calling thread is inside (to refuse nesting).
thread_local std::vector<const PostgresStore*> this_thread_transactions;

class InTransaction {
 public:
  explicit InTransaction(const PostgresStore* store) : store_(store) { this_thread_transactions.push_back(store); }
  ~InTransaction() {
    auto it = std::find(this_thread_transactions.rbegin(), this_thread_transactions.rend(), store_);
    if (it != this_thread_transactions.rend()) this_thread_transactions.erase(std::next(it).base());
  }
  InTransaction(const InTransaction&) = delete;
  InTransaction& operator=(const InTransaction&) = delete;

  static bool active(const PostgresStore* store) {
    return std::find(this_thread_transactions.begin(), this_thread_transactions.end(), store) !=
           this_thread_transactions.end();
  }

 private:
  const PostgresStore* store_;
};

// The pause before re-running after a conflict: doubling, with jitter so that two instances
// that collided do not collide again in step.
std::chrono::microseconds backoff(int attempt) {
  thread_local std::minstd_rand random(static_cast<unsigned>(std::hash<std::thread::id>{}(std::this_thread::get_id())));
  const auto base = std::chrono::duration_cast<std::chrono::microseconds>(kFirstBackoff) * (1 << (attempt - 1));
  return base + std::chrono::microseconds(random() % static_cast<unsigned>(base.count() + 1));
}

}  // namespace

Result<void> PostgresStore::transact(domain::TxKind kind, FunctionRef<Result<void>(domain::StoreTx&)> body) {
  return counted_db_failure(run(kind, body));
}

Result<void> PostgresStore::run(domain::TxKind kind, FunctionRef<Result<void>(domain::StoreTx&)> body) {
  if (InTransaction::active(this)) {
    return make_error(errc::internal_error, "", "postgres: transact() called inside a transaction on the same thread");
  }
  InTransaction mark(this);
  static const std::string gave_up = "postgres: gave up after " + std::to_string(kMaxAttempts) + " attempts";
  return run_attempts(
      kMaxAttempts, gave_up,
      [&]() -> Attempt {
        auto lease = pool_->acquire();
        if (!lease) return {std::move(lease).error(), false};
        return attempt(**lease, kind, body);
      },
      [](int n) { std::this_thread::sleep_for(backoff(n)); });
}

Attempt PostgresStore::attempt(Connection& c, domain::TxKind kind, FunctionRef<Result<void>(domain::StoreTx&)> body) {
  c.clear_failures();
  // BEGIN goes out with the body's first statement. A pooled connection whose server went away
  // (restart, failover) fails there, before anything ran: the broken() branch below re-runs the
  // body at once, and the pool replaces the connection.
  c.begin(kind);
  PostgresTx tx(c, kind);
  Result<void> r;
  try {
    r = body(tx);
  } catch (...) {
    c.rollback();
    throw;
  }
  if (c.broken()) {
    // Lost before COMMIT was sent: nothing was committed, so running the body again is safe.
    if (r) r = make_error(errc::database_unavailable, "", "postgres: the connection was lost during the transaction");
    return {std::move(r), true, false};
  }
  if (c.transient_failure()) {
    // Even if the body swallowed the error, the transaction is aborted: run it again.
    c.rollback();
    if (r) r = make_error(errc::database_unavailable, "", "postgres: a statement met a conflicting transaction");
    return {std::move(r), true, true};
  }
  if (!r) {
    c.rollback();
    return {std::move(r), false};
  }
  auto committed = c.commit();
  // A conflict reported by COMMIT itself (a deferred check) rolled everything back: safe to
  // re-run. A connection lost during COMMIT is not: the commit may have happened.
  const bool retry = !committed && c.transient_failure() && !c.broken();
  return {std::move(committed), retry, true};
}

Result<void> PostgresStore::ping() {
  // Twice at most: the first may find a pooled connection the server has since closed.
  Result<void> r = ok();
  for (int n = 0; n < 2; ++n) {
    auto lease = pool_->acquire();
    if (!lease) return std::move(lease).error();
    auto rows = (*lease)->query("SELECT 1");
    if (rows) return ok();
    r = std::move(rows).error();
    if (!(*lease)->broken()) break;
  }
  return r;
}

Result<Opened> open(std::string_view url, const Options& options) {
  auto target = parse_target(url);
  if (!target) return std::move(target).error();
  target->lock_timeout = options.busy_timeout;
  auto pool = std::make_shared<Pool>(std::move(*target), options.connections, options.busy_timeout);
  {
    // Connect now, so a wrong URL, password or host stops start-up with a clear message.
    auto lease = pool->acquire();
    if (!lease) {
      Error e = std::move(lease).error();
      e.detail = "TESSERA_DATABASE: cannot connect to " + pool->target().shown;
      return e;
    }
    if (auto r = check_not_newer(**lease); !r) return std::move(r).error();
  }
  Opened opened;
  opened.store = std::make_unique<PostgresStore>(pool);
  opened.migrator = std::make_unique<PostgresMigrator>(pool);
  return Result<Opened>(std::move(opened));
}

}  // namespace tessera::store::postgres
