// The one_time_tokens table: verification and reset tokens, by the hash of their text. The row
// lock PostgreSQL takes in one_time_token() is implicit here: a write transaction holds the
// database's only write lock from its start, so two uses of one token cannot interleave.
#include "store/common/row_readers.hpp"
#include "store/common/sql_text.hpp"
#include "store/sqlite/sqlite_tx.hpp"

namespace tessera::store::sqlite {

using domain::OneTimeToken;
using domain::TokenPurpose;

Result<void> SqliteTx::insert_one_time_token(const OneTimeToken& t) {
  auto st = c_.prepare(
      "INSERT INTO one_time_tokens (token_hash, user_id, purpose, email, created_at, expires_at, used_at) "
      "VALUES (?, ?, ?, ?, ?, ?, ?)");
  if (!st) return std::move(st).error();
  st->bind(Blob{t.token_hash}, t.user_id.str(), domain::to_string(t.purpose), t.email, t.created_at, t.expires_at,
           t.used_at);
  if (auto r = st->run(); !r) {
    Error e = std::move(r).error();
    if (st->failure() == SQLITE_CONSTRAINT_FOREIGNKEY) {
      e.code = errc::not_found;
      e.reason = "sqlite: insert_one_time_token: no such user: " + e.reason;
    }
    return e;
  }
  return ok();
}

Result<std::optional<OneTimeToken>> SqliteTx::one_time_token(std::string_view token_hash) {
  static constexpr auto kSql = sql_text("SELECT ", kOneTimeTokenColumns, " FROM one_time_tokens WHERE token_hash = ?");
  auto st = c_.prepare(kSql.data());
  if (!st) return std::move(st).error();
  return st->bind(Blob{token_hash}).first(read_one_time_token<Statement>);
}

Result<bool> SqliteTx::use_one_time_token(std::string_view token_hash, TimePoint at) {
  // One statement: of two uses, only the one that finds used_at NULL changes the row.
  auto st = c_.prepare("UPDATE one_time_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL");
  if (!st) return std::move(st).error();
  if (auto r = st->bind(at, Blob{token_hash}).run(); !r) return std::move(r).error();
  if (st->changes() == 1) return true;
  // Used already, or never made: the latter names a row that does not exist.
  auto exists = c_.prepare("SELECT 1 FROM one_time_tokens WHERE token_hash = ?");
  if (!exists) return std::move(exists).error();
  auto row = exists->bind(Blob{token_hash}).step();
  if (!row) return std::move(row).error();
  if (!*row) return make_error(errc::not_found, "", "sqlite: use_one_time_token: no such token");
  return false;
}

Result<std::size_t> SqliteTx::expire_one_time_tokens(const domain::UserId& user, TokenPurpose purpose, TimePoint at) {
  auto st = c_.prepare("UPDATE one_time_tokens SET used_at = ? WHERE user_id = ? AND purpose = ? AND used_at IS NULL");
  if (!st) return std::move(st).error();
  if (auto r = st->bind(at, user.str(), domain::to_string(purpose)).run(); !r) return std::move(r).error();
  return static_cast<std::size_t>(st->changes());
}

Result<std::optional<TimePoint>> SqliteTx::last_one_time_token_for(std::string_view email, TokenPurpose purpose) {
  // max() over the (email, purpose, created_at) index: one seek. NULL when there is none.
  auto st = c_.prepare("SELECT max(created_at) FROM one_time_tokens WHERE email = ? AND purpose = ?");
  if (!st) return std::move(st).error();
  auto row = st->bind(email, domain::to_string(purpose)).step();
  if (!row) return std::move(row).error();
  if (!*row) return std::optional<TimePoint>();
  return st->optional_time(0);
}

}  // namespace tessera::store::sqlite
