#include "store/postgres/connection.hpp"

#include <charconv>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <utility>

#include "core/log.hpp"

namespace tessera::store::postgres {
namespace {

// A missing result (out of memory, connection gone) counts as a failed one.
ExecStatusType status_of(const PGresult* r) { return r != nullptr ? PQresultStatus(r) : PGRES_FATAL_ERROR; }

// Type OIDs of the columns we read (fixed in PostgreSQL's catalog, pg_type.dat).
constexpr Oid kBool = 16;
constexpr Oid kBytea = 17;
constexpr Oid kName = 19;
constexpr Oid kInt8 = 20;
constexpr Oid kInt2 = 21;
constexpr Oid kInt4 = 23;
constexpr Oid kText = 25;
constexpr Oid kVarchar = 1043;

// How long connecting may take before the attempt fails (libpq's connect_timeout, per host):
// a worker thread waits this long at most while the database is unreachable. A URL may set its
// own connect_timeout.
constexpr const char* kConnectTimeoutSeconds = "3";
// A transaction left open by a stuck process (stopped, not crashed: a crash closes the
// connection) would hold its row locks for ever; the server ends such a session after this. Our
// transactions are short and never wait on anything outside the database.
constexpr const char* kIdleInTransactionTimeout = "60s";

std::uint64_t read_big_endian(std::string_view bytes) {
  std::uint64_t v = 0;
  for (const char ch : bytes) v = (v << 8) | static_cast<unsigned char>(ch);
  return v;
}

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ' || text.back() == '\t')) text.pop_back();
  return text;
}

// A statement for a log line: its start, on one line.
std::string describe(std::string_view sql) {
  constexpr std::size_t kMax = 60;
  std::string out;
  for (const char ch : sql.substr(0, kMax)) out.push_back(ch == '\n' ? ' ' : ch);
  if (sql.size() > kMax) out += "...";
  return out;
}

bool starts_with(const std::string& s, std::string_view prefix) { return s.rfind(prefix, 0) == 0; }

// Conflicts with another transaction that a re-run of the body may not meet.
bool is_transient(const std::string& sqlstate) {
  return sqlstate == "40001"      // serialization_failure
         || sqlstate == "40P01"   // deadlock_detected
         || sqlstate == "55P03";  // lock_not_available: lock_timeout ran out
}

errc classify(const std::string& sqlstate, bool connection_lost) {
  if (connection_lost) return errc::database_unavailable;
  if (starts_with(sqlstate, "08")      // connection exception
      || starts_with(sqlstate, "53")   // insufficient resources (disk full, too many connections)
      || starts_with(sqlstate, "57P")  // server shutting down, cannot connect now
      || starts_with(sqlstate, "58")   // system error (I/O)
      || sqlstate == "57014"           // query_canceled (statement_timeout, an operator's cancel)
      || is_transient(sqlstate)) {
    return errc::database_unavailable;
  }
  // A row the insert refers to does not exist (a session of a missing user): the contract's
  // not_found.
  if (sqlstate == "23503") return errc::not_found;
  return errc::internal_error;
}

// Messages the server sends beside results (NOTICE, WARNING). libpq would print them on stderr,
// outside our JSON log lines; warnings go to the log, the chatter ("relation already exists,
// skipping") to debug.
void on_notice(void* arg, const PGresult* notice) {
  const auto* target = static_cast<const Target*>(arg);
  const char* severity = PQresultErrorField(notice, PG_DIAG_SEVERITY_NONLOCALIZED);
  const char* primary = PQresultErrorField(notice, PG_DIAG_MESSAGE_PRIMARY);
  const std::string message = redact(primary != nullptr ? primary : "", *target);
  if (severity != nullptr && std::strcmp(severity, "WARNING") == 0) {
    log::warn("postgres_warning").str("message", message);
  } else {
    log::debug("postgres_notice").str("message", message);
  }
}

// A libpq message (several lines, tab-indented hints) on one line, for a log line.
std::string one_line(std::string text) {
  std::string line;
  for (const char ch : trimmed(std::move(text))) {
    if (ch == '\n') {
      line += ' ';
    } else if (ch != '\t') {
      line.push_back(ch);
    }
  }
  return line;
}

// libpq's message names the host and port, never the password; redact() makes sure.
Error connect_error(const Target& target, std::string why) {
  return make_error(errc::database_unavailable, "", "postgres: " + redact(one_line(std::move(why)), target));
}

}  // namespace

