#include "domain/mfa_service.hpp"

#include <algorithm>
#include <cmath>

#include "core/json.hpp"
#include "crypto/base32.hpp"
#include "crypto/digest.hpp"
#include "crypto/secret_box.hpp"
#include "domain/opaque_token.hpp"
#include "domain/recovery_code.hpp"
#include "domain/totp.hpp"

namespace tessera::domain {
namespace {

constexpr std::string_view kNoticeTotpAdded =
    "An authenticator app was set up as the second factor of your account. Logins now ask for its code.";
constexpr std::string_view kNoticeTotpRemoved =
    "The authenticator app was removed from your account. Logins no longer ask for a second factor.";
constexpr std::string_view kNoticeCodesRegenerated =
    "New recovery codes were made for your account. The old ones no longer work.";
constexpr std::string_view kNoticeReset =
    "An administrator removed the second factor of your account and ended all its sessions. Log in with your "
    "password and set up a new second factor.";

int seconds_until(TimePoint later, TimePoint now) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(later - now).count();
  return std::max<int>(1, static_cast<int>((ms + 999) / 1000));
}

Error ticket_invalid(std::string reason) {
  return make_error(errc::mfa_ticket_invalid, "", "login/mfa: " + std::move(reason));
}

}  // namespace

std::string_view to_string(MfaMethod method) { return method == MfaMethod::totp ? "totp" : "recovery_code"; }

std::optional<MfaMethod> parse_mfa_method(std::string_view text) {
  if (text == "totp") return MfaMethod::totp;
  if (text == "recovery_code") return MfaMethod::recovery_code;
  return std::nullopt;
}

MfaService::MfaService(Store& store, SessionService& sessions, const AuditLog& audit, const Settings& settings,
                       const SecretString& mfa_key, RateLimiter& limiter, NoticeMail& mail, const Clock& clock,
                       Random& random)
    : store_(store),
      sessions_(sessions),
      audit_(audit),
      settings_(settings),
      secret_root_(crypto::derive_key("tessera totp secrets", mfa_key.reveal())),
      pepper_(crypto::derive_key("tessera recovery codes", mfa_key.reveal())),
      limiter_(limiter),
      mail_(mail),
      clock_(clock),
      random_(random) {}

std::string MfaService::secret_key(const UserId& user) const {
  return crypto::derive_key("totp secret of " + user.str(), secret_root_.reveal());
}

std::string MfaService::lock_key(const UserId& user) const {
  // The lock shares the login_throttle table with the password slow-down, under keys of its
  // own: a hash of a prefix no normalised identifier can have.
  return crypto::sha256_bytes("second factor\n" + user.str());
}

void MfaService::committed(const std::vector<AuditEntry>& audited, bool mailed) {
  for (const auto& a : audited) audit_.logged(a);
  if (mailed) mail_.mail_committed();
}

Result<std::string> MfaService::parsed_code(MfaMethod method, std::string_view code) {
  if (method == MfaMethod::totp) return parse_totp_code(code);
  if (code.size() > 64) return make_error(errc::invalid_request, "code: a recovery code has 16 letters and digits");
  auto canonical = canonical_recovery_code(code);
  if (!canonical) return make_error(errc::invalid_request, "code: a recovery code has 16 letters and digits");
  return std::move(*canonical);
}

