#include "store/sqlite/connection.hpp"

#include <chrono>
#include <stdexcept>
#include <utility>

namespace tessera::store::sqlite {
namespace {

// The per-connection settings. synchronous=NORMAL in WAL mode survives a crash of the process
// (a committed transaction is in the WAL, which the OS holds) but may lose the last commits on
// a power cut; FULL would fsync the WAL on every commit. SPEC §6 asks for the former.
constexpr const char* kConnectionPragmas =
    "PRAGMA synchronous = NORMAL;"
    "PRAGMA foreign_keys = ON;"
    "PRAGMA trusted_schema = OFF;";

}  // namespace

bool is_transient(int rc) {
  const int primary = rc & 0xff;
  return primary == SQLITE_BUSY || primary == SQLITE_LOCKED;
}

Error sqlite_error(sqlite3* db, int rc, std::string_view what) {
  const int primary = rc & 0xff;
  const bool unavailable = is_transient(rc) || primary == SQLITE_IOERR || primary == SQLITE_CANTOPEN ||
                           primary == SQLITE_FULL || primary == SQLITE_READONLY || primary == SQLITE_PROTOCOL;
  std::string reason = "sqlite: ";
  reason += what;
  reason += ": ";
  reason += db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  reason += " (";
  reason += std::to_string(rc);
  reason += ")";
  return make_error(unavailable ? errc::database_unavailable : errc::internal_error, "", std::move(reason));
}

// ---- Statement

Statement::Statement(Connection& connection, sqlite3_stmt* stmt, bool* in_use)
    : connection_(&connection), stmt_(stmt), in_use_(in_use) {}

Statement::Statement(Statement&& other) noexcept
    : connection_(other.connection_),
      stmt_(std::exchange(other.stmt_, nullptr)),
      in_use_(std::exchange(other.in_use_, nullptr)),
      failure_(other.failure_) {}

Statement::~Statement() {
  if (stmt_ == nullptr) return;
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  *in_use_ = false;
}

void Statement::check_bind(int rc, int index) {
  // Binding fails only for a wrong index or an oversized value: both are bugs in our SQL.
  if (rc != SQLITE_OK) {
    throw std::logic_error("sqlite: binding parameter " + std::to_string(index) + " of \"" + sqlite3_sql(stmt_) +
                           "\": " + sqlite3_errstr(rc));
  }
}

void Statement::bind_one(int index, std::nullptr_t) { check_bind(sqlite3_bind_null(stmt_, index), index); }

void Statement::bind_one(int index, bool value) { bind_int64(index, value ? 1 : 0); }

void Statement::bind_int64(int index, std::int64_t value) {
  check_bind(sqlite3_bind_int64(stmt_, index, value), index);
}

void Statement::bind_one(int index, std::string_view text) {
  // SQLITE_TRANSIENT copies: the caller's buffer may be a temporary gone before step().
  // A null pointer would bind NULL, so an empty string gets a valid one.
  const char* data = text.empty() ? "" : text.data();
  check_bind(sqlite3_bind_text64(stmt_, index, data, text.size(), SQLITE_TRANSIENT, SQLITE_UTF8), index);
}

void Statement::bind_one(int index, Blob blob) {
  const char* data = blob.bytes.empty() ? "" : blob.bytes.data();
  check_bind(sqlite3_bind_blob64(stmt_, index, data, blob.bytes.size(), SQLITE_TRANSIENT), index);
}

void Statement::bind_one(int index, TextOrNull text) {
  if (text.text.empty()) {
    bind_one(index, nullptr);
  } else {
    bind_one(index, text.text);
  }
}

void Statement::bind_one(int index, BlobOrNull blob) {
  if (blob.bytes.empty()) {
    bind_one(index, nullptr);
  } else {
    bind_one(index, Blob{blob.bytes});
  }
}

void Statement::bind_one(int index, const std::optional<TimePoint>& time) {
  if (time) {
    bind_int64(index, to_unix_ms(*time));
  } else {
    bind_one(index, nullptr);
  }
}

Result<bool> Statement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  failure_ = sqlite3_extended_errcode(sqlite3_db_handle(stmt_));
  connection_->note_failure(failure_);
  return sqlite_error(sqlite3_db_handle(stmt_), failure_, sqlite3_sql(stmt_));
}

Result<void> Statement::run() {
  for (;;) {
    auto row = step();
    if (!row) return std::move(row).error();
    if (!*row) return ok();
  }
}

std::int64_t Statement::changes() const { return sqlite3_changes64(sqlite3_db_handle(stmt_)); }

std::int64_t Statement::int64(int column) const { return sqlite3_column_int64(stmt_, column); }

std::string Statement::text(int column) const {
  const auto* p = sqlite3_column_text(stmt_, column);
  const int n = sqlite3_column_bytes(stmt_, column);  // after the pointer, as SQLite asks
  if (p == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n));
}

std::string Statement::blob(int column) const {
  const void* p = sqlite3_column_blob(stmt_, column);
  const int n = sqlite3_column_bytes(stmt_, column);
  if (p == nullptr) return {};  // NULL or a zero-length blob
  return std::string(static_cast<const char*>(p), static_cast<std::size_t>(n));
}

