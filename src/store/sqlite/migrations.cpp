#include "store/sqlite/migrations.hpp"

#include <array>
#include <chrono>
#include <string>

namespace tessera::store::sqlite {
namespace {

// Conventions of the schema, which later migrations follow:
// - times are INTEGER Unix milliseconds; an optional time is NULL;
// - hashes and sealed values are BLOB; identifiers (UUIDs, kids) are TEXT;
// - tables are STRICT, so a value of the wrong type is an error instead of a silent conversion;
// - children reference their parent ON DELETE CASCADE and have an index on the reference.
// Later tables (one-time tokens and the outbox in migration 2; the audit log and rate-limit
// state to come) reference users(id); nothing in migration 1 changed for them.
constexpr const char* kInitialSchema = R"sql(
CREATE TABLE users (
  id             TEXT PRIMARY KEY NOT NULL,
  email          TEXT UNIQUE,  -- normalised; NULL when the account has only a username
  username       TEXT UNIQUE,  -- normalised; NULL when the account has only an email
  password_hash  TEXT NOT NULL,
  email_verified INTEGER NOT NULL DEFAULT 0 CHECK (email_verified IN (0, 1)),
  disabled       INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
  roles          TEXT NOT NULL DEFAULT '',  -- sorted, unique, separated by one space
  token_version  INTEGER NOT NULL DEFAULT 0,
  created_at     INTEGER NOT NULL,
  updated_at     INTEGER NOT NULL,
  CHECK (email IS NOT NULL OR username IS NOT NULL)
) STRICT;
-- The admin list pages through users in this order.
CREATE INDEX users_by_created_at ON users (created_at, id);

-- A login session: a chain of refresh tokens of which only token_hash is live.
CREATE TABLE sessions (
  id                  TEXT PRIMARY KEY NOT NULL,
  user_id             TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at          INTEGER NOT NULL,
  last_used_at        INTEGER NOT NULL,
  idle_expires_at     INTEGER NOT NULL,
  absolute_expires_at INTEGER NOT NULL,
  revoked_at          INTEGER,
  revoke_reason       TEXT NOT NULL DEFAULT '',
  user_agent          TEXT NOT NULL DEFAULT '',
  ip                  TEXT NOT NULL DEFAULT '',
  generation          INTEGER NOT NULL DEFAULT 0,
  token_hash          BLOB NOT NULL UNIQUE,  -- SHA-256 of the current refresh token
  previous_token_hash BLOB,                  -- its parent; NULL before the first rotation
  rotated_at          INTEGER,
  successor_sealed    BLOB                   -- the current token, sealed for the parent's holder
) STRICT;
CREATE INDEX sessions_by_user ON sessions (user_id, created_at);

-- Refresh tokens that were current once: presenting one again is reuse (or, within the grace
-- interval, a second tab).
CREATE TABLE retired_tokens (
  token_hash BLOB PRIMARY KEY NOT NULL,
  session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
  generation INTEGER NOT NULL,
  retired_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX retired_tokens_by_session ON retired_tokens (session_id);

-- AUTOINCREMENT: ids are never reused after a purge, so an instance that has read up to id N
-- can never miss an event that later gets N again.
CREATE TABLE revocation_events (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  kind       TEXT NOT NULL CHECK (kind IN ('session', 'user')),
  subject    TEXT NOT NULL,
  version    INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
) STRICT;

CREATE TABLE signing_keys (
  kid         TEXT PRIMARY KEY NOT NULL,
  alg         TEXT NOT NULL,
  private_key TEXT NOT NULL,  -- PKCS#8 PEM, or "sealed:" + base64url under TESSERA_MASTER_KEY
  created_at  INTEGER NOT NULL,
  signs_until INTEGER,
  retired_at  INTEGER
) STRICT;
)sql";

// Verification and reset tokens (SPEC §3), the durable email outbox (SPEC §5, DESIGN rule 9) and
// the server secrets every instance shares (the outbox key).
constexpr const char* kMailSchema = R"sql(
-- Single-use tokens mailed to a user; only the SHA-256 of the token is stored.
CREATE TABLE one_time_tokens (
  token_hash BLOB PRIMARY KEY NOT NULL,
  user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  purpose    TEXT NOT NULL CHECK (purpose IN ('verify_email', 'reset_password')),
  email      TEXT NOT NULL,  -- the address it was sent to
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  used_at    INTEGER         -- NULL while usable; set when used, superseded or killed
) STRICT, WITHOUT ROWID;
-- expire_one_time_tokens (and the cascade from users).
CREATE INDEX one_time_tokens_by_user ON one_time_tokens (user_id, purpose);
-- last_one_time_token_for: the newest token made for an address (resend limits).
CREATE INDEX one_time_tokens_by_email ON one_time_tokens (email, purpose, created_at);

-- Mails written in the same transaction as the change that causes them, delivered later by a
-- sender that leases them. A mail goes with its user (ON DELETE CASCADE): the mails we send
-- carry a token of that user, which the deletion removes too, so the link would be dead; and a
-- deleted account's address should not linger here. A mail about no account has user_id NULL.
-- AUTOINCREMENT: ids are never reused, so an operator's `outbox retry ID` never hits a newer mail.
CREATE TABLE outbox (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  kind            TEXT NOT NULL,
  recipient       TEXT NOT NULL,
  user_id         TEXT REFERENCES users (id) ON DELETE CASCADE,
  payload_sealed  BLOB NOT NULL,  -- sealed with the outbox key; emptied once sent
  state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sending', 'sent', 'dead')),
  attempts        INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  created_at      INTEGER NOT NULL,
  next_attempt_at INTEGER NOT NULL,
  lease_until     INTEGER,                   -- set exactly while sending
  lease_owner     TEXT NOT NULL DEFAULT '',  -- the sender holding the lease; '' when none
  last_error      TEXT NOT NULL DEFAULT '',
  sent_at         INTEGER,                   -- set exactly when sent
  CHECK ((state = 'sending') = (lease_until IS NOT NULL)),
  CHECK ((state = 'sent') = (sent_at IS NOT NULL))
) STRICT;
-- claim_mail: the pending mails that are due, and the few that are sending, without touching
-- the sent ones (most of the table).
CREATE INDEX outbox_queue ON outbox (state, next_attempt_at);
-- list_mail of one state, newest first; count_mail; purging sent mails.
CREATE INDEX outbox_by_state ON outbox (state, id);
CREATE INDEX outbox_by_user ON outbox (user_id);

-- Random keys made once by whichever instance comes first and shared by all of them.
CREATE TABLE secrets (
  name       TEXT PRIMARY KEY NOT NULL,
  value      TEXT NOT NULL,  -- "sealed:" + base64url under TESSERA_MASTER_KEY, or "plain:" + base64url
  created_at INTEGER NOT NULL
) STRICT;
)sql";

// Migration 3: the audit log of security events (GET /admin/audit), kept for
// TESSERA_AUDIT_RETENTION. No foreign key to users: the record of what happened to an account
// must outlive the account.
constexpr const char* kAuditSchema = R"sql(
CREATE TABLE audit_log (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  at         INTEGER NOT NULL,
  event      TEXT NOT NULL,
  user_id    TEXT NOT NULL DEFAULT '',
  actor_id   TEXT NOT NULL DEFAULT '',
  ip         TEXT NOT NULL DEFAULT '',
  user_agent TEXT NOT NULL DEFAULT '',
  detail     TEXT NOT NULL DEFAULT ''
) STRICT;
-- GET /admin/audit filters by user or event, newest first; retention deletes by time.
CREATE INDEX audit_by_user ON audit_log (user_id, id);
CREATE INDEX audit_by_event ON audit_log (event, id);
CREATE INDEX audit_by_time ON audit_log (at);
)sql";