Result<MfaService::Checked> MfaService::check_code(StoreTx& tx, const User& user, MfaMethod method,
                                                   const std::string& code, const ClientInfo& client) {
  const TimePoint now = clock_.now();
  Checked out;
  const std::string key = lock_key(user.id);
  auto lock = tx.login_throttle(key);
  if (!lock) return std::move(lock).error();
  LoginThrottle state = lock->value_or(LoginThrottle{key, 0, now, now});
  if (state.failures >= kMfaFailuresBeforeLock) {
    if (now < state.next_attempt_at) {
      out.verdict = Verdict::locked;
      out.retry_after_s = seconds_until(state.next_attempt_at, now);
      return out;
    }
    state.failures = 0;  // the lock ran out: a new run begins
  }

  auto factor = tx.totp_factor(user.id);
  if (!factor) return std::move(factor).error();
  if (!*factor || (*factor)->status != TotpStatus::active) {
    out.verdict = Verdict::no_factor;
    return out;
  }
  bool accepted = false;
  if (method == MfaMethod::totp) {
    auto secret = crypto::open(secret_key(user.id), (*factor)->secret_sealed);
    if (!secret) return make_error(errc::internal_error, "", "totp: the secret does not open with the MFA key");
    const auto step = matching_totp_step(*secret, code, now);
    if (step) {
      auto spent = tx.use_totp_step(user.id, *step, now);
      if (!spent) return std::move(spent).error();
      accepted = *spent;  // false: that step was used already (a replay, or a concurrent use)
    }
  } else {
    auto used = tx.use_recovery_code(user.id, recovery_code_hash(pepper_, user.id, code), now);
    if (!used) return std::move(used).error();
    accepted = *used;
    if (accepted) {
      auto count = tx.recovery_code_count(user.id);
      if (!count) return std::move(count).error();
      out.codes_remaining = count->remaining;
      const std::string left = std::to_string(count->remaining);
      auto a = audit_.record(tx, audit_.entry(audit_event::kRecoveryCodeUsed, user.id.str(), client, left + " left"));
      if (!a) return std::move(a).error();
      out.audited.push_back(std::move(*a));
      const std::string notice = "One of your recovery codes was used. " + left + " of " +
                                 std::to_string(count->total) + " codes are left; make new ones on your account page.";
      if (auto r = mail_.queue_notice(tx, user, notice); !r) return std::move(r).error();
    }
  }

  if (accepted) {
    if (state.failures > 0 || *lock) {
      if (auto r = tx.clear_login_throttle(key); !r) return std::move(r).error();
    }
    out.verdict = Verdict::accepted;
    return out;
  }
  state.failures += 1;
  state.last_failure_at = now;
  state.next_attempt_at = now;
  auto failed = audit_.record(tx, audit_.entry(audit_event::kMfaFailed, user.id.str(), client,
                                               std::string(to_string(method)) + ": wrong or used code"));
  if (!failed) return std::move(failed).error();
  out.audited.push_back(std::move(*failed));
  if (state.failures >= kMfaFailuresBeforeLock) {
    state.next_attempt_at = now + kMfaLockout;
    auto locked = audit_.record(
        tx, audit_.entry(audit_event::kMfaLocked, user.id.str(), client,
                         std::to_string(state.failures) + " wrong codes in a row; locked for 15 minutes"));
    if (!locked) return std::move(locked).error();
    out.audited.push_back(std::move(*locked));
  }
  if (auto r = tx.put_login_throttle(state); !r) return std::move(r).error();
  out.verdict = Verdict::wrong;
  return out;
}

Error MfaService::verdict_error(const Checked& checked) {
  switch (checked.verdict) {
    case Verdict::locked: {
      auto e = make_error(errc::rate_limited, "Too many wrong codes. Try again later.", "second factor locked");
      e.retry_after_s = checked.retry_after_s;
      return e;
    }
    case Verdict::no_factor: return make_error(errc::mfa_not_enabled, "", "second factor: none active");
    case Verdict::wrong:
    case Verdict::accepted: break;
  }
  return make_error(errc::invalid_mfa_code, "", "second factor: wrong or used code");
}

// --- The gate password login and step-up go through --------------------------------------

