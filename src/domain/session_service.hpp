#pragma once
// Sessions and their refresh tokens (SPEC §2-3): opening a session at login, rotating its
// refresh token on every use with reuse detection and a grace interval for concurrent
// clients, logging out one session or all, listing and revoking them. Every revocation is
// written as a RevocationEvent in the same transaction and applied to the in-memory list as
// soon as it commits, so the session's access tokens stop on the very next request.
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.hpp"
#include "core/random.hpp"
#include "core/result.hpp"
#include "domain/access_tokens.hpp"
#include "domain/assurance.hpp"
#include "domain/audit_log.hpp"
#include "domain/rate_limiter.hpp"
#include "domain/revocation_list.hpp"
#include "domain/settings.hpp"
#include "domain/store.hpp"
#include "domain/token_response.hpp"

namespace tessera::domain {

// Why sessions end; stored with the session and shown in the audit log.
namespace revoke_reason {
inline constexpr std::string_view kLogout = "logout";
inline constexpr std::string_view kLogoutAll = "logout_all";
inline constexpr std::string_view kRevokedByUser = "revoked_by_user";
inline constexpr std::string_view kPasswordChange = "password_change";
inline constexpr std::string_view kPasswordReset = "password_reset";
inline constexpr std::string_view kReuse = "refresh_token_reused";
inline constexpr std::string_view kDisabled = "account_disabled";
inline constexpr std::string_view kAdmin = "revoked_by_admin";
inline constexpr std::string_view kMfaChanged = "mfa_changed";  // a second factor added or removed
inline constexpr std::string_view kMfaReset = "mfa_reset";      // an admin removed the second factor
}  // namespace revoke_reason

// A session as its owner sees it in GET /auth/sessions.
struct SessionView {
  Session session;
  bool current = false;
};

class SessionService {
 public:
  // `limiter` limits refreshes per session (a disabled one, RateLimits::enabled = false, limits
  // nothing: tests pass one explicitly, so a forgotten wire cannot turn the limit off).
  SessionService(Store& store, AccessTokens& tokens, RevocationList& revocations, const AuditLog& audit,
                 const Settings& settings, RateLimiter& limiter, const Clock& clock, Random& random);

  // Opens a session for `user` inside the caller's transaction, proved as `proof` says (now);
  // returns it and its first refresh token.
  Result<std::pair<Session, SecretString>> open(SessionRecords& tx, const User& user, const ClientInfo& client,
                                                const Assurance& proof = password_assurance());

  // Inside the caller's transaction: records a fresh proof on the caller's session (a step-up,
  // or a factor just confirmed): its assurance becomes `proof`, auth_time now, and its refresh
  // token is rotated with no grace, so no token from before the proof can refresh into it.
  // Returns the session and its new refresh token; errc::invalid_token when the session is not
  // active or not the user's.
  Result<std::pair<Session, SecretString>> reprove(StoreTx& tx, const UserId& user, const SessionId& session,
                                                   const Assurance& proof);

  // The token response for a session opened or rotated just now.
  Result<TokenResponse> respond(const User& user, const Session& session, SecretString refresh_token);

  // Rotates a refresh token: invalid_refresh_token, refresh_token_reused (the session is then
  // revoked), account_disabled, or a response with the successor.
  Result<TokenResponse> refresh(std::string_view presented, const ClientInfo& client);

  // Ends the session a refresh token belongs to. An unknown token is not an error (logout is
  // idempotent and must not reveal which tokens exist).
  Result<void> logout_by_refresh_token(std::string_view presented, const ClientInfo& client);
  // Ends one session of a user (logout by access token; DELETE /auth/sessions/{id}).
  // errc::not_found when the user has no such active session.
  Result<void> end_session(const UserId& user, const SessionId& session, std::string_view reason,
                           const ClientInfo& client);
  // Ends every session of the user and stops all their access tokens (logout everywhere; an
  // admin's revoke-sessions when `actor` is given).
  Result<void> end_all_sessions(const UserId& user, std::string_view reason, const ClientInfo& client,
                                const Actor* actor = nullptr);

  // The user's active sessions, newest first; `current` marks the caller's.
  Result<std::vector<SessionView>> list(const UserId& user, const SessionId& current);

  // Inside the caller's transaction: revokes every session of `user`, bumps the user's token
  // version (updated in `user` and stored) and records the events. Apply the returned events
  // with applied() once the transaction has committed.
  Result<std::vector<RevocationEvent>> revoke_everything(StoreTx& tx, User& user, std::string_view reason);
  // Inside the caller's transaction: revokes one session and records the event.
  Result<RevocationEvent> revoke_one(StoreTx& tx, Session& session, std::string_view reason);
  // Makes committed revocations take effect in this process at once.
  void applied(const std::vector<RevocationEvent>& events);

 private:
  RevocationEvent session_event(const SessionId& id) const;

  Store& store_;
  AccessTokens& tokens_;
  RevocationList& revocations_;
  const AuditLog& audit_;
  const Settings& settings_;
  const Clock& clock_;
  Random& random_;
  RateLimiter& limiter_;
};

}  // namespace tessera::domain
