#pragma once
// What the domain needs from storage (DESIGN rule 2: the domain owns the interface). SQLite and
// PostgreSQL implement it in store/, and both pass the one contract suite in
// tests/store_contract/. Every operation runs inside a transaction: the domain composes the
// steps of one change (e.g. rotate a refresh token and retire its parent) in one StoreTx, and
// the store commits only when the function succeeds. A StoreTx is made of one role interface
// per noun (domain/store_records.hpp, where each operation and the errors are documented).
#include <cstddef>
#include <optional>
#include <string_view>
#include <type_traits>
#include <utility>

#include "core/function_ref.hpp"
#include "core/result.hpp"
#include "domain/store_records.hpp"

namespace tessera::domain {

// The operations of one transaction: every role of domain/store_records.hpp, and the
// housekeeping that spans the tables.
class StoreTx : public UserRecords,
                public SessionRecords,
                public RevocationRecords,
                public SigningKeyRecords,
                public OneTimeTokenRecords,
                public OutboxRecords,
                public SecretRecords,
                public AuditRecords,
                public ThrottleRecords,
                public SecondFactorRecords,
                public MfaTicketRecords {
 public:
  // Housekeeping: deletes sessions expired or revoked before `before` (with their retired
  // tokens), one-time tokens expired or used before `before`, mails sent before `before`, login
  // throttles whose last failure was before `before`, TOTP factors left pending since before
  // `before`, MFA tickets that expired before `now`, and revocation events that expired before
  // `now`. Returns the rows deleted (retired tokens, which go by cascade, are not counted).
  virtual Result<std::size_t> purge(TimePoint before, TimePoint now) = 0;
};

enum class TxKind {
  read,   // reads only; may run beside other transactions
  write,  // changes something; serialised against other writers
};

class Store {
 public:
  virtual ~Store() = default;

  // Runs `body` in one transaction and commits when it succeeds; rolls back when it returns an
  // error (which is passed on) or throws. Transient conflicts (busy database, serialisation
  // failure) re-run `body`, so it must have no effect outside the transaction.
  virtual Result<void> transact(TxKind kind, FunctionRef<Result<void>(StoreTx&)> body) = 0;

  // A cheap round trip, for /readyz.
  virtual Result<void> ping() = 0;
  // "sqlite" or "postgres".
  virtual std::string_view backend() const = 0;

  // transact() for a body that returns a value.
  template <class F>
  auto read(F&& body) {
    return run(TxKind::read, std::forward<F>(body));
  }
  template <class F>
  auto write(F&& body) {
    return run(TxKind::write, std::forward<F>(body));
  }

 private:
  template <class F>
  auto run(TxKind kind, F&& body) -> std::invoke_result_t<F, StoreTx&> {
    using R = std::invoke_result_t<F, StoreTx&>;
    using T = typename R::value_type;
    if constexpr (std::is_void_v<T>) {
      return transact(kind, body);
    } else {
      std::optional<T> out;
      auto r = transact(kind, [&](StoreTx& tx) -> Result<void> {
        auto v = body(tx);
        if (!v) return std::move(v).error();
        out.emplace(std::move(*v));
        return ok();
      });
      if (!r) return std::move(r).error();
      return std::move(*out);
    }
  }
};

// Schema migrations of one backend.
class Migrator {
 public:
  virtual ~Migrator() = default;
  // The highest migration applied, 0 for an empty database.
  virtual Result<int> current_version() = 0;
  // The highest migration this build knows.
  virtual int latest_version() const = 0;
  // Applies every pending migration, each in its own transaction; returns how many ran.
  virtual Result<int> migrate() = 0;
};

}  // namespace tessera::domain