Result<std::optional<MfaChallenge>> MfaService::challenge(StoreTx& tx, const User& user) {
  auto factor = tx.totp_factor(user.id);
  if (!factor) return std::move(factor).error();
  if (!*factor || (*factor)->status != TotpStatus::active) return std::optional<MfaChallenge>{};
  const TimePoint now = clock_.now();
  SecretString ticket = new_opaque_token(random_);
  MfaTicket t;
  t.ticket_hash = *opaque_token_hash(ticket.reveal());
  t.user_id = user.id;
  t.created_at = now;
  t.expires_at = now + kMfaTicketTtl;
  if (auto r = tx.insert_mfa_ticket(t); !r) return std::move(r).error();
  auto codes = tx.recovery_code_count(user.id);
  if (!codes) return std::move(codes).error();
  MfaChallenge c;
  c.ticket = std::string(ticket.reveal());
  c.expires_in = std::chrono::duration_cast<std::chrono::seconds>(kMfaTicketTtl).count();
  c.methods = {"totp"};
  if (codes->remaining > 0) c.methods.emplace_back("recovery_code");
  return std::optional<MfaChallenge>(std::move(c));
}

Result<bool> MfaService::has_factor(const UserId& user) {
  auto factor = store_.read([&](StoreTx& tx) { return tx.totp_factor(user); });
  if (!factor) return std::move(factor).error();
  return *factor && (*factor)->status == TotpStatus::active;
}

Result<void> MfaService::require_step_up(const Principal& principal) {
  auto has = has_factor(principal.user_id);
  if (!has) return std::move(has).error();
  if (!*has) return ok();
  return step_up_age_ok(principal, true);
}

Result<void> MfaService::step_up_age_ok(const Principal& principal, bool need_aal2) const {
  const std::int64_t age = clock_.unix_seconds() - principal.auth_time;
  if (!need_aal2) {
    if (age <= settings_.step_up_max_age.count()) return ok();
    return make_error(errc::step_up_required, "Confirm it is you: enter your password again.",
                      "step-up: password proved " + std::to_string(age) + " s ago");
  }
  if (principal.has_aal2() && age <= settings_.step_up_max_age.count()) return ok();
  return make_error(errc::step_up_required, "",
                    principal.has_aal2() ? "step-up: second factor used " + std::to_string(age) + " s ago"
                                         : "step-up: the session is aal1");
}

Result<Assurance> MfaService::prove(const User& user, MfaMethod method, std::string_view code,
                                    const ClientInfo& client) {
  auto parsed = parsed_code(method, code);
  if (!parsed) return std::move(parsed).error();
  auto checked = store_.write([&](StoreTx& tx) { return check_code(tx, user, method, *parsed, client); });
  if (!checked) return std::move(checked).error();
  committed(checked->audited, method == MfaMethod::recovery_code && checked->verdict == Verdict::accepted);
  if (checked->verdict != Verdict::accepted) return verdict_error(*checked);
  return method == MfaMethod::totp ? totp_assurance() : recovery_code_assurance();
}

// --- The second step of a login --------------------------------------------------------------

