// Second factors with a pinned clock over a real SQLite store: the TOTP window (±1 step in,
// ±2 out), replay, the login ticket (expiry, reuse, 5 wrong codes), the account lock and its
// end, step-up age, and what confirming, removing and resetting do to sessions. Codes are made
// with domain::totp_code, whose RFC 6238 vectors are checked in tests/unit/domain; the
// black-box tests (tests/e2e/mfa_*.test.mjs) make them with npm otpauth instead.
#include <gtest/gtest.h>

#include "api/mfa_handlers.hpp"
#include "crypto/base32.hpp"
#include "domain/mfa_service.hpp"
#include "domain/totp.hpp"
#include "fixture.hpp"

namespace tessera::test {
namespace {

using namespace std::chrono_literals;

// The services with second factors wired in: accounts ask MfaService at login.
struct MfaServices : Services {
  MfaServices() {
    mfa = std::make_unique<domain::MfaService>(*db.store, *sessions, audit, settings,
                                               SecretString(std::string(32, 'm')), no_limits, no_notice, clock, random);
    accounts = std::make_unique<domain::AccountService>(*db.store, *sessions, *hasher, audit, settings, no_limits,
                                                        *no_slowdown, no_mail, *mfa, clock, random);
  }
  ~MfaServices() {
    accounts.reset();
    mfa.reset();
  }

  domain::Principal principal_of(const domain::TokenResponse& t) {
    auto p = tokens->verify(t.access_token);
    if (!p) throw std::runtime_error("verify: " + p.error().reason);
    return **p;
  }
  // The code of the step `offset` steps from now.
  std::string code(int offset = 0) const { return domain::totp_code(secret, domain::totp_step(clock.now()) + offset); }
  // Signs up, enrols and confirms; returns the aal2 tokens and keeps the secret and the codes.
  domain::TokenResponse enable(const std::string& email) { return enable(signup(email)); }
  // The same for an account signed up already, from one of its sessions.
  domain::TokenResponse enable(const domain::TokenResponse& first) {
    auto enrolled = mfa->enrol_totp(principal_of(first), client);
    if (!enrolled) throw std::runtime_error("enrol: " + enrolled.error().reason);
    secret = *crypto::base32::decode(enrolled->secret);
    auto confirmed = mfa->confirm_totp(principal_of(first), code(), client);
    if (!confirmed) throw std::runtime_error("confirm: " + confirmed.error().reason);
    recovery_codes = confirmed->recovery_codes;
    return std::move(confirmed->tokens);
  }
  // The ticket of a password login of `email`; fails the test when the login does not ask.
  std::string ticket(const std::string& email) {
    auto r = accounts->login(email, domain::IdentifierField::email, kGoodPassword, client);
    EXPECT_FALSE(r);
    if (r || r.code() != errc::mfa_required) {
      ADD_FAILURE() << "login did not ask for the second factor";
      return "";
    }
    for (const auto& [name, value] : r.error().members) {
      if (name == "mfa_ticket") return value.substr(1, value.size() - 2);  // a JSON string
    }
    ADD_FAILURE() << "no mfa_ticket member";
    return "";
  }

