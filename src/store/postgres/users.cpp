// The users table (roles are one TEXT column, as on SQLite: store/common/text_codecs.hpp).
#include "store/common/row_readers.hpp"
#include "store/common/sql_text.hpp"
#include "store/postgres/postgres_tx.hpp"

namespace tessera::store::postgres {
namespace {

using domain::User;

// One user by a key; `locked` is the variant of the statement that locks the row.
Result<std::optional<User>> one_user(Connection& c, bool writing, const char* sql, const char* locked,
                                     std::string_view key) {
  return first(c.query(writing ? locked : sql, key), read_user<Row>);
}

// A duplicate email or username is the one expected failure of writing a user; a duplicate id
// (or anything else) is not.
Error user_write_error(const Connection& c, Error e) {
  const Failure& f = c.failure();
  if (f.sqlstate == "23505" && (f.constraint == "users_email_unique" || f.constraint == "users_username_unique")) {
    e.code = errc::account_exists;
  }
  return e;
}

// Each lookup by a key, and its variant that locks the row (a write transaction's).
constexpr auto kById = sql_text("SELECT ", kUserColumns, " FROM users WHERE id = $1");
constexpr auto kByIdLocked = sql_text("SELECT ", kUserColumns, " FROM users WHERE id = $1 FOR NO KEY UPDATE");
constexpr auto kByEmail = sql_text("SELECT ", kUserColumns, " FROM users WHERE email = $1");
constexpr auto kByEmailLocked = sql_text("SELECT ", kUserColumns, " FROM users WHERE email = $1 FOR NO KEY UPDATE");
constexpr auto kByUsername = sql_text("SELECT ", kUserColumns, " FROM users WHERE username = $1");
constexpr auto kByUsernameLocked =
    sql_text("SELECT ", kUserColumns, " FROM users WHERE username = $1 FOR NO KEY UPDATE");

}  // namespace

Result<std::optional<User>> PostgresTx::user_by_id(const domain::UserId& id) {
  return one_user(c_, writing_, kById.data(), kByIdLocked.data(), id.str());
}

Result<std::optional<User>> PostgresTx::user_by_email(std::string_view normalized_email) {
  // An empty email is stored as NULL and matches nothing.
  if (normalized_email.empty()) return std::optional<User>();
  return one_user(c_, writing_, kByEmail.data(), kByEmailLocked.data(), normalized_email);
}

Result<std::optional<User>> PostgresTx::user_by_username(std::string_view normalized_username) {
  if (normalized_username.empty()) return std::optional<User>();
  return one_user(c_, writing_, kByUsername.data(), kByUsernameLocked.data(), normalized_username);
}

Result<void> PostgresTx::insert_user(const User& u) {
  auto roles = encode_roles(u.roles);
  if (!roles) return std::move(roles).error();
  static constexpr auto kSql =
      sql_text("INSERT INTO users (", kUserColumns, ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)");
  auto r = c_.query(kSql.data(), u.id.str(), TextOrNull{u.email}, TextOrNull{u.username}, u.password_hash,
                    u.email_verified, u.disabled, *roles, u.token_version, u.created_at, u.updated_at);
  if (!r) return user_write_error(c_, std::move(r).error());
  return ok();
}

Result<void> PostgresTx::update_user(const User& u) {
  auto roles = encode_roles(u.roles);
  if (!roles) return std::move(roles).error();
  auto r = c_.query(
      "UPDATE users SET email = $1, username = $2, password_hash = $3, email_verified = $4, disabled = $5, "
      "roles = $6, token_version = $7, updated_at = $8 WHERE id = $9",
      TextOrNull{u.email}, TextOrNull{u.username}, u.password_hash, u.email_verified, u.disabled, *roles,
      u.token_version, u.updated_at, u.id.str());
  if (!r) return user_write_error(c_, std::move(r).error());
  if (r->affected() == 0) return make_error(errc::not_found, "", "postgres: update_user: no user " + u.id.str());
  return ok();
}

Result<void> PostgresTx::delete_user(const domain::UserId& id) {
  // Sessions and, through them, retired tokens go by ON DELETE CASCADE.
  auto r = c_.query("DELETE FROM users WHERE id = $1", id.str());
  if (!r) return std::move(r).error();
  return ok();
}

Result<domain::UserPage> PostgresTx::list_users(const domain::UserQuery& query) {
  // ILIKE on columns of collation "C" folds ASCII letters only, like SQLite's LIKE; $1 = '' lists
  // everyone, including a user the pattern could not match.
  const std::string pattern = like_pattern(query.text);
  domain::UserPage page;
  auto count = c_.query(
      "SELECT count(*) FROM users WHERE $1 = '' OR email ILIKE $2 ESCAPE '\\' OR username ILIKE $2 ESCAPE '\\'",
      query.text, pattern);
  if (!count) return std::move(count).error();
  page.total = static_cast<std::size_t>((*count)[0].int64(0));
  static constexpr auto kSql = sql_text("SELECT ", kUserColumns,
                                        " FROM users WHERE $1 = '' OR email ILIKE $2 ESCAPE '\\' "
                                        "OR username ILIKE $2 ESCAPE '\\' ORDER BY created_at, id LIMIT $3 OFFSET $4");
  auto rows = c_.query(kSql.data(), query.text, pattern, to_sql_count(query.limit), to_sql_count(query.offset));
  auto users = collect(rows, read_user<Row>);
  if (!users) return std::move(users).error();
  page.users = std::move(*users);
  return page;
}

}  // namespace tessera::store::postgres