Result<SecondStepDone> MfaService::complete_login(std::string_view ticket, std::string_view method_text,
                                                  std::string_view code, const ClientInfo& client) {
  if (auto r = limiter_.take(Limit::mfa_ip, client.ip); !r) return std::move(r).error();
  const auto method = parse_mfa_method(method_text);
  if (!method) return make_error(errc::invalid_request, "method: write totp or recovery_code");
  auto parsed = parsed_code(*method, code);
  if (!parsed) return std::move(parsed).error();
  const auto hash = opaque_token_hash(ticket);
  if (!hash) return ticket_invalid("malformed ticket");

  enum class Kind { done, ticket_invalid, code_refused, disabled };
  struct Outcome {
    Kind kind = Kind::ticket_invalid;
    std::string reason;
    Checked checked;
    User user;
    Session session;
    SecretString token;
  };
  const TimePoint now = clock_.now();
  auto outcome = store_.write([&](StoreTx& tx) -> Result<Outcome> {
    Outcome out;
    auto t = tx.mfa_ticket(*hash);
    if (!t) return std::move(t).error();
    if (!*t) {
      out.reason = "unknown or used ticket";
      return out;
    }
    if (now >= (*t)->expires_at) {
      if (auto r = tx.delete_mfa_ticket(*hash); !r) return std::move(r).error();
      out.reason = "expired ticket";
      return out;
    }
    auto user = tx.user_by_id((*t)->user_id);
    if (!user) return std::move(user).error();
    if (!*user) {
      out.reason = "user gone";
      return out;
    }
    out.user = std::move(**user);
    if (out.user.disabled) {
      if (auto r = tx.delete_mfa_ticket(*hash); !r) return std::move(r).error();
      out.kind = Kind::disabled;
      return out;
    }
    auto checked = check_code(tx, out.user, *method, *parsed, client);
    if (!checked) return std::move(checked).error();
    out.checked = std::move(*checked);
    if (out.checked.verdict == Verdict::no_factor) {
      // Removed (an admin's reset) since the password was checked: the ticket proves nothing now.
      if (auto r = tx.delete_mfa_ticket(*hash); !r) return std::move(r).error();
      out.reason = "no active factor any more";
      return out;
    }
    if (out.checked.verdict != Verdict::accepted) {
      out.kind = Kind::code_refused;
      if (out.checked.verdict == Verdict::wrong) {
        auto failures = tx.count_mfa_ticket_failure(*hash);
        if (!failures) return std::move(failures).error();
        if (*failures >= kTicketFailures) {
          if (auto r = tx.delete_mfa_ticket(*hash); !r) return std::move(r).error();
        }
      }
      return out;
    }
    auto used = tx.delete_mfa_ticket(*hash);
    if (!used) return std::move(used).error();
    if (!*used) {
      out.reason = "ticket used meanwhile";
      return out;
    }
    const Assurance proof = *method == MfaMethod::totp ? totp_assurance() : recovery_code_assurance();
    auto opened = sessions_.open(tx, out.user, client, proof);
    if (!opened) return std::move(opened).error();
    out.session = std::move(opened->first);
    out.token = std::move(opened->second);
    auto a = audit_.record(
        tx, audit_.entry(audit_event::kLoginSucceeded, out.user.id.str(), client,
                         "session " + out.session.id.str() + "; second factor " + std::string(to_string(*method))));
    if (!a) return std::move(a).error();
    out.checked.audited.push_back(std::move(*a));
    out.kind = Kind::done;
    return out;
  });
  if (!outcome) return std::move(outcome).error();
  const bool mailed = outcome->kind == Kind::done && *method == MfaMethod::recovery_code;
  committed(outcome->checked.audited, mailed);
  switch (outcome->kind) {
    case Kind::ticket_invalid: return ticket_invalid(outcome->reason);
    case Kind::disabled: return make_error(errc::account_disabled, "", "login/mfa: disabled");
    case Kind::code_refused: return verdict_error(outcome->checked);
    case Kind::done: break;
  }
  auto tokens = sessions_.respond(outcome->user, outcome->session, std::move(outcome->token));
  if (!tokens) return std::move(tokens).error();
  SecondStepDone done{std::move(*tokens), std::nullopt};
  if (*method == MfaMethod::recovery_code) done.recovery_codes_remaining = outcome->checked.codes_remaining;
  return done;
}

// --- Managing the factor ---------------------------------------------------------------------

Result<std::vector<std::string>> MfaService::store_new_codes(StoreTx& tx, const UserId& user, TimePoint now) {
  std::vector<std::string> codes = new_recovery_codes(random_);
  std::vector<std::string> hashes;
  hashes.reserve(codes.size());
  for (const auto& c : codes) hashes.push_back(recovery_code_hash(pepper_, user, *canonical_recovery_code(c)));
  if (auto r = tx.replace_recovery_codes(user, hashes, now); !r) return std::move(r).error();
  return codes;
}