// ---- Params

void Params::add_number(std::int64_t value) {
  numbers_.push_back(std::to_string(value));
  const std::string& text = numbers_.back();
  push(text.c_str(), static_cast<int>(text.size()), 0);
}

void Params::add_bytes(std::string_view bytes) {
  // A null pointer would mean SQL NULL: an empty value needs a valid one.
  push(bytes.empty() ? "" : bytes.data(), static_cast<int>(bytes.size()), 1);
}

void Params::push(const char* data, int length, int format) {
  values_.push_back(data);
  lengths_.push_back(length);
  formats_.push_back(format);
}

// ---- Row and Rows

std::string_view Row::raw(int column, std::initializer_list<Oid> types) const {
  const Oid type = PQftype(result_, column);
  bool known = false;
  for (const Oid t : types) known = known || t == type;
  if (!known) {
    throw std::logic_error("postgres: column " + std::to_string(column) + " (" +
                           (PQfname(result_, column) != nullptr ? PQfname(result_, column) : "?") + ") has type " +
                           std::to_string(type) + ", which this reader does not take");
  }
  return {PQgetvalue(result_, row_, column), static_cast<std::size_t>(PQgetlength(result_, row_, column))};
}

bool Row::is_null(int column) const { return PQgetisnull(result_, row_, column) != 0; }

std::int64_t Row::int64(int column) const {
  const std::string_view bytes = raw(column, {kInt8, kInt4, kInt2});
  if (is_null(column)) return 0;
  // Binary integers are big-endian two's complement of the column's width.
  const std::uint64_t v = read_big_endian(bytes);
  switch (bytes.size()) {
    case 8: return static_cast<std::int64_t>(v);
    case 4: return static_cast<std::int32_t>(static_cast<std::uint32_t>(v));
    case 2: return static_cast<std::int16_t>(static_cast<std::uint16_t>(v));
    default: throw std::logic_error("postgres: an integer of " + std::to_string(bytes.size()) + " bytes");
  }
}

bool Row::boolean(int column) const {
  const std::string_view bytes = raw(column, {kBool});
  return !bytes.empty() && bytes[0] != 0;
}

std::string Row::text(int column) const { return std::string(raw(column, {kText, kVarchar, kName})); }

std::string Row::blob(int column) const { return std::string(raw(column, {kBytea})); }

std::optional<TimePoint> Row::optional_time(int column) const {
  if (is_null(column)) return std::nullopt;
  return time(column);
}

std::int64_t Rows::affected() const {
  const char* text = PQcmdTuples(result_.get());
  std::int64_t n = 0;
  if (text != nullptr) std::from_chars(text, text + std::strlen(text), n);
  return n;
}

// ---- Connection

Result<std::unique_ptr<Connection>> Connection::open(const Target& target) {
  // The URL comes last, so whatever it sets wins over these defaults (expand_dbname).
  const char* const keywords[] = {"connect_timeout",
                                  "fallback_application_name",
                                  "keepalives_idle",
                                  "keepalives_interval",
                                  "keepalives_count",
                                  "dbname",
                                  nullptr};
  const char* const values[] = {kConnectTimeoutSeconds, "tessera", "30", "10", "3", target.url.c_str(), nullptr};
  PGconn* conn = PQconnectdbParams(keywords, values, 1);
  if (conn == nullptr) return connect_error(target, "out of memory");
  if (PQstatus(conn) != CONNECTION_OK) {
    Error e = connect_error(target, PQerrorMessage(conn));
    PQfinish(conn);
    return e;
  }
  std::unique_ptr<Connection> c(new Connection(conn, target));
  PQsetNoticeReceiver(conn, on_notice, const_cast<Target*>(&target));
  // Session settings, bound rather than spliced into SQL. lock_timeout: a row lock held by
  // another instance longer than this fails the statement (55P03), and the transaction is re-run
  // a few times like SQLite's busy wait, then reported as database_unavailable.
  const std::string lock_timeout = std::to_string(target.lock_timeout.count()) + "ms";
  auto set = c->query(
      "SELECT set_config('lock_timeout', $1, false), "
      "set_config('idle_in_transaction_session_timeout', $2, false)",
      lock_timeout, kIdleInTransactionTimeout);
  if (!set) return std::move(set).error();
  return c;
}

