// Email verification and password reset tokens (SPEC §3) and the mails that carry them (§5),
// over a real SQLite store with a pinned clock: lifetimes, single use, purpose, supersession,
// what a reset or a password change kills, what resend/forgot refuse to send, and that the
// outbox never holds a token in the clear.
#include <gtest/gtest.h>

#include <algorithm>

#include "crypto/base64url.hpp"
#include "domain/opaque_token.hpp"
#include "email_fixture.hpp"

namespace tessera::test {
namespace {

using domain::IdentifierField;
using domain::mail_kind::kResetPassword;
using domain::mail_kind::kVerifyEmail;
using namespace std::chrono_literals;

constexpr const char* kNewPassword = "Unit-Reset-Battery-Staple-77";

// The error code of a result, or nullopt when it succeeded (code() itself asserts on success).
template <class R>
std::optional<errc> code_of(const R& r) {
  if (r) return std::nullopt;
  return r.code();
}

std::string refresh_of(const domain::TokenResponse& r) { return std::string(r.refresh_token.reveal()); }

bool logs_in(EmailServices& s, const std::string& email, const std::string& password) {
  return static_cast<bool>(s.accounts->login(email, IdentifierField::email, password, s.client));
}

// ---- lifetimes ----

TEST(EmailService, AVerificationTokenExpiresAfter24Hours) {
  EmailServices s;
  auto t = s.signup("expiry@example.com");
  const auto token = s.verification_token("expiry@example.com");
  s.clock.advance(24h - 1s);
  EXPECT_TRUE(s.email->check_verification(token)) << "still good a second before";
  s.clock.advance(1s);
  EXPECT_EQ(code_of(s.email->check_verification(token)), errc::invalid_one_time_token);
  EXPECT_EQ(code_of(s.verify(token)), errc::invalid_one_time_token);
  EXPECT_FALSE(s.user(t.user.id).email_verified);
}

TEST(EmailService, AVerificationTokenIsUsableUntilItsLastSecond) {
  EmailServices s;
  auto t = s.signup("last-second@example.com");
  const auto token = s.verification_token("last-second@example.com");
  s.clock.advance(24h - 1s);
  auto v = s.verify(token);
  ASSERT_TRUE(v) << v.error().reason;
  EXPECT_TRUE(v->email_verified);
  EXPECT_TRUE(s.user(t.user.id).email_verified);
}

TEST(EmailService, AResetTokenExpiresAfterOneHour) {
  EmailServices s;
  s.signup("reset-expiry@example.com");
  ASSERT_TRUE(s.forgot("reset-expiry@example.com"));
  const auto token = s.reset_token("reset-expiry@example.com");
  s.clock.advance(1h);
  EXPECT_EQ(code_of(s.reset(token, kNewPassword)), errc::invalid_one_time_token);
  EXPECT_TRUE(logs_in(s, "reset-expiry@example.com", kGoodPassword));
  EXPECT_FALSE(logs_in(s, "reset-expiry@example.com", kNewPassword));
}

TEST(EmailService, AResetTokenWorksUntilItsLastSecond) {
  EmailServices s;
  s.signup("reset-late@example.com");
  ASSERT_TRUE(s.forgot("reset-late@example.com"));
  const auto token = s.reset_token("reset-late@example.com");
  s.clock.advance(1h - 1s);
  auto r = s.reset(token, kNewPassword);
  ASSERT_TRUE(r) << r.error().reason;
  EXPECT_TRUE(logs_in(s, "reset-late@example.com", kNewPassword));
}

TEST(EmailService, LifetimesComeFromTheSettings) {
  domain::EmailSettings settings;
  settings.verification_ttl = 10min;
  settings.reset_ttl = 5min;
  EmailServices s(settings);
  s.signup("short@example.com");
  ASSERT_TRUE(s.forgot("short@example.com"));
  const auto verify = s.verification_token("short@example.com");
  const auto reset = s.reset_token("short@example.com");
  s.clock.advance(5min);
  EXPECT_EQ(code_of(s.reset(reset, kNewPassword)), errc::invalid_one_time_token);
  EXPECT_TRUE(s.email->check_verification(verify));
  s.clock.advance(5min);
  EXPECT_EQ(code_of(s.verify(verify)), errc::invalid_one_time_token);
}

// ---- single use, purpose, supersession ----

TEST(EmailService, AVerificationTokenWorksOnce) {
  EmailServices s;
  s.signup("once@example.com");
  const auto token = s.verification_token("once@example.com");
  ASSERT_TRUE(s.verify(token));
  EXPECT_EQ(code_of(s.verify(token)), errc::invalid_one_time_token);
  EXPECT_EQ(code_of(s.email->check_verification(token)), errc::invalid_one_time_token);
}

TEST(EmailService, AResetTokenWorksOnce) {
  EmailServices s;
  s.signup("reset-once@example.com");
  ASSERT_TRUE(s.forgot("reset-once@example.com"));
  const auto token = s.reset_token("reset-once@example.com");
  ASSERT_TRUE(s.reset(token, kNewPassword));
  EXPECT_EQ(code_of(s.reset(token, "Another-Unit-Passphrase-31")), errc::invalid_one_time_token);
  EXPECT_TRUE(logs_in(s, "reset-once@example.com", kNewPassword));
}

TEST(EmailService, ATokenOfOnePurposeIsRefusedForTheOtherAndStaysUsable) {
  EmailServices s;
  auto t = s.signup("purpose@example.com");
  ASSERT_TRUE(s.forgot("purpose@example.com"));
  const auto verify = s.verification_token("purpose@example.com");
  const auto reset = s.reset_token("purpose@example.com");
  EXPECT_EQ(code_of(s.reset(verify, kNewPassword)), errc::invalid_one_time_token);
  EXPECT_EQ(code_of(s.verify(reset)), errc::invalid_one_time_token);
  EXPECT_EQ(code_of(s.email->check_verification(reset)), errc::invalid_one_time_token);
  EXPECT_FALSE(s.user(t.user.id).email_verified);
  EXPECT_TRUE(logs_in(s, "purpose@example.com", kGoodPassword));
  // Neither refusal used the token.
  EXPECT_TRUE(s.verify(verify));
  EXPECT_TRUE(s.reset(reset, kNewPassword));
}

TEST(EmailService, UnknownMalformedAndAlteredTokensAreRefused) {
  EmailServices s;
  s.signup("forged@example.com");
  const auto token = s.verification_token("forged@example.com");
  std::string flipped = token;
  flipped[5] = flipped[5] == 'A' ? 'B' : 'A';
  for (const std::string& bad : {flipped, token.substr(1), token + "A", std::string(43, 'A'), std::string("x"),
                                 std::string(), std::string(4096, 'A')}) {
    EXPECT_EQ(code_of(s.verify(bad)), errc::invalid_one_time_token) << bad;
    EXPECT_EQ(code_of(s.email->check_verification(bad)), errc::invalid_one_time_token) << bad;
    EXPECT_EQ(code_of(s.reset(bad, kNewPassword)), errc::invalid_one_time_token) << bad;
  }
  EXPECT_TRUE(s.verify(token));
}

TEST(EmailService, ANewVerificationTokenSupersedesTheOlderOne) {
  EmailServices s;
  s.signup("supersede@example.com");
  const auto first = s.verification_token("supersede@example.com");
  s.clock.advance(61s);
  ASSERT_TRUE(s.resend("supersede@example.com"));
  const auto second = s.verification_token("supersede@example.com");
  ASSERT_NE(first, second);
  EXPECT_EQ(code_of(s.email->check_verification(first)), errc::invalid_one_time_token);
  EXPECT_EQ(code_of(s.verify(first)), errc::invalid_one_time_token);
  EXPECT_TRUE(s.verify(second));
}

TEST(EmailService, ANewResetTokenSupersedesTheOlderOne) {
  EmailServices s;
  s.signup("supersede-reset@example.com");
  ASSERT_TRUE(s.forgot("supersede-reset@example.com"));
  const auto first = s.reset_token("supersede-reset@example.com");
  s.clock.advance(61s);
  ASSERT_TRUE(s.forgot("supersede-reset@example.com"));
  const auto second = s.reset_token("supersede-reset@example.com");
  ASSERT_NE(first, second);
  EXPECT_EQ(code_of(s.reset(first, kNewPassword)), errc::invalid_one_time_token);
  EXPECT_TRUE(s.reset(second, kNewPassword));
}

TEST(EmailService, ANewTokenOfOnePurposeLeavesTheOtherPurposeAlone) {
  EmailServices s;
  s.signup("separate@example.com");
  const auto verify = s.verification_token("separate@example.com");
  ASSERT_TRUE(s.forgot("separate@example.com"));
  EXPECT_TRUE(s.email->check_verification(verify)) << "a reset mail does not supersede the verification link";
  EXPECT_TRUE(s.verify(verify));
}

TEST(EmailService, CheckingAVerificationTokenNeverUsesIt) {
  EmailServices s;
  auto t = s.signup("check@example.com");
  const auto token = s.verification_token("check@example.com");
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(s.email->check_verification(token)) << i;
  EXPECT_FALSE(s.user(t.user.id).email_verified) << "a check verifies nothing";
  auto v = s.verify(token);
  ASSERT_TRUE(v);
  EXPECT_TRUE(v->email_verified);
}

// ---- what a reset and a password change kill ----

TEST(EmailService, AResetKillsTheUsersOtherOutstandingResetTokens) {
  EmailServices s;
  auto t = s.signup("kill-others@example.com");
  ASSERT_TRUE(s.forgot("kill-others@example.com"));
  const auto mailed = s.reset_token("kill-others@example.com");
  // A second live reset token of the same user (as another instance could have made it at the
  // same moment): the reset must kill it itself, not rely on supersession.
  SecretString other = domain::new_opaque_token(s.random);
  domain::OneTimeToken row;
  row.token_hash = *domain::opaque_token_hash(other.reveal());
  row.user_id = t.user.id;
  row.purpose = domain::TokenPurpose::reset_password;
  row.email = "kill-others@example.com";
  row.created_at = s.clock.now();
  row.expires_at = s.clock.now() + 1h;
  ASSERT_TRUE(s.db.store->write([&](domain::StoreTx& tx) { return tx.insert_one_time_token(row); }));

  ASSERT_TRUE(s.reset(mailed, kNewPassword));
  EXPECT_EQ(code_of(s.reset(other.reveal(), "Another-Unit-Passphrase-31")), errc::invalid_one_time_token);
  EXPECT_TRUE(logs_in(s, "kill-others@example.com", kNewPassword));
}

TEST(EmailService, APasswordChangeKillsOutstandingResetTokens) {
  EmailServices s;
  auto t = s.signup("change@example.com");
  ASSERT_TRUE(s.forgot("change@example.com"));
  const auto token = s.reset_token("change@example.com");
  auto principal = s.tokens->verify(t.access_token);
  ASSERT_TRUE(principal);
  auto changed = s.accounts->change_password(**principal, kGoodPassword, kNewPassword, s.client);
  ASSERT_TRUE(changed) << changed.error().detail;
  EXPECT_EQ(code_of(s.reset(token, "Another-Unit-Passphrase-31")), errc::invalid_one_time_token);
  EXPECT_TRUE(logs_in(s, "change@example.com", kNewPassword));
}

TEST(EmailService, AResetRevokesEverySessionAndAccessTokenOfTheUser) {
  EmailServices s;
  auto first = s.signup("revoke@example.com");
  auto second = s.accounts->login("revoke@example.com", IdentifierField::email, kGoodPassword, s.client);
  ASSERT_TRUE(second);
  auto bystander = s.signup("bystander@example.com");
  ASSERT_TRUE(s.forgot("revoke@example.com"));
  ASSERT_TRUE(s.reset(s.reset_token("revoke@example.com"), kNewPassword));

  for (const auto* r : {&first, &*second}) {
    EXPECT_FALSE(s.tokens->verify(r->access_token));
    EXPECT_EQ(code_of(s.sessions->refresh(refresh_of(*r), s.client)), errc::invalid_refresh_token);
  }
  // Nobody else's.
  EXPECT_TRUE(s.tokens->verify(bystander.access_token));
  EXPECT_TRUE(s.sessions->refresh(refresh_of(bystander), s.client));
  // The old password is gone, the new one opens a working session.
  EXPECT_EQ(code_of(s.accounts->login("revoke@example.com", IdentifierField::email, kGoodPassword, s.client)),
            errc::invalid_credentials);
  auto fresh = s.accounts->login("revoke@example.com", IdentifierField::email, kNewPassword, s.client);
  ASSERT_TRUE(fresh);
  EXPECT_TRUE(s.tokens->verify(fresh->access_token));
}

TEST(EmailService, AWeakNewPasswordIsRefusedAndLeavesTheTokenUsable) {
  EmailServices s;
  auto t = s.signup("weak@example.com");
  ASSERT_TRUE(s.forgot("weak@example.com"));
  const auto token = s.reset_token("weak@example.com");
  EXPECT_EQ(code_of(s.reset(token, "password1")), errc::weak_password);
  EXPECT_EQ(code_of(s.reset(token, "weak@example.com")), errc::weak_password);
  EXPECT_EQ(code_of(s.reset(token, "")), errc::invalid_request);
  EXPECT_EQ(code_of(s.reset(token, std::string(257, 'x'))), errc::invalid_request);
  EXPECT_TRUE(s.tokens->verify(t.access_token)) << "a refused reset revokes nothing";
  EXPECT_TRUE(s.reset(token, kNewPassword));
}

// ---- what resend and forgot send ----

TEST(EmailService, ResendSendsNothingForUnknownVerifiedOrDisabledAccounts) {
  EmailServices s;
  auto verified = s.signup("verified@example.com");
  auto disabled = s.signup("disabled@example.com");
  ASSERT_TRUE(s.verify(s.verification_token("verified@example.com")));
  s.change_user(disabled.user.id, [](domain::User& u) { u.disabled = true; });
  s.clock.advance(2min);  // outside the resend interval: that is not why nothing is sent
  const auto before = s.mails().size();
  const int woken = s.notifier.queued;
  for (const char* address :
       {"unknown@example.com", "verified@example.com", "disabled@example.com", "VERIFIED@example.com"}) {
    EXPECT_TRUE(s.resend(address)) << address;
  }
  EXPECT_EQ(s.mails().size(), before);
  EXPECT_EQ(s.notifier.queued, woken);
}

TEST(EmailService, ForgotSendsNothingForUnknownOrDisabledAccountsButDoesForVerifiedOnes) {
  EmailServices s;
  auto verified = s.signup("f-verified@example.com");
  auto disabled = s.signup("f-disabled@example.com");
  ASSERT_TRUE(s.verify(s.verification_token("f-verified@example.com")));
  s.change_user(disabled.user.id, [](domain::User& u) { u.disabled = true; });
  s.clock.advance(2min);
  const int woken = s.notifier.queued;
  EXPECT_TRUE(s.forgot("f-unknown@example.com"));
  EXPECT_TRUE(s.forgot("f-disabled@example.com"));
  EXPECT_TRUE(s.mails_to("f-unknown@example.com", kResetPassword).empty());
  EXPECT_TRUE(s.mails_to("f-disabled@example.com", kResetPassword).empty());
  EXPECT_EQ(s.notifier.queued, woken);
  EXPECT_TRUE(s.forgot("f-verified@example.com"));
  EXPECT_EQ(s.mails_to("f-verified@example.com", kResetPassword).size(), 1u);
  EXPECT_EQ(s.notifier.queued, woken + 1);
}

TEST(EmailService, ResendSendsNothingTwiceInsideTheInterval) {
  EmailServices s;
  s.signup("interval@example.com");  // the sign-up mail counts
  EXPECT_TRUE(s.resend("interval@example.com"));
  EXPECT_EQ(s.mails_to("interval@example.com", kVerifyEmail).size(), 1u);
  s.clock.advance(60s);
  EXPECT_TRUE(s.resend("interval@example.com"));
  EXPECT_EQ(s.mails_to("interval@example.com", kVerifyEmail).size(), 2u);
  s.clock.advance(59s);
  EXPECT_TRUE(s.resend("Interval@Example.com"));
  EXPECT_EQ(s.mails_to("interval@example.com", kVerifyEmail).size(), 2u);
  s.clock.advance(1s);
  EXPECT_TRUE(s.resend("interval@example.com"));
  EXPECT_EQ(s.mails_to("interval@example.com", kVerifyEmail).size(), 3u);
}

TEST(EmailService, ForgotSendsNothingTwiceInsideTheInterval) {
  EmailServices s;
  s.signup("f-interval@example.com");
  ASSERT_TRUE(s.forgot("f-interval@example.com"));
  s.clock.advance(59s);
  EXPECT_TRUE(s.forgot("f-interval@example.com"));
  EXPECT_EQ(s.mails_to("f-interval@example.com", kResetPassword).size(), 1u);
  s.clock.advance(1s);
  EXPECT_TRUE(s.forgot("f-interval@example.com"));
  EXPECT_EQ(s.mails_to("f-interval@example.com", kResetPassword).size(), 2u);
}

TEST(EmailService, SignUpQueuesOneVerificationMailAndWakesTheSenderOnce) {
  EmailServices s;
  s.signup("wake@example.com");
  const auto mails = s.mails_to("wake@example.com", kVerifyEmail);
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_EQ(mails[0].state, domain::MailState::pending);
  EXPECT_EQ(mails[0].attempts, 0);
  EXPECT_EQ(mails[0].next_attempt_at, s.clock.now()) << "due at once";
  EXPECT_EQ(s.notifier.queued, 1);
  // A username-only account has no address to mail.
  ASSERT_TRUE(s.accounts->signup({"", "no-mail-user", kGoodPassword}, s.client));
  EXPECT_EQ(s.mails().size(), 1u);
  EXPECT_EQ(s.notifier.queued, 1);
}

// ---- the outbox row ----

TEST(EmailService, TheOutboxPayloadNeverHoldsTheTokenInTheClear) {
  EmailServices s;
  s.signup("sealed@example.com");
  ASSERT_TRUE(s.forgot("sealed@example.com"));
  for (const auto kind : {kVerifyEmail, kResetPassword}) {
    const auto mails = s.mails_to("sealed@example.com", kind);
    ASSERT_EQ(mails.size(), 1u);
    const std::string& payload = mails[0].payload_sealed;
    auto opened = s.email->open_payload(payload);
    ASSERT_TRUE(opened);
    const std::string token(opened->reveal());
    ASSERT_GE(token.size(), 43u) << "at least 256 bits";
    auto raw = crypto::base64url::decode(token);
    ASSERT_TRUE(raw);
    ASSERT_GE(raw->size(), 32u);
    // Neither the token's text nor its bytes (nor half of them) are in the row.
    EXPECT_EQ(payload.find(token), std::string::npos);
    EXPECT_EQ(payload.find(*raw), std::string::npos);
    EXPECT_EQ(payload.find(token.substr(0, 20)), std::string::npos);
    EXPECT_EQ(payload.find(raw->substr(0, 16)), std::string::npos);
    // Nor the stored hash: the row alone must not find the token row either.
    EXPECT_EQ(payload.find(*domain::opaque_token_hash(token)), std::string::npos);
  }
}

TEST(EmailService, TheOutboxPayloadOpensOnlyWithTheOutboxKeyAndUntouched) {
  EmailServices s;
  s.signup("tamper@example.com");
  const auto mails = s.mails_to("tamper@example.com", kVerifyEmail);
  ASSERT_EQ(mails.size(), 1u);
  const std::string payload = mails[0].payload_sealed;
  ASSERT_TRUE(s.email->open_payload(payload));
  for (std::size_t i = 0; i < payload.size(); ++i) {
    std::string flipped = payload;
    flipped[i] = static_cast<char>(flipped[i] ^ 0x01);
    EXPECT_FALSE(s.email->open_payload(flipped)) << "byte " << i;
  }
  EXPECT_FALSE(s.email->open_payload(payload.substr(0, payload.size() - 1)));
  EXPECT_FALSE(s.email->open_payload(""));
  // Another server's outbox key does not open it.
  domain::EmailService other(*s.db.store, *s.sessions, *s.hasher, s.audit, s.settings, {},
                             SecretString(std::string(32, 'k')), s.no_limits, s.clock, s.random);
  EXPECT_FALSE(other.open_payload(payload));
  // The same token sealed twice gives different rows (a fresh nonce each time).
  s.clock.advance(61s);
  ASSERT_TRUE(s.resend("tamper@example.com"));
  const auto again = s.mails_to("tamper@example.com", kVerifyEmail);
  ASSERT_EQ(again.size(), 2u);
  EXPECT_NE(again[0].payload_sealed, again[1].payload_sealed);
}

TEST(EmailService, TheTokenTableHoldsOnlyHashes) {
  EmailServices s;
  auto t = s.signup("hashed@example.com");
  const auto token = s.verification_token("hashed@example.com");
  auto row =
      s.db.store->read([&](domain::StoreTx& tx) { return tx.one_time_token(*domain::opaque_token_hash(token)); });
  ASSERT_TRUE(row);
  ASSERT_TRUE(*row);
  EXPECT_EQ((*row)->user_id, t.user.id);
  EXPECT_EQ((*row)->purpose, domain::TokenPurpose::verify_email);
  EXPECT_EQ((*row)->email, "hashed@example.com");
  EXPECT_EQ((*row)->expires_at, (*row)->created_at + 24h);
  EXPECT_NE((*row)->token_hash, token);
  EXPECT_EQ((*row)->token_hash.find(token), std::string::npos);
  // The token itself is not a key.
  auto by_text = s.db.store->read([&](domain::StoreTx& tx) { return tx.one_time_token(token); });
  ASSERT_TRUE(by_text);
  EXPECT_FALSE(*by_text);
}

}  // namespace
}  // namespace tessera::test
