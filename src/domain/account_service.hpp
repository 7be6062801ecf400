#pragma once
// Accounts (SPEC §2, §4): sign-up, password login, the profile, and password change. Login is
// hardened: an unknown account costs the same Argon2id verification as a known one and gets
// the same answer; imported bcrypt hashes and Argon2id hashes of an outdated cost are re-hashed
// on the next successful login.
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/random.hpp"
#include "core/result.hpp"
#include "crypto/password_hasher.hpp"
#include "domain/email_service.hpp"
#include "domain/login_slowdown.hpp"
#include "domain/principal.hpp"
#include "domain/rate_limiter.hpp"
#include "domain/second_factor_gate.hpp"
#include "domain/session_service.hpp"
#include "domain/settings.hpp"
#include "domain/store.hpp"
#include "domain/token_response.hpp"

namespace tessera::domain {

struct SignupInput {
  std::string email;     // as received; empty when not given
  std::string username;  // as received; empty when not given
  std::string password;  // as received
};

// What a sign-up produced: the account, and its first session's tokens — unless
// TESSERA_REQUIRE_VERIFIED holds them back until the email is verified (then no session exists).
struct SignupOutcome {
  User user;
  std::optional<TokenResponse> tokens;
};

// Which body field a login identifier came from.
enum class IdentifierField {
  email,
  username,
  any,  // `login`: an email when it has an '@', else a username
};

class AccountService {
 public:
  // Every protection is a required collaborator, so a wiring mistake cannot silently turn one
  // off: `limiter` (sign-up per IP, login per IP and account) and `slowdown` (per account) limit
  // nothing when disabled, which is how tests that do not exercise them pass them; `mail`
  // queues the verification mail at sign-up (EmailService; NoAccountMail in tests); `second`
  // decides whether a login needs a second step and a change a step-up (MfaService;
  // NoSecondFactor in tests).
  AccountService(Store& store, SessionService& sessions, const crypto::PasswordHasher& hasher, const AuditLog& audit,
                 const Settings& settings, RateLimiter& limiter, LoginSlowdown& slowdown, AccountMail& mail,
                 SecondFactorGate& second, const Clock& clock, Random& random);

  // Creates the account and, unless verification is required first, its first session:
  // invalid_request, weak_password, account_exists.
  Result<SignupOutcome> signup(const SignupInput& input, const ClientInfo& client);

  // Password login: invalid_request (password over 256 bytes), invalid_credentials,
  // account_disabled, email_not_verified; mfa_required when the account has a second factor,
  // the error's members carrying the ticket for POST /auth/login/mfa (no tokens: a caller that
  // knows nothing of second factors fails closed).
  Result<TokenResponse> login(std::string_view identifier, IdentifierField field, std::string_view password,
                              const ClientInfo& client);

  // The account behind a principal (invalid_token when it no longer exists).
  Result<User> profile(const UserId& id);

  // Changes the password after checking the current one; every session and access token of
  // the user is revoked, and a fresh session is opened for this client.
  Result<TokenResponse> change_password(const Principal& principal, std::string_view current, std::string_view next,
                                        const ClientInfo& client);

  // POST /auth/reauthenticate: proves the user again on the caller's session — with the
  // password (accounts without a second factor; with one, a password alone proves too little)
  // or a second-factor code — so its auth_time is now, and rotates its refresh token with no
  // grace. invalid_request (unknown method), invalid_credentials, invalid_mfa_code,
  // rate_limited, invalid_token (the session ended).
  Result<TokenResponse> reauthenticate(const Principal& principal, std::string_view method, std::string_view secret,
                                       const ClientInfo& client);

 private:
  // A login identifier in its comparison form, and whether it is an email; nullopt when it
  // cannot name any account.
  struct LoginKey {
    bool email = false;
    std::string normalized;
  };
  static std::optional<LoginKey> login_key(std::string_view identifier, IdentifierField field);
  // Finds the account for a login key.
  Result<std::optional<User>> find_for_login(const LoginKey& key);
  // Records a refused login in the audit log (its own transaction) and passes the error on.
  Error refused(Error error, std::string_view user_id, std::string_view identifier, const ClientInfo& client);
  // Verifies a presented password against the stored hash.
  Result<bool> password_matches(std::string_view raw, const SecretString& normalized, const std::string& stored) const;

  Store& store_;
  SessionService& sessions_;
  const crypto::PasswordHasher& hasher_;
  const AuditLog& audit_;
  const Settings& settings_;
  const Clock& clock_;
  Random& random_;
  RateLimiter& limiter_;
  LoginSlowdown& slowdown_;
  AccountMail& mail_;
  SecondFactorGate& second_;
};

}  // namespace tessera::domain
