#pragma once
// One libpq connection (RAII), its prepared statements, a typed binder for parameters and a
// typed reader for results. The pool lends a connection to one thread for one transaction, so
// nothing here locks. SQL text is always a constant; data is always bound.
//
// Wire formats: text and byte parameters go in binary format, so their exact length is sent (a
// NUL byte is refused by the server instead of silently ending the value, and hashes that start
// with NUL arrive whole); numbers go as decimal text, which the server reads for whichever integer
// type the column has. Results come back in binary format and are read by their column type.
#include <libpq-fe.h>

#include <concepts>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "domain/store.hpp"
#include "store/common/values.hpp"
#include "store/postgres/target.hpp"

namespace tessera::store::postgres {

// The parameters of one statement, in order ($1, $2, ...). Views into the arguments: it must not
// outlive them (Connection::query builds and runs it in one call).
class Params {
 public:
  template <class... Args>
  explicit Params(const Args&... args) {
    values_.reserve(sizeof...(Args));
    lengths_.reserve(sizeof...(Args));
    formats_.reserve(sizeof...(Args));
    (add(args), ...);
  }
  Params(const Params&) = delete;
  Params& operator=(const Params&) = delete;

  int size() const { return static_cast<int>(values_.size()); }
  const char* const* values() const { return values_.data(); }
  const int* lengths() const { return lengths_.data(); }
  const int* formats() const { return formats_.data(); }

 private:
  void add(std::nullptr_t) { push(nullptr, 0, 0); }
  void add(bool value) { push(value ? "t" : "f", 1, 0); }
  template <std::integral T>
  requires(!std::same_as<T, bool>) void add(T value) { add_number(static_cast<std::int64_t>(value)); }
  void add(std::string_view text) { add_bytes(text); }
  void add(const std::string& text) { add_bytes(text); }
  void add(const char* text) { add_bytes(text); }
  void add(Blob blob) { add_bytes(blob.bytes); }
  void add(TextOrNull text) {
    if (text.text.empty()) return add(nullptr);
    add_bytes(text.text);
  }
  void add(BlobOrNull blob) {
    if (blob.bytes.empty()) return add(nullptr);
    add_bytes(blob.bytes);
  }
  void add(TimePoint time) { add_number(to_unix_ms(time)); }
  void add(const std::optional<TimePoint>& time) {
    if (!time) return add(nullptr);
    add_number(to_unix_ms(*time));
  }
  void add_number(std::int64_t value);
  void add_bytes(std::string_view bytes);
  void push(const char* data, int length, int format);

  std::vector<const char*> values_;
  std::vector<int> lengths_;
  std::vector<int> formats_;
  std::deque<std::string> numbers_;  // the decimal text of numbers (a deque: stable addresses)
};

// One row of a result, read by column (0-based) and checked against the column's type: reading a
// column as the wrong type is a bug in our SQL and throws std::logic_error. NULL reads as 0, ""
// or nullopt.
class Row {
 public:
  Row(const PGresult* result, int row) : result_(result), row_(row) {}
  std::int64_t int64(int column) const;
  bool boolean(int column) const;
  std::string text(int column) const;
  std::string blob(int column) const;
  TimePoint time(int column) const { return from_unix_ms(int64(column)); }
  std::optional<TimePoint> optional_time(int column) const;
  bool is_null(int column) const;

 private:
  std::string_view raw(int column, std::initializer_list<Oid> types) const;
  const PGresult* result_;
  int row_;
};

// The result of one statement (RAII over PGresult).
class Rows {
 public:
  explicit Rows(PGresult* result) : result_(result) {}
  int size() const { return PQntuples(result_.get()); }
  bool empty() const { return size() == 0; }
  Row operator[](int row) const { return Row(result_.get(), row); }
  // Rows the statement inserted, updated or deleted (cascades not counted).
  std::int64_t affected() const;

