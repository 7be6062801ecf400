#pragma once
// /auth/*: sign-up, login, refresh, logout, sessions, password change (SPEC §2). Each handler
// parses the body, makes one domain call and maps the result (DESIGN rule 1).
#include "api/routes.hpp"
#include "http/request.hpp"
#include "http/response.hpp"

namespace tessera::api {

http::Response signup(Services& s, http::Request& req);
http::Response login(Services& s, http::Request& req);
http::Response refresh(Services& s, http::Request& req);
http::Response logout(Services& s, http::Request& req);
http::Response logout_all(Services& s, http::Request& req);
http::Response me(Services& s, http::Request& req);
http::Response list_sessions(Services& s, http::Request& req);
http::Response delete_session(Services& s, http::Request& req);
http::Response change_password(Services& s, http::Request& req);

// Seed 001 (Flutter + Express) compatibility: POST /signup and POST /login (the token as text).
http::Response legacy_signup(Services& s, http::Request& req);
http::Response legacy_login(Services& s, http::Request& req);

}  // namespace tessera::api
