#pragma once
// One sqlite3 connection (RAII), its cache of prepared statements, and a small typed binder and
// reader over them. A connection belongs to one thread at a time (database.hpp hands out one per
// thread), so nothing here locks. SQL text is always a constant; data is always bound.
#include <sqlite3.h>

#include <chrono>
#include <concepts>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "store/common/values.hpp"

namespace tessera::store::sqlite {

// An Error for a failed SQLite call: busy/locked and I/O trouble are database_unavailable, the
// rest internal_error; the reason carries SQLite's message for the log.
Error sqlite_error(sqlite3* db, int rc, std::string_view what);

// True for result codes that mean "another connection holds the lock; try again".
bool is_transient(int rc);

class Connection;

// A cached prepared statement, borrowed for one use. When it goes away it is reset and its
// bindings cleared, so the next use starts clean and no read lock is held past it.
class Statement {
 public:
  // Borrows `stmt` from its connection's cache (Connection::prepare makes these).
  Statement(Connection& connection, sqlite3_stmt* stmt, bool* in_use);
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&&) = delete;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  // Binds the parameters ?1, ?2, ... in order, replacing earlier bindings.
  template <class... Args>
  Statement& bind(const Args&... args) {
    int index = 1;
    (bind_one(index++, args), ...);
    return *this;
  }

  // Advances to the next row: true when there is one, false when the statement is done.
  Result<bool> step();
  // Runs the statement to completion, ignoring rows.
  Result<void> run();
  // Rows changed by the last run() (direct changes only: cascades are not counted).
  std::int64_t changes() const;
  // The extended result code of the last failed step, e.g. SQLITE_CONSTRAINT_UNIQUE; 0 if none.
  int failure() const { return failure_; }

  // Readers for the current row's columns (0-based); NULL reads as 0, "" or nullopt.
  std::int64_t int64(int column) const;
  bool boolean(int column) const { return int64(column) != 0; }
  std::string text(int column) const;
  std::string blob(int column) const;
  TimePoint time(int column) const { return from_unix_ms(int64(column)); }
  std::optional<TimePoint> optional_time(int column) const;
  bool is_null(int column) const;

  // Steps through the remaining rows, each made into a value by `read` (a reader of
  // store/common/row_readers.hpp), up to the first failure.
  template <class Read>
  auto collect(Read read) -> Result<std::vector<std::invoke_result_t<Read&, const Statement&>>> {
    std::vector<std::invoke_result_t<Read&, const Statement&>> out;
    for (;;) {
      auto row = step();
      if (!row) return std::move(row).error();
      if (!*row) return out;
      out.push_back(read(*this));
    }
  }
  // The next row made into a value by `read`; nullopt when there is none.
  template <class Read>
  auto first(Read read) -> Result<std::optional<std::invoke_result_t<Read&, const Statement&>>> {
    using T = std::invoke_result_t<Read&, const Statement&>;
    auto row = step();
    if (!row) return std::move(row).error();
    if (!*row) return std::optional<T>();
    return std::optional<T>(read(*this));
  }

 private:
  void bind_one(int index, std::nullptr_t);
  void bind_one(int index, bool value);
  template <std::integral T>
  requires(!std::same_as<T, bool>) void bind_one(int index, T value) {
    bind_int64(index, static_cast<std::int64_t>(value));
  }
  void bind_one(int index, std::string_view text);
  void bind_one(int index, const std::string& text) { bind_one(index, std::string_view(text)); }
  void bind_one(int index, const char* text) { bind_one(index, std::string_view(text)); }
  void bind_one(int index, Blob blob);
  void bind_one(int index, TextOrNull text);
  void bind_one(int index, BlobOrNull blob);
  void bind_one(int index, TimePoint time) { bind_int64(index, to_unix_ms(time)); }
  void bind_one(int index, const std::optional<TimePoint>& time);
  void bind_int64(int index, std::int64_t value);
  void check_bind(int rc, int index);

  Connection* connection_;
  sqlite3_stmt* stmt_;
  bool* in_use_;
  int failure_ = 0;
};

// What kind of transaction the connection is in.
enum class TxState {
  none,   // autocommit
  read,   // BEGIN (deferred): statements that write are refused
  write,  // BEGIN IMMEDIATE: holds the database's write lock
};

class Connection {
 public:
  // Opens (creating when missing) the database file and configures the connection: WAL,
  // synchronous=NORMAL, foreign keys, busy timeout. See docs/operations.md "SQLite".
  static Result<std::unique_ptr<Connection>> open(const std::string& path, std::chrono::milliseconds busy_timeout);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  // Finalizes every cached statement, then closes the handle.
  ~Connection();

  // The cached statement for `sql`, prepared on first use (one statement per text). Refused
  // with internal_error when it writes and the connection is in a read transaction.
  Result<Statement> prepare(std::string_view sql);
  // Runs constant SQL with no parameters and no rows wanted (pragmas, BEGIN, migration scripts).
  Result<void> exec(const char* sql);

  // Starts a transaction of the given kind (BEGIN or BEGIN IMMEDIATE).
  Result<void> begin(TxState kind);
  // Commits the open transaction.
  Result<void> commit();
  // Rolls back the open transaction if SQLite has not already done so; never fails.
  void rollback() noexcept;
  // The transaction the connection is in (none, read or write).
  TxState tx_state() const { return tx_state_; }

  // Set when a statement met SQLITE_BUSY/SQLITE_LOCKED since the last clear: the transaction
  // must be re-run even if the body swallowed the error.
  bool transient_failure() const { return transient_failure_; }
  void clear_transient_failure() { transient_failure_ = false; }
  // Records a failed call's result code (statements report theirs here).
  void note_failure(int rc);

 private:
  explicit Connection(sqlite3* db) : db_(db) {}

  struct Cached {
    sqlite3_stmt* stmt = nullptr;
    bool in_use = false;  // a Statement borrows it; a second borrow is a broken invariant
  };
  // Heterogeneous lookup so a string_view finds its statement without allocating.
  struct TextHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };

  sqlite3* db_;
  std::unordered_map<std::string, Cached, TextHash, std::equal_to<>> cache_;
  TxState tx_state_ = TxState::none;
  bool transient_failure_ = false;
};

}  // namespace tessera::store::sqlite
