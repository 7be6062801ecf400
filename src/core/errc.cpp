#include "core/errc.hpp"

namespace tessera {

std::string_view to_string(errc code) {
  switch (code) {
    case errc::invalid_request: return "invalid_request";
    case errc::unsupported_media_type: return "unsupported_media_type";
    case errc::payload_too_large: return "payload_too_large";
    case errc::headers_too_large: return "headers_too_large";
    case errc::not_found: return "not_found";
    case errc::method_not_allowed: return "method_not_allowed";
    case errc::missing_token: return "missing_token";
    case errc::invalid_token: return "invalid_token";
    // Same wire code as an invalid access token (SPEC §2), but answered with 400, not 401.
    case errc::invalid_one_time_token: return "invalid_token";
    case errc::invalid_credentials: return "invalid_credentials";
    case errc::invalid_refresh_token: return "invalid_refresh_token";
    case errc::refresh_token_reused: return "refresh_token_reused";
    case errc::forbidden: return "forbidden";
    case errc::account_disabled: return "account_disabled";
    case errc::email_not_verified: return "email_not_verified";
    case errc::csrf_rejected: return "csrf_rejected";
    case errc::account_exists: return "account_exists";
    case errc::weak_password: return "weak_password";
    case errc::mfa_required: return "mfa_required";
    case errc::invalid_mfa_code: return "invalid_mfa_code";
    case errc::mfa_ticket_invalid: return "mfa_ticket_invalid";
    case errc::step_up_required: return "step_up_required";
    case errc::mfa_not_enabled: return "mfa_not_enabled";
    case errc::mfa_already_enabled: return "mfa_already_enabled";
    case errc::rate_limited: return "rate_limited";
    case errc::overloaded: return "overloaded";
    case errc::database_unavailable: return "database_unavailable";
    case errc::internal_error: return "internal_error";
  }
  return "internal_error";
}

}  // namespace tessera
