#pragma once
// A login session: a chain of refresh tokens, of which only the current one is live. The
// store keeps hashes only; the previous token's hash and the sealed successor let a client
// that sent the previous token concurrently (two tabs) get the same successor inside the grace
// interval (SPEC §2, §3).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "domain/ids.hpp"

namespace tessera::domain {

struct Session {
  SessionId id;
  UserId user_id;
  TimePoint created_at{};
  TimePoint last_used_at{};
  TimePoint idle_expires_at{};      // last refresh + refresh TTL, capped by the absolute expiry
  TimePoint absolute_expires_at{};  // login + absolute TTL
  std::optional<TimePoint> revoked_at;
  std::string revoke_reason;  // "logout", "logout_all", "password_change", "refresh_token_reused", ...
  std::string user_agent;
  std::string ip;
  std::int64_t generation = 0;          // rotations so far
  std::string token_hash;               // SHA-256 of the current refresh token (32 raw bytes)
  std::string previous_token_hash;      // SHA-256 of its parent; empty before the first rotation
  std::optional<TimePoint> rotated_at;  // when the parent was rotated
  std::string successor_sealed;         // the current token, sealed under a key only the parent opens
  // How the user proved who they are (issue 22), copied into every access token of the session:
  // the assurance level, the RFC 8176 methods and when they were last proved. Set at login,
  // raised only by a step-up (POST /auth/reauthenticate) or a confirmed factor; a refresh never
  // changes them.
  std::string aal = "aal1";
  std::vector<std::string> amr{"pwd"};
  TimePoint auth_time{};

  bool revoked() const { return revoked_at.has_value(); }
  bool expired(TimePoint now) const { return now >= idle_expires_at || now >= absolute_expires_at; }
  bool active(TimePoint now) const { return !revoked() && !expired(now); }
};

}  // namespace tessera::domain
