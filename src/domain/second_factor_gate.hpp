#pragma once
// What password login, password change and step-up need of the second factors (issue 22), so
// that AccountService does not depend on how factors are kept. MfaService is the implementation;
// NoSecondFactor is for unit tests of accounts without factors, passed explicitly, so a wiring
// mistake cannot silently turn second factors off.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "domain/assurance.hpp"
#include "domain/principal.hpp"
#include "domain/store.hpp"
#include "domain/token_response.hpp"
#include "domain/user.hpp"

namespace tessera::domain {

// The ways to pass the second step.
enum class MfaMethod {
  totp,
  recovery_code,
};
std::string_view to_string(MfaMethod method);
std::optional<MfaMethod> parse_mfa_method(std::string_view text);

// What a login whose password was right gets instead of tokens when the account has a second
// factor: a single-use ticket for POST /auth/login/mfa, and the methods that can pass it.
struct MfaChallenge {
  std::string ticket;
  std::int64_t expires_in = 0;  // seconds
  std::vector<std::string> methods;
};

class SecondFactorGate {
 public:
  virtual ~SecondFactorGate() = default;

  // Inside the login's transaction, once the password proved right: nothing when the user has
  // no active factor (the login goes on), else a new ticket, stored, for the second step.
  virtual Result<std::optional<MfaChallenge>> challenge(StoreTx& tx, const User& user) = 0;

  // Whether a sensitive change by `principal` may go ahead: always when the user has no active
  // factor; else only with an aal2 token whose auth_time is within the step-up age
  // (errc::step_up_required otherwise).
  virtual Result<void> require_step_up(const Principal& principal) = 0;

  // Whether the user has an active second factor.
  virtual Result<bool> has_factor(const UserId& user) = 0;

  // Checks and spends a second-factor code of `user` (a step-up): the assurance it proves, or
  // invalid_request (not a code), invalid_mfa_code (wrong or replayed; counted), rate_limited
  // (the factor is locked), mfa_not_enabled.
  virtual Result<Assurance> prove(const User& user, MfaMethod method, std::string_view code,
                                  const ClientInfo& client) = 0;
};

class NoSecondFactor final : public SecondFactorGate {
 public:
  Result<std::optional<MfaChallenge>> challenge(StoreTx&, const User&) override {
    return std::optional<MfaChallenge>{};
  }
  Result<void> require_step_up(const Principal&) override { return ok(); }
  Result<bool> has_factor(const UserId&) override { return false; }
  Result<Assurance> prove(const User&, MfaMethod, std::string_view, const ClientInfo&) override {
    return make_error(errc::mfa_not_enabled);
  }
};

}  // namespace tessera::domain
