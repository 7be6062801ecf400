#pragma once
// Reads the access token from the Authorization header and has the domain verify it.
// "Bearer <jwt>" (RFC 6750), and — for seed 001's client — a bare "<jwt>". Any other scheme,
// or two Authorization headers, is refused: ambiguity is how confused deputies start.
#include "domain/access_tokens.hpp"
#include "http/dispatcher.hpp"

namespace tessera::api {

class BearerAuthenticator final : public http::Authenticator {
 public:
  explicit BearerAuthenticator(const domain::AccessTokens& tokens) : tokens_(tokens) {}
  Result<std::shared_ptr<const domain::Principal>> authenticate(const http::Request& request) const override;

 private:
  const domain::AccessTokens& tokens_;
};

// True when `s` has the shape of a compact JWS: three base64url segments.
bool looks_like_compact_jws(std::string_view s);

}  // namespace tessera::api
