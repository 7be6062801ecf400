#pragma once
// The example protected resources of the seeds (SPEC §2): GET /data (any valid token),
// GET /profile (who the token says), GET /data/verified (also a verified email), GET /data/mfa
// (a login with a second factor).
#include "api/routes.hpp"
#include "http/request.hpp"
#include "http/response.hpp"

namespace tessera::api {

http::Response data(http::Request& req);
http::Response profile(http::Request& req);
http::Response verified_data(http::Request& req);
http::Response second_factor_data(http::Request& req);

}  // namespace tessera::api
