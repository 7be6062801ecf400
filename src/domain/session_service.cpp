#include "domain/session_service.hpp"

#include <algorithm>

#include "core/ids.hpp"
#include "core/utf8.hpp"
#include "crypto/digest.hpp"
#include "domain/domain_metrics.hpp"
#include "domain/refresh_token.hpp"
#include "domain/stored_text.hpp"

namespace tessera::domain {
namespace {

Error invalid_refresh(std::string reason) {
  return make_error(errc::invalid_refresh_token, "", "refresh: " + std::move(reason));
}

// Whether `presented` is the immediate parent of the session's current token, rotated so
// recently that a second tab may still present it. `now` is read before the store's row lock
// is taken, so a racer on another instance can see a rotation stamped a moment *after* its own
// `now`: the difference is then negative, and a plain `<=` against a zero grace would call
// that "inside the grace" and hand out the successor twice. A zero grace therefore means none.
bool parent_inside_grace(const Session& s, const std::string& presented, TimePoint now, std::chrono::seconds grace) {
  if (grace <= std::chrono::seconds::zero() || !s.rotated_at) return false;
  return crypto::constant_time_equal(s.previous_token_hash, presented) && now - *s.rotated_at <= grace;
}

}  // namespace

SessionService::SessionService(Store& store, AccessTokens& tokens, RevocationList& revocations, const AuditLog& audit,
                               const Settings& settings, RateLimiter& limiter, const Clock& clock, Random& random)
    : store_(store),
      tokens_(tokens),
      revocations_(revocations),
      audit_(audit),
      settings_(settings),
      clock_(clock),
      random_(random),
      limiter_(limiter) {}

Result<std::pair<Session, SecretString>> SessionService::open(SessionRecords& tx, const User& user,
                                                              const ClientInfo& client, const Assurance& proof) {
  const TimePoint now = clock_.now();
  SecretString token = new_refresh_token(random_);
  Session s;
  s.id = SessionId(new_uuid(random_));
  s.user_id = user.id;
  s.created_at = now;
  s.last_used_at = now;
  s.absolute_expires_at = now + settings_.refresh_absolute_ttl;
  s.idle_expires_at = std::min(now + settings_.refresh_ttl, s.absolute_expires_at);
  s.user_agent = utf8::clean(client.user_agent, kMaxClientTextBytes);
  s.ip = utf8::clean(client.ip, kMaxClientTextBytes);
  s.token_hash = *refresh_token_hash(token.reveal());
  s.aal = proof.aal;
  s.amr = proof.amr;
  s.auth_time = now;
  if (auto r = tx.insert_session(s); !r) return std::move(r).error();
  return std::make_pair(std::move(s), std::move(token));
}

Result<std::pair<Session, SecretString>> SessionService::reprove(StoreTx& tx, const UserId& user,
                                                                 const SessionId& session, const Assurance& proof) {
  const TimePoint now = clock_.now();
  auto found = tx.session_by_id(session);
  if (!found) return std::move(found).error();
  if (!*found || (*found)->user_id != user || !(*found)->active(now)) {
    return make_error(errc::invalid_token, "", "reprove: session not active");
  }
  Session s = std::move(**found);
  SecretString next = new_refresh_token(random_);
  // The old token is retired like any rotated one, so presenting it again is reuse; but no
  // successor is kept for it and no grace applies: nothing from before the proof refreshes.
  if (auto r = tx.retire_token(s.token_hash, s.id, s.generation, now); !r) return std::move(r).error();
  s.previous_token_hash.clear();
  s.successor_sealed.clear();
  s.rotated_at.reset();
  s.token_hash = *refresh_token_hash(next.reveal());
  s.generation += 1;
  s.last_used_at = now;
  s.idle_expires_at = std::min(now + settings_.refresh_ttl, s.absolute_expires_at);
  s.aal = proof.aal;
  s.amr = proof.amr;
  s.auth_time = now;
  if (auto r = tx.update_session(s); !r) return std::move(r).error();
  return std::make_pair(std::move(s), std::move(next));
}

Result<TokenResponse> SessionService::respond(const User& user, const Session& session, SecretString refresh_token) {
  auto access = tokens_.issue(user, session);
  if (!access) return std::move(access).error();
  return TokenResponse{
      std::move(access->token), access->expires_in, std::move(refresh_token), user, session.id, session.aal};
}

RevocationEvent SessionService::session_event(const SessionId& id) const {
  RevocationEvent e;
  e.kind = RevocationEvent::Kind::session;
  e.subject = id.str();
  e.created_at = clock_.now();
  e.expires_at = e.created_at + settings_.revocation_window();
  return e;
}

Result<RevocationEvent> SessionService::revoke_one(StoreTx& tx, Session& session, std::string_view reason) {
  session.revoked_at = clock_.now();
  session.revoke_reason = std::string(reason);
  if (auto r = tx.update_session(session); !r) return std::move(r).error();
  RevocationEvent e = session_event(session.id);
  auto id = tx.append_revocation(e);
  if (!id) return std::move(id).error();
  e.id = *id;
  return e;
}

Result<std::vector<RevocationEvent>> SessionService::revoke_everything(StoreTx& tx, User& user,
                                                                       std::string_view reason) {
  const TimePoint now = clock_.now();
  auto ids = tx.revoke_sessions_of_user(user.id, now, reason);
  if (!ids) return std::move(ids).error();
  // One event for the user covers every access token issued so far, whichever session.
  user.token_version += 1;
  user.updated_at = now;
  if (auto r = tx.update_user(user); !r) return std::move(r).error();
  RevocationEvent e;
  e.kind = RevocationEvent::Kind::user;
  e.subject = user.id.str();
  e.version = user.token_version;
  e.created_at = now;
  e.expires_at = now + settings_.revocation_window();
  auto id = tx.append_revocation(e);
  if (!id) return std::move(id).error();
  e.id = *id;
  return std::vector<RevocationEvent>{std::move(e)};
}

void SessionService::applied(const std::vector<RevocationEvent>& events) {
  for (const auto& e : events) revocations_.apply(e);
}

Result<TokenResponse> SessionService::refresh(std::string_view presented, const ClientInfo& client) {
  const auto hash = refresh_token_hash(presented);
  if (!hash) {
    metrics::count_refresh("invalid");
    return invalid_refresh("malformed");
  }

  enum class Kind { rotated, replayed, reused, invalid, disabled, limited };
  struct Outcome {
    Kind kind = Kind::invalid;
    std::string reason;
    int retry_after_s = 0;  // Kind::limited
    Session session;
    User user;
    SecretString token;
    std::vector<RevocationEvent> events;
    std::optional<AuditEntry> audited;
  };
  const TimePoint now = clock_.now();
  // The limit is charged once per request, not once per attempt: a store runs the body again
  // after a conflict, and a second take() would spend a second refresh of the session's
  // budget. The decision is kept for the session it was made for.
  struct LimitDecision {
    SessionId session;
    std::optional<int> retry_after_s;  // set: refused
  };
  std::optional<LimitDecision> decided;
  auto outcome = store_.write([&](StoreTx& tx) -> Result<Outcome> {
    Outcome out;
    const auto invalid = [&](std::string why) {
      out.kind = Kind::invalid;
      out.reason = std::move(why);
      return std::move(out);
    };
    const auto owner = [&](const Session& s) -> Result<std::optional<User>> { return tx.user_by_id(s.user_id); };

    // 1. The session's current token: rotate it.
    auto current = tx.session_by_token(*hash);
    if (!current) return std::move(current).error();
    if (*current) {
      Session s = std::move(**current);
      if (s.revoked()) return invalid("session revoked (" + s.revoke_reason + ")");
      if (s.expired(now)) return invalid("session expired");
      auto user = owner(s);
      if (!user) return std::move(user).error();
      if (!*user) return invalid("user gone");
      if ((*user)->disabled) {
        out.kind = Kind::disabled;
        return out;
      }
      if (!decided || decided->session != s.id) {
        auto r = limiter_.take(Limit::refresh_session, s.id.str());
        decided = LimitDecision{s.id, r ? std::nullopt : std::optional<int>(r.error().retry_after_s)};
      }
      if (decided->retry_after_s) {
        out.kind = Kind::limited;
        out.retry_after_s = *decided->retry_after_s;
        return out;  // nothing rotated: the presented token stays the current one
      }
      SecretString next = new_refresh_token(random_);
      if (auto r = tx.retire_token(s.token_hash, s.id, s.generation, now); !r) return std::move(r).error();
      s.previous_token_hash = std::move(s.token_hash);
      s.token_hash = *refresh_token_hash(next.reveal());
      s.successor_sealed = seal_successor(presented, next.reveal(), random_);
      s.rotated_at = now;
      s.generation += 1;
      s.last_used_at = now;
      s.idle_expires_at = std::min(now + settings_.refresh_ttl, s.absolute_expires_at);
      s.ip = utf8::clean(client.ip, kMaxClientTextBytes);
      if (auto r = tx.update_session(s); !r) return std::move(r).error();
      out.kind = Kind::rotated;
      out.session = std::move(s);
      out.user = std::move(**user);
      out.token = std::move(next);
      return out;
    }

    // 2. A token the session has moved past.
    auto older = tx.session_by_retired_token(*hash);
    if (!older) return std::move(older).error();
    if (!*older) return invalid("unknown token");
    Session s = std::move(**older);
    if (s.revoked()) return invalid("token of a revoked session (" + s.revoke_reason + ")");
    // Inside the grace interval, the immediate parent of the current token gets the same
    // successor (two tabs refreshing at once). Anything else is reuse: a stolen token.
    if (parent_inside_grace(s, *hash, now, settings_.refresh_reuse_grace) && !s.expired(now)) {
      if (auto successor = open_successor(presented, s.successor_sealed)) {
        auto user = owner(s);
        if (!user) return std::move(user).error();
        if (!*user) return invalid("user gone");
        if ((*user)->disabled) {
          out.kind = Kind::disabled;
          return out;
        }
        out.kind = Kind::replayed;
        out.session = std::move(s);
        out.user = std::move(**user);
        out.token = std::move(*successor);
        return out;
      }
    }
    auto event = revoke_one(tx, s, revoke_reason::kReuse);
    if (!event) return std::move(event).error();
    auto audited = audit_.record(
        tx, audit_.entry(audit_event::kRefreshReused, s.user_id.str(), client, "session " + s.id.str() + " revoked"));
    if (!audited) return std::move(audited).error();
    out.audited = std::move(*audited);
    out.kind = Kind::reused;
    out.session = std::move(s);
    out.events.push_back(std::move(*event));
    return out;  // committed: the revocation must stand although the request fails
  });
  if (!outcome) return std::move(outcome).error();
  applied(outcome->events);
  if (outcome->audited) audit_.logged(*outcome->audited);
  switch (outcome->kind) {
    case Kind::rotated:
      metrics::count_refresh("rotated");
      return respond(outcome->user, outcome->session, std::move(outcome->token));
    case Kind::replayed:
      metrics::count_refresh("replayed");
      return respond(outcome->user, outcome->session, std::move(outcome->token));
    case Kind::reused:
      metrics::count_refresh("reused");
      return make_error(errc::refresh_token_reused, "",
                        "refresh: reuse detected, session " + outcome->session.id.str() + " revoked");
    case Kind::disabled:
      metrics::count_refresh("account_disabled");
      return make_error(errc::account_disabled, "", "refresh: account disabled");
    case Kind::limited: {
      metrics::count_refresh("rate_limited");
      auto e = make_error(errc::rate_limited, "Too many refreshes. Try again later.", "rate limit refresh_session");
      e.retry_after_s = outcome->retry_after_s;
      return e;
    }
    case Kind::invalid: break;
  }
  metrics::count_refresh("invalid");
  return invalid_refresh(outcome->reason);
}

Result<void> SessionService::logout_by_refresh_token(std::string_view presented, const ClientInfo& client) {
  const auto hash = refresh_token_hash(presented);
  if (!hash) return ok();
  const TimePoint now = clock_.now();
  std::optional<AuditEntry> audited;
  auto events = store_.write([&](StoreTx& tx) -> Result<std::vector<RevocationEvent>> {
    std::vector<RevocationEvent> events;
    auto current = tx.session_by_token(*hash);
    if (!current) return std::move(current).error();
    std::optional<Session> s = std::move(*current);
    if (!s) {
      // A tab that logs out with the parent it just rotated still ends the session.
      auto older = tx.session_by_retired_token(*hash);
      if (!older) return std::move(older).error();
      if (*older && parent_inside_grace(**older, *hash, now, settings_.refresh_reuse_grace)) {
        s = std::move(**older);
      }
    }
    if (!s || s->revoked()) return events;
    auto e = revoke_one(tx, *s, revoke_reason::kLogout);
    if (!e) return std::move(e).error();
    events.push_back(std::move(*e));
    auto a = audit_.record(tx, audit_.entry(audit_event::kLogout, s->user_id.str(), client, "session " + s->id.str()));
    if (!a) return std::move(a).error();
    audited = std::move(*a);
    return events;
  });
  if (!events) return std::move(events).error();
  applied(*events);
  if (audited) audit_.logged(*audited);
  return ok();
}

Result<void> SessionService::end_session(const UserId& user, const SessionId& session, std::string_view reason,
                                         const ClientInfo& client) {
  const TimePoint now = clock_.now();
  std::optional<AuditEntry> audited;
  auto events = store_.write([&](StoreTx& tx) -> Result<std::vector<RevocationEvent>> {
    auto s = tx.session_by_id(session);
    if (!s) return std::move(s).error();
    if (!*s || (*s)->user_id != user || !(*s)->active(now)) {
      return make_error(errc::not_found, "There is no such session.");
    }
    auto e = revoke_one(tx, **s, reason);
    if (!e) return std::move(e).error();
    const auto event = reason == revoke_reason::kLogout ? audit_event::kLogout : audit_event::kSessionRevoked;
    auto a = audit_.record(tx, audit_.entry(event, user.str(), client, "session " + session.str()));
    if (!a) return std::move(a).error();
    audited = std::move(*a);
    return std::vector<RevocationEvent>{std::move(*e)};
  });
  if (!events) return std::move(events).error();
  applied(*events);
  if (audited) audit_.logged(*audited);
  return ok();
}

Result<void> SessionService::end_all_sessions(const UserId& user_id, std::string_view reason, const ClientInfo& client,
                                              const Actor* actor) {
  std::optional<AuditEntry> audited;
  auto events = store_.write([&](StoreTx& tx) -> Result<std::vector<RevocationEvent>> {
    auto user = tx.user_by_id(user_id);
    if (!user) return std::move(user).error();
    if (!*user) {
      if (actor != nullptr) return make_error(errc::not_found, "There is no such user.");
      return make_error(errc::invalid_token, "", "user gone");
    }
    auto events = revoke_everything(tx, **user, reason);
    if (!events) return std::move(events).error();
    auto a = audit_.record(tx, actor == nullptr ? audit_.entry(audit_event::kLogoutAll, user_id.str(), client)
                                                : audit_.entry(audit_event::kSessionsRevoked, user_id.str(),
                                                               actor->client, "", actor->id));
    if (!a) return std::move(a).error();
    audited = std::move(*a);
    return events;
  });
  if (!events) return std::move(events).error();
  applied(*events);
  if (audited) audit_.logged(*audited);
  return ok();
}

Result<std::vector<SessionView>> SessionService::list(const UserId& user, const SessionId& current) {
  auto sessions = store_.read([&](StoreTx& tx) { return tx.sessions_of_user(user); });
  if (!sessions) return std::move(sessions).error();
  const TimePoint now = clock_.now();
  std::vector<SessionView> out;
  for (auto& s : *sessions) {
    if (!s.active(now)) continue;
    const bool is_current = s.id == current;
    out.push_back(SessionView{std::move(s), is_current});
  }
  return out;
}

}  // namespace tessera::domain
