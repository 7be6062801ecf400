#pragma once
// Second factors (issue 22): the TOTP factor (enrol, confirm, remove), recovery codes, the
// second step of a login, step-up checks, and the admin's reset. Every code works once: a TOTP
// code spends its time step and a recovery code its row, both by compare-and-set in the store.
// Wrong codes count against the account (all methods together, apart from the password
// slow-down): after kMfaFailuresBeforeLock in a row the second factor is locked for kMfaLockout;
// a login ticket dies after kTicketFailures wrong codes.
//
// Secrets at rest: the TOTP secret is sealed with a key derived from the server's MFA key (a
// server secret, itself sealed with TESSERA_MASTER_KEY when one is set) and the user's id, so a
// sealed secret copied to another account does not open; recovery codes are HMAC-SHA-256 under
// a pepper derived from the same key.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/random.hpp"
#include "core/result.hpp"
#include "core/secret.hpp"
#include "domain/audit_log.hpp"
#include "domain/email_service.hpp"
#include "domain/rate_limiter.hpp"
#include "domain/second_factor_gate.hpp"
#include "domain/session_service.hpp"
#include "domain/settings.hpp"
#include "domain/store.hpp"
#include "domain/token_response.hpp"

namespace tessera::domain {

inline constexpr int kMfaFailuresBeforeLock = 10;
inline constexpr std::chrono::minutes kMfaLockout{15};
inline constexpr int kTicketFailures = 5;
inline constexpr std::chrono::minutes kMfaTicketTtl{5};
inline constexpr std::chrono::minutes kTotpEnrolmentTtl{10};

// What enrolment shows once: the secret for manual entry and the URI the QR code holds.
struct TotpEnrolment {
  std::string secret;  // base32, unpadded
  std::string otpauth_uri;
  std::int64_t expires_in = 0;  // seconds until the enrolment must be confirmed
};

// A confirmed factor: a new session for this client at aal2, and the recovery codes (shown once).
struct ConfirmedFactor {
  TokenResponse tokens;
  std::vector<std::string> recovery_codes;
};

// The second step passed: the session's tokens, and with a recovery code how many are left.
struct SecondStepDone {
  TokenResponse tokens;
  std::optional<std::size_t> recovery_codes_remaining;
};

// GET /auth/mfa.
struct MfaState {
  bool totp_enabled = false;
  bool totp_pending = false;
  std::optional<TimePoint> totp_confirmed_at;
  std::optional<TimePoint> totp_last_used_at;
  RecoveryCodeCount recovery_codes;
};

class MfaService final : public SecondFactorGate {
 public:
  // `mfa_key` is the server's MFA secret (domain::server_secret "mfa_key"); `limiter` limits
  // second steps per IP and enrolments per account; `mail` sends the security notices.
  MfaService(Store& store, SessionService& sessions, const AuditLog& audit, const Settings& settings,
             const SecretString& mfa_key, RateLimiter& limiter, NoticeMail& mail, const Clock& clock, Random& random);

  // POST /auth/mfa/totp: a new pending factor (replacing a pending one); step_up_required
  // unless the caller's auth_time is within the step-up age; mfa_already_enabled when one is
  // active; rate_limited past the enrolment limit.
  Result<TotpEnrolment> enrol_totp(const Principal& principal, const ClientInfo& client);
  // POST /auth/mfa/totp/confirm: activates the pending factor with a code from it (the code is
  // spent), makes the recovery codes, revokes every other session and token of the user, and
  // opens a session at aal2 for this client. invalid_mfa_code; not_found (no pending enrolment,
  // or it expired).
  Result<ConfirmedFactor> confirm_totp(const Principal& principal, std::string_view code, const ClientInfo& client);
  // DELETE /auth/mfa/totp (step-up): removes the factor and the recovery codes and revokes the
  // user's other sessions. not_found when there is no factor.
  Result<void> remove_totp(const Principal& principal, const ClientInfo& client);
  // POST /auth/mfa/recovery-codes (step-up): a new set; the old one stops working.
  Result<std::vector<std::string>> regenerate_recovery_codes(const Principal& principal, const ClientInfo& client);
  // GET /auth/mfa.
  Result<MfaState> state(const UserId& user);

  // POST /auth/login/mfa: the second step of a login. mfa_ticket_invalid, invalid_mfa_code,
  // rate_limited (per IP, or the factor locked), account_disabled.
  Result<SecondStepDone> complete_login(std::string_view ticket, std::string_view method, std::string_view code,
                                        const ClientInfo& client);

  // DELETE /admin/users/{id}/mfa and `tessera user reset-mfa`: removes the factor and the
  // recovery codes, revokes every session of the user, audited with the actor and mailed.
  // not_found for an unknown user; true when there was something to remove.
  Result<bool> reset(const UserId& user, const Actor& actor);

  // SecondFactorGate
  Result<std::optional<MfaChallenge>> challenge(StoreTx& tx, const User& user) override;
  Result<void> require_step_up(const Principal& principal) override;
  Result<bool> has_factor(const UserId& user) override;
  Result<Assurance> prove(const User& user, MfaMethod method, std::string_view code, const ClientInfo& client) override;

 private:
  // How a code fared, decided inside a write transaction that commits either way (failures
  // must be counted although the request fails).
  enum class Verdict { accepted, wrong, locked, no_factor };
  struct Checked {
    Verdict verdict = Verdict::wrong;
    int retry_after_s = 0;            // locked
    std::size_t codes_remaining = 0;  // a recovery code accepted
    std::vector<AuditEntry> audited;  // to log once committed
  };
  // The code in the form it is checked in: six digits, or a canonical recovery code;
  // invalid_request when it cannot be one.
  static Result<std::string> parsed_code(MfaMethod method, std::string_view code);
  Result<Checked> check_code(StoreTx& tx, const User& user, MfaMethod method, const std::string& code,
                             const ClientInfo& client);
  static Error verdict_error(const Checked& checked);
  // Whether the principal proved itself recently enough (within the step-up age), at aal2 when
  // `need_aal2`; step_up_required otherwise.
  Result<void> step_up_age_ok(const Principal& principal, bool need_aal2) const;
  // The user's other sessions revoked (all but `keep`); their events.
  Result<std::vector<RevocationEvent>> revoke_others(StoreTx& tx, const UserId& user, const SessionId& keep);
  std::string secret_key(const UserId& user) const;
  std::string lock_key(const UserId& user) const;
  Result<std::vector<std::string>> store_new_codes(StoreTx& tx, const UserId& user, TimePoint now);
  void committed(const std::vector<AuditEntry>& audited, bool mailed);

  Store& store_;
  SessionService& sessions_;
  const AuditLog& audit_;
  const Settings& settings_;
  SecretString secret_root_;  // derives each user's sealing key
  std::string pepper_;        // of the recovery-code hashes
  RateLimiter& limiter_;
  NoticeMail& mail_;
  const Clock& clock_;
  Random& random_;
};

}  // namespace tessera::domain
