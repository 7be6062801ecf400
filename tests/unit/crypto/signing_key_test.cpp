// SigningKey: generation, PEM and JWK round trips, what the public JWK shows (and never shows),
// and sign/verify for each algorithm.
#include "crypto/signing_key.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <boost/json/object.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "crypto/base64url.hpp"
#include "crypto/digest.hpp"
#include "jws_test_support.hpp"

namespace tessera::crypto {
namespace {

using test::test_key;

class SigningKeyPerAsymmetricAlg : public ::testing::TestWithParam<Alg> {};
INSTANTIATE_TEST_SUITE_P(SigningKey, SigningKeyPerAsymmetricAlg, ::testing::Values(Alg::EdDSA, Alg::ES256, Alg::RS256),
                         [](const auto& info) { return std::string(to_string(info.param)); });

class SigningKeyPerAlg : public ::testing::TestWithParam<Alg> {};
INSTANTIATE_TEST_SUITE_P(SigningKey, SigningKeyPerAlg,
                         ::testing::Values(Alg::EdDSA, Alg::ES256, Alg::RS256, Alg::HS256),
                         [](const auto& info) { return std::string(to_string(info.param)); });

constexpr std::string_view kInput = "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ1c3JfMSJ9";

TEST(Alg, NamesRoundTripThroughParseAlg) {
  for (Alg a : {Alg::EdDSA, Alg::ES256, Alg::RS256, Alg::HS256}) {
    const auto parsed = parse_alg(to_string(a));
    ASSERT_TRUE(parsed);
    EXPECT_EQ(*parsed, a);
  }
}

TEST(Alg, ParseAlgIsCaseSensitive) {
  EXPECT_FALSE(parse_alg("eddsa"));
  EXPECT_FALSE(parse_alg("hs256"));
  EXPECT_FALSE(parse_alg("Rs256"));
}

TEST(Alg, ParseAlgRefusesNoneAndAlgorithmsWeDoNotImplement) {
  for (const char* name : {"none", "", "PS256", "ES384", "RS512", "HS512", "Ed25519"}) {
    const auto r = parse_alg(name);
    EXPECT_FALSE(r) << name;
    if (!r) {
      EXPECT_EQ(r.code(), errc::invalid_request);
    }
  }
}

TEST_P(SigningKeyPerAsymmetricAlg, GeneratedKeyHasItsKidAlgAndPrivatePart) {
  const auto key = SigningKey::generate(GetParam(), "k-1");
  ASSERT_TRUE(key);
  EXPECT_EQ((*key)->kid(), "k-1");
  EXPECT_EQ((*key)->alg(), GetParam());
  EXPECT_TRUE((*key)->has_private());
}

TEST_P(SigningKeyPerAlg, SignatureVerifiesOverTheSameInput) {
  const auto key = test_key(GetParam());
  const auto sig = key->sign(kInput);
  ASSERT_TRUE(sig);
  EXPECT_TRUE(key->verify(kInput, *sig));
}

TEST_P(SigningKeyPerAlg, SignatureFailsOverADifferentInput) {
  const auto key = test_key(GetParam());
  const auto sig = key->sign(kInput);
  ASSERT_TRUE(sig);
  EXPECT_FALSE(key->verify(std::string(kInput) + "x", *sig));
  EXPECT_FALSE(key->verify("", *sig));
}

TEST_P(SigningKeyPerAlg, SignatureOfAnotherKeyOfTheSameAlgFails) {
  auto other = GetParam() == Alg::HS256 ? SigningKey::from_secret("other", std::string(32, 'o'))
                                        : SigningKey::generate(GetParam(), "other");
  ASSERT_TRUE(other);
  const auto sig = (*other)->sign(kInput);
  ASSERT_TRUE(sig);
  EXPECT_FALSE(test_key(GetParam())->verify(kInput, *sig));
}

TEST_P(SigningKeyPerAlg, EmptyAndOversizedSignaturesFail) {
  const auto key = test_key(GetParam());
  const auto sig = key->sign(kInput);
  ASSERT_TRUE(sig);
  EXPECT_FALSE(key->verify(kInput, ""));
  EXPECT_FALSE(key->verify(kInput, *sig + '\0'));
  EXPECT_FALSE(key->verify(kInput, sig->substr(0, sig->size() - 1)));
}

TEST(SigningKey, SignatureSizesAreThoseOfJws) {
  EXPECT_EQ(test_key(Alg::EdDSA)->sign(kInput)->size(), 64u);
  EXPECT_EQ(test_key(Alg::ES256)->sign(kInput)->size(), 64u);
  EXPECT_EQ(test_key(Alg::RS256)->sign(kInput)->size(), 256u);
  EXPECT_EQ(test_key(Alg::HS256)->sign(kInput)->size(), 32u);
}

TEST(SigningKey, Es256RefusesADerEncodedSignature) {
  // Build the DER form OpenSSL itself would produce for our r||s: valid for OpenSSL, not JWS.
  const auto key = test_key(Alg::ES256);
  const auto raw = *key->sign(kInput);
  std::string der = "\x30\x44\x02\x20";
  der += raw.substr(0, 32);
  der += "\x02\x20";
  der += raw.substr(32);
  if (static_cast<unsigned char>(raw[0]) < 0x80 && static_cast<unsigned char>(raw[32]) < 0x80 && raw[0] != 0 &&
      raw[32] != 0) {
    EXPECT_EQ(der.size(), 70u);
  }
  EXPECT_FALSE(key->verify(kInput, der));
}

TEST(SigningKey, Es256RefusesASignatureOf63Or65Bytes) {
  const auto key = test_key(Alg::ES256);
  const auto raw = *key->sign(kInput);
  EXPECT_FALSE(key->verify(kInput, std::string(1, '\0') + raw.substr(0, 63)));
  EXPECT_FALSE(key->verify(kInput, std::string(1, '\0') + raw));
}

TEST(SigningKey, Es256RefusesAZeroSignature) {
  EXPECT_FALSE(test_key(Alg::ES256)->verify(kInput, std::string(64, '\0')));
}

TEST(SigningKey, EcdsaSignaturesDifferEachTimeButBothVerify) {
  const auto key = test_key(Alg::ES256);
  const auto a = *key->sign(kInput);
  const auto b = *key->sign(kInput);
  EXPECT_NE(a, b);
  EXPECT_TRUE(key->verify(kInput, a));
  EXPECT_TRUE(key->verify(kInput, b));
}

TEST(SigningKey, GenerateRefusesHs256) { EXPECT_FALSE(SigningKey::generate(Alg::HS256, "h")); }

TEST(SigningKey, GenerateRefusesAnEmptyKid) { EXPECT_FALSE(SigningKey::generate(Alg::EdDSA, "")); }

TEST(SigningKey, FromSecretRefusesASecretShorterThan32Bytes) {
  const auto r = SigningKey::from_secret("h", std::string(31, 's'));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.code(), errc::invalid_request);
  EXPECT_TRUE(SigningKey::from_secret("h", std::string(32, 's')));
}

TEST(SigningKey, Hs256MatchesAPlainHmacOfTheSecret) {
  // The key's precomputed HMAC context must give what a one-shot HMAC gives.
  const std::string secret(40, 'k');
  const auto key = *SigningKey::from_secret("h", secret);
  EXPECT_EQ(*key->sign(kInput), hmac_sha256(secret, kInput));
}

TEST_P(SigningKeyPerAsymmetricAlg, PrivatePemRoundTripGivesTheSameKey) {
  const auto key = test_key(GetParam());
  const std::string pem = key->private_pem();
  EXPECT_EQ(pem.rfind("-----BEGIN PRIVATE KEY-----", 0), 0u) << "PKCS#8, not a traditional format";
  const auto loaded = SigningKey::from_private_pem(GetParam(), key->kid(), pem);
  ASSERT_TRUE(loaded) << loaded.error().reason;
  EXPECT_EQ((*loaded)->public_jwk(), key->public_jwk());
  EXPECT_TRUE((*loaded)->has_private());
  EXPECT_TRUE(key->verify(kInput, *(*loaded)->sign(kInput)));
  EXPECT_TRUE((*loaded)->verify(kInput, *key->sign(kInput)));
}

TEST_P(SigningKeyPerAsymmetricAlg, FromPrivatePemRefusesAKeyOfAnotherType) {
  const Alg other = GetParam() == Alg::EdDSA ? Alg::ES256 : Alg::EdDSA;
  const auto r = SigningKey::from_private_pem(other, "x", test_key(GetParam())->private_pem());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.code(), errc::invalid_request);
}

