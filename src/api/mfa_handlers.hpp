#pragma once
// /auth/mfa/*, /auth/login/mfa, /auth/reauthenticate and the admin's reset: the second factors
// (issue 22). Each handler parses the body, makes one domain call and maps the result.
#include "api/routes.hpp"
#include "http/request.hpp"
#include "http/response.hpp"

namespace tessera::api {

http::Response mfa_state(Services& s, http::Request& req);
http::Response enrol_totp(Services& s, http::Request& req);
http::Response confirm_totp(Services& s, http::Request& req);
http::Response remove_totp(Services& s, http::Request& req);
http::Response regenerate_recovery_codes(Services& s, http::Request& req);
http::Response login_mfa(Services& s, http::Request& req);
http::Response reauthenticate(Services& s, http::Request& req);
http::Response admin_reset_mfa(Services& s, http::Request& req);

// TESSERA_ADMIN_REQUIRE_AAL2: an admin who has a second factor must have used it (aal2) to
// call /admin; step_up_required otherwise. Checked before every admin handler.
Result<void> admin_assurance(Services& s, const http::Request& req);

}  // namespace tessera::api