Result<std::vector<RevocationEvent>> MfaService::revoke_others(StoreTx& tx, const UserId& user, const SessionId& keep) {
  const TimePoint now = clock_.now();
  auto all = tx.sessions_of_user(user);
  if (!all) return std::move(all).error();
  std::vector<RevocationEvent> events;
  for (auto& s : *all) {
    if (s.id == keep || !s.active(now)) continue;
    auto e = sessions_.revoke_one(tx, s, revoke_reason::kMfaChanged);
    if (!e) return std::move(e).error();
    events.push_back(std::move(*e));
  }
  return events;
}

Result<TotpEnrolment> MfaService::enrol_totp(const Principal& principal, const ClientInfo& client) {
  // Adding the first factor needs a recent password: else a stolen access token could put the
  // thief's authenticator on the account and lock its owner out.
  if (auto r = step_up_age_ok(principal, false); !r) return std::move(r).error();
  if (auto r = limiter_.take(Limit::mfa_enrol, principal.user_id.str()); !r) return std::move(r).error();
  const TimePoint now = clock_.now();
  const std::string secret = random_.bytes(kTotpSecretBytes);
  struct Enrolled {
    TotpEnrolment shown;
    AuditEntry audited;
  };
  auto enrolled = store_.write([&](StoreTx& tx) -> Result<Enrolled> {
    auto user = tx.user_by_id(principal.user_id);
    if (!user) return std::move(user).error();
    if (!*user) return make_error(errc::invalid_token, "", "mfa enrol: account gone");
    auto existing = tx.totp_factor(principal.user_id);
    if (!existing) return std::move(existing).error();
    if (*existing && (*existing)->status == TotpStatus::active) return make_error(errc::mfa_already_enabled);
    TotpFactor f;
    f.user_id = principal.user_id;
    f.status = TotpStatus::pending;
    f.secret_sealed = crypto::seal(secret_key(principal.user_id), secret, random_);
    f.last_step = -1;
    f.created_at = now;
    if (auto r = tx.put_totp_factor(f); !r) return std::move(r).error();
    auto a =
        audit_.record(tx, audit_.entry(audit_event::kMfaEnrolmentStarted, principal.user_id.str(), client, "totp"));
    if (!a) return std::move(a).error();
    Enrolled e;
    e.audited = std::move(*a);
    const std::string& account = (*user)->email.empty() ? (*user)->username : (*user)->email;
    e.shown.secret = crypto::base32::encode(secret);
    e.shown.otpauth_uri = otpauth_uri(settings_.mfa_issuer, account, secret);
    e.shown.expires_in = std::chrono::duration_cast<std::chrono::seconds>(kTotpEnrolmentTtl).count();
    return e;
  });
  if (!enrolled) return std::move(enrolled).error();
  audit_.logged(enrolled->audited);
  return std::move(enrolled->shown);
}

