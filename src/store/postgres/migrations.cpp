#include "store/postgres/migrations.hpp"

#include <array>
#include <chrono>
#include <string>

#include "store/postgres/postgres_tx.hpp"

namespace tessera::store::postgres {
namespace {

// Conventions of the schema, which later migrations follow (the same as SQLite's, so both
// backends keep the same values):
// - times are BIGINT Unix milliseconds; an optional time is NULL (simpler than timestamptz, and
//   the millisecond round trip is exact);
// - hashes and sealed values are BYTEA; identifiers (UUIDs, kids), emails and usernames are
//   TEXT COLLATE "C", so they compare and sort bytewise like SQLite's, whatever the database's
//   locale, and ILIKE folds ASCII letters only;
// - ids that count up are identity columns (sequences never hand out a number twice, even after
//   the rows are deleted);
// - children reference their parent ON DELETE CASCADE and have an index on the reference;
// - constraints the code recognises by name are named.
constexpr const char* kInitialSchema = R"sql(
CREATE TABLE users (
  id             TEXT COLLATE "C" PRIMARY KEY,
  email          TEXT COLLATE "C" CONSTRAINT users_email_unique UNIQUE,  -- normalised; NULL when none
  username       TEXT COLLATE "C" CONSTRAINT users_username_unique UNIQUE,  -- normalised; NULL when none
  password_hash  TEXT NOT NULL,
  email_verified BOOLEAN NOT NULL DEFAULT false,
  disabled       BOOLEAN NOT NULL DEFAULT false,
  roles          TEXT NOT NULL DEFAULT '',  -- sorted, unique, separated by one space
  token_version  BIGINT NOT NULL DEFAULT 0,
  created_at     BIGINT NOT NULL,
  updated_at     BIGINT NOT NULL,
  CONSTRAINT users_email_or_username CHECK (email IS NOT NULL OR username IS NOT NULL)
);
-- The admin list pages through users in this order.
CREATE INDEX users_by_created_at ON users (created_at, id);

-- A login session: a chain of refresh tokens of which only token_hash is live.
CREATE TABLE sessions (
  id                  TEXT COLLATE "C" PRIMARY KEY,
  user_id             TEXT COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at          BIGINT NOT NULL,
  last_used_at        BIGINT NOT NULL,
  idle_expires_at     BIGINT NOT NULL,
  absolute_expires_at BIGINT NOT NULL,
  revoked_at          BIGINT,
  revoke_reason       TEXT NOT NULL DEFAULT '',
  user_agent          TEXT NOT NULL DEFAULT '',
  ip                  TEXT NOT NULL DEFAULT '',
  generation          BIGINT NOT NULL DEFAULT 0,
  -- SHA-256 of the current refresh token
  token_hash          BYTEA NOT NULL CONSTRAINT sessions_token_hash_unique UNIQUE,
  previous_token_hash BYTEA,  -- its parent; NULL before the first rotation
  rotated_at          BIGINT,
  successor_sealed    BYTEA   -- the current token, sealed for the parent's holder
);
CREATE INDEX sessions_by_user ON sessions (user_id, created_at);

-- Refresh tokens that were current once: presenting one again is reuse (or, within the grace
-- interval, a second tab).
CREATE TABLE retired_tokens (
  token_hash BYTEA PRIMARY KEY,
  session_id TEXT COLLATE "C" NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
  generation BIGINT NOT NULL,
  retired_at BIGINT NOT NULL
);
CREATE INDEX retired_tokens_by_session ON retired_tokens (session_id);

-- Instances tail this log by id; appends take an advisory lock so that ids become visible in
-- order (store/postgres/revocations.cpp).
CREATE TABLE revocation_events (
  id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind       TEXT NOT NULL CHECK (kind IN ('session', 'user')),
  subject    TEXT NOT NULL,
  version    BIGINT NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
);

CREATE TABLE signing_keys (
  kid         TEXT COLLATE "C" PRIMARY KEY,
  alg         TEXT NOT NULL,
  private_key TEXT NOT NULL,  -- PKCS#8 PEM, or "sealed:" + base64url under TESSERA_MASTER_KEY
  created_at  BIGINT NOT NULL,
  signs_until BIGINT,
  retired_at  BIGINT
);
)sql";

// Verification and reset tokens (SPEC §3), the durable email outbox (SPEC §5, DESIGN rule 9) and
// the server secrets every instance shares (the outbox key).
constexpr const char* kMailSchema = R"sql(
-- Single-use tokens mailed to a user; only the SHA-256 of the token is stored.
CREATE TABLE one_time_tokens (
  token_hash BYTEA PRIMARY KEY,
  user_id    TEXT COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  purpose    TEXT NOT NULL CHECK (purpose IN ('verify_email', 'reset_password')),
  email      TEXT COLLATE "C" NOT NULL,  -- the address it was sent to
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  used_at    BIGINT           -- NULL while usable; set when used, superseded or killed
);
-- expire_one_time_tokens (and the cascade from users).
CREATE INDEX one_time_tokens_by_user ON one_time_tokens (user_id, purpose);
-- last_one_time_token_for: the newest token made for an address (resend limits).
CREATE INDEX one_time_tokens_by_email ON one_time_tokens (email, purpose, created_at);

-- Mails written in the same transaction as the change that causes them, delivered later by a
-- sender that leases them (claimed with FOR UPDATE SKIP LOCKED, so instances never claim the
-- same mail). A mail goes with its user (ON DELETE CASCADE); a mail about no account has
-- user_id NULL.
CREATE TABLE outbox (
  id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind            TEXT NOT NULL,
  recipient       TEXT NOT NULL,
  user_id         TEXT COLLATE "C" REFERENCES users (id) ON DELETE CASCADE,
  payload_sealed  BYTEA NOT NULL,  -- sealed with the outbox key; emptied once sent
  state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sending', 'sent', 'dead')),
  attempts        INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  created_at      BIGINT NOT NULL,
  next_attempt_at BIGINT NOT NULL,
  lease_until     BIGINT,                    -- set exactly while sending
  lease_owner     TEXT NOT NULL DEFAULT '',  -- the sender holding the lease; '' when none
  last_error      TEXT NOT NULL DEFAULT '',
  sent_at         BIGINT,                    -- set exactly when sent
  CHECK ((state = 'sending') = (lease_until IS NOT NULL)),
  CHECK ((state = 'sent') = (sent_at IS NOT NULL))
);
-- claim_mail: the pending mails that are due, and the few that are sending, without touching
-- the sent ones (most of the table).
CREATE INDEX outbox_queue ON outbox (state, next_attempt_at);
-- list_mail of one state, newest first; count_mail; purging sent mails.
CREATE INDEX outbox_by_state ON outbox (state, id);
CREATE INDEX outbox_by_user ON outbox (user_id);

-- Random keys made once by whichever instance comes first and shared by all of them.
CREATE TABLE secrets (
  name       TEXT COLLATE "C" PRIMARY KEY,
  value      TEXT NOT NULL,  -- "sealed:" + base64url under TESSERA_MASTER_KEY, or "plain:" + base64url
  created_at BIGINT NOT NULL
);
)sql";