TEST(SigningKey, FromPrivatePemRefusesText) {
  EXPECT_FALSE(SigningKey::from_private_pem(Alg::EdDSA, "x", "not a key"));
  EXPECT_FALSE(SigningKey::from_private_pem(Alg::EdDSA, "x", ""));
}

TEST(SigningKey, FromPrivatePemRefusesAPublicKey) {
  EXPECT_FALSE(SigningKey::from_private_pem(Alg::EdDSA, "x", test_key(Alg::EdDSA)->public_pem()));
}

TEST(SigningKey, FromPrivatePemRefusesHs256) {
  EXPECT_FALSE(SigningKey::from_private_pem(Alg::HS256, "x", test_key(Alg::EdDSA)->private_pem()));
}

TEST(SigningKey, FromPrivatePemRefusesAnRsaKeyBelow2048Bits) {
  EVP_PKEY* small = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(1024));
  ASSERT_NE(small, nullptr);
  BIO* bio = BIO_new(BIO_s_mem());
  ASSERT_EQ(PEM_write_bio_PKCS8PrivateKey(bio, small, nullptr, nullptr, 0, nullptr, nullptr), 1);
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  const std::string pem(data, static_cast<std::size_t>(len));
  BIO_free(bio);
  EVP_PKEY_free(small);
  EXPECT_FALSE(SigningKey::from_private_pem(Alg::RS256, "x", pem));
}