// Migration 4: the login slow-down state per identifier (hashed), shared by every instance.
constexpr const char* kThrottleSchema = R"sql(
CREATE TABLE login_throttle (
  key             BLOB PRIMARY KEY NOT NULL,  -- SHA-256 of the normalised identifier
  failures        INTEGER NOT NULL CHECK (failures >= 0),
  last_failure_at INTEGER NOT NULL,
  next_attempt_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
-- purge: forget runs that ended long ago.
CREATE INDEX login_throttle_by_time ON login_throttle (last_failure_at);
)sql";

// Migration 5: second factors (issue 22). Sessions record how the user proved who they are;
// sessions from before keep aal1 and "pwd", and read auth_time as their creation.
constexpr const char* kSecondFactorSchema = R"sql(
ALTER TABLE sessions ADD COLUMN aal TEXT NOT NULL DEFAULT 'aal1' CHECK (aal IN ('aal1', 'aal2'));
ALTER TABLE sessions ADD COLUMN amr TEXT NOT NULL DEFAULT 'pwd';  -- RFC 8176 names, one space apart
ALTER TABLE sessions ADD COLUMN auth_time INTEGER;

-- One TOTP factor per user; last_step makes every code work once (compare-and-set).
CREATE TABLE mfa_totp (
  user_id       TEXT PRIMARY KEY NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  status        TEXT NOT NULL CHECK (status IN ('pending', 'active')),
  secret_sealed BLOB NOT NULL,
  last_step     INTEGER NOT NULL,
  created_at    INTEGER NOT NULL,
  confirmed_at  INTEGER,
  last_used_at  INTEGER,
  CHECK ((status = 'active') = (confirmed_at IS NOT NULL))
) STRICT, WITHOUT ROWID;
-- purge: enrolments never confirmed.
CREATE INDEX mfa_totp_by_status ON mfa_totp (status, created_at);