// The audit log of security events (GET /admin/audit), kept for TESSERA_AUDIT_RETENTION. No
// foreign key to users: the record of what happened to an account must outlive the account.
constexpr const char* kAuditSchema = R"sql(
CREATE TABLE audit_log (
  id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at         BIGINT NOT NULL,
  event      TEXT NOT NULL,
  user_id    TEXT COLLATE "C" NOT NULL DEFAULT '',
  actor_id   TEXT COLLATE "C" NOT NULL DEFAULT '',
  ip         TEXT NOT NULL DEFAULT '',
  user_agent TEXT NOT NULL DEFAULT '',
  detail     TEXT NOT NULL DEFAULT ''
);
-- GET /admin/audit filters by user or event, newest first; retention deletes by time.
CREATE INDEX audit_by_user ON audit_log (user_id, id);
CREATE INDEX audit_by_event ON audit_log (event, id);
CREATE INDEX audit_by_time ON audit_log (at);
)sql";

// The login slow-down state per identifier (hashed), shared by every instance.
constexpr const char* kThrottleSchema = R"sql(
CREATE TABLE login_throttle (
  key             BYTEA PRIMARY KEY,  -- SHA-256 of the normalised identifier
  failures        INTEGER NOT NULL CHECK (failures >= 0),
  last_failure_at BIGINT NOT NULL,
  next_attempt_at BIGINT NOT NULL
);
-- purge: forget runs that ended long ago.
CREATE INDEX login_throttle_by_time ON login_throttle (last_failure_at);
)sql";

// Migration 5: second factors (issue 22). Sessions record how the user proved who they are;
// sessions from before keep aal1 and "pwd", and read auth_time as their creation.
constexpr const char* kSecondFactorSchema = R"sql(
ALTER TABLE sessions ADD COLUMN aal TEXT NOT NULL DEFAULT 'aal1' CHECK (aal IN ('aal1', 'aal2'));
ALTER TABLE sessions ADD COLUMN amr TEXT NOT NULL DEFAULT 'pwd';  -- RFC 8176 names, one space apart
ALTER TABLE sessions ADD COLUMN auth_time BIGINT;

-- One TOTP factor per user; last_step makes every code work once (compare-and-set).
CREATE TABLE mfa_totp (
  user_id       TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  status        TEXT NOT NULL CHECK (status IN ('pending', 'active')),
  secret_sealed BYTEA NOT NULL,
  last_step     BIGINT NOT NULL,
  created_at    BIGINT NOT NULL,
  confirmed_at  BIGINT,
  last_used_at  BIGINT,
  CHECK ((status = 'active') = (confirmed_at IS NOT NULL))
);
-- purge: enrolments never confirmed.
CREATE INDEX mfa_totp_by_status ON mfa_totp (status, created_at);