TEST(SigningKey, Hs256HasNoPem) {
  EXPECT_EQ(test_key(Alg::HS256)->private_pem(), "");
  EXPECT_EQ(test_key(Alg::HS256)->public_pem(), "");
}

TEST(SigningKey, PublicJwkOfEd25519IsOkpWithX) {
  const auto& jwk = test_key(Alg::EdDSA)->public_jwk();
  EXPECT_EQ(jwk.at("kty"), "OKP");
  EXPECT_EQ(jwk.at("crv"), "Ed25519");
  EXPECT_EQ(base64url::decode(jwk.at("x").as_string())->size(), 32u);
  EXPECT_EQ(jwk.at("kid"), "ed-1");
  EXPECT_EQ(jwk.at("alg"), "EdDSA");
  EXPECT_EQ(jwk.at("use"), "sig");
  EXPECT_EQ(jwk.size(), 6u);
}

TEST(SigningKey, PublicJwkOfP256IsEcWithXAndY) {
  const auto& jwk = test_key(Alg::ES256)->public_jwk();
  EXPECT_EQ(jwk.at("kty"), "EC");
  EXPECT_EQ(jwk.at("crv"), "P-256");
  EXPECT_EQ(base64url::decode(jwk.at("x").as_string())->size(), 32u);
  EXPECT_EQ(base64url::decode(jwk.at("y").as_string())->size(), 32u);
  EXPECT_EQ(jwk.at("alg"), "ES256");
  EXPECT_EQ(jwk.at("use"), "sig");
  EXPECT_EQ(jwk.size(), 7u);
}

TEST(SigningKey, PublicJwkOfRsaIsNAndEWithoutLeadingZeros) {
  const auto& jwk = test_key(Alg::RS256)->public_jwk();
  EXPECT_EQ(jwk.at("kty"), "RSA");
  const auto n = *base64url::decode(jwk.at("n").as_string());
  EXPECT_EQ(n.size(), 256u);
  EXPECT_NE(n[0], '\0');
  EXPECT_EQ(jwk.at("e"), "AQAB");
  EXPECT_EQ(jwk.at("alg"), "RS256");
  EXPECT_EQ(jwk.size(), 6u);
}

