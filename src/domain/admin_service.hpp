#pragma once
// What operators do to accounts (SPEC §1-2: the admin API and `tessera user ...`): list and
// search, create, change roles, verify, disable, enable, delete, revoke sessions; and read the
// audit log. Every change is audited with its actor, and every change that must stop tokens
// does so at once: disabling or deleting an account revokes its sessions and bumps its token
// version; a role change shows in the next access token.
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/random.hpp"
#include "core/result.hpp"
#include "crypto/password_hasher.hpp"
#include "domain/audit_log.hpp"
#include "domain/session_service.hpp"
#include "domain/settings.hpp"
#include "domain/store.hpp"

namespace tessera::domain {

struct UserChanges {
  std::optional<std::vector<std::string>> roles;  // the complete new set
  std::optional<bool> disabled;
  std::optional<bool> email_verified;
};

struct NewUser {
  std::string email;
  std::string username;
  std::optional<std::string> password;  // none: the account can only log in after a reset
  bool email_verified = false;
  std::vector<std::string> roles;
};

// A role name: 1-64 of a-z, 0-9, '_', '-', '.', ':' (e.g. "admin", "billing:read").
Result<std::string> normalize_role(std::string_view role);
// Each normalised, sorted, without duplicates; at most 32.
Result<std::vector<std::string>> normalize_roles(const std::vector<std::string>& roles);
// Roles for an audit detail: "admin,support", or "(none)".
std::string join_roles(const std::vector<std::string>& roles);

class AdminService {
 public:
  AdminService(Store& store, SessionService& sessions, const crypto::PasswordHasher& hasher, const AuditLog& audit,
               const Settings& settings, const Clock& clock, Random& random);

  Result<UserPage> list_users(const UserQuery& query);
  // By id, or (for the CLI) by email or username.
  Result<User> find_user(std::string_view id_email_or_username);
  Result<User> create_user(const Actor& actor, const NewUser& input);
  // Applies the changes; an admin may not disable or un-admin themselves (errc::forbidden),
  // so an API call cannot lock the last admin out (the CLI can, on purpose).
  Result<User> update_user(const Actor& actor, const UserId& id, const UserChanges& changes);
  Result<void> delete_user(const Actor& actor, const UserId& id);
  Result<void> revoke_sessions(const Actor& actor, const UserId& id);
  Result<AuditPage> audit_log(const AuditQuery& query);
  // Records an operator action that is not about one account (key rotation).
  void record(const Actor& actor, std::string_view event, std::string detail);

 private:
  Store& store_;
  SessionService& sessions_;
  const crypto::PasswordHasher& hasher_;
  const AuditLog& audit_;
  const Settings& settings_;
  const Clock& clock_;
  Random& random_;
};

}  // namespace tessera::domain
