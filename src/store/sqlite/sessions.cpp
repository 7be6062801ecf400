// The sessions and retired_tokens tables. Lookups by token hash use the UNIQUE index on
// sessions.token_hash and the primary key of retired_tokens. The row locks that PostgreSQL takes
// in session_by_token are implicit here: a write transaction holds the database's only write
// lock (BEGIN IMMEDIATE) from its start, so two rotations of one token cannot interleave.
#include "store/common/row_readers.hpp"
#include "store/common/sql_text.hpp"
#include "store/sqlite/sqlite_tx.hpp"

namespace tessera::store::sqlite {
namespace {

using domain::Session;
using domain::SessionId;

template <class Key>
Result<std::optional<Session>> one_session(Connection& c, std::string_view sql, const Key& key) {
  auto st = c.prepare(sql);
  if (!st) return std::move(st).error();
  return st->bind(key).first(read_session<Statement>);
}

// A missing user or session behind a reference: the row the caller names does not exist.
Error reference_error(const Statement& st, Error e, std::string_view what) {
  if (st.failure() == SQLITE_CONSTRAINT_FOREIGNKEY) {
    e.code = errc::not_found;
    e.reason = "sqlite: " + std::string(what) + ": " + e.reason;
  }
  return e;
}

constexpr auto kById = sql_text("SELECT ", kSessionColumns, " FROM sessions WHERE id = ?");
constexpr auto kByToken = sql_text("SELECT ", kSessionColumns, " FROM sessions WHERE token_hash = ?");
constexpr auto kByRetiredToken = sql_text("SELECT ", kSessionColumnsOfS,
                                          " FROM retired_tokens r JOIN sessions s ON s.id = r.session_id "
                                          "WHERE r.token_hash = ?");

}  // namespace

Result<void> SqliteTx::insert_session(const Session& s) {
  static constexpr auto kSql = sql_text("INSERT INTO sessions (", kSessionColumns,
                                        ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  auto st = c_.prepare(kSql.data());
  if (!st) return std::move(st).error();
  st->bind(s.id.str(), s.user_id.str(), s.created_at, s.last_used_at, s.idle_expires_at, s.absolute_expires_at,
           s.revoked_at, s.revoke_reason, s.user_agent, s.ip, s.generation, Blob{s.token_hash},
           BlobOrNull{s.previous_token_hash}, s.rotated_at, BlobOrNull{s.successor_sealed}, s.aal, encode_amr(s.amr),
           s.auth_time);
  if (auto r = st->run(); !r) return reference_error(*st, std::move(r).error(), "insert_session: no such user");
  return ok();
}

Result<std::optional<Session>> SqliteTx::session_by_id(const SessionId& id) {
  return one_session(c_, kById.data(), id.str());
}

Result<std::optional<Session>> SqliteTx::session_by_token(std::string_view token_hash) {
  return one_session(c_, kByToken.data(), Blob{token_hash});
}

Result<std::optional<Session>> SqliteTx::session_by_retired_token(std::string_view token_hash) {
  return one_session(c_, kByRetiredToken.data(), Blob{token_hash});
}

Result<void> SqliteTx::update_session(const Session& s) {
  // Every field but id, user_id and created_at, which a session never changes.
  auto st = c_.prepare(
      "UPDATE sessions SET last_used_at = ?, idle_expires_at = ?, absolute_expires_at = ?, revoked_at = ?, "
      "revoke_reason = ?, user_agent = ?, ip = ?, generation = ?, token_hash = ?, previous_token_hash = ?, "
      "rotated_at = ?, successor_sealed = ?, aal = ?, amr = ?, auth_time = ? WHERE id = ?");
  if (!st) return std::move(st).error();
  st->bind(s.last_used_at, s.idle_expires_at, s.absolute_expires_at, s.revoked_at, s.revoke_reason, s.user_agent, s.ip,
           s.generation, Blob{s.token_hash}, BlobOrNull{s.previous_token_hash}, s.rotated_at,
           BlobOrNull{s.successor_sealed}, s.aal, encode_amr(s.amr), s.auth_time, s.id.str());
  if (auto r = st->run(); !r) return std::move(r).error();
  if (st->changes() == 0) return make_error(errc::not_found, "", "sqlite: update_session: no session " + s.id.str());
  return ok();
}

Result<void> SqliteTx::retire_token(std::string_view token_hash, const SessionId& session, std::int64_t generation,
                                    TimePoint at) {
  auto st =
      c_.prepare("INSERT INTO retired_tokens (token_hash, session_id, generation, retired_at) VALUES (?, ?, ?, ?)");
  if (!st) return std::move(st).error();
  st->bind(Blob{token_hash}, session.str(), generation, at);
  if (auto r = st->run(); !r) return reference_error(*st, std::move(r).error(), "retire_token: no such session");
  return ok();
}

Result<std::vector<Session>> SqliteTx::sessions_of_user(const domain::UserId& user) {
  static constexpr auto kSql =
      sql_text("SELECT ", kSessionColumns, " FROM sessions WHERE user_id = ? ORDER BY created_at DESC, id DESC");
  auto st = c_.prepare(kSql.data());
  if (!st) return std::move(st).error();
  return st->bind(user.str()).collect(read_session<Statement>);
}

Result<std::vector<SessionId>> SqliteTx::revoke_sessions_of_user(const domain::UserId& user, TimePoint at,
                                                                 std::string_view reason) {
  // One statement: the rows it returns are exactly the ones it changed.
  auto st = c_.prepare(
      "UPDATE sessions SET revoked_at = ?, revoke_reason = ? WHERE user_id = ? AND revoked_at IS NULL "
      "RETURNING id");
  if (!st) return std::move(st).error();
  return st->bind(at, reason, user.str()).collect([](const Statement& r) { return SessionId(r.text(0)); });
}

}  // namespace tessera::store::sqlite