TEST_P(SigningKeyPerAlg, PublicJwkHasNoPrivateMember) {
  const auto& jwk = test_key(GetParam())->public_jwk();
  for (const char* name : {"d", "p", "q", "dp", "dq", "qi", "k", "oth"}) {
    EXPECT_FALSE(jwk.contains(name)) << name;
  }
}

TEST_P(SigningKeyPerAsymmetricAlg, PublicJwkLoadsAsAVerifyOnlyKey) {
  const auto key = test_key(GetParam());
  const auto pub = SigningKey::from_jwk(key->public_jwk());
  ASSERT_TRUE(pub) << pub.error().reason;
  EXPECT_FALSE((*pub)->has_private());
  EXPECT_EQ((*pub)->kid(), key->kid());
  EXPECT_EQ((*pub)->alg(), key->alg());
  EXPECT_EQ((*pub)->public_jwk(), key->public_jwk());
  EXPECT_TRUE((*pub)->verify(kInput, *key->sign(kInput)));
  const auto sig = (*pub)->sign(kInput);
  ASSERT_FALSE(sig);
  EXPECT_EQ(sig.code(), errc::internal_error);
  EXPECT_EQ((*pub)->private_pem(), "");
}

TEST(SigningKeyFromJwk, LoadsAnOctKeyAsHs256) {
  const auto key =
      SigningKey::from_jwk(boost::json::object{{"kty", "oct"}, {"k", base64url::encode(test::kHmacSecret)}}, "hs-x");
  ASSERT_TRUE(key);
  EXPECT_EQ((*key)->alg(), Alg::HS256);
  EXPECT_EQ(*(*key)->sign(kInput), *test_key(Alg::HS256)->sign(kInput));
}

TEST(SigningKeyFromJwk, TakesKidAndAlgFromTheJwkWhenPresent) {
  auto jwk = test_key(Alg::EdDSA)->public_jwk();
  const auto key = SigningKey::from_jwk(jwk);
  ASSERT_TRUE(key);
  EXPECT_EQ((*key)->kid(), "ed-1");
}

TEST(SigningKeyFromJwk, RefusesAKidThatDisagreesWithTheJwks) {
  EXPECT_FALSE(SigningKey::from_jwk(test_key(Alg::EdDSA)->public_jwk(), "another"));
  EXPECT_TRUE(SigningKey::from_jwk(test_key(Alg::EdDSA)->public_jwk(), "ed-1"));
}

TEST(SigningKeyFromJwk, RefusesAnAlgThatDisagreesWithTheJwks) {
  EXPECT_FALSE(SigningKey::from_jwk(test_key(Alg::EdDSA)->public_jwk(), {}, Alg::ES256));
}

TEST(SigningKeyFromJwk, RefusesAnAlgThatDoesNotSuitTheKty) {
  auto jwk = test_key(Alg::ES256)->public_jwk();
  jwk["alg"] = "RS256";
  EXPECT_FALSE(SigningKey::from_jwk(jwk));
  jwk.erase("alg");
  EXPECT_FALSE(SigningKey::from_jwk(jwk, {}, Alg::HS256));
}

TEST(SigningKeyFromJwk, RefusesAJwkWithoutAnyKid) {
  auto jwk = test_key(Alg::EdDSA)->public_jwk();
  jwk.erase("kid");
  EXPECT_FALSE(SigningKey::from_jwk(jwk));
}

TEST(SigningKeyFromJwk, RefusesAnEncryptionKey) {
  auto jwk = test_key(Alg::EdDSA)->public_jwk();
  jwk["use"] = "enc";
  EXPECT_FALSE(SigningKey::from_jwk(jwk));
}

TEST(SigningKeyFromJwk, RefusesUnknownKtyAndCurves) {
  EXPECT_FALSE(SigningKey::from_jwk(boost::json::object{{"kty", "XYZ"}}, "k"));
  EXPECT_FALSE(SigningKey::from_jwk(boost::json::object{}, "k"));
  auto ed = test_key(Alg::EdDSA)->public_jwk();
  ed["crv"] = "Ed448";
  EXPECT_FALSE(SigningKey::from_jwk(ed));
  auto ec = test_key(Alg::ES256)->public_jwk();
  ec["crv"] = "P-384";
  EXPECT_FALSE(SigningKey::from_jwk(ec));
}

