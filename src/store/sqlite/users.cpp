// The users table (roles are one TEXT column: store/common/text_codecs.hpp).
#include "store/common/row_readers.hpp"
#include "store/common/sql_text.hpp"
#include "store/sqlite/sqlite_tx.hpp"

namespace tessera::store::sqlite {
namespace {

using domain::User;

Result<std::optional<User>> one_user(Connection& c, std::string_view sql, std::string_view key) {
  auto st = c.prepare(sql);
  if (!st) return std::move(st).error();
  return st->bind(key).first(read_user<Statement>);
}

// A duplicate email or username is the one expected failure of writing a user.
Error user_write_error(const Statement& st, Error e) {
  if (st.failure() == SQLITE_CONSTRAINT_UNIQUE) {
    e.code = errc::account_exists;
  }
  return e;
}

constexpr auto kById = sql_text("SELECT ", kUserColumns, " FROM users WHERE id = ?");
constexpr auto kByEmail = sql_text("SELECT ", kUserColumns, " FROM users WHERE email = ?");
constexpr auto kByUsername = sql_text("SELECT ", kUserColumns, " FROM users WHERE username = ?");

}  // namespace

Result<std::optional<User>> SqliteTx::user_by_id(const domain::UserId& id) {
  return one_user(c_, kById.data(), id.str());
}

Result<std::optional<User>> SqliteTx::user_by_email(std::string_view normalized_email) {
  // An empty email is stored as NULL and matches nothing.
  if (normalized_email.empty()) return std::optional<User>();
  return one_user(c_, kByEmail.data(), normalized_email);
}

Result<std::optional<User>> SqliteTx::user_by_username(std::string_view normalized_username) {
  if (normalized_username.empty()) return std::optional<User>();
  return one_user(c_, kByUsername.data(), normalized_username);
}

Result<void> SqliteTx::insert_user(const User& u) {
  auto roles = encode_roles(u.roles);
  if (!roles) return std::move(roles).error();
  static constexpr auto kSql = sql_text("INSERT INTO users (", kUserColumns, ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  auto st = c_.prepare(kSql.data());
  if (!st) return std::move(st).error();
  st->bind(u.id.str(), TextOrNull{u.email}, TextOrNull{u.username}, u.password_hash, u.email_verified, u.disabled,
           *roles, u.token_version, u.created_at, u.updated_at);
  if (auto r = st->run(); !r) return user_write_error(*st, std::move(r).error());
  return ok();
}

Result<void> SqliteTx::update_user(const User& u) {
  auto roles = encode_roles(u.roles);
  if (!roles) return std::move(roles).error();
  auto st = c_.prepare(
      "UPDATE users SET email = ?, username = ?, password_hash = ?, email_verified = ?, disabled = ?, roles = ?, "
      "token_version = ?, updated_at = ? WHERE id = ?");
  if (!st) return std::move(st).error();
  st->bind(TextOrNull{u.email}, TextOrNull{u.username}, u.password_hash, u.email_verified, u.disabled, *roles,
           u.token_version, u.updated_at, u.id.str());
  if (auto r = st->run(); !r) return user_write_error(*st, std::move(r).error());
  if (st->changes() == 0) return make_error(errc::not_found, "", "sqlite: update_user: no user " + u.id.str());
  return ok();
}

Result<void> SqliteTx::delete_user(const domain::UserId& id) {
  // Sessions and, through them, retired tokens go by ON DELETE CASCADE.
  auto st = c_.prepare("DELETE FROM users WHERE id = ?");
  if (!st) return std::move(st).error();
  return st->bind(id.str()).run();
}

Result<domain::UserPage> SqliteTx::list_users(const domain::UserQuery& query) {
  // LIKE is case-insensitive for ASCII, which is what normalised emails and case-folded
  // usernames need; ?1 = '' lists everyone, including a user the pattern could not match.
  const std::string pattern = like_pattern(query.text);
  domain::UserPage page;
  {
    auto st = c_.prepare(
        "SELECT count(*) FROM users "
        "WHERE ?1 = '' OR email LIKE ?2 ESCAPE '\\' OR username LIKE ?2 ESCAPE '\\'");
    if (!st) return std::move(st).error();
    auto row = st->bind(query.text, pattern).step();
    if (!row) return std::move(row).error();
    page.total = *row ? static_cast<std::size_t>(st->int64(0)) : 0;
  }
  static constexpr auto kSql = sql_text("SELECT ", kUserColumns,
                                        " FROM users WHERE ?1 = '' OR email LIKE ?2 ESCAPE '\\' "
                                        "OR username LIKE ?2 ESCAPE '\\' ORDER BY created_at, id LIMIT ?3 OFFSET ?4");
  auto st = c_.prepare(kSql.data());
  if (!st) return std::move(st).error();
  auto users = st->bind(query.text, pattern, to_sql_count(query.limit), to_sql_count(query.offset))
                   .collect(read_user<Statement>);
  if (!users) return std::move(users).error();
  page.users = std::move(*users);
  return page;
}

}  // namespace tessera::store::sqlite
