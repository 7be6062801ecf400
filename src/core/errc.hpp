#pragma once
// The error codes Tessera returns. Each value's wire name (to_string) is the problem+json `code`
// clients rely on; http/problem.cpp is the one table that maps them to HTTP statuses.
#include <string_view>

namespace tessera {

enum class errc {
  invalid_request,         // malformed body, bad field, wrong type, duplicate JSON member
  unsupported_media_type,  // body is neither JSON nor form-encoded
  payload_too_large,       // body over the limit
  headers_too_large,       // request head over the limit
  not_found,               // no such route or resource
  method_not_allowed,      // route exists, method does not
  missing_token,           // guarded route called without any credentials
  invalid_token,           // access token malformed, expired, revoked or forged (reason in the log)
  invalid_one_time_token,  // verification/reset token unknown, used, expired or of another purpose
  invalid_credentials,     // wrong identifier or password (one answer for both)
  invalid_refresh_token,   // refresh token unknown, expired or revoked
  refresh_token_reused,    // an already-rotated refresh token came back: the session is revoked
  forbidden,               // authenticated but lacks the role
  account_disabled,        // the account was disabled by an operator
  email_not_verified,      // the route or the login needs a verified email
  csrf_rejected,           // a browser request from an origin that is not allowed
  account_exists,          // signup for an email or username already taken
  weak_password,           // the password policy refused the password
  mfa_required,            // the password was right; the account asks for its second factor
  invalid_mfa_code,        // a second-factor code that is wrong, replayed or of a locked factor
  mfa_ticket_invalid,      // a second-step ticket unknown, expired, used or dead after wrong codes
  step_up_required,        // a sensitive change needs a recent second factor (POST /auth/reauthenticate)
  mfa_not_enabled,         // the operation needs an active second factor and the account has none
  mfa_already_enabled,     // enrolling a TOTP factor while one is active (remove it first)
  rate_limited,            // too many attempts; Retry-After says when to come back
  overloaded,              // the worker queue is full; Retry-After says when to come back
  database_unavailable,    // the database cannot be reached right now
  internal_error,          // a broken invariant; details only in the log
};

// The stable wire name, e.g. errc::invalid_credentials -> "invalid_credentials".
std::string_view to_string(errc code);

}  // namespace tessera