 private:
  struct Clear {
    void operator()(PGresult* r) const { PQclear(r); }
  };
  std::unique_ptr<PGresult, Clear> result_;
};

// Every row of a statement's result, each made into a value by `read` (a reader of
// store/common/row_readers.hpp), or the statement's failure.
template <class Read>
auto collect(const Result<Rows>& rows, Read read) -> Result<std::vector<std::invoke_result_t<Read&, const Row&>>> {
  if (!rows) return rows.error();
  std::vector<std::invoke_result_t<Read&, const Row&>> out;
  out.reserve(static_cast<std::size_t>(rows->size()));
  for (int i = 0; i < rows->size(); ++i) out.push_back(read((*rows)[i]));
  return out;
}
// The first row made into a value by `read`; nullopt when there is none.
template <class Read>
auto first(const Result<Rows>& rows, Read read) -> Result<std::optional<std::invoke_result_t<Read&, const Row&>>> {
  using T = std::invoke_result_t<Read&, const Row&>;
  if (!rows) return rows.error();
  if (rows->empty()) return std::optional<T>();
  return std::optional<T>(read((*rows)[0]));
}

// What the server said about the last failed statement, for the few callers that map a specific
// failure (a duplicate email is account_exists).
struct Failure {
  std::string sqlstate;    // e.g. "23505"; "" when the failure was the connection's
  std::string constraint;  // the violated constraint's name, if any
};

class Connection {
 public:
  // Connects (blocking, at most the URL's connect_timeout or kConnectTimeout) and sets the
  // session up: lock_timeout, UTC. Failures are database_unavailable, without the password.
  static Result<std::unique_ptr<Connection>> open(const Target& target);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  // Closes the connection; a transaction still open is rolled back by the server.
  ~Connection();

  // Runs `sql` as a prepared statement (prepared on this connection at its first use) with the
  // given parameters.
  template <class... Args>
  Result<Rows> query(std::string_view sql, const Args&... args) {
    const Params params(args...);
    return execute(sql, params);
  }
  // Runs constant SQL with no parameters through the simple protocol: transaction control,
  // migration scripts (several statements), advisory locks.
  Result<void> exec(const char* sql);

  // Starts a transaction: READ COMMITTED for writes, REPEATABLE READ READ ONLY for reads. The
  // BEGIN is not sent on its own: it goes out with the transaction's first statement, in one
  // libpq pipeline, which saves a round trip per transaction (a third of a short one). So a
  // connection the server has dropped shows it at that first statement; this cannot fail.
  void begin(domain::TxKind kind);
  // Commits; a transaction in which a statement failed is rolled back instead and the first
  // failure returned (PostgreSQL answers COMMIT of a failed transaction with ROLLBACK).
  Result<void> commit();
  // Rolls back the open transaction, if any; never fails (a broken connection is discarded).
  void rollback() noexcept;
  // True between begin() and commit()/rollback().
  bool in_transaction() const { return in_transaction_; }

  // The connection is lost (server restarted or gone): discard it, never reuse it.
  bool broken() const;
  // Connected and outside any transaction: fit to lend again.
  bool idle() const;
  // A statement since the last clear met a conflict that a re-run may not meet: serialization
  // failure, deadlock, lock timeout. The transaction must be re-run even if the body swallowed it.
  bool transient_failure() const { return transient_failure_; }
  // A statement failed in the open transaction, which PostgreSQL has therefore aborted.
  bool aborted() const { return tx_error_.has_value(); }
  // The failure details of the last failed statement.
  const Failure& failure() const { return failure_; }
  // Forgets the failures of an earlier attempt.
  void clear_failures();
  // The libpq handle, for the one user that waits on the socket itself (listener.cpp).
  PGconn* native() const { return conn_; }

 private:
  Connection(PGconn* conn, const Target& target) : conn_(conn), target_(&target) {}
  Result<Rows> execute(std::string_view sql, const Params& params);
  // The deferred BEGIN and the prepared statement `name` in one pipeline: one round trip.
  Result<Rows> execute_with_begin(const char* begin_sql, const std::string& name, std::string_view sql,
                                  const Params& params);
  // Takes `r` as the rows of `what`, or turns it into the Error (and frees it).
  Result<Rows> rows_or_failure(PGresult* r, std::string_view what);
  // Sends a deferred BEGIN on its own (before simple-protocol SQL), if one is waiting.
  Result<void> flush_begin();
  // Runs constant SQL through the simple protocol, with no deferred BEGIN in front.
  Result<void> run_simple(const char* sql);
  // The name of the statement prepared for `sql`, preparing it on first use.
  Result<const std::string*> prepared(std::string_view sql);
  // Turns a failed result (or a missing one) into an Error and records the failure.
  Error failed(const PGresult* result, std::string_view what);

  // Heterogeneous lookup so a string_view finds its statement without allocating.
  struct TextHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };

  PGconn* conn_;
  const Target* target_;  // owned by the pool, which outlives its connections
  std::unordered_map<std::string, std::string, TextHash, std::equal_to<>> statements_;  // SQL -> name
  bool in_transaction_ = false;
  const char* pending_begin_ = nullptr;  // begin() was called; its BEGIN goes with the first statement
  bool transient_failure_ = false;
  std::optional<Error> tx_error_;  // the first failure in the open transaction
  Failure failure_;
};

}  // namespace tessera::store::postgres