Connection::~Connection() { PQfinish(conn_); }

bool Connection::broken() const { return PQstatus(conn_) != CONNECTION_OK; }

bool Connection::idle() const { return !broken() && PQtransactionStatus(conn_) == PQTRANS_IDLE; }

void Connection::clear_failures() {
  transient_failure_ = false;
  failure_ = {};
}

Error Connection::failed(const PGresult* result, std::string_view what) {
  const auto field = [&](int code) -> std::string {
    const char* v = result != nullptr ? PQresultErrorField(result, code) : nullptr;
    return v != nullptr ? v : "";
  };
  failure_.sqlstate = field(PG_DIAG_SQLSTATE);
  failure_.constraint = field(PG_DIAG_CONSTRAINT_NAME);
  // The primary message only: DETAIL would repeat the row's values (an email) into the log.
  std::string message = field(PG_DIAG_MESSAGE_PRIMARY);
  if (message.empty()) message = one_line(PQerrorMessage(conn_));
  const bool lost = broken();
  if (is_transient(failure_.sqlstate)) transient_failure_ = true;

  std::string reason = "postgres: " + describe(what) + ": " + redact(message, *target_);
  if (!failure_.sqlstate.empty()) reason += " (SQLSTATE " + failure_.sqlstate + ")";
  if (lost) reason += " (connection lost)";
  Error e = make_error(classify(failure_.sqlstate, lost), "", std::move(reason));
  if (in_transaction_ && !tx_error_) tx_error_ = e;
  return e;
}

Result<const std::string*> Connection::prepared(std::string_view sql) {
  if (auto it = statements_.find(sql); it != statements_.end()) return &it->second;
  std::string text(sql);  // libpq wants it NUL-terminated
  std::string name = "tessera_" + std::to_string(statements_.size() + 1);
  PGresult* r = PQprepare(conn_, name.c_str(), text.c_str(), 0, nullptr);
  if (r == nullptr || PQresultStatus(r) != PGRES_COMMAND_OK) {
    Error e = failed(r, sql);
    PQclear(r);
    return e;
  }
  PQclear(r);
  // Node-based map: the name's address stays valid as the map grows.
  return &statements_.emplace(std::move(text), std::move(name)).first->second;
}

Result<Rows> Connection::execute(std::string_view sql, const Params& params) {
  auto name = prepared(sql);
  if (!name) return std::move(name).error();
  if (pending_begin_ != nullptr) {
    const char* begin_sql = std::exchange(pending_begin_, nullptr);
    return execute_with_begin(begin_sql, **name, sql, params);
  }
  // The last argument asks for every result column in binary format.
  return rows_or_failure(
      PQexecPrepared(conn_, (*name)->c_str(), params.size(), params.values(), params.lengths(), params.formats(), 1),
      sql);
}

Result<Rows> Connection::rows_or_failure(PGresult* r, std::string_view what) {
  const ExecStatusType status = status_of(r);
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return Rows(r);
  Error e = failed(r, what);
  PQclear(r);
  return e;
}

