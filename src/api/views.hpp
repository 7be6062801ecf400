#pragma once
// How domain records look on the wire (SPEC §2): users, sessions and token responses.
#include <boost/json/object.hpp>
#include <vector>

#include "api/web_settings.hpp"
#include "domain/session_service.hpp"
#include "domain/token_response.hpp"
#include "domain/user.hpp"
#include "http/request.hpp"
#include "http/response.hpp"

namespace tessera::api {

boost::json::object user_json(const domain::User& user);
boost::json::object session_json(const domain::SessionView& view);

// The token response (RFC 6749 §5.1 names) with the refresh cookie and no-store. A client that
// sent `X-Tessera-Refresh: cookie-only` gets no refresh_token in the body. `extra` members are
// added to the body (the recovery codes of a confirmed factor).
http::Response token_response(const WebSettings& web, const http::Request& request, int status,
                              const domain::TokenResponse& tokens, boost::json::object extra = {});

}  // namespace tessera::api
