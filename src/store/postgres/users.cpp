// The users table. Roles are one TEXT column, sorted and separated by single spaces, as on
// SQLite: a handful of roles, always read together with the account, in one column.
#include <algorithm>

#include "store/postgres/postgres_tx.hpp"

namespace tessera::store::postgres {
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
      return make_error(errc::internal_error, "", "postgres: role name \"" + role + "\" is empty or has whitespace");
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

#define TESSERA_USER_COLUMNS \
  "id, email, username, password_hash, email_verified, disabled, roles, token_version, created_at, updated_at"

// The columns every user query selects, in this order.
User read_user(const Row& r) {
  User u;
  u.id = domain::UserId(r.text(0));
  u.email = r.text(1);
  u.username = r.text(2);
  u.password_hash = r.text(3);
  u.email_verified = r.boolean(4);
  u.disabled = r.boolean(5);
  u.roles = decode_roles(r.text(6));
  u.token_version = r.int64(7);
  u.created_at = r.time(8);
  u.updated_at = r.time(9);
  return u;
}

// One user by a key; `locked` is the variant of the statement that locks the row.
Result<std::optional<User>> one_user(Connection& c, bool writing, const char* sql, const char* locked,
                                     std::string_view key) {
  auto rows = c.query(writing ? locked : sql, key);
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return std::optional<User>();
  return std::optional<User>(read_user((*rows)[0]));
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

Result<std::optional<User>> PostgresTx::user_by_id(const domain::UserId& id) {
  return one_user(c_, writing_, "SELECT " TESSERA_USER_COLUMNS " FROM users WHERE id = $1",
                  "SELECT " TESSERA_USER_COLUMNS " FROM users WHERE id = $1 FOR NO KEY UPDATE", id.str());
}

Result<std::optional<User>> PostgresTx::user_by_email(std::string_view normalized_email) {
  // An empty email is stored as NULL and matches nothing.
  if (normalized_email.empty()) return std::optional<User>();
  return one_user(c_, writing_, "SELECT " TESSERA_USER_COLUMNS " FROM users WHERE email = $1",
                  "SELECT " TESSERA_USER_COLUMNS " FROM users WHERE email = $1 FOR NO KEY UPDATE", normalized_email);
}

Result<std::optional<User>> PostgresTx::user_by_username(std::string_view normalized_username) {
  if (normalized_username.empty()) return std::optional<User>();
  return one_user(c_, writing_, "SELECT " TESSERA_USER_COLUMNS " FROM users WHERE username = $1",
                  "SELECT " TESSERA_USER_COLUMNS " FROM users WHERE username = $1 FOR NO KEY UPDATE",
                  normalized_username);
}

Result<void> PostgresTx::insert_user(const User& u) {
  auto roles = encode_roles(u.roles);
  if (!roles) return std::move(roles).error();
  auto r = c_.query("INSERT INTO users (" TESSERA_USER_COLUMNS ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                    u.id.str(), TextOrNull{u.email}, TextOrNull{u.username}, u.password_hash, u.email_verified,
                    u.disabled, *roles, u.token_version, u.created_at, u.updated_at);
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
  auto rows = c_.query("SELECT " TESSERA_USER_COLUMNS
                       " FROM users WHERE $1 = '' OR email ILIKE $2 ESCAPE '\\' OR username ILIKE $2 ESCAPE '\\' "
                       "ORDER BY created_at, id LIMIT $3 OFFSET $4",
                       query.text, pattern, to_sql_count(query.limit), to_sql_count(query.offset));
  if (!rows) return std::move(rows).error();
  for (int i = 0; i < rows->size(); ++i) page.users.push_back(read_user((*rows)[i]));
  return page;
}

}  // namespace tessera::store::postgres
