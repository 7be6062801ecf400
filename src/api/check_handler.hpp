#pragma once
// GET /auth/check: token verification for the app's own API and for reverse proxies (nginx
// auth_request, Caddy forward_auth, Traefik forwardAuth). The route's guard verifies the access
// token exactly as every guarded route does (signature, claims, session binding, revocation and
// disabled users from memory), so this handler only applies the guards the query asks for and
// answers 200 with an empty body and the identity in X-Auth-* headers. It runs on the network
// thread and never touches the database; no per-IP limit applies (the caller is a proxy).
#include <string>
#include <string_view>

#include "http/request.hpp"
#include "http/response.hpp"

namespace tessera::api {

http::Response check(http::Request& req);

// A value for an identity header: visible ASCII (0x21-0x7E) as it is, every other byte
// (space, control characters such as CR and LF, non-ASCII UTF-8) and '%' as %XX, so a header
// can never be split or carry bytes a proxy might mangle; a ',' too when `in_list` (X-Auth-Roles
// is comma-separated). Decoding is plain percent-decoding (docs/integration.md).
std::string header_value(std::string_view raw, bool in_list = false);

}  // namespace tessera::api