-- Recovery codes, as HMAC-SHA-256 under a server pepper (never the code).
CREATE TABLE recovery_codes (
  user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  code_hash  BYTEA NOT NULL,
  created_at BIGINT NOT NULL,
  used_at    BIGINT,
  PRIMARY KEY (user_id, code_hash)
);

-- Logins waiting for their second step, by the SHA-256 of the ticket.
CREATE TABLE mfa_tickets (
  ticket_hash BYTEA PRIMARY KEY,
  user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  failures    INTEGER NOT NULL DEFAULT 0 CHECK (failures >= 0),
  created_at  BIGINT NOT NULL,
  expires_at  BIGINT NOT NULL
);
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
  version    INTEGER PRIMARY KEY,
  name       TEXT NOT NULL,
  applied_at BIGINT NOT NULL
)
)sql";

int latest_known() { return latest_version(kMigrations); }

// Ends an open transaction (rolling back) and gives the session-level migration lock back, on
// every way out of migrate().
class MigrationSession {
 public:
  explicit MigrationSession(Connection& c) : c_(c) {}
  MigrationSession(const MigrationSession&) = delete;
  MigrationSession& operator=(const MigrationSession&) = delete;
  ~MigrationSession() {
    if (c_.in_transaction()) c_.rollback();
    // The connection is closed right after (it is migrate()'s own), which would release the
    // lock too; unlocking first lets a waiting instance go on without waiting for the close.
    if (locked_ && !c_.broken())
      (void)c_.query("SELECT pg_advisory_unlock($1, hashtext(current_schema()))", kMigrationLock);
  }
  Result<void> lock() {
    // Waits as long as another instance migrates (lock_timeout is off on this connection).
    auto r = c_.query("SELECT pg_advisory_lock($1, hashtext(current_schema()))", kMigrationLock);
    if (!r) return std::move(r).error();
    locked_ = true;
    return ok();
  }

 private:
  Connection& c_;
  bool locked_ = false;
};

}  // namespace

std::span<const Migration> migrations() { return kMigrations; }

Result<int> schema_version(Connection& c) {
  auto exists = c.query("SELECT to_regclass('schema_migrations') IS NOT NULL");
  if (!exists) return std::move(exists).error();
  if (!(*exists)[0].boolean(0)) return 0;
  auto rows = c.query("SELECT coalesce(max(version), 0) FROM schema_migrations");
  if (!rows) return std::move(rows).error();
  return static_cast<int>((*rows)[0].int64(0));
}

Result<void> check_not_newer(Connection& c) {
  auto version = schema_version(c);
  if (!version) return std::move(version).error();
  return refuse_newer_schema("postgres", *version, latest_known());
}

Result<int> PostgresMigrator::current_version() {
  auto lease = pool_->acquire();
  if (!lease) return std::move(lease).error();
  return schema_version(**lease);
}

int PostgresMigrator::latest_version() const { return latest_known(); }

Result<int> PostgresMigrator::migrate() {
  // The common case at start-up: nothing to apply. A pooled connection answers that in two
  // short queries; the migration connection and its lock (another connection set up, ~25 ms
  // of a server fork here) are only for when there is work. A schema newer than this build
  // goes on to the locked path, which reports it.
  if (auto version = current_version(); version && *version == latest_known()) return 0;
  // A connection of its own, not one of the pool's: it waits for the migration lock and for DDL
  // locks without lock_timeout (a migration may have to wait for running transactions), and its
  // session state goes with it when it closes.
  Target target = pool_->target();
  target.lock_timeout = std::chrono::milliseconds(0);
  auto opened = Connection::open(target);
  if (!opened) return std::move(opened).error();
  Connection& c = **opened;
  MigrationSession session(c);
  if (auto r = session.lock(); !r) return std::move(r).error();
  // Read under the lock: another instance may have migrated while we waited.
  if (auto r = check_not_newer(c); !r) return std::move(r).error();
  if (auto r = c.exec(kCreateMigrationsTable); !r) return std::move(r).error();

  // A failure leaves its transaction to `session`, which rolls it back.
  struct Steps {
    Connection& c;
    Result<void> begin() {
      c.begin(domain::TxKind::write);  // sent with the first statement
      return ok();
    }
    Result<int> version() { return schema_version(c); }
    void skip() { c.rollback(); }
    Result<void> exec(const char* sql) { return c.exec(sql); }
    Result<void> record(const Migration& m) {
      auto r = c.query("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)", m.version,
                       m.name, std::chrono::system_clock::now());
      if (!r) return std::move(r).error();
      return ok();
    }
    Result<void> commit() { return c.commit(); }
  } steps{c};
  return apply_pending(kMigrations, steps);
}

}  // namespace tessera::store::postgres
