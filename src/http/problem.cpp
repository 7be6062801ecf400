#include "http/problem.hpp"

#include <string>

#include "core/json.hpp"

namespace tessera::http {

int status_of(errc code) {
  switch (code) {
    case errc::invalid_request: return 400;
    case errc::invalid_one_time_token: return 400;
    case errc::missing_token: return 401;
    case errc::invalid_token: return 401;
    case errc::invalid_credentials: return 401;
    case errc::invalid_refresh_token: return 401;
    case errc::refresh_token_reused: return 401;
    case errc::forbidden: return 403;
    case errc::account_disabled: return 403;
    case errc::email_not_verified: return 403;
    case errc::csrf_rejected: return 403;
    case errc::not_found: return 404;
    case errc::method_not_allowed: return 405;
    case errc::account_exists: return 409;
    case errc::payload_too_large: return 413;
    case errc::unsupported_media_type: return 415;
    case errc::weak_password: return 422;
    case errc::mfa_required: return 403;
    case errc::invalid_mfa_code: return 401;
    case errc::mfa_ticket_invalid: return 401;
    case errc::step_up_required: return 403;
    case errc::mfa_not_enabled: return 409;
    case errc::mfa_already_enabled: return 409;
    case errc::rate_limited: return 429;
    case errc::headers_too_large: return 431;
    case errc::internal_error: return 500;
    case errc::overloaded: return 503;
    case errc::database_unavailable: return 503;
  }
  return 500;
}

std::string_view title_of(int status) {
  switch (status) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Content";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Error";
  }
}

namespace {

// What the client reads when the error carries no public detail of its own.
std::string_view default_detail(errc code) {
  switch (code) {
    case errc::invalid_request: return "The request is not valid.";
    case errc::unsupported_media_type: return "Send the body as application/json or application/x-www-form-urlencoded.";
    case errc::payload_too_large: return "The request body is too large.";
    case errc::headers_too_large: return "The request headers are too large.";
    case errc::not_found: return "There is nothing here.";
    case errc::method_not_allowed: return "This method is not allowed here.";
    case errc::missing_token: return "Authentication is required.";
    case errc::invalid_token: return "The access token is not valid.";
    case errc::invalid_one_time_token: return "The link is invalid or has expired.";
    case errc::invalid_credentials: return "Invalid email or password.";
    case errc::invalid_refresh_token: return "The refresh token is not valid.";
    case errc::refresh_token_reused: return "The refresh token was already used; the session has been revoked.";
    case errc::forbidden: return "You do not have permission to do this.";
    case errc::account_disabled: return "This account has been disabled.";
    case errc::email_not_verified: return "Verify your email address first.";
    case errc::csrf_rejected: return "Cross-site requests are not allowed.";
    case errc::account_exists: return "An account with this email or username already exists.";
    case errc::weak_password: return "The password is too weak.";
    case errc::mfa_required: return "A second factor is required.";
    case errc::invalid_mfa_code: return "The code is not valid.";
    case errc::mfa_ticket_invalid: return "The login has expired. Enter your password again.";
    case errc::step_up_required: return "Confirm it is you with your second factor first.";
    case errc::mfa_not_enabled: return "This account has no second factor.";
    case errc::mfa_already_enabled: return "This account already has an authenticator app. Remove it first.";
    case errc::rate_limited: return "Too many attempts. Try again later.";
    case errc::overloaded: return "The server is busy. Try again shortly.";
    case errc::database_unavailable: return "The service is temporarily unavailable.";
    case errc::internal_error: return "Something went wrong on our side.";
  }
  return "Something went wrong on our side.";
}

}  // namespace

std::string_view public_detail(const Error& error) {
  // An internal error never shows its detail: it may name internals (DESIGN rule 4).
  const bool show_detail = !error.detail.empty() && error.code != errc::internal_error;
  return show_detail ? std::string_view(error.detail) : default_detail(error.code);
}

Response problem(const Error& error) {
  const int status = status_of(error.code);
  std::string body;
  body.reserve(256);
  body += "{\"type\":\"about:blank\",\"title\":";
  json::append_quoted(body, title_of(status));
  body += ",\"status\":";
  body += std::to_string(status);
  body += ",\"code\":";
  json::append_quoted(body, to_string(error.code));
  body += ",\"detail\":";
  json::append_quoted(body, public_detail(error));
  if (!error.reasons.empty()) {
    body += ",\"reasons\":[";
    for (std::size_t i = 0; i < error.reasons.size(); ++i) {
      if (i) body.push_back(',');
      json::append_quoted(body, error.reasons[i]);
    }
    body.push_back(']');
  }
  for (const auto& [name, value] : error.members) {
    body.push_back(',');
    json::append_quoted(body, name);
    body.push_back(':');
    body += value;
  }
  body.push_back('}');

  Response r;
  r.status = status;
  r.content_type = "application/problem+json";
  r.body = std::move(body);
  r.error_code = std::string(to_string(error.code));
  r.error_reason = error.reason;
  if (status == 401) {
    // RFC 7235 asks for a challenge on every 401. RFC 6750 §3.1: a bad access token says
    // error="invalid_token"; no token, or a failed login or refresh, gets the bare challenge.
    r.with_header("WWW-Authenticate", error.code == errc::invalid_token
                                          ? "Bearer realm=\"tessera\", error=\"invalid_token\""
                                          : "Bearer realm=\"tessera\"");
  }
  if (status == 429 || status == 503) {
    r.with_header("Retry-After", std::to_string(error.retry_after_s > 0 ? error.retry_after_s : 1));
  }
  return r;
}

Response problem(errc code, std::string_view detail) { return problem(make_error(code, std::string(detail))); }

}  // namespace tessera::http
