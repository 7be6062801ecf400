// Access tokens: claims, expiry with a pinned clock, the verification cache, key rotation.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "crypto/base64url.hpp"
#include "crypto/jws.hpp"
#include "fixture.hpp"

namespace tessera::test {
namespace {

using namespace std::chrono_literals;

boost::json::object part(const std::string& token, int index) {
  std::size_t a = 0;
  for (int i = 0; i < index; ++i) a = token.find('.', a) + 1;
  const std::size_t b = token.find('.', a);
  return boost::json::parse(*crypto::base64url::decode(token.substr(a, b - a))).as_object();
}

TEST(AccessTokens, CarryTheClaimsOfTheSpec) {
  Services s;
  auto t = s.signup("claims@example.com");
  const auto header = part(t.access_token, 0);
  const auto claims = part(t.access_token, 1);
  EXPECT_EQ(header.at("alg").as_string(), "ES256");
  EXPECT_EQ(header.at("typ").as_string(), "at+jwt");
  EXPECT_TRUE(header.contains("kid"));
  for (const char* c :
       {"iss", "sub", "aud", "exp", "iat", "jti", "sid", "roles", "email", "email_verified", "ver", "sid_bind"}) {
    EXPECT_TRUE(claims.contains(c)) << c;
  }
  EXPECT_EQ(claims.at("exp").as_int64() - claims.at("iat").as_int64(), 900);
  EXPECT_EQ(claims.at("sub").as_string(), t.user.id.str());
  EXPECT_EQ(claims.at("sid").as_string(), t.session_id.str());
  EXPECT_EQ(t.expires_in, 900);
}

TEST(AccessTokens, ExpireAfterTheirLifetimePlusLeewayEvenWhenCached) {
  Services s;
  auto t = s.signup("expiry@example.com");
  ASSERT_TRUE(s.tokens->verify(t.access_token));  // now cached
  s.clock.advance(900s + 30s);
  EXPECT_TRUE(s.tokens->verify(t.access_token));  // at the edge of the leeway
  s.clock.advance(1s);
  auto r = s.tokens->verify(t.access_token);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().reason, "expired");
}

TEST(AccessTokens, AForgedTokenIsRefusedWithItsReasonForTheLog) {
  Services s;
  auto t = s.signup("forged@example.com");
  std::string forged = t.access_token;
  forged[forged.size() - 5] = forged[forged.size() - 5] == 'A' ? 'B' : 'A';
  auto r = s.tokens->verify(forged);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.code(), errc::invalid_token);
  EXPECT_EQ(r.error().reason, "bad_signature");
}

// `claims` signed with the server's own active key: what a holder of the signing key (in HS256
// mode, any resource server) can make.
std::string signed_by_server(Services& s, const boost::json::object& claims) {
  auto token = crypto::sign_jwt(claims, *s.keys->current().active(), "at+jwt");
  EXPECT_TRUE(token);
  return token ? *token : std::string();
}

// Issue 24: a token carrying user A's sub with user B's live sid (or a version A is not at) is
// refused, though its signature is the server's: the session must belong to the subject.
TEST(AccessTokens, ASessionOfAnotherUserOrAnotherVersionIsRefusedWhateverSignedIt) {
  Services s;
  const auto a = s.signup("binding-a@example.com");
  const auto b = s.signup("binding-b@example.com");
  const auto claims_a = part(a.access_token, 1);
  const auto claims_b = part(b.access_token, 1);
  // The probe is sound: re-signing A's own claims verifies.
  ASSERT_TRUE(s.tokens->verify(signed_by_server(s, claims_a)));

  const auto refused_for = [&](boost::json::object claims, const char* why) -> std::string {
    auto r = s.tokens->verify(signed_by_server(s, claims));
    if (r) return std::string("accepted: ") + why;
    EXPECT_EQ(r.code(), errc::invalid_token) << why;
    return r.error().reason;
  };
  auto swapped = claims_a;
  swapped["sid"] = claims_b.at("sid");
  EXPECT_EQ(refused_for(swapped, "A's sub, B's sid"), "session_binding");
  swapped["sid_bind"] = claims_b.at("sid_bind");
  EXPECT_EQ(refused_for(swapped, "A's sub, B's sid and B's binding"), "session_binding");
  auto versioned = claims_a;
  versioned["ver"] = claims_a.at("ver").as_int64() + 1;
  EXPECT_EQ(refused_for(versioned, "a version A is not at"), "session_binding");
  auto unbound = claims_a;
  unbound.erase("sid_bind");
  EXPECT_EQ(refused_for(unbound, "no binding"), "missing_claim");
  auto mistyped = claims_a;
  mistyped["sid_bind"] = 7;
  EXPECT_EQ(refused_for(mistyped, "a binding that is not a string"), "bad_claims");

  // A's logout ends A's session; no token names it with a live session of someone else.
  ASSERT_TRUE(s.sessions->end_session(a.user.id, a.session_id, domain::revoke_reason::kLogout, s.client));
  EXPECT_FALSE(s.tokens->verify(a.access_token));
  EXPECT_TRUE(s.tokens->verify(b.access_token));
}

TEST(AccessTokens, TokensSignedBeforeARotationStillVerifyAndNewOnesUseTheNewKey) {
  Services s;
  auto before = s.signup("rotation@example.com");
  auto kid = s.keys->rotate(*s.db.store);
  ASSERT_TRUE(kid);
  ASSERT_TRUE(s.keys->reload(*s.db.store));
  EXPECT_TRUE(s.tokens->verify(before.access_token));
  auto after = s.accounts->login("rotation@example.com", domain::IdentifierField::email, kGoodPassword, s.client);
  ASSERT_TRUE(after);
  EXPECT_EQ(part(after->access_token, 0).at("kid").as_string(), *kid);
  EXPECT_NE(part(before.access_token, 0).at("kid").as_string(), *kid);
  EXPECT_TRUE(s.tokens->verify(after->access_token));
  EXPECT_EQ(s.keys->current().jwks().at("keys").as_array().size(), 2u);
  // Once every token the old key signed has expired, it leaves the key set.
  s.clock.advance(931s);
  ASSERT_TRUE(s.keys->reload(*s.db.store));
  EXPECT_EQ(s.keys->current().jwks().at("keys").as_array().size(), 1u);
}

}  // namespace
}  // namespace tessera::test
