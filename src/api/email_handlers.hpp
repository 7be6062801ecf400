#pragma once
// Email verification and password reset routes (SPEC §2). The pages they answer with are files
// of web/ (verify-email.html, reset-password.html, ...) rendered by StaticFiles.
#include "api/routes.hpp"
#include "api/static_files.hpp"
#include "http/request.hpp"
#include "http/response.hpp"

namespace tessera::api {

// GET /auth/verify-email?token=: the link in the mail. A page with one button that POSTs; the
// GET itself never uses the token, because mail scanners follow links.
http::Response verify_email_page(Services& s, const StaticFiles& pages, http::Request& req);
// POST /auth/verify-email: JSON for API clients; the confirmation page (or a 303 to
// TESSERA_VERIFY_REDIRECT) for the page's own form.
http::Response verify_email(Services& s, const StaticFiles& pages, http::Request& req);
// POST /auth/verify-email/resend: 202 whether or not the address has an account.
http::Response resend_verification(Services& s, http::Request& req);
// POST /auth/password/forgot: 202 whether or not the address has an account.
http::Response forgot_password(Services& s, http::Request& req);
// POST /auth/password/reset: 204; every session of the user is revoked. The page's own form
// gets a result page instead.
http::Response reset_password(Services& s, const StaticFiles& pages, http::Request& req);
// GET /reset-password?token=: the link in the reset mail: a form for the new password that
// works without JavaScript (the hosted pages may enhance it).
http::Response reset_password_page(const StaticFiles& pages, http::Request& req);

}  // namespace tessera::api
