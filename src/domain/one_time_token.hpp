#pragma once
// Single-use tokens mailed to a user (SPEC §3): email verification (24 h) and password reset
// (1 h). 256 random bits, stored only as SHA-256, bound to one user and one purpose.
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "domain/ids.hpp"

namespace tessera::domain {

enum class TokenPurpose {
  verify_email,    // proves the user reads mail at `email`
  reset_password,  // lets the user set a new password without the old one
};

std::string_view to_string(TokenPurpose purpose);
// The purpose that to_string() names, or nothing for any other text.
std::optional<TokenPurpose> parse_token_purpose(std::string_view text);

struct OneTimeToken {
  std::string token_hash;  // SHA-256 of the token text, 32 raw bytes
  UserId user_id;
  TokenPurpose purpose = TokenPurpose::verify_email;
  std::string email;  // the address it was sent to; a verification only counts for that address
  TimePoint created_at{};
  TimePoint expires_at{};
  std::optional<TimePoint> used_at;  // set when used, or when a newer token superseded it

  bool usable(TimePoint now) const { return !used_at && now < expires_at; }
};

}  // namespace tessera::domain