TEST(SigningKeyFromJwk, RefusesAnEcPointNotOnTheCurve) {
  auto jwk = test_key(Alg::ES256)->public_jwk();
  std::string y = *base64url::decode(jwk.at("y").as_string());
  y[31] = static_cast<char>(y[31] ^ 1);
  jwk["y"] = base64url::encode(y);
  EXPECT_FALSE(SigningKey::from_jwk(jwk));
}

TEST(SigningKeyFromJwk, RefusesCoordinatesOfTheWrongLength) {
  auto jwk = test_key(Alg::ES256)->public_jwk();
  jwk["x"] = base64url::encode(std::string(1, '\0') + *base64url::decode(jwk.at("x").as_string()));
  EXPECT_FALSE(SigningKey::from_jwk(jwk));
  auto ed = test_key(Alg::EdDSA)->public_jwk();
  ed["x"] = base64url::encode(std::string(31, 'x'));
  EXPECT_FALSE(SigningKey::from_jwk(ed));
}

TEST(SigningKeyFromJwk, RefusesAnEd25519DThatDoesNotMatchX) {
  boost::json::object jwk{{"kty", "OKP"},
                          {"crv", "Ed25519"},
                          {"d", base64url::encode(std::string(32, 'd'))},
                          {"x", test_key(Alg::EdDSA)->public_jwk().at("x")}};
  EXPECT_FALSE(SigningKey::from_jwk(jwk, "k"));
}

TEST(SigningKeyFromJwk, RefusesAnEcDThatDoesNotMatchThePoint) {
  auto jwk = test_key(Alg::ES256)->public_jwk();
  jwk["d"] = base64url::encode(std::string(31, '\0') + "\x07");
  EXPECT_FALSE(SigningKey::from_jwk(jwk));
}

TEST(SigningKeyFromJwk, RefusesAnRsaPrivateKeyWithoutCrtMembers) {
  auto jwk = test_key(Alg::RS256)->public_jwk();
  jwk["d"] = base64url::encode(std::string(256, '\x11'));
  EXPECT_FALSE(SigningKey::from_jwk(jwk));
}

TEST(SigningKeyFromJwk, RefusesNonCanonicalBase64InAMember) {
  auto jwk = test_key(Alg::EdDSA)->public_jwk();
  jwk["x"] = std::string(jwk.at("x").as_string()) + "=";
  EXPECT_FALSE(SigningKey::from_jwk(jwk));
}

TEST(SigningKeyFromJwk, RefusesAMemberOfTheWrongType) {
  auto jwk = test_key(Alg::EdDSA)->public_jwk();
  jwk["x"] = 42;
  EXPECT_FALSE(SigningKey::from_jwk(jwk));
}

TEST(SigningKeyFromJwk, RefusesAnRsaModulusBelow2048Bits) {
  EVP_PKEY* small = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(1024));
  ASSERT_NE(small, nullptr);
  BIGNUM* n = nullptr;
  ASSERT_EQ(EVP_PKEY_get_bn_param(small, OSSL_PKEY_PARAM_RSA_N, &n), 1);
  std::string bytes(static_cast<std::size_t>(BN_num_bytes(n)), '\0');
  BN_bn2bin(n, reinterpret_cast<unsigned char*>(bytes.data()));
  BN_free(n);
  EVP_PKEY_free(small);
  EXPECT_FALSE(SigningKey::from_jwk(boost::json::object{{"kty", "RSA"}, {"n", base64url::encode(bytes)}, {"e", "AQAB"}},
                                    "small"));
}

TEST(SigningKey, SignsAndVerifiesFromManyThreadsAtOnce) {
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        for (Alg a : {Alg::EdDSA, Alg::ES256, Alg::HS256}) {
          const std::string input = std::string(kInput) + std::to_string(t * 1000 + i);
          const auto key = test_key(a);
          const auto sig = key->sign(input);
          if (!sig || !key->verify(input, *sig) || key->verify(input + "x", *sig)) ++failures;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
}

}  // namespace
}  // namespace tessera::crypto
