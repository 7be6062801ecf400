// Sign-up, login hardening and password change, over a real SQLite store.
#include <crypt.h>
#include <gtest/gtest.h>

#include "fixture.hpp"

namespace tessera::test {
namespace {

using domain::IdentifierField;
using namespace std::chrono_literals;

TEST(Accounts, SignsUpWithAnEmailAndNormalisesIt) {
  Services s;
  auto r = s.accounts->signup({"  Ann@Example.COM ", "", kGoodPassword}, s.client);
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(r->user.email, "ann@example.com");
  EXPECT_FALSE(r->user.email_verified);
  ASSERT_TRUE(r->tokens);
  EXPECT_TRUE(s.tokens->verify(r->tokens->access_token));
  EXPECT_EQ(s.accounts->signup({"ann@example.com", "", kGoodPassword}, s.client).code(), errc::account_exists);
}

TEST(Accounts, SignsUpWithOnlyAUsername) {
  Services s;
  auto r = s.accounts->signup({"", "Ｂｏｂ", kGoodPassword}, s.client);  // fullwidth
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(r->user.username, "bob");
  EXPECT_EQ(s.accounts->signup({"", "BOB", kGoodPassword}, s.client).code(), errc::account_exists);
  EXPECT_TRUE(s.accounts->login("bob", IdentifierField::username, kGoodPassword, s.client));
  EXPECT_TRUE(s.accounts->login("Bob", IdentifierField::any, kGoodPassword, s.client));
}

TEST(Accounts, RefusesSignUpWithoutAnIdentifierOrWithAWeakPassword) {
  Services s;
  EXPECT_EQ(s.accounts->signup({"", "", kGoodPassword}, s.client).code(), errc::invalid_request);
  EXPECT_EQ(s.accounts->signup({"not-an-email", "", kGoodPassword}, s.client).code(), errc::invalid_request);
  EXPECT_EQ(s.accounts->signup({"a@example.com", "", ""}, s.client).code(), errc::invalid_request);
  auto weak = s.accounts->signup({"a@example.com", "", "password1"}, s.client);
  ASSERT_FALSE(weak);
  EXPECT_EQ(weak.code(), errc::weak_password);
  EXPECT_FALSE(weak.error().reasons.empty());
  EXPECT_EQ(s.accounts->signup({"a@example.com", "", std::string(257, 'x')}, s.client).code(), errc::invalid_request);
}

TEST(Accounts, UnknownAccountAndWrongPasswordGetTheSameAnswer) {
  Services s;
  s.signup("known@example.com");
  auto wrong = s.accounts->login("known@example.com", IdentifierField::email, "Wrong-Password-123456", s.client);
  auto unknown = s.accounts->login("nobody@example.com", IdentifierField::email, "Wrong-Password-123456", s.client);
  ASSERT_FALSE(wrong);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(wrong.code(), errc::invalid_credentials);
  EXPECT_EQ(unknown.code(), errc::invalid_credentials);
  EXPECT_EQ(wrong.error().detail, unknown.error().detail);
  auto malformed = s.accounts->login("no at sign but spaces", IdentifierField::email, "x-y-z-w-v", s.client);
  EXPECT_EQ(malformed.code(), errc::invalid_credentials);
}

TEST(Accounts, AnOverlongPasswordIsRefusedBeforeAnyLookup) {
  Services s;
  auto r = s.accounts->login("known@example.com", IdentifierField::email, std::string(1 << 20, 'a'), s.client);
  EXPECT_EQ(r.code(), errc::invalid_request);
}

TEST(Accounts, ADisabledAccountIsOnlyRevealedToTheRightPassword) {
  Services s;
  auto t = s.signup("disabled@example.com");
  ASSERT_TRUE(s.db.store->write([&](domain::StoreTx& tx) -> Result<void> {
    auto u = tx.user_by_id(t.user.id);
    (*u)->disabled = true;
    return tx.update_user(**u);
  }));
  EXPECT_EQ(s.accounts->login("disabled@example.com", IdentifierField::email, "Wrong-Password-123456", s.client).code(),
            errc::invalid_credentials);
  EXPECT_EQ(s.accounts->login("disabled@example.com", IdentifierField::email, kGoodPassword, s.client).code(),
            errc::account_disabled);
}

TEST(Accounts, RequireVerifiedRefusesUnverifiedLogins) {
  auto settings = Services::default_settings();
  settings.require_verified = true;
  Services s(settings);
  auto r = s.accounts->signup({"unverified@example.com", "", kGoodPassword}, s.client);
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->tokens);  // no session before the email is verified
  EXPECT_EQ(s.accounts->login("unverified@example.com", IdentifierField::email, kGoodPassword, s.client).code(),
            errc::email_not_verified);
}

TEST(Accounts, AnImportedBcryptHashLogsInAndIsReplacedByArgon2id) {
  Services s;
  // A user imported from a Node app: bcrypt cost 10, made here with libxcrypt.
  char setting[CRYPT_GENSALT_OUTPUT_SIZE];
  ASSERT_NE(crypt_gensalt_rn("$2b$", 10, nullptr, 0, setting, sizeof setting), nullptr);
  struct crypt_data data {};
  const char* hashed = crypt_rn("legacy-Secret-Phrase-77", setting, &data, sizeof data);
  ASSERT_NE(hashed, nullptr);
  domain::User u;
  u.id = domain::UserId("00000000-0000-4000-8000-000000000001");
  u.email = "legacy@example.com";
  u.password_hash = hashed;
  u.created_at = u.updated_at = s.clock.now();
  ASSERT_TRUE(s.db.store->write([&](domain::StoreTx& tx) { return tx.insert_user(u); }));

  auto r = s.accounts->login("legacy@example.com", IdentifierField::email, "legacy-Secret-Phrase-77", s.client);
  ASSERT_TRUE(r) << r.error().reason;
  auto stored = s.db.store->read([&](domain::StoreTx& tx) { return tx.user_by_id(u.id); });
  EXPECT_EQ((*stored)->password_hash.rfind("$argon2id$", 0), 0u);
  EXPECT_TRUE(s.accounts->login("legacy@example.com", IdentifierField::email, "legacy-Secret-Phrase-77", s.client));
}

TEST(Accounts, AnArgon2idHashOfAnOutdatedCostIsUpgradedOnLogin) {
  Services cheap(Services::default_settings(), crypto::Argon2Params{1024, 1});
  auto t = cheap.signup("upgrade@example.com");
  const auto old_hash =
      (*cheap.db.store->read([&](domain::StoreTx& tx) { return tx.user_by_id(t.user.id); }))->password_hash;
  // Same database, a server configured with a higher cost.
  crypto::PasswordHasher stronger(crypto::Argon2Params{4096, 2});
  domain::AccountService accounts(*cheap.db.store, *cheap.sessions, stronger, cheap.audit, cheap.settings,
                                  cheap.no_limits, *cheap.no_slowdown, cheap.no_mail, cheap.no_second_factor,
                                  cheap.clock, cheap.random);
  ASSERT_TRUE(accounts.login("upgrade@example.com", IdentifierField::email, kGoodPassword, cheap.client));
  const auto new_hash =
      (*cheap.db.store->read([&](domain::StoreTx& tx) { return tx.user_by_id(t.user.id); }))->password_hash;
  EXPECT_NE(new_hash, old_hash);
  EXPECT_FALSE(stronger.needs_rehash(new_hash));
}

TEST(Accounts, ChangingThePasswordRevokesEveryEarlierSession) {
  Services s;
  auto a = s.signup("change@example.com");
  auto b = s.accounts->login("change@example.com", IdentifierField::email, kGoodPassword, s.client);
  ASSERT_TRUE(b);
  domain::Principal p = **s.tokens->verify(a.access_token);
  auto wrong = s.accounts->change_password(p, "not-the-password", "Brand-New-Passphrase-99", s.client);
  EXPECT_EQ(wrong.code(), errc::invalid_credentials);
  auto weak = s.accounts->change_password(p, kGoodPassword, "password1", s.client);
  EXPECT_EQ(weak.code(), errc::weak_password);

  auto changed = s.accounts->change_password(p, kGoodPassword, "Brand-New-Passphrase-99", s.client);
  ASSERT_TRUE(changed) << changed.error().detail;
  EXPECT_FALSE(s.tokens->verify(a.access_token));
  EXPECT_FALSE(s.tokens->verify(b->access_token));
  EXPECT_FALSE(s.sessions->refresh(std::string(b->refresh_token.reveal()), s.client));
  EXPECT_TRUE(s.tokens->verify(changed->access_token));
  EXPECT_EQ(s.accounts->login("change@example.com", IdentifierField::email, kGoodPassword, s.client).code(),
            errc::invalid_credentials);
  EXPECT_TRUE(s.accounts->login("change@example.com", IdentifierField::email, "Brand-New-Passphrase-99", s.client));
}

}  // namespace
}  // namespace tessera::test
