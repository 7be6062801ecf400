// The published JWS examples: RFC 7515 Appendix A.1 (HS256), A.2 (RS256), A.3 (ES256) and
// RFC 8037 Appendix A.4 (Ed25519). Their headers have CRLF and no kid, so they go through
// decode_compact() and verify_signature(), not verify_jwt(). HS256, RS256 (PKCS#1 v1.5) and
// Ed25519 are deterministic, so our signatures must equal the RFCs' byte for byte.
#include <boost/json/object.hpp>
#include <gtest/gtest.h>

#include <string>

#include "crypto/base64url.hpp"
#include "crypto/jws.hpp"
#include "crypto/signing_key.hpp"
#include "jws_test_support.hpp"

namespace tessera::crypto {
namespace {

// RFC 7515 A.1-A.3 share this payload (with CRLF line breaks).
constexpr std::string_view kRfc7515Payload =
    "{\"iss\":\"joe\",\r\n \"exp\":1300819380,\r\n \"http://example.com/is_root\":true}";
constexpr std::string_view kRfc7515PayloadSegment =
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ";

// --- RFC 7515 A.1: HMAC SHA-256 ----------------------------------------------------------
constexpr std::string_view kA1Key =
    "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow";
constexpr std::string_view kA1Header = "{\"typ\":\"JWT\",\r\n \"alg\":\"HS256\"}";
const std::string kA1Token = std::string("eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.") +
                             std::string(kRfc7515PayloadSegment) + ".dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

// --- RFC 7515 A.2: RSASSA-PKCS1-v1_5 SHA-256 ---------------------------------------------
const boost::json::object kA2Jwk{
    {"kty", "RSA"},
    {"n",
     "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm"
     "4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5r"
     "exMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyx"
     "XFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ"},
    {"e", "AQAB"},
    {"d",
     "Eq5xpGnNCivDflJsRQBXHx1hdR1k6Ulwe2JZD50LpXyWPEAeP88vLNO97IjlA7_GQ5sLKMgvfTeXZx9SE-7YwVol2NXO"
     "oAJe46sui395IW_GO-pWJ1O0BkTGoVEn2bKVRUCgu-GjBVaYLU6f3l9kJfFNS3E0QbVdxzubSu3Mkqzjkn439X0M_V51"
     "gfpRLI9JYanrC4D4qAdGcopV_0ZHHzQlBjudU2QvXt4ehNYTCBr6XCLQUShb1juUO1ZdiYoFaFQT5Tw8bGUl_x_jTj3c"
     "cPDVZFD9pIuhLhBOneufuBiB4cS98l2SR_RQyGWSeWjnczT0QU91p1DhOVRuOopznQ"},
    {"p",
     "4BzEEOtIpmVdVEZNCqS7baC4crd0pqnRH_5IB3jw3bcxGn6QLvnEtfdUdiYrqBdss1l58BQ3KhooKeQTa9AB0Hw_Py5P"
     "JdTJNPY8cQn7ouZ2KKDcmnPGBY5t7yLc1QlQ5xHdwW1VhvKn-nXqhJTBgIPgtldC-KDV5z-y2XDwGUc"},
    {"q",
     "uQPEfgmVtjL0Uyyx88GZFF1fOunH3-7cepKmtH4pxhtCoHqpWmT8YAmZxaewHgHAjLYsp1ZSe7zFYHj7C6ul7TjeLQeZ"
     "D_YwD66t62wDmpe_HlB-TnBA-njbglfIsRLtXlnDzQkv5dTltRJ11BKBBypeeF6689rjcJIDEz9RWdc"},
    {"dp",
     "BwKfV3Akq5_MFZDFZCnW-wzl-CCo83WoZvnLQwCTeDv8uzluRSnm71I3QCLdhrqE2e9YkxvuxdBfpT_PI7Yz-FOKnu1R"
     "6HsJeDCjn12Sk3vmAktV2zb34MCdy7cpdTh_YVr7tss2u6vneTwrA86rZtu5Mbr1C1XsmvkxHQAdYo0"},
    {"dq",
     "h_96-mK1R_7glhsum81dZxjTnYynPbZpHziZjeeHcXYsXaaMwkOlODsWa7I9xXDoRwbKgB719rrmI2oKr6N3Do9U0aja"
     "HF-NKJnwgjMd2w9cjz3_-kyNlxAr2v4IKhGNpmM5iIgOS1VZnOZ68m6_pbLBSp3nssTdlqvd0tIiTHU"},
    {"qi",
     "IYd7DHOhrWvxkwPQsRM2tOgrjbcrfvtQJipd-DlcxyVuuM9sQLdgjVk2oy26F0EmpScGLq2MowX7fhd_QJQ3ydy5cY7Y"
     "IBi87w93IKLEdfnbJtoOPLUW0ITrJReOgo1cq9SbsxYawBgfp_gh6A5603k2-ZQwVK0JKSHuLFkuQ3U"}};
const std::string kA2Token =
    std::string("eyJhbGciOiJSUzI1NiJ9.") + std::string(kRfc7515PayloadSegment) +
    ".cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5"
    "jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L"
    "07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUi"
    "pUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw";

// --- RFC 7515 A.3: ECDSA P-256 SHA-256 ---------------------------------------------------
const boost::json::object kA3Jwk{{"kty", "EC"},
                                 {"crv", "P-256"},
                                 {"x", "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU"},
                                 {"y", "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"},
                                 {"d", "jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI"}};
const std::string kA3Token = std::string("eyJhbGciOiJFUzI1NiJ9.") + std::string(kRfc7515PayloadSegment) +
                             ".DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";

// --- RFC 8037 A.4: Ed25519 ---------------------------------------------------------------
const boost::json::object kEd25519Jwk{{"kty", "OKP"},
                                      {"crv", "Ed25519"},
                                      {"d", "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"},
                                      {"x", "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}};
constexpr std::string_view kEd25519SigningInput = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc";
constexpr std::string_view kEd25519Signature =
    "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg";
const std::string kEd25519Token = std::string(kEd25519SigningInput) + "." + std::string(kEd25519Signature);

std::shared_ptr<const SigningKey> load(const boost::json::object& jwk, std::string kid) {
  auto key = SigningKey::from_jwk(jwk, std::move(kid));
  EXPECT_TRUE(key) << (key ? "" : key.error().reason);
  return key ? *key : nullptr;
}

std::shared_ptr<const SigningKey> a1_key() {
  return load(boost::json::object{{"kty", "oct"}, {"k", kA1Key}}, "rfc7515-a1");
}

std::string signing_input_of(const std::string& token) { return token.substr(0, token.rfind('.')); }
std::string signature_of(const std::string& token) {
  return *base64url::decode(std::string_view(token).substr(token.rfind('.') + 1));
}

bool decodes_and_verifies(const std::string& token, const SigningKey& key) {
  auto d = decode_compact(token, kMaxTokenBytes);
  return d && verify_signature(*d, key);
}

TEST(Rfc7515A1, DecodesTheHeaderAndPayloadExactly) {
  const auto d = decode_compact(kA1Token, kMaxTokenBytes);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->header.at("typ").as_string(), "JWT");
  EXPECT_EQ(d->header.at("alg").as_string(), "HS256");
  EXPECT_EQ(*base64url::decode(kA1Token.substr(0, kA1Token.find('.'))), kA1Header);
  EXPECT_EQ(d->payload, kRfc7515Payload);
  EXPECT_EQ(d->signing_input, signing_input_of(kA1Token));
}

TEST(Rfc7515A1, Hs256SignatureEqualsTheRfcsByteForByte) {
  const auto key = a1_key();
  const auto sig = key->sign(signing_input_of(kA1Token));
  ASSERT_TRUE(sig);
  EXPECT_EQ(*sig, signature_of(kA1Token));
}

TEST(Rfc7515A1, TheRfcTokenVerifies) { EXPECT_TRUE(decodes_and_verifies(kA1Token, *a1_key())); }

TEST(Rfc7515A1, EveryMutationOfTheRfcTokenIsRefused) {
  const auto key = a1_key();
  test::expect_mutations_refused(kA1Token, [&](const std::string& t) { return decodes_and_verifies(t, *key); });
}

TEST(Rfc7515A2, TheRfcRsaJwkLoadsAsAPrivateRs256Key) {
  const auto key = load(kA2Jwk, "rfc7515-a2");
  ASSERT_TRUE(key);
  EXPECT_EQ(key->alg(), Alg::RS256);
  EXPECT_TRUE(key->has_private());
  EXPECT_EQ(key->public_jwk().at("n"), kA2Jwk.at("n"));
  EXPECT_EQ(key->public_jwk().at("e"), kA2Jwk.at("e"));
}

TEST(Rfc7515A2, Rs256SignatureEqualsTheRfcsByteForByte) {
  const auto key = load(kA2Jwk, "rfc7515-a2");
  const auto sig = key->sign(signing_input_of(kA2Token));
  ASSERT_TRUE(sig);
  EXPECT_EQ(base64url::encode(*sig), kA2Token.substr(kA2Token.rfind('.') + 1));
}

TEST(Rfc7515A2, TheRfcTokenVerifiesWithThePublicKeyAlone) {
  boost::json::object pub{{"kty", "RSA"}, {"n", kA2Jwk.at("n")}, {"e", "AQAB"}};
  const auto key = load(pub, "rfc7515-a2");
  EXPECT_FALSE(key->has_private());
  EXPECT_TRUE(decodes_and_verifies(kA2Token, *key));
}

TEST(Rfc7515A2, EveryMutationOfTheRfcTokenIsRefused) {
  const auto key = load(kA2Jwk, "rfc7515-a2");
  test::expect_mutations_refused(kA2Token, [&](const std::string& t) { return decodes_and_verifies(t, *key); });
}

TEST(Rfc7515A3, TheRfcTokenVerifies) { EXPECT_TRUE(decodes_and_verifies(kA3Token, *load(kA3Jwk, "rfc7515-a3"))); }

TEST(Rfc7515A3, TheRfcTokenVerifiesWithThePublicKeyAlone) {
  boost::json::object pub = kA3Jwk;
  pub.erase("d");
  EXPECT_TRUE(decodes_and_verifies(kA3Token, *load(pub, "rfc7515-a3")));
}

TEST(Rfc7515A3, OurEs256SignatureOverTheRfcInputIs64BytesAndVerifies) {
  const auto key = load(kA3Jwk, "rfc7515-a3");
  const auto sig = key->sign(signing_input_of(kA3Token));
  ASSERT_TRUE(sig);
  EXPECT_EQ(sig->size(), 64u);
  EXPECT_TRUE(key->verify(signing_input_of(kA3Token), *sig));
}

TEST(Rfc7515A3, EveryMutationOfTheRfcTokenIsRefused) {
  const auto key = load(kA3Jwk, "rfc7515-a3");
  test::expect_mutations_refused(kA3Token, [&](const std::string& t) { return decodes_and_verifies(t, *key); });
}

TEST(Rfc8037A4, TheRfcJwkDerivesTheRfcPublicKey) {
  const auto key = load(kEd25519Jwk, "rfc8037");
  EXPECT_EQ(key->alg(), Alg::EdDSA);
  EXPECT_EQ(key->public_jwk().at("x"), kEd25519Jwk.at("x"));
}

TEST(Rfc8037A4, Ed25519SignatureEqualsTheRfcsByteForByte) {
  const auto sig = load(kEd25519Jwk, "rfc8037")->sign(kEd25519SigningInput);
  ASSERT_TRUE(sig);
  EXPECT_EQ(base64url::encode(*sig), kEd25519Signature);
}

TEST(Rfc8037A4, TheRfcTokenVerifiesWithThePublicKeyAlone) {
  boost::json::object pub = kEd25519Jwk;
  pub.erase("d");
  const auto d = decode_compact(kEd25519Token, kMaxTokenBytes);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->payload, "Example of Ed25519 signing");
  EXPECT_TRUE(verify_signature(*d, *load(pub, "rfc8037")));
}

TEST(Rfc8037A4, EveryMutationOfTheRfcTokenIsRefused) {
  const auto key = load(kEd25519Jwk, "rfc8037");
  test::expect_mutations_refused(kEd25519Token, [&](const std::string& t) { return decodes_and_verifies(t, *key); });
}

TEST(RfcVectors, ASignatureIsRefusedUnderAKeyOfAnotherAlgorithm) {
  // verify_signature() pins the algorithm to the key: the RFC RS256 token, offered to the
  // HS256 key, fails even before any HMAC is computed.
  const auto d = decode_compact(kA2Token, kMaxTokenBytes);
  ASSERT_TRUE(d);
  EXPECT_FALSE(verify_signature(*d, *a1_key()));
  EXPECT_FALSE(verify_signature(*d, *load(kEd25519Jwk, "rfc8037")));
}

TEST(RfcVectors, VerifySignatureRefusesAHeaderAlgThatDiffersOnlyInCase) {
  auto d = decode_compact(kA1Token, kMaxTokenBytes);
  ASSERT_TRUE(d);
  d->header["alg"] = "hs256";
  EXPECT_FALSE(verify_signature(*d, *a1_key()));
}

TEST(DecodeCompact, RefusesATokenOverTheSizeGivenBeforeDecoding) {
  const auto d = decode_compact(kA1Token, kA1Token.size() - 1);
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().reason, "too_large");
  EXPECT_EQ(d.code(), errc::invalid_token);
}

TEST(DecodeCompact, RefusesBase64PaddingInAnySegmentAsBadBase64) {
  std::string t = kA1Token;
  t.insert(t.find('.'), "=");
  EXPECT_EQ(decode_compact(t, kMaxTokenBytes).error().reason, "bad_base64");
  EXPECT_EQ(decode_compact(kA1Token + "=", kMaxTokenBytes).error().reason, "bad_base64");
}

TEST(DecodeCompact, AcceptsAnEmptyPayloadSegment) {
  // RFC 7515 allows an empty payload; only verify_jwt() insists on claims.
  const auto d = decode_compact("eyJhbGciOiJIUzI1NiJ9..c2ln", kMaxTokenBytes);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->payload, "");
  EXPECT_EQ(d->signature, "sig");
}

TEST(DecodeCompact, RefusesAHeaderThatIsNotAJsonObject) {
  const std::string t = base64url::encode("[1,2]") + ".e30.c2ln";
  EXPECT_EQ(decode_compact(t, kMaxTokenBytes).error().reason, "bad_header");
}

}  // namespace
}  // namespace tessera::crypto
