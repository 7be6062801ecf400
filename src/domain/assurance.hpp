#pragma once
// How strongly a session's user proved who they are (issue 22): the NIST SP 800-63B assurance
// level and the RFC 8176 authentication methods, as access tokens carry them in `aal` and `amr`.
// A session gets one at login; only a second factor (at login, on confirming a factor, or in a
// step-up) raises it, and a refresh copies it.
#include <string>
#include <vector>

namespace tessera::domain {

inline constexpr const char* kAal1 = "aal1";
inline constexpr const char* kAal2 = "aal2";

struct Assurance {
  std::string aal = kAal1;
  std::vector<std::string> amr{"pwd"};

  bool operator==(const Assurance&) const = default;
};

// A password alone.
inline Assurance password_assurance() { return {kAal1, {"pwd"}}; }
// A password and a TOTP code: "otp" and "mfa" (RFC 8176 §2).
inline Assurance totp_assurance() { return {kAal2, {"pwd", "otp", "mfa"}}; }
// A password and a recovery code: RFC 8176 has no name for a look-up secret, so only "mfa"
// (the audit log names the method).
inline Assurance recovery_code_assurance() { return {kAal2, {"pwd", "mfa"}}; }

}  // namespace tessera::domain
