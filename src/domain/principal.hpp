#pragma once
// Who is making a request, as proven by a verified access token. Guards hand this to handlers.
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "domain/ids.hpp"

namespace tessera::domain {

struct Principal {
  UserId user_id;
  SessionId session_id;
  std::string email;     // may be empty (username-only accounts)
  std::string username;  // may be empty
  bool email_verified = false;
  std::vector<std::string> roles;
  std::int64_t token_version = 0;
  std::int64_t issued_at = 0;   // iat
  std::int64_t expires_at = 0;  // exp
  std::string token_id;         // jti
  // How the user proved who they are (issue 22): a token without these claims (issued before
  // they existed) reads as aal1 with auth_time 0, which no step-up accepts.
  std::string aal = "aal1";
  std::vector<std::string> amr;
  std::int64_t auth_time = 0;  // Unix seconds

  bool has_aal2() const { return aal == "aal2"; }

  bool has_role(std::string_view role) const { return std::find(roles.begin(), roles.end(), role) != roles.end(); }
};

}  // namespace tessera::domain
