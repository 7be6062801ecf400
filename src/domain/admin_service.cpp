#include "domain/admin_service.hpp"

#include <algorithm>

#include "core/ascii.hpp"
#include "core/ids.hpp"
#include "domain/identifiers.hpp"
#include "domain/password_policy.hpp"

namespace tessera::domain {
namespace {

constexpr std::size_t kMaxRoles = 32;

Error no_such_user() { return make_error(errc::not_found, "There is no such user."); }

}  // namespace

std::string join_roles(const std::vector<std::string>& roles) {
  std::string s;
  for (const auto& r : roles) s += (s.empty() ? "" : ",") + r;
  return s.empty() ? "(none)" : s;
}

Result<std::vector<std::string>> normalize_roles(const std::vector<std::string>& in) {
  if (in.size() > kMaxRoles) return make_error(errc::invalid_request, "roles: at most 32 roles");
  std::vector<std::string> out;
  for (const auto& r : in) {
    auto n = normalize_role(r);
    if (!n) return std::move(n).error();
    out.push_back(std::move(*n));
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

Result<std::string> normalize_role(std::string_view role) {
  if (role.empty() || role.size() > 64)
    return make_error(errc::invalid_request, "roles: a role has 1 to 64 characters");
  std::string out;
  for (char c : role) {
    const char l = ascii_lower(c);
    const bool ok = (l >= 'a' && l <= 'z') || (l >= '0' && l <= '9') || l == '_' || l == '-' || l == '.' || l == ':';
    if (!ok) return make_error(errc::invalid_request, "roles: use only a-z, 0-9, '_', '-', '.' and ':' in role names");
    out.push_back(l);
  }
  return out;
}

AdminService::AdminService(Store& store, SessionService& sessions, const crypto::PasswordHasher& hasher,
                           const AuditLog& audit, const Settings& settings, const Clock& clock, Random& random)
    : store_(store),
      sessions_(sessions),
      hasher_(hasher),
      audit_(audit),
      settings_(settings),
      clock_(clock),
      random_(random) {}

Result<UserPage> AdminService::list_users(const UserQuery& query) {
  UserQuery q = query;
  q.text = q.text.substr(0, 254);  // an address at most; SQLite refuses absurd LIKE patterns
  return store_.read([&](StoreTx& tx) { return tx.list_users(q); });
}

Result<User> AdminService::find_user(std::string_view key) {
  auto found = store_.read([&](StoreTx& tx) -> Result<std::optional<User>> {
    if (looks_like_uuid(key)) return tx.user_by_id(UserId(std::string(key)));
    if (classify_identifier(key) == IdentifierKind::email) {
      auto e = normalize_email(key);
      if (!e) return std::optional<User>{};
      return tx.user_by_email(*e);
    }
    auto u = normalize_username(key);
    if (!u) return std::optional<User>{};
    return tx.user_by_username(*u);
  });
  if (!found) return std::move(found).error();
  if (!*found) return no_such_user();
  return std::move(**found);
}

Result<User> AdminService::create_user(const Actor& actor, const NewUser& input) {
  auto ids = normalize_identifiers(input.email, input.username);
  if (!ids) return std::move(ids).error();
  User user;
  user.email = std::move(ids->email);
  user.username = std::move(ids->username);
  auto roles = normalize_roles(input.roles);
  if (!roles) return std::move(roles).error();
  user.roles = std::move(*roles);
  user.password_hash = std::string(kNoPassword);
  if (input.password) {
    auto pw = normalize_password(*input.password);
    if (!pw) return std::move(pw).error();
    const PasswordRules rules{settings_.password_min_length, settings_.password_min_score};
    if (auto strong = check_new_password(*pw, rules, user.email, user.username); !strong)
      return std::move(strong).error();
    auto hash = hasher_.hash(pw->reveal());
    if (!hash) return std::move(hash).error();
    user.password_hash = std::move(*hash);
  }
  const TimePoint now = clock_.now();
  user.id = UserId(new_uuid(random_));
  user.email_verified = input.email_verified && !user.email.empty();
  user.created_at = now;
  user.updated_at = now;
  std::optional<AuditEntry> audited;
  auto r = store_.write([&](StoreTx& tx) -> Result<void> {
    if (auto ins = tx.insert_user(user); !ins) return ins;
    auto a = audit_.record(
        tx, audit_.entry(audit_event::kUserCreated, user.id.str(), actor.client,
                         "roles: " + join_roles(user.roles) + (input.password ? "" : "; no password"), actor.id));
    if (!a) return std::move(a).error();
    audited = std::move(*a);
    return ok();
  });
  if (!r) return std::move(r).error();
  audit_.logged(*audited);
  return user;
}

Result<User> AdminService::update_user(const Actor& actor, const UserId& id, const UserChanges& changes) {
  std::optional<std::vector<std::string>> roles;
  if (changes.roles) {
    auto n = normalize_roles(*changes.roles);
    if (!n) return std::move(n).error();
    roles = std::move(*n);
  }
  const bool self = actor.id == id.str();
  if (self && changes.disabled == true) return make_error(errc::forbidden, "You cannot disable your own account.");
  if (self && roles && std::find(roles->begin(), roles->end(), "admin") == roles->end()) {
    return make_error(errc::forbidden, "You cannot remove your own admin role.");
  }
  const TimePoint now = clock_.now();
  struct Done {
    User user;
    std::vector<RevocationEvent> events;
    std::optional<AuditEntry> audited;
  };
  auto done = store_.write([&](StoreTx& tx) -> Result<Done> {
    auto found = tx.user_by_id(id);
    if (!found) return std::move(found).error();
    if (!*found) return no_such_user();
    Done d;
    d.user = std::move(**found);
    std::string detail;
    if (roles && *roles != d.user.roles) {
      detail += "roles: " + join_roles(d.user.roles) + " -> " + join_roles(*roles) + "; ";
      d.user.roles = *roles;
    }
    if (changes.email_verified && *changes.email_verified != d.user.email_verified) {
      if (*changes.email_verified && d.user.email.empty()) {
        return make_error(errc::invalid_request, "email_verified: the account has no email");
      }
      detail += std::string("email_verified: ") + (*changes.email_verified ? "true" : "false") + "; ";
      d.user.email_verified = *changes.email_verified;
    }
    bool disabling = false;
    if (changes.disabled && *changes.disabled != d.user.disabled) {
      detail += std::string("disabled: ") + (*changes.disabled ? "true" : "false") + "; ";
      d.user.disabled = *changes.disabled;
      disabling = d.user.disabled;
    }
    if (detail.empty()) return d;  // nothing changed
    d.user.updated_at = now;
    if (disabling) {
      // A disabled account's tokens stop at once: every session revoked, the token version
      // bumped (revoke_everything stores the user).
      auto events = sessions_.revoke_everything(tx, d.user, revoke_reason::kDisabled);
      if (!events) return std::move(events).error();
      d.events = std::move(*events);
    } else if (auto r = tx.update_user(d.user); !r) {
      return std::move(r).error();
    }
    detail.resize(detail.size() - 2);
    auto a = audit_.record(tx, audit_.entry(audit_event::kUserUpdated, id.str(), actor.client, detail, actor.id));
    if (!a) return std::move(a).error();
    d.audited = std::move(*a);
    return d;
  });
  if (!done) return std::move(done).error();
  sessions_.applied(done->events);
  if (done->audited) audit_.logged(*done->audited);
  return std::move(done->user);
}

Result<void> AdminService::delete_user(const Actor& actor, const UserId& id) {
  if (actor.id == id.str()) return make_error(errc::forbidden, "You cannot delete your own account.");
  struct Done {
    std::vector<RevocationEvent> events;
    AuditEntry audited;
  };
  auto done = store_.write([&](StoreTx& tx) -> Result<Done> {
    auto found = tx.user_by_id(id);
    if (!found) return std::move(found).error();
    if (!*found) return no_such_user();
    Done d;
    User user = std::move(**found);
    // Stop its access tokens first (the events outlive the row), then delete; sessions, tokens
    // and queued mail go with it.
    auto events = sessions_.revoke_everything(tx, user, revoke_reason::kAdmin);
    if (!events) return std::move(events).error();
    d.events = std::move(*events);
    if (auto r = tx.delete_user(id); !r) return std::move(r).error();
    auto a = audit_.record(tx, audit_.entry(audit_event::kUserDeleted, id.str(), actor.client,
                                            user.email.empty() ? user.username : user.email, actor.id));
    if (!a) return std::move(a).error();
    d.audited = std::move(*a);
    return d;
  });
  if (!done) return std::move(done).error();
  sessions_.applied(done->events);
  audit_.logged(done->audited);
  return ok();
}

Result<void> AdminService::revoke_sessions(const Actor& actor, const UserId& id) {
  return sessions_.end_all_sessions(id, revoke_reason::kAdmin, actor.client, &actor);
}

Result<AuditPage> AdminService::audit_log(const AuditQuery& query) {
  return store_.read([&](StoreTx& tx) { return tx.list_audit(query); });
}

void AdminService::record(const Actor& actor, std::string_view event, std::string detail) {
  audit_.record_alone(store_, audit_.entry(event, "", actor.client, std::move(detail), actor.id));
}

}  // namespace tessera::domain