Result<ConfirmedFactor> MfaService::confirm_totp(const Principal& principal, std::string_view code_text,
                                                 const ClientInfo& client) {
  auto code = parse_totp_code(code_text);
  if (!code) return std::move(code).error();
  const TimePoint now = clock_.now();
  struct Confirmed {
    User user;
    Session session;
    SecretString token;
    std::vector<std::string> codes;
    std::vector<RevocationEvent> events;
    AuditEntry audited;
  };
  auto confirmed = store_.write([&](StoreTx& tx) -> Result<Confirmed> {
    auto user = tx.user_by_id(principal.user_id);
    if (!user) return std::move(user).error();
    if (!*user) return make_error(errc::invalid_token, "", "mfa confirm: account gone");
    auto f = tx.totp_factor(principal.user_id);
    if (!f) return std::move(f).error();
    if (!*f) return make_error(errc::not_found, "There is no enrolment to confirm. Start again.");
    if ((*f)->status == TotpStatus::active) return make_error(errc::mfa_already_enabled);
    if (now >= (*f)->created_at + kTotpEnrolmentTtl) {
      return make_error(errc::not_found, "The enrolment has expired. Start again.", "mfa confirm: expired");
    }
    auto secret = crypto::open(secret_key(principal.user_id), (*f)->secret_sealed);
    if (!secret) return make_error(errc::internal_error, "", "totp: the secret does not open with the MFA key");
    const auto step = matching_totp_step(*secret, *code, now);
    if (!step) return make_error(errc::invalid_mfa_code, "", "mfa confirm: wrong code");
    auto activated = tx.confirm_totp_factor(principal.user_id, *step, now);
    if (!activated) return std::move(activated).error();
    if (!*activated) return make_error(errc::invalid_mfa_code, "", "mfa confirm: confirmed meanwhile");
    Confirmed c;
    c.user = std::move(**user);
    auto codes = store_new_codes(tx, c.user.id, now);
    if (!codes) return std::move(codes).error();
    c.codes = std::move(*codes);
    // Every session and token from before stops (a thief's among them): this client gets a new
    // session, at aal2, the factor's code just proved.
    auto events = sessions_.revoke_everything(tx, c.user, revoke_reason::kMfaChanged);
    if (!events) return std::move(events).error();
    c.events = std::move(*events);
    if (auto r = tx.delete_mfa_tickets_of_user(c.user.id); !r) return std::move(r).error();
    auto opened = sessions_.open(tx, c.user, client, totp_assurance());
    if (!opened) return std::move(opened).error();
    c.session = std::move(opened->first);
    c.token = std::move(opened->second);
    auto a = audit_.record(
        tx, audit_.entry(audit_event::kMfaEnrolled, c.user.id.str(), client, "totp; every other session revoked"));
    if (!a) return std::move(a).error();
    c.audited = std::move(*a);
    if (auto r = mail_.queue_notice(tx, c.user, kNoticeTotpAdded); !r) return std::move(r).error();
    return c;
  });
  if (!confirmed) return std::move(confirmed).error();
  sessions_.applied(confirmed->events);
  committed({confirmed->audited}, true);
  auto tokens = sessions_.respond(confirmed->user, confirmed->session, std::move(confirmed->token));
  if (!tokens) return std::move(tokens).error();
  return ConfirmedFactor{std::move(*tokens), std::move(confirmed->codes)};
}

Result<void> MfaService::remove_totp(const Principal& principal, const ClientInfo& client) {
  if (auto r = require_step_up(principal); !r) return r;
  struct Removed {
    std::vector<RevocationEvent> events;
    AuditEntry audited;
  };
  auto removed = store_.write([&](StoreTx& tx) -> Result<Removed> {
    auto user = tx.user_by_id(principal.user_id);
    if (!user) return std::move(user).error();
    if (!*user) return make_error(errc::invalid_token, "", "mfa remove: account gone");
    auto deleted = tx.delete_totp_factor(principal.user_id);
    if (!deleted) return std::move(deleted).error();
    if (!*deleted) return make_error(errc::not_found, "There is no authenticator app to remove.");
    // No factor is left, so the recovery codes would only be a way around the password.
    if (auto r = tx.delete_recovery_codes(principal.user_id); !r) return std::move(r).error();
    if (auto r = tx.delete_mfa_tickets_of_user(principal.user_id); !r) return std::move(r).error();
    auto events = revoke_others(tx, principal.user_id, principal.session_id);
    if (!events) return std::move(events).error();
    auto a = audit_.record(
        tx, audit_.entry(audit_event::kMfaDisabled, principal.user_id.str(), client, "totp; other sessions revoked"));
    if (!a) return std::move(a).error();
    if (auto r = mail_.queue_notice(tx, **user, kNoticeTotpRemoved); !r) return std::move(r).error();
    return Removed{std::move(*events), std::move(*a)};
  });
  if (!removed) return std::move(removed).error();
  sessions_.applied(removed->events);
  committed({removed->audited}, true);
  return ok();
}

