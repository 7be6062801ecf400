// The sessions and retired_tokens tables. Lookups by token hash use the UNIQUE index on
// sessions.token_hash and the primary key of retired_tokens. In a write transaction each lookup
// locks the session row (FOR UPDATE) until the transaction ends, so two rotations of one token
// serialise: the second waits for the first to commit, then finds the token no longer current
// (READ COMMITTED re-checks the WHERE clause against the row the first one left) and looks among
// the retired tokens, where the first one's insert is now visible.
#include "store/postgres/postgres_tx.hpp"

namespace tessera::store::postgres {
namespace {

using domain::Session;
using domain::SessionId;

// The user agent and address come cleaned and bounded by the domain (domain/stored_text.hpp).

#define TESSERA_SESSION_COLUMNS                                                                              \
  "id, user_id, created_at, last_used_at, idle_expires_at, absolute_expires_at, revoked_at, revoke_reason, " \
  "user_agent, ip, generation, token_hash, previous_token_hash, rotated_at, successor_sealed"

// The same columns of the session `s` in a join.
#define TESSERA_SESSION_COLUMNS_OF_S                                                                       \
  "s.id, s.user_id, s.created_at, s.last_used_at, s.idle_expires_at, s.absolute_expires_at, "              \
  "s.revoked_at, s.revoke_reason, s.user_agent, s.ip, s.generation, s.token_hash, s.previous_token_hash, " \
  "s.rotated_at, s.successor_sealed"

// The columns every session query selects, in this order.
Session read_session(const Row& r) {
  Session s;
  s.id = SessionId(r.text(0));
  s.user_id = domain::UserId(r.text(1));
  s.created_at = r.time(2);
  s.last_used_at = r.time(3);
  s.idle_expires_at = r.time(4);
  s.absolute_expires_at = r.time(5);
  s.revoked_at = r.optional_time(6);
  s.revoke_reason = r.text(7);
  s.user_agent = r.text(8);
  s.ip = r.text(9);
  s.generation = r.int64(10);
  s.token_hash = r.blob(11);
  s.previous_token_hash = r.blob(12);
  s.rotated_at = r.optional_time(13);
  s.successor_sealed = r.blob(14);
  return s;
}

template <class Key>
Result<std::optional<Session>> one_session(Connection& c, bool writing, const char* sql, const char* locked,
                                           const Key& key) {
  auto rows = c.query(writing ? locked : sql, key);
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return std::optional<Session>();
  return std::optional<Session>(read_session((*rows)[0]));
}

Result<std::vector<Session>> all_sessions(const Result<Rows>& rows) {
  if (!rows) return rows.error();
  std::vector<Session> out;
  out.reserve(static_cast<std::size_t>(rows->size()));
  for (int i = 0; i < rows->size(); ++i) out.push_back(read_session((*rows)[i]));
  return out;
}

}  // namespace

Result<void> PostgresTx::insert_session(const Session& s) {
  // A missing user is a foreign key violation, which the connection reports as not_found.
  auto r = c_.query("INSERT INTO sessions (" TESSERA_SESSION_COLUMNS
                    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
                    s.id.str(), s.user_id.str(), s.created_at, s.last_used_at, s.idle_expires_at, s.absolute_expires_at,
                    s.revoked_at, s.revoke_reason, s.user_agent,
                    s.ip, s.generation, Blob{s.token_hash},
                    BlobOrNull{s.previous_token_hash}, s.rotated_at, BlobOrNull{s.successor_sealed});
  if (!r) return std::move(r).error();
  return ok();
}

Result<std::optional<Session>> PostgresTx::session_by_id(const SessionId& id) {
  return one_session(c_, writing_, "SELECT " TESSERA_SESSION_COLUMNS " FROM sessions WHERE id = $1",
                     "SELECT " TESSERA_SESSION_COLUMNS " FROM sessions WHERE id = $1 FOR UPDATE", id.str());
}

Result<std::optional<Session>> PostgresTx::session_by_token(std::string_view token_hash) {
  return one_session(c_, writing_, "SELECT " TESSERA_SESSION_COLUMNS " FROM sessions WHERE token_hash = $1",
                     "SELECT " TESSERA_SESSION_COLUMNS " FROM sessions WHERE token_hash = $1 FOR UPDATE",
                     Blob{token_hash});
}

Result<std::optional<Session>> PostgresTx::session_by_retired_token(std::string_view token_hash) {
  return one_session(c_, writing_,
                     "SELECT " TESSERA_SESSION_COLUMNS_OF_S
                     " FROM retired_tokens r JOIN sessions s ON s.id = r.session_id WHERE r.token_hash = $1",
                     "SELECT " TESSERA_SESSION_COLUMNS_OF_S
                     " FROM retired_tokens r JOIN sessions s ON s.id = r.session_id WHERE r.token_hash = $1 "
                     "FOR UPDATE OF s",
                     Blob{token_hash});
}

Result<void> PostgresTx::update_session(const Session& s) {
  // Every field but id, user_id and created_at, which a session never changes.
  auto r = c_.query(
      "UPDATE sessions SET last_used_at = $1, idle_expires_at = $2, absolute_expires_at = $3, revoked_at = $4, "
      "revoke_reason = $5, user_agent = $6, ip = $7, generation = $8, token_hash = $9, previous_token_hash = $10, "
      "rotated_at = $11, successor_sealed = $12 WHERE id = $13",
      s.last_used_at, s.idle_expires_at, s.absolute_expires_at, s.revoked_at, s.revoke_reason,
      s.user_agent, s.ip, s.generation,
      Blob{s.token_hash}, BlobOrNull{s.previous_token_hash}, s.rotated_at, BlobOrNull{s.successor_sealed}, s.id.str());
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
  return all_sessions(c_.query("SELECT " TESSERA_SESSION_COLUMNS
                               " FROM sessions WHERE user_id = $1 ORDER BY created_at DESC, id DESC",
                               user.str()));
}

Result<std::vector<SessionId>> PostgresTx::revoke_sessions_of_user(const domain::UserId& user, TimePoint at,
                                                                   std::string_view reason) {
  // One statement: the rows it returns are exactly the ones it changed.
  auto rows = c_.query(
      "UPDATE sessions SET revoked_at = $1, revoke_reason = $2 WHERE user_id = $3 AND revoked_at IS NULL "
      "RETURNING id",
      at, reason, user.str());
  if (!rows) return std::move(rows).error();
  std::vector<SessionId> out;
  for (int i = 0; i < rows->size(); ++i) out.emplace_back((*rows)[i].text(0));
  return out;
}

}  // namespace tessera::store::postgres
