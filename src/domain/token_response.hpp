#pragma once
// What a successful signup, login, refresh or password change hands back to the client.
#include <cstdint>
#include <string>

#include "core/secret.hpp"
#include "domain/ids.hpp"
#include "domain/user.hpp"

namespace tessera::domain {

// Where a request came from, recorded on the session it opens.
struct ClientInfo {
  std::string ip;
  std::string user_agent;
};

struct TokenResponse {
  std::string access_token;
  std::int64_t expires_in = 0;  // seconds
  SecretString refresh_token;
  User user;
  SessionId session_id;
  std::string aal = "aal1";  // the session's assurance level, shown beside the tokens
};

}  // namespace tessera::domain
