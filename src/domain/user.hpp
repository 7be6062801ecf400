#pragma once
// An account. Emails and usernames are kept in their normalised comparison form
// (domain/identifiers.hpp); the password only as a PHC (Argon2id) or imported bcrypt hash.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "domain/ids.hpp"

namespace tessera::domain {

// The password_hash of an account that has no password (created without one, or imported
// without a hash): no PHC or bcrypt string starts with '!', so verification refuses it (like '!'
// in /etc/shadow), and a reset sets one.
inline constexpr std::string_view kNoPassword = "!no-password";

struct User {
  UserId id;
  std::string email;     // normalised; empty when the account has only a username
  std::string username;  // normalised; empty when the account has only an email
  std::string password_hash;
  bool email_verified = false;
  bool disabled = false;
  std::vector<std::string> roles;  // sorted, unique
  // Bumped when every access token of the user must stop (logout everywhere, password change,
  // disable); tokens carry the version they were issued under (claim `ver`).
  std::int64_t token_version = 0;
  TimePoint created_at{};
  TimePoint updated_at{};

  bool has_role(std::string_view role) const {
    for (const auto& r : roles) {
      if (r == role) return true;
    }
    return false;
  }
};

}  // namespace tessera::domain