std::optional<TimePoint> Statement::optional_time(int column) const {
  if (is_null(column)) return std::nullopt;
  return time(column);
}

bool Statement::is_null(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }

// ---- Connection

Result<std::unique_ptr<Connection>> Connection::open(const std::string& path, std::chrono::milliseconds busy_timeout) {
  if (sqlite3_threadsafe() == 0) {
    return make_error(errc::internal_error, "", "sqlite: the library was built without thread support");
  }
  sqlite3* db = nullptr;
  // NOMUTEX: a connection is used by one thread at a time, so SQLite's own mutex is waste.
  // No SQLITE_OPEN_URI: the path is taken literally, never parsed for ?options.
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    Error e = sqlite_error(db, rc, "opening " + path);
    sqlite3_close_v2(db);  // a handle is returned even on failure
    return e;
  }
  std::unique_ptr<Connection> c(new Connection(db));
  sqlite3_extended_result_codes(db, 1);
  // How long a statement waits for a lock held by another process (the CLI, a backup) before
  // it gives up with SQLITE_BUSY. In-process writers never get here: they queue on a mutex.
  sqlite3_busy_timeout(db, static_cast<int>(busy_timeout.count()));
  // Refuse the few statements that can corrupt a database file (writable_schema and the like).
  sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, nullptr);

  // journal_mode is persistent in the file but answers with the mode it got: a file system that
  // cannot do WAL (some network mounts) answers "delete", and we would rather stop than run slow
  // and lock-bound without saying so.
  {
    auto st = c->prepare("PRAGMA journal_mode = WAL");
    if (!st) return std::move(st).error();
    auto row = st->step();
    if (!row) return std::move(row).error();
    const std::string mode = *row ? st->text(0) : std::string();
    if (mode != "wal") {
      return make_error(errc::database_unavailable, "",
                        "sqlite: " + path + " cannot use write-ahead logging (journal_mode is \"" + mode + "\")");
    }
  }
  if (auto r = c->exec(kConnectionPragmas); !r) return std::move(r).error();
  return c;
}

Connection::~Connection() {
  if (tx_state_ != TxState::none) rollback();
  for (auto& [sql, cached] : cache_) sqlite3_finalize(cached.stmt);
  sqlite3_close_v2(db_);
}

Result<Statement> Connection::prepare(std::string_view sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    sqlite3_stmt* stmt = nullptr;
    const char* tail = nullptr;
    const int rc =
        sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt, &tail);
    if (rc != SQLITE_OK) {
      note_failure(rc);
      return sqlite_error(db_, rc, "preparing \"" + std::string(sql) + "\"");
    }
    if (stmt == nullptr || tail != sql.data() + sql.size()) {
      sqlite3_finalize(stmt);
      return make_error(errc::internal_error, "", "sqlite: not exactly one statement in \"" + std::string(sql) + "\"");
    }
    it = cache_.emplace(std::string(sql), Cached{stmt, false}).first;
  }
  Cached& cached = it->second;
  if (cached.in_use) {
    // Two live borrows of one statement would reset each other's rows.
    throw std::logic_error("sqlite: statement used twice at once: " + std::string(sql));
  }
  if (tx_state_ == TxState::read && sqlite3_stmt_readonly(cached.stmt) == 0) {
    return make_error(errc::internal_error, "", "sqlite: a read transaction tried to write: " + std::string(sql));
  }
  cached.in_use = true;
  return Statement(*this, cached.stmt, &cached.in_use);
}

Result<void> Connection::exec(const char* sql) {
  char* message = nullptr;
  const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &message);
  if (rc == SQLITE_OK) return ok();
  sqlite3_free(message);  // sqlite3_errmsg still has it
  note_failure(rc);
  return sqlite_error(db_, sqlite3_extended_errcode(db_), sql);
}

Result<void> Connection::begin(TxState kind) {
  // Cached like any statement: BEGIN and COMMIT run on every request.
  auto st = prepare(kind == TxState::write ? "BEGIN IMMEDIATE" : "BEGIN");
  if (!st) return std::move(st).error();
  if (auto r = st->run(); !r) return r;
  tx_state_ = kind;
  return ok();
}

Result<void> Connection::commit() {
  // Transaction control statements count as read-only, so COMMIT passes prepare()'s check.
  Result<void> r = [&]() -> Result<void> {
    auto st = prepare("COMMIT");
    if (!st) return std::move(st).error();
    return st->run();
  }();
  if (!r) {
    rollback();  // a failed COMMIT (e.g. SQLITE_BUSY) leaves the transaction open
    return r;
  }
  tx_state_ = TxState::none;
  return ok();
}

void Connection::rollback() noexcept {
  tx_state_ = TxState::none;
  // Some errors (SQLITE_FULL, SQLITE_IOERR, ...) roll back by themselves; a second ROLLBACK
  // would fail with "no transaction is active".
  if (sqlite3_get_autocommit(db_) != 0) return;
  sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

void Connection::note_failure(int rc) {
  if (is_transient(rc)) transient_failure_ = true;
}

}  // namespace tessera::store::sqlite
