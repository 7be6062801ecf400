#include "api/well_known_handlers.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

namespace tessera::api {

http::Response jwks(Services& s, http::Request&) {
  auto r = http::Response::json(200, s.keys->current().jwks());
  // Short: a rotated key must reach verifiers soon (most refetch on an unknown kid anyway).
  r.with_header("Cache-Control", "public, max-age=60");
  return r;
}

http::Response openid_configuration(Services& s, http::Request&) {
  const std::string& base = s.web.public_url;
  boost::json::object doc{
      {"issuer", s.issuer},
      {"jwks_uri", base + "/.well-known/jwks.json"},
      {"token_endpoint", base + "/auth/login"},
      {"userinfo_endpoint", base + "/auth/me"},
      {"grant_types_supported", boost::json::array{"password", "refresh_token"}},
      {"response_types_supported", boost::json::array{}},
      {"subject_types_supported", boost::json::array{"public"}},
      {"id_token_signing_alg_values_supported", boost::json::array{boost::json::string(s.jwt_alg)}},
      {"token_endpoint_auth_methods_supported", boost::json::array{"none"}},
  };
  auto r = http::Response::json(200, doc);
  r.with_header("Cache-Control", "public, max-age=300");
  return r;
}

}  // namespace tessera::api
