#include "api/routes.hpp"

#include "api/admin_handlers.hpp"
#include "api/auth_handlers.hpp"
#include "api/check_handler.hpp"
#include "api/email_handlers.hpp"
#include "api/metrics_handler.hpp"
#include "api/mfa_handlers.hpp"
#include "api/openapi_handler.hpp"
#include "api/resource_handlers.hpp"
#include "api/static_files.hpp"
#include "api/well_known_handlers.hpp"
#include "http/problem.hpp"

#include <memory>
#include <string_view>

namespace tessera::api {

using http::Guard;
using http::Lane;
using http::Method;
using http::Request;

http::Router build_router(Services& s) {
  http::Router r;
  const auto add = [&r](Method m, std::string pattern, Guard guard, Lane lane, http::Handler h, std::string summary) {
    r.add(http::Route{m, std::move(pattern), std::move(guard), lane, std::move(h), std::move(summary)});
  };
  // Hosted pages (web/, compiled in). From a TESSERA_WEB_DIR folder they are read from disk,
  // which is not for the network threads.
  const auto files = std::make_shared<const StaticFiles>(s.web.web_dir, site_page_values(s.web));
  const Lane disk = files->from_disk() ? Lane::db : Lane::network;
  // Binds a handler that needs the services (and the pages, for those that answer with one).
  const auto with = [&s](http::Response (*f)(Services&, Request&)) {
    return [&s, f](Request& req) { return f(s, req); };
  };
  // An admin handler, behind TESSERA_ADMIN_REQUIRE_AAL2 (the role guard has passed already).
  const auto with_admin = [&s](http::Response (*f)(Services&, Request&)) {
    return [&s, f](Request& req) {
      if (auto r = admin_assurance(s, req); !r) return http::problem(r.error());
      return f(s, req);
    };
  };
  const auto with_pages = [&s, files](http::Response (*f)(Services&, const StaticFiles&, Request&)) {
    return [&s, files, f](Request& req) { return f(s, *files, req); };
  };

  // The route table, one row a route, its columns aligned by hand.
  // clang-format off
  // method       path                              guard                    lane          handler
  add(Method::post, "/auth/signup",                 Guard::anyone(),        Lane::hash,    with(signup),          "Create an account; answers a token response.");
  add(Method::post, "/auth/login",                  Guard::anyone(),        Lane::hash,    with(login),           "Log in with email/username and password.");
  add(Method::post, "/auth/refresh",                Guard::anyone(),        Lane::db,      with(refresh),         "Rotate a refresh token (cookie or body).");
  add(Method::post, "/auth/logout",                 Guard::optional_user(), Lane::db,      with(logout),          "End this session (refresh token or access token).");
  add(Method::post, "/auth/logout-all",             Guard::user(),          Lane::db,      with(logout_all),      "End every session of the user.");
  add(Method::get,  "/auth/me",                     Guard::user(),          Lane::db,      with(me),              "The current user.");
  add(Method::get,  "/auth/sessions",               Guard::user(),          Lane::db,      with(list_sessions),   "The user's active sessions.");
  add(Method::delete_, "/auth/sessions/{id}",       Guard::user(),          Lane::db,      with(delete_session),  "End one of the user's sessions.");
  add(Method::post, "/auth/password",               Guard::user(),          Lane::hash,    with(change_password), "Change the password; revokes every other session.");
  add(Method::post, "/auth/login/mfa",              Guard::anyone(),        Lane::db,      with(login_mfa),       "Second step of a login: the mfa_ticket with a TOTP or recovery code.");
  add(Method::post, "/auth/reauthenticate",         Guard::user(),          Lane::hash,    with(reauthenticate),  "Prove it is you again (password, TOTP or recovery code): fresh auth_time, rotated refresh token.");
  add(Method::get,  "/auth/mfa",                    Guard::user(),          Lane::db,      with(mfa_state),       "The user's second factors, recovery codes left, and the token's assurance.");
  add(Method::post, "/auth/mfa/totp",               Guard::user(),          Lane::db,      with(enrol_totp),      "Start enrolling an authenticator app: secret, otpauth URI and QR code.");
  add(Method::post, "/auth/mfa/totp/confirm",       Guard::user(),          Lane::db,      with(confirm_totp),    "Confirm the authenticator app with a code; answers tokens and the recovery codes.");
  add(Method::delete_, "/auth/mfa/totp",            Guard::user(),          Lane::db,      with(remove_totp),     "Remove the authenticator app (step-up); revokes the other sessions.");
  add(Method::post, "/auth/mfa/recovery-codes",     Guard::user(),          Lane::db,      with(regenerate_recovery_codes), "A new set of recovery codes (step-up); the old set stops working.");
  add(Method::get,  "/auth/check",                  Guard::user(),          Lane::network, check,                 "Verify an access token for a proxy or an app's API; 200 with X-Auth-* identity headers.");

  add(Method::get,  "/auth/verify-email",           Guard::anyone(),        Lane::db,      with_pages(verify_email_page), "The link in the verification mail: a confirm page (never uses the token).");
  add(Method::post, "/auth/verify-email",           Guard::anyone(),        Lane::db,      with_pages(verify_email), "Use a verification token; the email is then verified.");
  add(Method::post, "/auth/verify-email/resend",    Guard::anyone(),        Lane::db,      with(resend_verification), "Send a new verification mail (202 whatever the address).");
  add(Method::post, "/auth/password/forgot",        Guard::anyone(),        Lane::db,      with(forgot_password), "Mail a password reset link (202 whatever the address).");
  add(Method::post, "/auth/password/reset",         Guard::anyone(),        Lane::hash,    with_pages(reset_password), "Set a new password with a reset token; revokes every session.");
  add(Method::get,  "/reset-password",              Guard::anyone(),        disk,
      [files](Request& req) { return reset_password_page(*files, req); },                                       "The link in the reset mail: a form for the new password.");

  add(Method::get,  "/.well-known/jwks.json",       Guard::anyone(),        Lane::network, with(jwks),            "Public keys that verify access tokens.");
  add(Method::get,  "/.well-known/openid-configuration", Guard::anyone(),   Lane::network, with(openid_configuration), "Discovery document (issuer, jwks_uri).");

  add(Method::get,  "/data",                        Guard::user(),          Lane::network, data,                  "Example resource: any valid access token.");
  add(Method::get,  "/profile",                     Guard::user(),          Lane::network, profile,               "Example resource: who the token names.");
  add(Method::get,  "/data/verified",               Guard::verified(),      Lane::network, verified_data,         "Example resource: needs a verified email.");
  add(Method::get,  "/data/mfa",                    Guard::second_factor(), Lane::network, second_factor_data,    "Example resource: needs a login with a second factor (aal2).");

  const Guard admin = Guard::with_role("admin");
  add(Method::get,  "/admin/users",                 admin,                  Lane::db,      with_admin(admin_list_users), "Users, searched (query) and paged (page, 50 a page).");
  add(Method::get,  "/admin/users/{id}",            admin,                  Lane::db,      with_admin(admin_get_user),  "One user.");
  add(Method::patch, "/admin/users/{id}",           admin,                  Lane::db,      with_admin(admin_update_user), "Change roles, disabled, email_verified.");
  add(Method::delete_, "/admin/users/{id}",         admin,                  Lane::db,      with_admin(admin_delete_user), "Delete a user and everything of theirs.");
  add(Method::post, "/admin/users/{id}/revoke-sessions", admin,             Lane::db,      with_admin(admin_revoke_sessions), "End every session of a user.");
  {
    http::Route import{Method::post, "/admin/users/import", admin, Lane::db, with_admin(admin_import_users),
                       "Import users from NDJSON lines (existing, dry_run, atomic); answers the report."};
    import.body = http::BodyKind::ndjson;
    import.max_body_bytes = s.import_max_body_bytes;
    r.add(std::move(import));
  }
  add(Method::delete_, "/admin/users/{id}/mfa",     admin,                  Lane::db,      with_admin(admin_reset_mfa), "Remove a user's second factor and recovery codes; revokes every session.");
  add(Method::get,  "/admin/audit",                 admin,                  Lane::db,      with_admin(admin_audit),     "The audit log, filtered (user, event, since, until) and paged.");

  add(Method::post, "/signup",                      Guard::anyone(),        Lane::hash,    with(legacy_signup),   "Seed 001 compatibility: sign up (201 or 409).");
  add(Method::post, "/login",                       Guard::anyone(),        Lane::hash,    with(legacy_login),    "Seed 001 compatibility: the access token as text/plain.");

  add(Method::get,  "/metrics",                     Guard::anyone(),        Lane::db,      with(metrics),         "Prometheus metrics.");
  add(Method::get,  "/healthz",                     Guard::anyone(),        Lane::network, healthz,               "Liveness: the process answers.");
  add(Method::get,  "/readyz",                      Guard::anyone(),        Lane::db,
      [&s](Request& req) { return readyz(s.readiness, req); },                                                  "Readiness: not draining and the database answers.");
  add(Method::get,  "/openapi.json",                Guard::anyone(),        Lane::network, openapi_document,      "This API description (OpenAPI 3.1).");

  const auto page = [files](std::string_view file) { return [files, file](Request& req) { return files->page(req, file); }; };
  add(Method::get,  "/",                            Guard::anyone(),        disk,          page("index.html"),    "Hosted page: log in.");
  add(Method::get,  "/sign-up",                     Guard::anyone(),        disk,          page("sign-up.html"),  "Hosted page: create an account.");
  add(Method::get,  "/forgot-password",             Guard::anyone(),        disk,          page("forgot-password.html"), "Hosted page: ask for a password reset link.");
  add(Method::get,  "/account",                     Guard::anyone(),        disk,          page("account.html"),  "Hosted page: profile, email, sessions, password, log out.");
  add(Method::get,  "/admin",                       Guard::anyone(),        disk,          page("admin.html"),    "Hosted page: users, for admins.");
  add(Method::get,  "/assets/{file}",               Guard::anyone(),        disk,
      [files](Request& req) { return files->asset(req); },                                                      "Hosted pages' styles, scripts and images.");
  // clang-format on
  return r;
}

}  // namespace tessera::api
