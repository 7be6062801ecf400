#include "domain/account_service.hpp"

#include "core/ids.hpp"
#include "core/json.hpp"
#include "domain/domain_metrics.hpp"
#include "domain/identifiers.hpp"
#include "domain/password_policy.hpp"

namespace tessera::domain {
namespace {

bool is_bcrypt(std::string_view hash) { return hash.substr(0, 2) == "$2"; }

// The 403 a login with a second factor ends in: the ticket and the methods ride on the problem.
Error mfa_required(const MfaChallenge& challenge) {
  auto e = make_error(errc::mfa_required, "", "login: second factor required");
  std::string ticket, methods = "[";
  json::append_quoted(ticket, challenge.ticket);
  for (std::size_t i = 0; i < challenge.methods.size(); ++i) {
    if (i) methods.push_back(',');
    json::append_quoted(methods, challenge.methods[i]);
  }
  methods.push_back(']');
  e.members = {{"mfa_ticket", std::move(ticket)},
               {"expires_in", std::to_string(challenge.expires_in)},
               {"methods", std::move(methods)}};
  return e;
}

Error bad_credentials(std::string reason) {
  return make_error(errc::invalid_credentials, "Invalid email or password.", "login: " + std::move(reason));
}

}  // namespace

AccountService::AccountService(Store& store, SessionService& sessions, const crypto::PasswordHasher& hasher,
                               const AuditLog& audit, const Settings& settings, RateLimiter& limiter,
                               LoginSlowdown& slowdown, AccountMail& mail, SecondFactorGate& second, const Clock& clock,
                               Random& random)
    : store_(store),
      sessions_(sessions),
      hasher_(hasher),
      audit_(audit),
      settings_(settings),
      clock_(clock),
      random_(random),
      limiter_(limiter),
      slowdown_(slowdown),
      mail_(mail),
      second_(second) {}

Error AccountService::refused(Error error, std::string_view user_id, std::string_view identifier,
                              const ClientInfo& client) {
  metrics::count_login(to_string(error.code));
  // A rate-limited attempt is counted, not written down: under a flood, writing each one would
  // make the flood cost a database write per request.
  if (error.code == errc::rate_limited) return error;
  std::string detail = error.reason.empty() ? std::string(to_string(error.code)) : error.reason;
  if (user_id.empty()) detail += " (" + std::string(identifier.substr(0, 254)) + ")";
  audit_.record_alone(store_, audit_.entry(audit_event::kLoginFailed, user_id, client, std::move(detail)));
  return error;
}

Result<SignupOutcome> AccountService::signup(const SignupInput& input, const ClientInfo& client) {
  if (auto r = limiter_.take(Limit::signup_ip, client.ip); !r) return std::move(r).error();
  auto ids = normalize_identifiers(input.email, input.username);
  if (!ids) return std::move(ids).error();
  std::string email = std::move(ids->email), username = std::move(ids->username);
  if (input.password.empty()) return make_error(errc::invalid_request, "password: is required");
  auto password = normalize_password(input.password);
  if (!password) return std::move(password).error();
  const PasswordRules rules{settings_.password_min_length, settings_.password_min_score};
  if (auto strong = check_new_password(*password, rules, email, username); !strong) return std::move(strong).error();

  // Answer a taken address before paying for a hash. (The insert below still catches races.)
  auto taken = store_.read([&](StoreTx& tx) -> Result<bool> {
    if (!email.empty()) {
      auto u = tx.user_by_email(email);
      if (!u) return std::move(u).error();
      if (*u) return true;
    }
    if (!username.empty()) {
      auto u = tx.user_by_username(username);
      if (!u) return std::move(u).error();
      if (*u) return true;
    }
    return false;
  });
  if (!taken) return std::move(taken).error();
  if (*taken) return make_error(errc::account_exists);

  auto hash = hasher_.hash(password->reveal());
  if (!hash) return std::move(hash).error();

  const TimePoint now = clock_.now();
  User user;
  user.id = UserId(new_uuid(random_));
  user.email = std::move(email);
  user.username = std::move(username);
  user.password_hash = std::move(*hash);
  user.created_at = now;
  user.updated_at = now;
  // With TESSERA_REQUIRE_VERIFIED, a new account gets no session until its email is verified
  // (login would refuse it anyway); the client is told to check its mail.
  const bool open_session = !settings_.require_verified;
  std::optional<AuditEntry> audited;
  auto opened = store_.write([&](StoreTx& tx) -> Result<std::optional<std::pair<Session, SecretString>>> {
    if (auto r = tx.insert_user(user); !r) return std::move(r).error();
    auto a = audit_.record(tx, audit_.entry(audit_event::kSignup, user.id.str(), client));
    if (!a) return std::move(a).error();
    audited = std::move(*a);
    // The verification mail is part of the sign-up: queued in the same transaction.
    if (auto r = mail_.queue_verification(tx, user); !r) return std::move(r).error();
    if (!open_session) return std::optional<std::pair<Session, SecretString>>{};
    auto s = sessions_.open(tx, user, client);
    if (!s) return std::move(s).error();
    return std::optional<std::pair<Session, SecretString>>(std::move(*s));
  });
  if (!opened) return std::move(opened).error();
  if (audited) audit_.logged(*audited);
  if (!user.email.empty()) mail_.mail_committed();
  SignupOutcome outcome{user, std::nullopt};
  if (*opened) {
    auto tokens = sessions_.respond(user, (*opened)->first, std::move((*opened)->second));
    if (!tokens) return std::move(tokens).error();
    outcome.tokens = std::move(*tokens);
  }
  return outcome;
}

std::optional<AccountService::LoginKey> AccountService::login_key(std::string_view identifier, IdentifierField field) {
  bool as_email = field == IdentifierField::email;
  if (field == IdentifierField::any) as_email = classify_identifier(identifier) == IdentifierKind::email;
  auto normalized = as_email ? normalize_email(identifier) : normalize_username(identifier);
  if (!normalized) return std::nullopt;
  return LoginKey{as_email, std::move(*normalized)};
}

Result<std::optional<User>> AccountService::find_for_login(const LoginKey& key) {
  return store_.read(
      [&](StoreTx& tx) { return key.email ? tx.user_by_email(key.normalized) : tx.user_by_username(key.normalized); });
}

Result<bool> AccountService::password_matches(std::string_view raw, const SecretString& normalized,
                                              const std::string& stored) const {
  // An account created without a password ("!…", like /etc/shadow) matches nothing, after the
  // same work as a real check.
  if (!stored.empty() && stored.front() == '!') {
    (void)hasher_.verify(normalized.reveal(), hasher_.dummy_hash());
    return false;
  }
  // An imported bcrypt hash was made by the source app from the password as typed, so it is
  // checked against the raw bytes; our own Argon2id hashes are of the NFKC form.
  return hasher_.verify(is_bcrypt(stored) ? raw : normalized.reveal(), stored);
}

Result<TokenResponse> AccountService::login(std::string_view identifier, IdentifierField field,
                                            std::string_view password, const ClientInfo& client) {
  // Too long or not UTF-8: refused at once, never hashed, not a failed attempt (SPEC §4).
  auto normalized = normalize_password(password);
  if (!normalized) return std::move(normalized).error();

  // Limits come before any hashing, so a flood costs us almost nothing. The slow-down is keyed
  // by the identifier as typed, known or not, so a 429 tells nothing about which accounts exist.
  const auto key = login_key(identifier, field);
  const std::string throttle_key = LoginSlowdown::key_for(key ? key->normalized : std::string(identifier));
  if (auto r = limiter_.take(Limit::login_ip, client.ip); !r)
    return refused(std::move(r).error(), "", identifier, client);
  if (auto r = limiter_.take(Limit::login_account, key ? key->normalized : identifier); !r) {
    return refused(std::move(r).error(), "", identifier, client);
  }
  if (auto r = slowdown_.check(throttle_key); !r) {
    if (r.code() != errc::rate_limited) return std::move(r).error();
    return refused(std::move(r).error(), "", identifier, client);
  }
  // The slow-down counted this attempt as a failure before any hashing (LoginSlowdown::check);
  // only a right password takes that back.
  const auto failed = [&](Error e, std::string_view user_id) {
    return refused(std::move(e), user_id, identifier, client);
  };

  std::optional<User> found;
  if (key) {
    auto f = find_for_login(*key);
    if (!f) return std::move(f).error();
    found = std::move(*f);
  }
  if (!found) {
    // The same Argon2id work as for a real account, so timing does not tell them apart.
    (void)hasher_.verify(normalized->reveal(), hasher_.dummy_hash());
    return failed(bad_credentials("unknown account"), "");
  }
  User user = std::move(*found);
  auto matches = password_matches(password, *normalized, user.password_hash);
  if (!matches) return std::move(matches).error();
  if (!*matches) return failed(bad_credentials("wrong password"), user.id.str());
  // Only now, with the right password, may the answer reveal the account's state.
  if (user.disabled || (settings_.require_verified && !user.email_verified)) {
    slowdown_.password_proved(throttle_key);
    if (user.disabled)
      return refused(make_error(errc::account_disabled, "", "login: disabled"), user.id.str(), identifier, client);
    return refused(make_error(errc::email_not_verified, "", "login: email not verified"), user.id.str(), identifier,
                   client);
  }

  std::string rehashed;
  const std::string old_hash = user.password_hash;
  if (hasher_.needs_rehash(old_hash)) {
    auto h = hasher_.hash(normalized->reveal());
    if (h) rehashed = std::move(*h);  // a failed upgrade must not fail the login
  }
  const TimePoint now = clock_.now();
  std::optional<AuditEntry> audited;
  std::optional<MfaChallenge> challenge;
  auto opened = store_.write([&](StoreTx& tx) -> Result<std::optional<std::pair<Session, SecretString>>> {
    challenge.reset();  // a re-run after a conflict starts over
    auto fresh = tx.user_by_id(user.id);
    if (!fresh) return std::move(fresh).error();
    if (!*fresh) return bad_credentials("account deleted meanwhile");
    user = std::move(**fresh);
    if (user.disabled) return make_error(errc::account_disabled);
    std::string detail;
    if (!rehashed.empty() && user.password_hash == old_hash) {  // unless it changed meanwhile
      detail = is_bcrypt(old_hash) ? "password hash upgraded from bcrypt" : "password hash cost upgraded";
      user.password_hash = rehashed;
      user.updated_at = now;
      if (auto r = tx.update_user(user); !r) return std::move(r).error();
    }
    if (auto r = slowdown_.succeeded(tx, throttle_key); !r) return std::move(r).error();
    // The password was right; an account with a second factor gets a ticket, not a session.
    auto second = second_.challenge(tx, user);
    if (!second) return std::move(second).error();
    if (*second) {
      challenge = std::move(*second);
      return std::optional<std::pair<Session, SecretString>>{};
    }
    auto opened = sessions_.open(tx, user, client);
    if (!opened) return std::move(opened).error();
    auto a =
        audit_.record(tx, audit_.entry(audit_event::kLoginSucceeded, user.id.str(), client,
                                       "session " + opened->first.id.str() + (detail.empty() ? "" : "; " + detail)));
    if (!a) return std::move(a).error();
    audited = std::move(*a);
    return std::optional<std::pair<Session, SecretString>>(std::move(*opened));
  });
  if (!opened) return std::move(opened).error();
  if (challenge) {
    metrics::count_login("mfa_required");
    return mfa_required(*challenge);
  }
  if (audited) audit_.logged(*audited);
  metrics::count_login("success");
  return sessions_.respond(user, (*opened)->first, std::move((*opened)->second));
}

Result<TokenResponse> AccountService::reauthenticate(const Principal& principal, std::string_view method,
                                                     std::string_view secret, const ClientInfo& client) {
  auto user = profile(principal.user_id);
  if (!user) return std::move(user).error();
  Assurance proof;
  if (method == "password") {
    auto has = second_.has_factor(user->id);
    if (!has) return std::move(has).error();
    if (*has) {
      return make_error(errc::invalid_request,
                        "method: this account has a second factor; reauthenticate with totp or recovery_code");
    }
    auto normalized = normalize_password(secret);
    if (!normalized) return std::move(normalized).error();
    // The same slow-down as a login of the account: a stolen token must not become a way to
    // guess the password at hash speed.
    const std::string throttle_key = LoginSlowdown::key_for(user->email.empty() ? user->username : user->email);
    if (auto r = slowdown_.check(throttle_key); !r) return std::move(r).error();
    auto matches = password_matches(secret, *normalized, user->password_hash);
    if (!matches) return std::move(matches).error();
    if (!*matches) {
      audit_.record_alone(
          store_, audit_.entry(audit_event::kLoginFailed, user->id.str(), client, "reauthenticate: wrong password"));
      return make_error(errc::invalid_credentials, "The password is not correct.", "reauthenticate: wrong password");
    }
    slowdown_.password_proved(throttle_key);
    proof = password_assurance();
  } else if (const auto m = parse_mfa_method(method)) {
    auto proved = second_.prove(*user, *m, secret, client);
    if (!proved) return std::move(proved).error();
    proof = std::move(*proved);
  } else {
    return make_error(errc::invalid_request, "method: write password, totp or recovery_code");
  }
  std::optional<AuditEntry> audited;
  auto reproved = store_.write([&](StoreTx& tx) -> Result<std::pair<Session, SecretString>> {
    auto r = sessions_.reprove(tx, principal.user_id, principal.session_id, proof);
    if (!r) return std::move(r).error();
    auto a = audit_.record(tx, audit_.entry(audit_event::kReauthenticated, user->id.str(), client,
                                            "session " + r->first.id.str() + "; " + std::string(method)));
    if (!a) return std::move(a).error();
    audited = std::move(*a);
    return r;
  });
  if (!reproved) return std::move(reproved).error();
  audit_.logged(*audited);
  return sessions_.respond(*user, reproved->first, std::move(reproved->second));
}

Result<User> AccountService::profile(const UserId& id) {
  auto user = store_.read([&](StoreTx& tx) { return tx.user_by_id(id); });
  if (!user) return std::move(user).error();
  if (!*user) return make_error(errc::invalid_token, "", "profile: account no longer exists");
  return std::move(**user);
}

Result<TokenResponse> AccountService::change_password(const Principal& principal, std::string_view current,
                                                      std::string_view next, const ClientInfo& client) {
  if (auto r = second_.require_step_up(principal); !r) return std::move(r).error();
  if (current.empty()) return make_error(errc::invalid_request, "current_password: is required");
  if (next.empty()) return make_error(errc::invalid_request, "new_password: is required");
  auto current_norm = normalize_password(current);
  if (!current_norm) return std::move(current_norm).error();
  auto next_norm = normalize_password(next);
  if (!next_norm) {
    auto e = std::move(next_norm).error();
    if (e.detail.rfind("password", 0) == 0) e.detail = "new_" + e.detail;
    return e;
  }
  auto user = profile(principal.user_id);
  if (!user) return std::move(user).error();
  auto matches = password_matches(current, *current_norm, user->password_hash);
  if (!matches) return std::move(matches).error();
  if (!*matches) {
    return make_error(errc::invalid_credentials, "The current password is not correct.",
                      "password change: wrong password");
  }
  const PasswordRules rules{settings_.password_min_length, settings_.password_min_score};
  if (auto strong = check_new_password(*next_norm, rules, user->email, user->username); !strong) {
    return std::move(strong).error();
  }
  auto hash = hasher_.hash(next_norm->reveal());
  if (!hash) return std::move(hash).error();

  const TimePoint now = clock_.now();
  struct Changed {
    User user;
    Session session;
    SecretString token;
    std::vector<RevocationEvent> events;
    AuditEntry audited;
  };
  auto changed = store_.write([&](StoreTx& tx) -> Result<Changed> {
    auto fresh = tx.user_by_id(principal.user_id);
    if (!fresh) return std::move(fresh).error();
    if (!*fresh) return make_error(errc::invalid_token, "", "password change: account gone");
    Changed c;
    c.user = std::move(**fresh);
    c.user.password_hash = *hash;
    c.user.updated_at = now;
    // A reset link mailed before the change must not undo it.
    if (auto r = tx.expire_one_time_tokens(c.user.id, TokenPurpose::reset_password, now); !r)
      return std::move(r).error();
    auto events = sessions_.revoke_everything(tx, c.user, revoke_reason::kPasswordChange);  // stores the user
    if (!events) return std::move(events).error();
    c.events = std::move(*events);
    // The new session keeps the level the caller had proved (a step-up just passed, when the
    // account has a factor): the password is new, the factor the same.
    auto opened = sessions_.open(
        tx, c.user, client, principal.amr.empty() ? password_assurance() : Assurance{principal.aal, principal.amr});
    if (!opened) return std::move(opened).error();
    c.session = std::move(opened->first);
    c.token = std::move(opened->second);
    auto a = audit_.record(
        tx, audit_.entry(audit_event::kPasswordChanged, c.user.id.str(), client, "every other session revoked"));
    if (!a) return std::move(a).error();
    c.audited = std::move(*a);
    return c;
  });
  if (!changed) return std::move(changed).error();
  sessions_.applied(changed->events);
  audit_.logged(changed->audited);
  return sessions_.respond(changed->user, changed->session, std::move(changed->token));
}

}  // namespace tessera::domain
