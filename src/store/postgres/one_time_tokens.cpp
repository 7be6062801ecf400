// The one_time_tokens table: verification and reset tokens, by the hash of their text. In a
// write transaction one_time_token() locks the row (FOR UPDATE) until the transaction ends, so
// two uses of one token serialise: the second reads it as the first left it, used.
#include "store/common/row_readers.hpp"
#include "store/common/sql_text.hpp"
#include "store/postgres/postgres_tx.hpp"

namespace tessera::store::postgres {

using domain::OneTimeToken;
using domain::TokenPurpose;

Result<void> PostgresTx::insert_one_time_token(const OneTimeToken& t) {
  // A missing user is a foreign key violation, which the connection reports as not_found.
  auto r = c_.query(
      "INSERT INTO one_time_tokens (token_hash, user_id, purpose, email, created_at, expires_at, used_at) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7)",
      Blob{t.token_hash}, t.user_id.str(), domain::to_string(t.purpose), t.email, t.created_at, t.expires_at,
      t.used_at);
  if (!r) return std::move(r).error();
  return ok();
}

Result<std::optional<OneTimeToken>> PostgresTx::one_time_token(std::string_view token_hash) {
  static constexpr auto kSql = sql_text("SELECT ", kOneTimeTokenColumns, " FROM one_time_tokens WHERE token_hash = $1");
  static constexpr auto kLocked =
      sql_text("SELECT ", kOneTimeTokenColumns, " FROM one_time_tokens WHERE token_hash = $1 FOR UPDATE");
  return first(c_.query(writing_ ? kLocked.data() : kSql.data(), Blob{token_hash}), read_one_time_token<Row>);
}

Result<bool> PostgresTx::use_one_time_token(std::string_view token_hash, TimePoint at) {
  // One statement: of two uses, only the one that finds used_at NULL changes the row (the second
  // waits for the first's row lock, then re-checks used_at and changes nothing).
  auto r = c_.query("UPDATE one_time_tokens SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL", at,
                    Blob{token_hash});
  if (!r) return std::move(r).error();
  if (r->affected() == 1) return true;
  // Used already, or never made: the latter names a row that does not exist.
  auto exists = c_.query("SELECT 1 FROM one_time_tokens WHERE token_hash = $1", Blob{token_hash});
  if (!exists) return std::move(exists).error();
  if (exists->empty()) return make_error(errc::not_found, "", "postgres: use_one_time_token: no such token");
  return false;
}

Result<std::size_t> PostgresTx::expire_one_time_tokens(const domain::UserId& user, TokenPurpose purpose, TimePoint at) {
  auto r = c_.query("UPDATE one_time_tokens SET used_at = $1 WHERE user_id = $2 AND purpose = $3 AND used_at IS NULL",
                    at, user.str(), domain::to_string(purpose));
  if (!r) return std::move(r).error();
  return static_cast<std::size_t>(r->affected());
}

Result<std::optional<TimePoint>> PostgresTx::last_one_time_token_for(std::string_view email, TokenPurpose purpose) {
  // max() over the (email, purpose, created_at) index: one seek. NULL when there is none.
  auto rows = c_.query("SELECT max(created_at) FROM one_time_tokens WHERE email = $1 AND purpose = $2", email,
                       domain::to_string(purpose));
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return std::optional<TimePoint>();
  return (*rows)[0].optional_time(0);
}

}  // namespace tessera::store::postgres
