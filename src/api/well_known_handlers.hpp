#pragma once
// Discovery documents: the JWKS (public keys that verify Tessera's tokens) and the OpenID
// provider metadata that points to it, so that any JOSE library can verify tokens by itself.
#include "api/routes.hpp"
#include "http/request.hpp"
#include "http/response.hpp"

namespace tessera::api {

http::Response jwks(Services& s, http::Request& req);
http::Response openid_configuration(Services& s, http::Request& req);

}  // namespace tessera::api