Result<std::vector<std::string>> MfaService::regenerate_recovery_codes(const Principal& principal,
                                                                       const ClientInfo& client) {
  if (auto r = require_step_up(principal); !r) return std::move(r).error();
  const TimePoint now = clock_.now();
  std::optional<AuditEntry> audited;
  auto codes = store_.write([&](StoreTx& tx) -> Result<std::vector<std::string>> {
    auto user = tx.user_by_id(principal.user_id);
    if (!user) return std::move(user).error();
    if (!*user) return make_error(errc::invalid_token, "", "recovery codes: account gone");
    auto f = tx.totp_factor(principal.user_id);
    if (!f) return std::move(f).error();
    if (!*f || (*f)->status != TotpStatus::active) return make_error(errc::mfa_not_enabled);
    auto made = store_new_codes(tx, principal.user_id, now);
    if (!made) return std::move(made).error();
    auto a = audit_.record(tx, audit_.entry(audit_event::kRecoveryCodesRegenerated, principal.user_id.str(), client));
    if (!a) return std::move(a).error();
    audited = std::move(*a);
    if (auto r = mail_.queue_notice(tx, **user, kNoticeCodesRegenerated); !r) return std::move(r).error();
    return made;
  });
  if (!codes) return std::move(codes).error();
  committed({*audited}, true);
  return codes;
}

Result<MfaState> MfaService::state(const UserId& user) {
  return store_.read([&](StoreTx& tx) -> Result<MfaState> {
    MfaState s;
    auto f = tx.totp_factor(user);
    if (!f) return std::move(f).error();
    if (*f) {
      s.totp_enabled = (*f)->status == TotpStatus::active;
      s.totp_pending = (*f)->status == TotpStatus::pending;
      s.totp_confirmed_at = (*f)->confirmed_at;
      s.totp_last_used_at = (*f)->last_used_at;
    }
    auto count = tx.recovery_code_count(user);
    if (!count) return std::move(count).error();
    s.recovery_codes = *count;
    return s;
  });
}

Result<bool> MfaService::reset(const UserId& user_id, const Actor& actor) {
  struct Reset {
    bool removed = false;
    std::vector<RevocationEvent> events;
    AuditEntry audited;
  };
  auto reset = store_.write([&](StoreTx& tx) -> Result<Reset> {
    auto user = tx.user_by_id(user_id);
    if (!user) return std::move(user).error();
    if (!*user) return make_error(errc::not_found, "There is no such user.");
    Reset r;
    auto deleted = tx.delete_totp_factor(user_id);
    if (!deleted) return std::move(deleted).error();
    auto codes = tx.delete_recovery_codes(user_id);
    if (!codes) return std::move(codes).error();
    if (auto t = tx.delete_mfa_tickets_of_user(user_id); !t) return std::move(t).error();
    if (auto c = tx.clear_login_throttle(lock_key(user_id)); !c) return std::move(c).error();
    r.removed = *deleted || *codes > 0;
    auto events = sessions_.revoke_everything(tx, **user, revoke_reason::kMfaReset);
    if (!events) return std::move(events).error();
    r.events = std::move(*events);
    auto a = audit_.record(tx, audit_.entry(audit_event::kMfaReset, user_id.str(), actor.client,
                                            r.removed ? "second factor removed; every session revoked"
                                                      : "no second factor; every session revoked",
                                            actor.id));
    if (!a) return std::move(a).error();
    r.audited = std::move(*a);
    if (r.removed) {
      if (auto m = mail_.queue_notice(tx, **user, kNoticeReset); !m) return std::move(m).error();
    }
    return r;
  });
  if (!reset) return std::move(reset).error();
  sessions_.applied(reset->events);
  committed({reset->audited}, reset->removed);
  return reset->removed;
}

}  // namespace tessera::domain