-- Recovery codes, as HMAC-SHA-256 under a server pepper (never the code).
CREATE TABLE recovery_codes (
  user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  code_hash  BLOB NOT NULL,
  created_at INTEGER NOT NULL,
  used_at    INTEGER,
  PRIMARY KEY (user_id, code_hash)
) STRICT, WITHOUT ROWID;

-- Logins waiting for their second step, by the SHA-256 of the ticket.
CREATE TABLE mfa_tickets (
  ticket_hash BLOB PRIMARY KEY NOT NULL,
  user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  failures    INTEGER NOT NULL DEFAULT 0 CHECK (failures >= 0),
  created_at  INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX mfa_tickets_by_user ON mfa_tickets (user_id);
CREATE INDEX mfa_tickets_by_expiry ON mfa_tickets (expires_at);
)sql";

constexpr std::array kMigrations{
    Migration{1, "users, sessions, retired tokens, revocation events, signing keys", kInitialSchema},
    Migration{2, "one-time tokens, email outbox, server secrets", kMailSchema},
    Migration{3, "audit log", kAuditSchema},
    Migration{4, "login slow-down", kThrottleSchema},
    Migration{5, "second factors: TOTP, recovery codes, MFA tickets, session assurance", kSecondFactorSchema},
};

constexpr const char* kCreateMigrationsTable = R"sql(
CREATE TABLE IF NOT EXISTS schema_migrations (
  version    INTEGER PRIMARY KEY NOT NULL,
  name       TEXT NOT NULL,
  applied_at INTEGER NOT NULL
) STRICT
)sql";

int latest_known() { return latest_version(kMigrations); }

// Holds a write transaction open until committed; rolls it back otherwise.
class WriteTx {
 public:
  explicit WriteTx(Connection& c) : c_(c) {}
  ~WriteTx() { rollback(); }
  Result<void> begin() {
    auto r = c_.begin(TxState::write);
    open_ = r.has_value();
    return r;
  }
  Result<void> commit() {
    open_ = false;
    return c_.commit();
  }
  void rollback() {
    if (open_) c_.rollback();
    open_ = false;
  }

 private:
  Connection& c_;
  bool open_ = false;
};

}  // namespace

std::span<const Migration> migrations() { return kMigrations; }

Result<int> schema_version(Connection& c) {
  auto exists = c.prepare("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'");
  if (!exists) return std::move(exists).error();
  auto row = exists->step();
  if (!row) return std::move(row).error();
  if (!*row || exists->int64(0) == 0) return 0;

  auto st = c.prepare("SELECT coalesce(max(version), 0) FROM schema_migrations");
  if (!st) return std::move(st).error();
  row = st->step();
  if (!row) return std::move(row).error();
  return static_cast<int>(st->int64(0));
}

Result<void> check_not_newer(Connection& c) {
  auto version = schema_version(c);
  if (!version) return std::move(version).error();
  return refuse_newer_schema("sqlite", *version, latest_known());
}

Result<int> SqliteMigrator::current_version() {
  auto c = db_->connection();
  if (!c) return std::move(c).error();
  return schema_version(**c);
}

int SqliteMigrator::latest_version() const { return latest_known(); }

Result<int> SqliteMigrator::migrate() {
  auto conn = db_->connection();
  if (!conn) return std::move(conn).error();
  Connection& c = **conn;
  if (c.tx_state() != TxState::none) {
    return make_error(errc::internal_error, "", "sqlite: migrate() called inside a transaction");
  }
  std::lock_guard writer(db_->write_mutex());
  if (auto r = check_not_newer(c); !r) return std::move(r).error();
  if (auto r = c.exec(kCreateMigrationsTable); !r) return std::move(r).error();

  // Each migration in a write transaction (BEGIN IMMEDIATE: the version is read under the
  // database's write lock, so a second `tessera migrate` in another process waits, then skips).
  struct Steps {
    Connection& c;
    WriteTx tx{c};
    Result<void> begin() { return tx.begin(); }
    Result<int> version() { return schema_version(c); }
    void skip() { tx.rollback(); }
    Result<void> exec(const char* sql) { return c.exec(sql); }
    Result<void> record(const Migration& m) {
      auto st = c.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)");
      if (!st) return std::move(st).error();
      return st->bind(m.version, m.name, std::chrono::system_clock::now()).run();
    }
    Result<void> commit() { return tx.commit(); }
  } steps{c};
  return apply_pending(kMigrations, steps);
}

}  // namespace tessera::store::sqlite
