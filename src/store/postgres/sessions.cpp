// The sessions and retired_tokens tables. Lookups by token hash use the UNIQUE index on
// sessions.token_hash and the primary key of retired_tokens. In a write transaction each lookup
// locks the session row (FOR UPDATE) until the transaction ends, so two rotations of one token
// serialise: the second waits for the first to commit, then finds the token no longer current
// (READ COMMITTED re-checks the WHERE clause against the row the first one left) and looks among
// the retired tokens, where the first one's insert is now visible.
#include "store/common/row_readers.hpp"
#include "store/common/sql_text.hpp"
#include "store/postgres/postgres_tx.hpp"

namespace tessera::store::postgres {
namespace {

using domain::Session;
using domain::SessionId;

template <class Key>
Result<std::optional<Session>> one_session(Connection& c, bool writing, const char* sql, const char* locked,
                                           const Key& key) {
  return first(c.query(writing ? locked : sql, key), read_session<Row>);
}

// Each lookup, and its variant that locks the session row (a write transaction's).
constexpr auto kById = sql_text("SELECT ", kSessionColumns, " FROM sessions WHERE id = $1");
constexpr auto kByIdLocked = sql_text("SELECT ", kSessionColumns, " FROM sessions WHERE id = $1 FOR UPDATE");
constexpr auto kByToken = sql_text("SELECT ", kSessionColumns, " FROM sessions WHERE token_hash = $1");
constexpr auto kByTokenLocked = sql_text("SELECT ", kSessionColumns, " FROM sessions WHERE token_hash = $1 FOR UPDATE");
constexpr auto kByRetiredToken = sql_text("SELECT ", kSessionColumnsOfS,
                                          " FROM retired_tokens r JOIN sessions s ON s.id = r.session_id "
                                          "WHERE r.token_hash = $1");
constexpr auto kByRetiredTokenLocked = sql_text("SELECT ", kSessionColumnsOfS,
                                                " FROM retired_tokens r JOIN sessions s ON s.id = r.session_id "
                                                "WHERE r.token_hash = $1 FOR UPDATE OF s");

}  // namespace

Result<void> PostgresTx::insert_session(const Session& s) {
  // A missing user is a foreign key violation, which the connection reports as not_found.
  static constexpr auto kSql =
      sql_text("INSERT INTO sessions (", kSessionColumns,
               ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, "
               "$17, $18)");
  auto r = c_.query(kSql.data(), s.id.str(), s.user_id.str(), s.created_at, s.last_used_at, s.idle_expires_at,
                    s.absolute_expires_at, s.revoked_at, s.revoke_reason, s.user_agent, s.ip, s.generation,
                    Blob{s.token_hash}, BlobOrNull{s.previous_token_hash}, s.rotated_at, BlobOrNull{s.successor_sealed},
                    s.aal, encode_amr(s.amr), s.auth_time);
  if (!r) return std::move(r).error();
  return ok();
}

Result<std::optional<Session>> PostgresTx::session_by_id(const SessionId& id) {
  return one_session(c_, writing_, kById.data(), kByIdLocked.data(), id.str());
}

Result<std::optional<Session>> PostgresTx::session_by_token(std::string_view token_hash) {
  return one_session(c_, writing_, kByToken.data(), kByTokenLocked.data(), Blob{token_hash});
}

Result<std::optional<Session>> PostgresTx::session_by_retired_token(std::string_view token_hash) {
  return one_session(c_, writing_, kByRetiredToken.data(), kByRetiredTokenLocked.data(), Blob{token_hash});
}

Result<void> PostgresTx::update_session(const Session& s) {
  // Every field but id, user_id and created_at, which a session never changes.
  auto r = c_.query(
      "UPDATE sessions SET last_used_at = $1, idle_expires_at = $2, absolute_expires_at = $3, revoked_at = $4, "
      "revoke_reason = $5, user_agent = $6, ip = $7, generation = $8, token_hash = $9, previous_token_hash = $10, "
      "rotated_at = $11, successor_sealed = $12, aal = $13, amr = $14, auth_time = $15 WHERE id = $16",
      s.last_used_at, s.idle_expires_at, s.absolute_expires_at, s.revoked_at, s.revoke_reason, s.user_agent, s.ip,
      s.generation, Blob{s.token_hash}, BlobOrNull{s.previous_token_hash}, s.rotated_at, BlobOrNull{s.successor_sealed},
      s.aal, encode_amr(s.amr), s.auth_time, s.id.str());
  if (!r) return std::move(r).error();
  if (r->affected() == 0) return make_error(errc::not_found, "", "postgres: update_session: no session " + s.id.str());
  return ok();
}

Result<void> PostgresTx::retire_token(std::string_view token_hash, const SessionId& session, std::int64_t generation,
                                      TimePoint at) {
  auto r =
      c_.query("INSERT INTO retired_tokens (token_hash, session_id, generation, retired_at) VALUES ($1, $2, $3, $4)",
               Blob{token_hash}, session.str(), generation, at);
  if (!r) return std::move(r).error();
  return ok();
}

Result<std::vector<Session>> PostgresTx::sessions_of_user(const domain::UserId& user) {
  static constexpr auto kSql =
      sql_text("SELECT ", kSessionColumns, " FROM sessions WHERE user_id = $1 ORDER BY created_at DESC, id DESC");
  return collect(c_.query(kSql.data(), user.str()), read_session<Row>);
}

Result<std::vector<SessionId>> PostgresTx::revoke_sessions_of_user(const domain::UserId& user, TimePoint at,
                                                                   std::string_view reason) {
  // One statement: the rows it returns are exactly the ones it changed.
  auto rows = c_.query(
      "UPDATE sessions SET revoked_at = $1, revoke_reason = $2 WHERE user_id = $3 AND revoked_at IS NULL "
      "RETURNING id",
      at, reason, user.str());
  return collect(rows, [](const Row& r) { return SessionId(r.text(0)); });
}

}  // namespace tessera::store::postgres
