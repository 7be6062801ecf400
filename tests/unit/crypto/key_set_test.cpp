// KeySet: lookup by exact kid only, one active signing key, and a JWKS without secrets.
#include "crypto/key_set.hpp"

#include <boost/json/array.hpp>
#include <gtest/gtest.h>

#include "jws_test_support.hpp"

namespace tessera::crypto {
namespace {

using test::test_key;

TEST(KeySet, FindsAKeyByItsExactKid) {
  const KeySet set = test::test_key_set();
  ASSERT_NE(set.find("ec-1"), nullptr);
  EXPECT_EQ(set.find("ec-1")->alg(), Alg::ES256);
}

TEST(KeySet, FindsNothingForAnUnknownOrNearlyMatchingKid) {
  const KeySet set = test::test_key_set();
  EXPECT_EQ(set.find("EC-1"), nullptr);
  EXPECT_EQ(set.find("ec-"), nullptr);
  EXPECT_EQ(set.find("ec-1 "), nullptr);
  EXPECT_EQ(set.find(""), nullptr);
}

TEST(KeySet, RefusesASecondKeyWithTheSameKid) {
  KeySet set;
  ASSERT_TRUE(set.add(test_key(Alg::EdDSA)));
  const auto again = set.add(*SigningKey::generate(Alg::EdDSA, "ed-1"));
  ASSERT_FALSE(again);
  EXPECT_EQ(set.size(), 1u);
}

TEST(KeySet, RefusesANullKey) {
  KeySet set;
  EXPECT_FALSE(set.add(nullptr));
}

TEST(KeySet, HasNoActiveKeyUntilOneIsChosen) {
  const KeySet set = test::test_key_set();
  EXPECT_EQ(set.active(), nullptr);
}

TEST(KeySet, SetActiveChoosesTheSigningKey) {
  KeySet set = test::test_key_set();
  ASSERT_TRUE(set.set_active("rs-1"));
  EXPECT_EQ(set.active()->kid(), "rs-1");
}

TEST(KeySet, SetActiveRefusesAnUnknownKid) {
  KeySet set = test::test_key_set();
  EXPECT_FALSE(set.set_active("nope"));
  EXPECT_EQ(set.active(), nullptr);
}

TEST(KeySet, SetActiveRefusesAPublicOnlyKey) {
  KeySet set;
  ASSERT_TRUE(set.add(*SigningKey::from_jwk(test_key(Alg::EdDSA)->public_jwk())));
  EXPECT_FALSE(set.set_active("ed-1"));
}

TEST(KeySet, CopiesShareKeysButNotMembership) {
  KeySet a = test::test_key_set();
  KeySet b = a;
  ASSERT_TRUE(b.add(*SigningKey::generate(Alg::EdDSA, "ed-2")));
  EXPECT_EQ(a.find("ed-2"), nullptr);
  EXPECT_EQ(a.find("ed-1"), b.find("ed-1"));
}

TEST(KeySet, JwksListsEveryAsymmetricPublicKey) {
  const auto jwks = test::test_key_set().jwks();
  ASSERT_EQ(jwks.size(), 1u);
  const auto& keys = jwks.at("keys").as_array();
  ASSERT_EQ(keys.size(), 3u);
  EXPECT_EQ(keys[0].as_object(), test_key(Alg::EdDSA)->public_jwk());
  EXPECT_EQ(keys[1].as_object(), test_key(Alg::ES256)->public_jwk());
  EXPECT_EQ(keys[2].as_object(), test_key(Alg::RS256)->public_jwk());
}

TEST(KeySet, JwksNeverPublishesAnHs256Key) {
  const auto jwks = test::test_key_set().jwks();
  for (const auto& k : jwks.at("keys").as_array()) {
    EXPECT_NE(k.as_object().at("kty"), "oct");
    EXPECT_NE(k.as_object().at("kid"), "hs-1");
  }
}

TEST(KeySet, JwksHasNoPrivateMembers) {
  const auto jwks = test::test_key_set().jwks();
  for (const auto& k : jwks.at("keys").as_array()) {
    for (const char* name : {"d", "p", "q", "dp", "dq", "qi", "k"}) {
      EXPECT_FALSE(k.as_object().contains(name)) << name;
    }
  }
}

}  // namespace
}  // namespace tessera::crypto
