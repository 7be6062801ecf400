// The users table. Roles are one TEXT column, sorted and separated by single spaces: an account
// has a handful of roles, always read together with it, and one column keeps every user query a
// single statement with no join.
#include <algorithm>

#include "store/sqlite/sqlite_tx.hpp"

namespace tessera::store::sqlite {
namespace {

using domain::User;

constexpr std::string_view kRoleSeparators = " \t\r\n\v\f";

// Sorted, unique, space-separated. A role name with whitespace would split into two roles when
// read back, so it is refused (the domain validates role names; reaching here is a bug).
Result<std::string> encode_roles(std::vector<std::string> roles) {
  std::sort(roles.begin(), roles.end());
  roles.erase(std::unique(roles.begin(), roles.end()), roles.end());
  std::string out;
  for (const auto& role : roles) {
    if (role.empty() || role.find_first_of(kRoleSeparators) != std::string::npos) {
      return make_error(errc::internal_error, "", "sqlite: role name \"" + role + "\" is empty or has whitespace");
    }
    if (!out.empty()) out.push_back(' ');
    out += role;
  }
  return out;
}

std::vector<std::string> decode_roles(std::string_view text) {
  std::vector<std::string> roles;
  while (!text.empty()) {
    const auto end = text.find(' ');
    if (end != 0) roles.emplace_back(text.substr(0, end));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return roles;
}

// The columns every user query selects, in this order.
User read_user(const Statement& st) {
  User u;
  u.id = domain::UserId(st.text(0));
  u.email = st.text(1);
  u.username = st.text(2);
  u.password_hash = st.text(3);
  u.email_verified = st.boolean(4);
  u.disabled = st.boolean(5);
  u.roles = decode_roles(st.text(6));
  u.token_version = st.int64(7);
  u.created_at = st.time(8);
  u.updated_at = st.time(9);
  return u;
}

Result<std::optional<User>> one_user(Connection& c, std::string_view sql, std::string_view key) {
  auto st = c.prepare(sql);
  if (!st) return std::move(st).error();
  auto row = st->bind(key).step();
  if (!row) return std::move(row).error();
  if (!*row) return std::optional<User>();
  return std::optional<User>(read_user(*st));
}

// A duplicate email or username is the one expected failure of writing a user.
Error user_write_error(const Statement& st, Error e) {
  if (st.failure() == SQLITE_CONSTRAINT_UNIQUE) {
    e.code = errc::account_exists;
  }
  return e;
}

// `%`, `_` and the escape character itself match literally in the user's search text.
std::string like_pattern(std::string_view text) {
  std::string p = "%";
  for (const char ch : text) {
    if (ch == '%' || ch == '_' || ch == '\\') p.push_back('\\');
    p.push_back(ch);
  }
  p.push_back('%');
  return p;
}

}  // namespace

Result<std::optional<User>> SqliteTx::user_by_id(const domain::UserId& id) {
  return one_user(c_,
                  "SELECT id, email, username, password_hash, email_verified, disabled, roles, token_version, "
                  "created_at, updated_at FROM users WHERE id = ?",
                  id.str());
}

Result<std::optional<User>> SqliteTx::user_by_email(std::string_view normalized_email) {
  // An empty email is stored as NULL and matches nothing.
  if (normalized_email.empty()) return std::optional<User>();
  return one_user(c_,
                  "SELECT id, email, username, password_hash, email_verified, disabled, roles, token_version, "
                  "created_at, updated_at FROM users WHERE email = ?",
                  normalized_email);
}

Result<std::optional<User>> SqliteTx::user_by_username(std::string_view normalized_username) {
  if (normalized_username.empty()) return std::optional<User>();
  return one_user(c_,
                  "SELECT id, email, username, password_hash, email_verified, disabled, roles, token_version, "
                  "created_at, updated_at FROM users WHERE username = ?",
                  normalized_username);
}

Result<void> SqliteTx::insert_user(const User& u) {
  auto roles = encode_roles(u.roles);
  if (!roles) return std::move(roles).error();
  auto st = c_.prepare(
      "INSERT INTO users (id, email, username, password_hash, email_verified, disabled, roles, token_version, "
      "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
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
  auto st = c_.prepare(
      "SELECT id, email, username, password_hash, email_verified, disabled, roles, token_version, created_at, "
      "updated_at FROM users "
      "WHERE ?1 = '' OR email LIKE ?2 ESCAPE '\\' OR username LIKE ?2 ESCAPE '\\' "
      "ORDER BY created_at, id LIMIT ?3 OFFSET ?4");
  if (!st) return std::move(st).error();
  st->bind(query.text, pattern, to_sql_count(query.limit), to_sql_count(query.offset));
  for (;;) {
    auto row = st->step();
    if (!row) return std::move(row).error();
    if (!*row) break;
    page.users.push_back(read_user(*st));
  }
  return page;
}

}  // namespace tessera::store::sqlite
