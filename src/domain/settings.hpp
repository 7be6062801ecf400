#pragma once
// The settings the domain acts on, taken from config::Config by app/ (the domain does not
// know where they came from).
#include <chrono>
#include <cstdint>
#include <string>

namespace tessera::domain {

struct Settings {
  std::string issuer;
  std::string audience;
  std::chrono::seconds access_ttl{900};
  std::chrono::seconds refresh_ttl{7 * 86400};            // idle lifetime of a session
  std::chrono::seconds refresh_absolute_ttl{30 * 86400};  // whatever happens, a session ends then
  std::chrono::seconds refresh_reuse_grace{10};
  std::chrono::seconds leeway{30};  // clock skew tolerated when checking token times
  bool require_verified = false;
  int password_min_length = 8;
  int password_min_score = 3;
  // Second factors (issue 22).
  std::string mfa_issuer = "Tessera";         // the issuer authenticator apps show
  std::chrono::seconds step_up_max_age{600};  // how recent a second factor must be for a sensitive change
  bool admin_require_aal2 = true;             // admins who have a factor need aal2 on /admin

  // How long an access token may outlive the moment it was revoked: its lifetime plus skew.
  std::chrono::seconds revocation_window() const { return access_ttl + leeway; }
};

}  // namespace tessera::domain