Result<Rows> Connection::execute_with_begin(const char* begin_sql, const std::string& name, std::string_view sql,
                                            const Params& params) {
  if (PQenterPipelineMode(conn_) != 1) {
    // Not idle (cannot happen between statements) or no pipeline support: two round trips.
    if (auto b = run_simple(begin_sql); !b) return std::move(b).error();
    return execute(sql, params);
  }
  const bool sent = PQsendQueryParams(conn_, begin_sql, 0, nullptr, nullptr, nullptr, nullptr, 0) == 1 &&
                    PQsendQueryPrepared(conn_, name.c_str(), params.size(), params.values(), params.lengths(),
                                        params.formats(), 1) == 1 &&
                    PQpipelineSync(conn_) == 1;
  // Each query's results end with a null; the sync point ends the pipeline. A lost connection
  // ends everything with nulls, so every loop below is bounded.
  PGresult* begun = nullptr;
  PGresult* result = nullptr;
  if (sent) {
    begun = PQgetResult(conn_);
    while (PGresult* extra = PQgetResult(conn_)) PQclear(extra);
    result = PQgetResult(conn_);
    while (PGresult* extra = PQgetResult(conn_)) PQclear(extra);
    for (int n = 0; n < 4 && !broken(); ++n) {
      PGresult* r = PQgetResult(conn_);
      if (r == nullptr) continue;
      const bool sync = PQresultStatus(r) == PGRES_PIPELINE_SYNC;
      PQclear(r);
      if (sync) break;
    }
  }
  (void)PQexitPipelineMode(conn_);
  if (status_of(begun) != PGRES_COMMAND_OK) {
    Error e = failed(begun, begin_sql);
    PQclear(begun);
    PQclear(result);
    return e;
  }
  PQclear(begun);
  return rows_or_failure(result, sql);
}

Result<void> Connection::flush_begin() {
  if (pending_begin_ == nullptr) return ok();
  return run_simple(std::exchange(pending_begin_, nullptr));
}

Result<void> Connection::exec(const char* sql) {
  if (auto b = flush_begin(); !b) return b;
  return run_simple(sql);
}

Result<void> Connection::run_simple(const char* sql) {
  PGresult* r = PQexec(conn_, sql);
  const ExecStatusType status = status_of(r);
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
    PQclear(r);
    return ok();
  }
  Error e = failed(r, sql);
  PQclear(r);
  return e;
}

void Connection::begin(domain::TxKind kind) {
  tx_error_.reset();
  // Explicit levels, whatever default_transaction_isolation the server has. Writers use READ
  // COMMITTED and take row locks where a read is followed by a write of what it read (see
  // postgres_tx.hpp); readers get one snapshot for the whole transaction, as on SQLite, and a
  // read-only REPEATABLE READ transaction never fails to serialise.
  pending_begin_ = kind == domain::TxKind::write ? "BEGIN ISOLATION LEVEL READ COMMITTED"
                                                 : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";
  in_transaction_ = true;
}

Result<void> Connection::commit() {
  if (tx_error_) {
    // A statement failed and the body went on anyway (a bug in the body): PostgreSQL has
    // aborted the transaction, and COMMIT would only answer ROLLBACK. Report it rather than a
    // silent loss of the body's writes.
    Error e = make_error(errc::internal_error, "",
                         "postgres: the transaction went on after a failed statement, so nothing was committed; "
                         "the first failure: " +
                             tx_error_->reason);
    rollback();
    return e;
  }
  if (pending_begin_ != nullptr) {  // a transaction without statements: nothing was ever sent
    pending_begin_ = nullptr;
    in_transaction_ = false;
    return ok();
  }
  PGresult* r = PQexec(conn_, "COMMIT");
  const ExecStatusType status = status_of(r);
  if (status == PGRES_COMMAND_OK) {
    const bool rolled_back = std::strcmp(PQcmdStatus(r), "ROLLBACK") == 0;
    PQclear(r);
    in_transaction_ = false;
    if (rolled_back) return make_error(errc::internal_error, "", "postgres: COMMIT rolled back a failed transaction");
    return ok();
  }
  in_transaction_ = false;  // failed() must not record this as a statement of the transaction
  Error e = failed(r, "COMMIT");
  PQclear(r);
  if (broken()) {
    // The server may have committed before the connection went: the outcome is unknown, so the
    // body is not re-run (it could apply twice).
    e.reason += "; the transaction may or may not have been committed";
  }
  rollback();
  return e;
}

void Connection::rollback() noexcept {
  in_transaction_ = false;
  pending_begin_ = nullptr;
  tx_error_.reset();
  if (broken()) return;
  const PGTransactionStatusType status = PQtransactionStatus(conn_);
  if (status == PQTRANS_INTRANS || status == PQTRANS_INERROR) PQclear(PQexec(conn_, "ROLLBACK"));
}

}  // namespace tessera::store::postgres