  domain::NoNoticeMail no_notice;
  std::unique_ptr<domain::MfaService> mfa;
  std::string secret;
  std::vector<std::string> recovery_codes;
};

TEST(Mfa, ALoginOfAnAccountWithAFactorAsksForItAndGivesNoTokens) {
  MfaServices s;
  s.enable("ask@example.com");
  auto r = s.accounts->login("ask@example.com", domain::IdentifierField::email, kGoodPassword, s.client);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.code(), errc::mfa_required);
  std::vector<std::string> names;
  for (const auto& m : r.error().members) names.push_back(m.first);
  EXPECT_EQ(names, (std::vector<std::string>{"mfa_ticket", "expires_in", "methods"}));
  // A wrong password is still just a wrong password.
  EXPECT_EQ(
      s.accounts->login("ask@example.com", domain::IdentifierField::email, "Wrong-Password-1234", s.client).code(),
      errc::invalid_credentials);
}

TEST(Mfa, AnEnrolmentProtectsNothingUntilConfirmedAndExpiresAfterTenMinutes) {
  MfaServices s;
  auto t = s.signup("pending@example.com");
  auto enrolled = s.mfa->enrol_totp(s.principal_of(t), s.client);
  ASSERT_TRUE(enrolled);
  EXPECT_EQ(enrolled->secret.size(), 32u);
  EXPECT_TRUE(s.accounts->login("pending@example.com", domain::IdentifierField::email, kGoodPassword, s.client));
  s.secret = *crypto::base32::decode(enrolled->secret);
  s.clock.advance(10min);
  auto late = s.mfa->confirm_totp(s.principal_of(t), s.code(), s.client);
  ASSERT_FALSE(late);
  EXPECT_EQ(late.code(), errc::not_found);
}

TEST(Mfa, TheWindowIsOneStepEitherSideAndNoMore) {
  MfaServices s;
  s.enable("window@example.com");
  s.clock.advance(5min);
  for (int offset : {-2, 2}) {
    auto r = s.mfa->complete_login(s.ticket("window@example.com"), "totp", s.code(offset), s.client);
    ASSERT_FALSE(r) << offset;
    EXPECT_EQ(r.code(), errc::invalid_mfa_code) << offset;
  }
  for (int offset : {-1, 1}) {
    s.clock.advance(3min);  // each accepted step must be later than the last
    auto r = s.mfa->complete_login(s.ticket("window@example.com"), "totp", s.code(offset), s.client);
    ASSERT_TRUE(r) << offset << ": " << r.error().reason;
    EXPECT_EQ(r->tokens.aal, "aal2");
  }
}

TEST(Mfa, ACodeWorksOnceAndTheConfirmingCodeIsSpent) {
  MfaServices s;
  s.enable("once@example.com");
  auto setup = s.mfa->complete_login(s.ticket("once@example.com"), "totp", s.code(), s.client);
  ASSERT_FALSE(setup);
  EXPECT_EQ(setup.code(), errc::invalid_mfa_code);
  s.clock.advance(30s);
  ASSERT_TRUE(s.mfa->complete_login(s.ticket("once@example.com"), "totp", s.code(), s.client));
  auto replay = s.mfa->complete_login(s.ticket("once@example.com"), "totp", s.code(), s.client);
  ASSERT_FALSE(replay);
  EXPECT_EQ(replay.code(), errc::invalid_mfa_code);
  // An earlier step inside the window is older than the last one spent: refused too.
  auto earlier = s.mfa->complete_login(s.ticket("once@example.com"), "totp", s.code(-1), s.client);
  EXPECT_EQ(earlier.code(), errc::invalid_mfa_code);
}

TEST(Mfa, ATicketWorksOnceExpiresAfterFiveMinutesAndDiesAfterFiveWrongCodes) {
  MfaServices s;
  s.enable("ticket@example.com");
  s.clock.advance(1min);
  const std::string used = s.ticket("ticket@example.com");
  ASSERT_TRUE(s.mfa->complete_login(used, "totp", s.code(), s.client));
  s.clock.advance(1min);
  EXPECT_EQ(s.mfa->complete_login(used, "totp", s.code(), s.client).code(), errc::mfa_ticket_invalid);

  const std::string old = s.ticket("ticket@example.com");
  s.clock.advance(5min);
  EXPECT_EQ(s.mfa->complete_login(old, "totp", s.code(), s.client).code(), errc::mfa_ticket_invalid);

  const std::string tried = s.ticket("ticket@example.com");
  for (int i = 0; i < domain::kTicketFailures; ++i) {
    EXPECT_EQ(s.mfa->complete_login(tried, "totp", "000000", s.client).code(), errc::invalid_mfa_code) << i;
  }
  EXPECT_EQ(s.mfa->complete_login(tried, "totp", s.code(), s.client).code(), errc::mfa_ticket_invalid);
  EXPECT_EQ(s.mfa->complete_login("not-a-ticket", "totp", s.code(), s.client).code(), errc::mfa_ticket_invalid);
}

TEST(Mfa, TenWrongCodesInARowLockTheFactorForFifteenMinutesWhateverTheMethod) {
  MfaServices s;
  s.enable("lock@example.com");
  s.clock.advance(1min);
  for (int i = 0; i < domain::kMfaFailuresBeforeLock; ++i) {
    const std::string ticket = s.ticket("lock@example.com");  // a fresh ticket: the lock is the account's
    const bool totp = i % 2 == 0;
    EXPECT_EQ(
        s.mfa
            ->complete_login(ticket, totp ? "totp" : "recovery_code", totp ? "000000" : "AAAA-AAAA-AAAA-AAAA", s.client)
            .code(),
        errc::invalid_mfa_code)
        << i;
  }
  auto locked = s.mfa->complete_login(s.ticket("lock@example.com"), "totp", s.code(), s.client);
  ASSERT_FALSE(locked);
  EXPECT_EQ(locked.code(), errc::rate_limited);
  EXPECT_GT(locked.error().retry_after_s, 14 * 60);
  EXPECT_LE(locked.error().retry_after_s, 15 * 60);
  // The password is not what is locked: it is still checked, and still gets a ticket.
  EXPECT_EQ(s.accounts->login("lock@example.com", domain::IdentifierField::email, kGoodPassword, s.client).code(),
            errc::mfa_required);
  s.clock.advance(15min);
  auto after = s.mfa->complete_login(s.ticket("lock@example.com"), "totp", s.code(), s.client);
  ASSERT_TRUE(after) << after.error().reason;
}

TEST(Mfa, RecoveryCodesWorkOnceInAnyFormAndARegeneratedSetVoidsTheOld) {
  MfaServices s;
  auto tokens = s.enable("codes@example.com");
  ASSERT_EQ(s.recovery_codes.size(), 10u);
  std::string sloppy = s.recovery_codes[0];
  std::erase(sloppy, '-');
  for (auto& c : sloppy) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto used = s.mfa->complete_login(s.ticket("codes@example.com"), "recovery_code", sloppy, s.client);
  ASSERT_TRUE(used) << used.error().reason;
  EXPECT_EQ(used->recovery_codes_remaining, 9u);
  EXPECT_EQ(used->tokens.aal, "aal2");
  EXPECT_EQ(s.mfa->complete_login(s.ticket("codes@example.com"), "recovery_code", s.recovery_codes[0], s.client).code(),
            errc::invalid_mfa_code);

  auto fresh = s.mfa->regenerate_recovery_codes(s.principal_of(used->tokens), s.client);
  ASSERT_TRUE(fresh);
  EXPECT_EQ(s.mfa->complete_login(s.ticket("codes@example.com"), "recovery_code", s.recovery_codes[1], s.client).code(),
            errc::invalid_mfa_code);
  EXPECT_TRUE(s.mfa->complete_login(s.ticket("codes@example.com"), "recovery_code", (*fresh)[1], s.client));
}

TEST(Mfa, AStaleOrAal1TokenNeedsAStepUpAndReauthenticationGivesIt) {
  MfaServices s;
  auto tokens = s.enable("stepup@example.com");
  const auto fresh = s.principal_of(tokens);
  EXPECT_EQ(fresh.aal, "aal2");
  EXPECT_EQ(fresh.amr, (std::vector<std::string>{"pwd", "otp", "mfa"}));
  EXPECT_TRUE(s.mfa->require_step_up(fresh));
  s.clock.advance(11min);
  auto refreshed = s.sessions->refresh(std::string(tokens.refresh_token.reveal()), s.client);
  ASSERT_TRUE(refreshed);
  const auto stale = s.principal_of(*refreshed);
  EXPECT_EQ(stale.aal, "aal2");                 // a refresh copies the level...
  EXPECT_EQ(stale.auth_time, fresh.auth_time);  // ...and never the time forward
  EXPECT_EQ(s.mfa->require_step_up(stale).code(), errc::step_up_required);
  EXPECT_EQ(s.accounts->change_password(stale, kGoodPassword, "Brand-New-Passphrase-99", s.client).code(),
            errc::step_up_required);
  EXPECT_EQ(s.mfa->remove_totp(stale, s.client).code(), errc::step_up_required);

  // A password alone does not step up an account that has a factor.
  EXPECT_EQ(s.accounts->reauthenticate(stale, "password", kGoodPassword, s.client).code(), errc::invalid_request);
  auto stepped = s.accounts->reauthenticate(stale, "totp", s.code(), s.client);
  ASSERT_TRUE(stepped) << stepped.error().reason;
  const auto again = s.principal_of(*stepped);
  EXPECT_EQ(again.session_id, stale.session_id);
  EXPECT_EQ(again.auth_time, s.clock.unix_seconds());
  EXPECT_TRUE(s.mfa->require_step_up(again));
  // The refresh token from before the step-up mints nothing (and counts as reuse).
  EXPECT_EQ(s.sessions->refresh(std::string(refreshed->refresh_token.reveal()), s.client).code(),
            errc::refresh_token_reused);
}

TEST(Mfa, AnAccountWithoutAFactorStepsUpWithItsPassword) {
  MfaServices s;
  auto tokens = s.signup("plain@example.com");
  const auto p = s.principal_of(tokens);
  EXPECT_EQ(p.aal, "aal1");
  EXPECT_EQ(p.amr, std::vector<std::string>{"pwd"});
  EXPECT_TRUE(s.mfa->require_step_up(p));  // nothing to step up to
  s.clock.advance(1min);
  EXPECT_EQ(s.accounts->reauthenticate(p, "password", "Wrong-Password-1234", s.client).code(),
            errc::invalid_credentials);
  auto again = s.accounts->reauthenticate(p, "password", kGoodPassword, s.client);
  ASSERT_TRUE(again) << again.error().reason;
  EXPECT_EQ(s.principal_of(*again).auth_time, s.clock.unix_seconds());
  EXPECT_EQ(s.accounts->reauthenticate(p, "sms", "1234", s.client).code(), errc::invalid_request);
}

TEST(Mfa, AddingTheFirstFactorNeedsARecentPassword) {
  MfaServices s;
  auto tokens = s.signup("recent@example.com");
  s.clock.advance(11min);
  auto refreshed = s.sessions->refresh(std::string(tokens.refresh_token.reveal()), s.client);
  ASSERT_TRUE(refreshed);
  // A token that refreshes forever is not a password typed lately: a thief's would do the same.
  EXPECT_EQ(s.mfa->enrol_totp(s.principal_of(*refreshed), s.client).code(), errc::step_up_required);
  auto again = s.accounts->reauthenticate(s.principal_of(*refreshed), "password", kGoodPassword, s.client);
  ASSERT_TRUE(again);
  EXPECT_TRUE(s.mfa->enrol_totp(s.principal_of(*again), s.client));
}

TEST(Mfa, APasswordChangeAfterAStepUpKeepsTheSessionAtAal2) {
  MfaServices s;
  auto tokens = s.enable("change@example.com");
  auto changed =
      s.accounts->change_password(s.principal_of(tokens), kGoodPassword, "Brand-New-Passphrase-99", s.client);
  ASSERT_TRUE(changed) << changed.error().reason;
  EXPECT_EQ(changed->aal, "aal2");
  EXPECT_EQ(s.principal_of(*changed).amr, (std::vector<std::string>{"pwd", "otp", "mfa"}));
}

TEST(Mfa, ConfirmingRevokesEverySessionFromBeforeAndRemovingKeepsOnlyTheCallers) {
  MfaServices s;
  auto before = s.signup("sessions@example.com");
  auto other = s.accounts->login("sessions@example.com", domain::IdentifierField::email, kGoodPassword, s.client);
  ASSERT_TRUE(other);
  auto tokens = s.enable(before);
  EXPECT_FALSE(s.tokens->verify(before.access_token));
  EXPECT_FALSE(s.tokens->verify(other->access_token));
  EXPECT_FALSE(s.sessions->refresh(std::string(other->refresh_token.reveal()), s.client));

  s.clock.advance(1min);
  auto second = s.mfa->complete_login(s.ticket("sessions@example.com"), "totp", s.code(), s.client);
  ASSERT_TRUE(second);
  ASSERT_TRUE(s.mfa->remove_totp(s.principal_of(tokens), s.client));
  EXPECT_TRUE(s.tokens->verify(tokens.access_token));           // the caller's session stays
  EXPECT_FALSE(s.tokens->verify(second->tokens.access_token));  // the other one ends
  auto state = s.mfa->state(s.principal_of(tokens).user_id);
  ASSERT_TRUE(state);
  EXPECT_FALSE(state->totp_enabled);
  EXPECT_EQ(state->recovery_codes.total, 0u);
  EXPECT_TRUE(s.accounts->login("sessions@example.com", domain::IdentifierField::email, kGoodPassword, s.client));
}

TEST(Mfa, AnAdminResetRemovesTheFactorAndEndsEverySession) {
  MfaServices s;
  auto tokens = s.enable("reset@example.com");
  const auto user = s.principal_of(tokens).user_id;
  auto removed = s.mfa->reset(user, domain::Actor{"cli", {"", "test"}});
  ASSERT_TRUE(removed);
  EXPECT_TRUE(*removed);
  EXPECT_FALSE(s.tokens->verify(tokens.access_token));
  EXPECT_TRUE(s.accounts->login("reset@example.com", domain::IdentifierField::email, kGoodPassword, s.client));
  auto again = s.mfa->reset(user, domain::Actor{"cli", {"", "test"}});
  ASSERT_TRUE(again);
  EXPECT_FALSE(*again);
  EXPECT_EQ(s.mfa->reset(domain::UserId("00000000-0000-4000-8000-000000000000"), domain::Actor{"cli", {}}).code(),
            errc::not_found);
}

TEST(Mfa, AnAdminWithAFactorNeedsAal2ForTheAdminApiUnlessTheSettingIsOff) {
  MfaServices s;
  api::Services services;
  services.mfa = s.mfa.get();
  http::Request req;
  // An admin without a factor: aal1 is all there is to have.
  auto plain = s.signup("admin-plain@example.com");
  req.principal = std::make_shared<domain::Principal>(s.principal_of(plain));
  EXPECT_TRUE(api::admin_assurance(services, req));
  // With a factor: an aal2 token passes, an aal1 one (a session from before) does not.
  auto strong = s.enable("admin-strong@example.com");
  auto p = s.principal_of(strong);
  req.principal = std::make_shared<domain::Principal>(p);
  EXPECT_TRUE(api::admin_assurance(services, req));
  p.aal = "aal1";
  req.principal = std::make_shared<domain::Principal>(p);
  auto refused = api::admin_assurance(services, req);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.code(), errc::step_up_required);
  services.admin_require_aal2 = false;
  EXPECT_TRUE(api::admin_assurance(services, req));
}

TEST(Mfa, BadCodesAreRefusedAsBadInputNotCountedAsFailures) {
  MfaServices s;
  s.enable("input@example.com");
  s.clock.advance(1min);
  const std::string ticket = s.ticket("input@example.com");
  for (const std::string& bad : std::vector<std::string>{"12345", "1234567", "12345a", std::string(1 << 20, '1')}) {
    EXPECT_EQ(s.mfa->complete_login(ticket, "totp", bad, s.client).code(), errc::invalid_request) << bad.size();
  }
  EXPECT_EQ(s.mfa->complete_login(ticket, "recovery_code", "short", s.client).code(), errc::invalid_request);
  EXPECT_EQ(s.mfa->complete_login(ticket, "email", "123456", s.client).code(), errc::invalid_request);
  // None of that counted: the ticket still takes the right code, written with a space.
  std::string spaced = s.code();
  spaced.insert(3, " ");
  EXPECT_TRUE(s.mfa->complete_login(ticket, "totp", spaced, s.client));
}

}  // namespace
}  // namespace tessera::test
