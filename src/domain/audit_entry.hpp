#pragma once
// A security event in the audit log (who, what, when, from where), kept in the database for
// `GET /admin/audit` and written to the log too. Retention: TESSERA_AUDIT_RETENTION.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"

namespace tessera::domain {

// The events, by their stored names.
namespace audit_event {
inline constexpr std::string_view kSignup = "signup";
inline constexpr std::string_view kLoginSucceeded = "login_succeeded";
inline constexpr std::string_view kLoginFailed = "login_failed";
inline constexpr std::string_view kRefreshReused = "refresh_token_reused";
inline constexpr std::string_view kLogout = "logout";
inline constexpr std::string_view kLogoutAll = "logout_all";
inline constexpr std::string_view kSessionRevoked = "session_revoked";
inline constexpr std::string_view kPasswordChanged = "password_changed";
inline constexpr std::string_view kPasswordResetRequested = "password_reset_requested";
inline constexpr std::string_view kPasswordReset = "password_reset";
inline constexpr std::string_view kEmailVerified = "email_verified";
inline constexpr std::string_view kUserCreated = "user_created";
inline constexpr std::string_view kUserUpdated = "user_updated";
inline constexpr std::string_view kUserDeleted = "user_deleted";
inline constexpr std::string_view kSessionsRevoked = "sessions_revoked";
inline constexpr std::string_view kKeyRotated = "key_rotated";
inline constexpr std::string_view kKeyRetired = "key_retired";
// Second factors (issue 22).
inline constexpr std::string_view kMfaEnrolmentStarted = "mfa_enrolment_started";
inline constexpr std::string_view kMfaEnrolled = "mfa_enrolled";
inline constexpr std::string_view kMfaDisabled = "mfa_disabled";
inline constexpr std::string_view kMfaFailed = "mfa_failed";
inline constexpr std::string_view kMfaLocked = "mfa_locked";
inline constexpr std::string_view kRecoveryCodeUsed = "recovery_code_used";
inline constexpr std::string_view kRecoveryCodesRegenerated = "recovery_codes_regenerated";
inline constexpr std::string_view kMfaReset = "mfa_reset";
inline constexpr std::string_view kReauthenticated = "reauthenticated";
}  // namespace audit_event

struct AuditEntry {
  std::int64_t id = 0;  // assigned by the store, increasing
  TimePoint at{};
  std::string event;     // audit_event::...
  std::string user_id;   // the account concerned; empty when none (a login for an unknown address)
  std::string actor_id;  // who acted when it was not the user (an admin); "cli" for the command line
  std::string ip;
  std::string user_agent;
  std::string detail;  // a short human-readable note, e.g. "roles: -> admin" or "wrong password"
};

struct AuditQuery {
  std::string user_id;             // empty: any
  std::string event;               // empty: any
  std::optional<TimePoint> since;  // at >= since
  std::optional<TimePoint> until;  // at < until
  std::size_t limit = 50;
  std::size_t offset = 0;
};

struct AuditPage {
  std::vector<AuditEntry> entries;  // newest first
  std::size_t total = 0;
};

}  // namespace tessera::domain
