// sign_jwt() and verify_jwt(): every check in the fixed sequence, each failing with its own
// reason, and the attacks they exist for (alg none, algorithm confusion, key injection).
#include "crypto/jws.hpp"

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <boost/json/serialize.hpp>
#include <boost/json/value_from.hpp>
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

namespace bj = boost::json;
using test::kNow;
using test::reason_of;
using test::sign_claims;
using test::sign_raw;
using test::test_key;

Result<VerifiedJwt> verify(const std::string& token, const JwtRules& rules = test::test_rules()) {
  static const KeySet keys = test::test_key_set();
  return verify_jwt(token, keys, rules);
}

std::string reason(const std::string& token, const JwtRules& rules = test::test_rules()) {
  return reason_of(verify(token, rules));
}

// A token with the given claims, otherwise valid, signed by the EdDSA key.
std::string with_claims(const bj::object& claims, Alg alg = Alg::EdDSA) { return sign_claims(claims, *test_key(alg)); }

template <class T>
bj::object claims_with(std::string_view name, T&& v) {
  auto c = test::valid_claims();
  c[name] = bj::value_from(std::forward<T>(v));
  return c;
}

bj::object claims_without(std::string_view name) {
  auto c = test::valid_claims();
  c.erase(name);
  return c;
}

// A token whose header is `header` (JSON text), signed by `key` (valid signature).
std::string with_header(std::string_view header, Alg alg = Alg::EdDSA) {
  return sign_raw(header, bj::serialize(test::valid_claims()), *test_key(alg));
}

// The same segments with a signature made by HMAC-SHA-256 under `secret`.
std::string hmac_token(std::string_view header, std::string_view secret) {
  const std::string input = base64url::encode(header) + "." + base64url::encode(bj::serialize(test::valid_claims()));
  return input + "." + base64url::encode(hmac_sha256(secret, input));
}

std::string public_der(const SigningKey& key) {
  const std::string pem = key.public_pem();
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* pkey = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  unsigned char* der = nullptr;
  const int len = i2d_PUBKEY(pkey, &der);
  std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  EVP_PKEY_free(pkey);
  return out;
}

class VerifyJwtPerAlg : public ::testing::TestWithParam<Alg> {};
INSTANTIATE_TEST_SUITE_P(VerifyJwt, VerifyJwtPerAlg, ::testing::Values(Alg::EdDSA, Alg::ES256, Alg::RS256, Alg::HS256),
                         [](const auto& info) { return std::string(to_string(info.param)); });

// --- signing ------------------------------------------------------------------------------

TEST(SignJwt, HeaderIsExactlyAlgKidTyp) {
  const auto token = sign_jwt(test::valid_claims(), *test_key(Alg::ES256), "at+jwt");
  ASSERT_TRUE(token);
  EXPECT_EQ(*base64url::decode(token->substr(0, token->find('.'))), R"({"alg":"ES256","kid":"ec-1","typ":"at+jwt"})");
}

TEST(SignJwt, PayloadIsTheClaimsSerialized) {
  const auto token = *sign_jwt(test::valid_claims(), *test_key(Alg::EdDSA), "at+jwt");
  const auto dot1 = token.find('.');
  const auto dot2 = token.find('.', dot1 + 1);
  EXPECT_EQ(*base64url::decode(token.substr(dot1 + 1, dot2 - dot1 - 1)), bj::serialize(test::valid_claims()));
}

TEST(SignJwt, FailsWithAPublicOnlyKey) {
  const auto pub = *SigningKey::from_jwk(test_key(Alg::EdDSA)->public_jwk());
  const auto token = sign_jwt(test::valid_claims(), *pub, "at+jwt");
  ASSERT_FALSE(token);
  EXPECT_EQ(token.code(), errc::internal_error);
}

TEST(SignJwt, ATypicalAccessTokenIsWellUnderTheSizeLimit) {
  auto claims = test::valid_claims();
  claims["roles"] = bj::array{"admin", "user"};
  claims["email"] = "someone@example.test";
  claims["email_verified"] = true;
  const auto token = *sign_jwt(claims, *test_key(Alg::RS256), "at+jwt");
  EXPECT_LT(token.size(), 1024u);
}

// --- the positive path --------------------------------------------------------------------

TEST_P(VerifyJwtPerAlg, AValidTokenVerifiesAndYieldsItsHeaderClaimsAndKid) {
  const auto token = *sign_jwt(test::valid_claims(), *test_key(GetParam()), "at+jwt");
  const auto v = verify(token);
  ASSERT_TRUE(v) << v.error().reason;
  EXPECT_EQ(v->kid, test_key(GetParam())->kid());
  EXPECT_EQ(v->claims, test::valid_claims());
  EXPECT_EQ(v->header.at("typ"), "at+jwt");
}

TEST_P(VerifyJwtPerAlg, EveryMutationOfAValidTokenIsRefused) {
  const auto token = *sign_jwt(test::valid_claims(), *test_key(GetParam()), "at+jwt");
  test::expect_mutations_refused(token, [](const std::string& t) { return verify(t).has_value(); });
}

TEST(VerifyJwt, EveryFailureIsInvalidTokenWithTheSamePublicDetail) {
  for (const std::string& token : {std::string("x"), with_claims(claims_with("iss", "evil"))}) {
    const auto v = verify(token);
    ASSERT_FALSE(v);
    EXPECT_EQ(v.code(), errc::invalid_token);
    EXPECT_EQ(v.error().detail, "The access token is not valid.");
  }
}

// --- size and shape -----------------------------------------------------------------------

TEST(VerifyJwt, ATokenOf8193BytesIsTooLarge) { EXPECT_EQ(reason(std::string(8193, 'a')), "too_large"); }

TEST(VerifyJwt, SizeIsCheckedBeforeAnythingElse) {
  // Over the limit and also malformed, unsigned and alg none: the size is what is reported.
  std::string token = base64url::encode(R"({"alg":"none"})") + "..";
  token += std::string(8193 - token.size(), 'A');
  EXPECT_EQ(reason(token), "too_large");
}

TEST(VerifyJwt, AValidTokenJustUnderTheLimitVerifies) {
  // Grow a padding claim until the token is as close to 8192 bytes as base64url allows.
  std::string best;
  for (std::size_t pad = 5500; pad < 6500; ++pad) {
    const std::string token = with_claims(claims_with("pad", std::string(pad, 'p')));
    if (token.size() > kMaxTokenBytes) break;
    best = token;
  }
  ASSERT_GE(best.size(), kMaxTokenBytes - 3);
  EXPECT_EQ(reason(best), "ok");
  auto tight = test::test_rules();
  tight.max_token_bytes = best.size() - 1;
  EXPECT_EQ(reason(best, tight), "too_large");
}

TEST(VerifyJwt, TwoSegmentsAreMalformed) {
  const auto token = with_claims(test::valid_claims());
  EXPECT_EQ(reason(token.substr(0, token.rfind('.'))), "malformed");
}

TEST(VerifyJwt, FourSegmentsAreMalformed) {
  EXPECT_EQ(reason(with_claims(test::valid_claims()) + ".AAAA"), "malformed");
}

TEST(VerifyJwt, FiveSegmentsAreMalformed) {
  // The JWE compact form has five; it is never an access token here.
  EXPECT_EQ(reason(with_claims(test::valid_claims()) + ".AAAA.AAAA"), "malformed");
}

TEST(VerifyJwt, OneSegmentAndTheEmptyStringAreMalformed) {
  EXPECT_EQ(reason(""), "malformed");
  EXPECT_EQ(reason("eyJhbGciOiJFZERTQSJ9"), "malformed");
  EXPECT_EQ(reason(".."), "malformed");
}

TEST(VerifyJwt, AnEmptyHeaderSegmentIsMalformed) {
  const auto token = with_claims(test::valid_claims());
  EXPECT_EQ(reason(token.substr(token.find('.'))), "malformed");
}

TEST(VerifyJwt, AnEmptySignatureSegmentIsMalformed) {
  const auto token = with_claims(test::valid_claims());
  EXPECT_EQ(reason(token.substr(0, token.rfind('.') + 1)), "malformed");
}

TEST(VerifyJwt, AnEmptyPayloadSegmentWithAValidSignatureIsBadClaims) {
  EXPECT_EQ(reason(sign_raw(test::header_json(*test_key(Alg::EdDSA)), "", *test_key(Alg::EdDSA))), "bad_claims");
}

// --- header -------------------------------------------------------------------------------

TEST(VerifyJwt, AHeaderSegmentThatIsNotBase64UrlIsBadBase64) {
  const auto token = with_claims(test::valid_claims());
  EXPECT_EQ(reason("eyJ+" + token.substr(4)), "bad_base64");
  EXPECT_EQ(reason("=" + token), "bad_base64");
}

TEST(VerifyJwt, AHeaderThatIsNotJsonIsBadHeader) {
  EXPECT_EQ(reason(with_header("alg: EdDSA")), "bad_header");
  EXPECT_EQ(reason(with_header(R"({"alg":"EdDSA","kid":"ed-1","typ":"at+jwt",})")), "bad_header");
}

TEST(VerifyJwt, AHeaderThatIsAJsonArrayOrStringIsBadHeader) {
  EXPECT_EQ(reason(with_header(R"(["EdDSA"])")), "bad_header");
  EXPECT_EQ(reason(with_header(R"("EdDSA")")), "bad_header");
}

TEST(VerifyJwt, ADuplicateHeaderMemberIsBadHeader) {
  EXPECT_EQ(reason(with_header(R"({"alg":"EdDSA","kid":"ed-1","kid":"ed-1","typ":"at+jwt"})")), "bad_header");
  EXPECT_EQ(reason(with_header(R"({"alg":"HS256","alg":"EdDSA","kid":"ed-1","typ":"at+jwt"})")), "bad_header");
}

TEST(VerifyJwt, AHeaderWithoutAlgIsBadHeader) {
  EXPECT_EQ(reason(with_header(R"({"kid":"ed-1","typ":"at+jwt"})")), "bad_header");
}

TEST(VerifyJwt, AHeaderWithANonStringAlgIsBadHeader) {
  EXPECT_EQ(reason(with_header(R"({"alg":null,"kid":"ed-1","typ":"at+jwt"})")), "bad_header");
  EXPECT_EQ(reason(with_header(R"({"alg":["EdDSA"],"kid":"ed-1","typ":"at+jwt"})")), "bad_header");
}

class AlgNoneCasing : public ::testing::TestWithParam<const char*> {};
INSTANTIATE_TEST_SUITE_P(VerifyJwt, AlgNoneCasing, ::testing::Values("none", "None", "NONE", "nOnE"));

TEST_P(AlgNoneCasing, AlgNoneWithASignatureIsRefusedAsAlgNone) {
  const std::string header = std::string(R"({"alg":")") + GetParam() + R"(","kid":"ed-1","typ":"at+jwt"})";
  EXPECT_EQ(reason(with_header(header)), "alg_none");
}

TEST_P(AlgNoneCasing, AlgNoneWithoutASignatureIsRefusedAsMalformed) {
  // The unsecured JWS form "header.payload." has an empty signature segment, which the
  // shape check refuses before the header is even decoded.
  const std::string header = std::string(R"({"alg":")") + GetParam() + R"(","kid":"ed-1","typ":"at+jwt"})";
  const std::string token =
      base64url::encode(header) + "." + base64url::encode(bj::serialize(test::valid_claims())) + ".";
  EXPECT_EQ(reason(token), "malformed");
}

class ForbiddenHeader : public ::testing::TestWithParam<const char*> {};
INSTANTIATE_TEST_SUITE_P(VerifyJwt, ForbiddenHeader, ::testing::Values("jku", "jwk", "x5u", "x5c", "crit"));

TEST_P(ForbiddenHeader, AHeaderNamingItsOwnKeyOrExtensionsIsRefused) {
  bj::object header{{"alg", "EdDSA"}, {"kid", "ed-1"}, {"typ", "at+jwt"}};
  header[GetParam()] = std::string_view(GetParam()) == "jwk" ? bj::value(test_key(Alg::EdDSA)->public_jwk())
                                                             : bj::value(bj::array{"https://attacker.example/x"});
  EXPECT_EQ(reason(with_header(bj::serialize(header))), "forbidden_header");
}

TEST(VerifyJwt, AHeaderWithoutKidIsMissingKid) {
  EXPECT_EQ(reason(with_header(R"({"alg":"EdDSA","typ":"at+jwt"})")), "missing_kid");
}

TEST(VerifyJwt, ANonStringOrEmptyKidIsMissingKid) {
  EXPECT_EQ(reason(with_header(R"({"alg":"EdDSA","kid":1,"typ":"at+jwt"})")), "missing_kid");
  EXPECT_EQ(reason(with_header(R"({"alg":"EdDSA","kid":null,"typ":"at+jwt"})")), "missing_kid");
  EXPECT_EQ(reason(with_header(R"({"alg":"EdDSA","kid":"","typ":"at+jwt"})")), "missing_kid");
}

TEST(VerifyJwt, AKidNotInTheKeySetIsUnknownKid) {
  EXPECT_EQ(reason(with_header(R"({"alg":"EdDSA","kid":"ed-2","typ":"at+jwt"})")), "unknown_kid");
}

TEST(VerifyJwt, ATokenFromAnotherKeyWithAKnownKidFailsItsSignature) {
  // Only the key the kid names is tried; a key we do not hold signing under "ed-1" fails.
  const auto imposter = *SigningKey::generate(Alg::EdDSA, "ed-1");
  EXPECT_EQ(reason(sign_claims(test::valid_claims(), *imposter)), "bad_signature");
}

// --- algorithm confusion ------------------------------------------------------------------

TEST(VerifyJwt, Hs256HeaderWithAnRs256KidHmacdWithItsPublicPemIsAlgMismatch) {
  const auto& rsa = *test_key(Alg::RS256);
  EXPECT_EQ(reason(hmac_token(R"({"alg":"HS256","kid":"rs-1","typ":"at+jwt"})", rsa.public_pem())), "alg_mismatch");
}

TEST(VerifyJwt, Hs256HeaderWithAnRs256KidHmacdWithItsPublicDerIsAlgMismatch) {
  const auto& rsa = *test_key(Alg::RS256);
  EXPECT_EQ(reason(hmac_token(R"({"alg":"HS256","kid":"rs-1","typ":"at+jwt"})", public_der(rsa))), "alg_mismatch");
}

TEST(VerifyJwt, Hs256HeaderWithAnEdDsaKidHmacdWithItsPublicKeyIsAlgMismatch) {
  const auto& ed = *test_key(Alg::EdDSA);
  EXPECT_EQ(reason(hmac_token(R"({"alg":"HS256","kid":"ed-1","typ":"at+jwt"})", ed.public_pem())), "alg_mismatch");
  EXPECT_EQ(reason(hmac_token(R"({"alg":"HS256","kid":"ed-1","typ":"at+jwt"})", public_der(ed))), "alg_mismatch");
  EXPECT_EQ(reason(hmac_token(R"({"alg":"HS256","kid":"ed-1","typ":"at+jwt"})",
                              *base64url::decode(ed.public_jwk().at("x").as_string()))),
            "alg_mismatch");
}

TEST(VerifyJwt, AnAsymmetricAlgWithTheHs256KidIsAlgMismatch) {
  const auto& hs = *test_key(Alg::HS256);
  const auto token =
      sign_raw(R"({"alg":"RS256","kid":"hs-1","typ":"at+jwt"})", bj::serialize(test::valid_claims()), hs);
  EXPECT_EQ(reason(token), "alg_mismatch");
}

TEST(VerifyJwt, AnotherAsymmetricAlgForAKeyIsAlgMismatch) {
  EXPECT_EQ(reason(with_header(R"({"alg":"ES256","kid":"ed-1","typ":"at+jwt"})")), "alg_mismatch");
  EXPECT_EQ(reason(with_header(R"({"alg":"PS256","kid":"rs-1","typ":"at+jwt"})", Alg::RS256)), "alg_mismatch");
}

TEST(VerifyJwt, AnAlgThatDiffersOnlyInCaseIsAlgMismatch) {
  EXPECT_EQ(reason(with_header(R"({"alg":"eddsa","kid":"ed-1","typ":"at+jwt"})")), "alg_mismatch");
}

// --- signature ----------------------------------------------------------------------------

TEST(VerifyJwt, ASignatureSegmentThatIsNotBase64UrlIsBadSignature) {
  const auto token = with_claims(test::valid_claims());
  EXPECT_EQ(reason(token.substr(0, token.size() - 1) + "+"), "bad_signature");
}

TEST(VerifyJwt, ASignatureWithNonZeroTrailingBitsIsBadSignature) {
  // An EdDSA signature is 64 bytes: 86 characters whose last carries 4 unused bits.
  const auto token = with_claims(test::valid_claims());
  std::string changed = token;
  char& last = changed.back();
  last = last == 'A' ? 'B' : static_cast<char>(last + 1);
  EXPECT_EQ(reason(changed), "bad_signature");
}

TEST(VerifyJwt, ClaimsChangedAfterSigningAreBadSignature) {
  const auto token = with_claims(test::valid_claims());
  const auto dot1 = token.find('.');
  const auto dot2 = token.find('.', dot1 + 1);
  const std::string forged = token.substr(0, dot1 + 1) +
                             base64url::encode(bj::serialize(claims_with("sub", "usr_admin"))) + token.substr(dot2);
  EXPECT_EQ(reason(forged), "bad_signature");
}

// --- claims -------------------------------------------------------------------------------

TEST(VerifyJwt, APayloadThatIsNotBase64UrlIsBadClaims) {
  // A payload segment with a character outside the alphabet, correctly signed as it is.
  const auto& key = *test_key(Alg::EdDSA);
  const std::string input = base64url::encode(test::header_json(key)) + ".e30+";
  EXPECT_EQ(reason(input + "." + base64url::encode(*key.sign(input))), "bad_claims");
}

TEST(VerifyJwt, APayloadThatIsNotAJsonObjectIsBadClaims) {
  const auto& key = *test_key(Alg::EdDSA);
  EXPECT_EQ(reason(sign_raw(test::header_json(key), "[1]", key)), "bad_claims");
  EXPECT_EQ(reason(sign_raw(test::header_json(key), "\"sub\"", key)), "bad_claims");
  EXPECT_EQ(reason(sign_raw(test::header_json(key), "{", key)), "bad_claims");
}

TEST(VerifyJwt, ADuplicateClaimIsBadClaims) {
  const auto& key = *test_key(Alg::EdDSA);
  std::string payload = bj::serialize(test::valid_claims());
  payload.insert(1, R"("sub":"usr_admin",)");
  EXPECT_EQ(reason(sign_raw(test::header_json(key), payload, key)), "bad_claims");
}

class RequiredClaim : public ::testing::TestWithParam<const char*> {};
INSTANTIATE_TEST_SUITE_P(VerifyJwt, RequiredClaim, ::testing::Values("sub", "sid", "exp", "iat", "iss", "aud"));

TEST_P(RequiredClaim, ATokenWithoutItIsMissingClaim) {
  EXPECT_EQ(reason(with_claims(claims_without(GetParam()))), "missing_claim");
}

TEST(VerifyJwt, ExpAsAStringIsBadClaims) {
  EXPECT_EQ(reason(with_claims(claims_with("exp", std::to_string(kNow + 60)))), "bad_claims");
}

TEST(VerifyJwt, ExpAsAFractionOrBeyondInt64IsBadClaims) {
  EXPECT_EQ(reason(with_claims(claims_with("exp", static_cast<double>(kNow) + 60.5))), "bad_claims");
  EXPECT_EQ(reason(with_claims(claims_with("exp", std::uint64_t{18446744073709551615ULL}))), "bad_claims");
}

TEST(VerifyJwt, IatOrNbfOfTheWrongTypeIsBadClaims) {
  EXPECT_EQ(reason(with_claims(claims_with("iat", true))), "bad_claims");
  EXPECT_EQ(reason(with_claims(claims_with("nbf", nullptr))), "bad_claims");
}

TEST(VerifyJwt, SubAsANumberIsBadClaims) { EXPECT_EQ(reason(with_claims(claims_with("sub", 123))), "bad_claims"); }

TEST(VerifyJwt, AnEmptySubOrSidIsBadClaims) {
  EXPECT_EQ(reason(with_claims(claims_with("sub", ""))), "bad_claims");
  EXPECT_EQ(reason(with_claims(claims_with("sid", ""))), "bad_claims");
}

TEST(VerifyJwt, SidOrJtiOfTheWrongTypeIsBadClaims) {
  EXPECT_EQ(reason(with_claims(claims_with("sid", bj::array{"ses_1"}))), "bad_claims");
  EXPECT_EQ(reason(with_claims(claims_with("jti", 7))), "bad_claims");
}

TEST(VerifyJwt, AudOfTheWrongTypeIsBadClaims) {
  EXPECT_EQ(reason(with_claims(claims_with("aud", 1))), "bad_claims");
  EXPECT_EQ(reason(with_claims(claims_with("aud", bj::array{test::kAudience, 1}))), "bad_claims");
  EXPECT_EQ(reason(with_claims(claims_with("aud", bj::array{}))), "bad_claims");
  EXPECT_EQ(reason(with_claims(claims_with("aud", bj::object{{"x", 1}}))), "bad_claims");
}

// --- time ---------------------------------------------------------------------------------

TEST(VerifyJwt, ExpExactlyAtTheLeewayEdgeIsAccepted) {
  EXPECT_EQ(reason(with_claims(claims_with("exp", kNow - 30))), "ok");
}

TEST(VerifyJwt, ExpOneSecondPastTheLeewayIsExpired) {
  EXPECT_EQ(reason(with_claims(claims_with("exp", kNow - 31))), "expired");
}

TEST(VerifyJwt, ExpWithZeroLeewayExpiresAtExp) {
  auto rules = test::test_rules();
  rules.leeway_s = 0;
  EXPECT_EQ(reason(with_claims(claims_with("exp", kNow)), rules), "ok");
  EXPECT_EQ(reason(with_claims(claims_with("exp", kNow - 1)), rules), "expired");
}

TEST(VerifyJwt, AHugeExpDoesNotOverflow) {
  EXPECT_EQ(reason(with_claims(claims_with("exp", std::numeric_limits<std::int64_t>::max()))), "ok");
  EXPECT_EQ(reason(with_claims(claims_with("exp", std::numeric_limits<std::int64_t>::min()))), "expired");
}

TEST(VerifyJwt, NbfWithinTheLeewayIsAccepted) { EXPECT_EQ(reason(with_claims(claims_with("nbf", kNow + 30))), "ok"); }

TEST(VerifyJwt, NbfBeyondTheLeewayIsNotYetValid) {
  EXPECT_EQ(reason(with_claims(claims_with("nbf", kNow + 31))), "not_yet_valid");
}

TEST(VerifyJwt, IatWithinTheLeewayIsAccepted) { EXPECT_EQ(reason(with_claims(claims_with("iat", kNow + 30))), "ok"); }

TEST(VerifyJwt, IatBeyondTheLeewayIsIssuedInFuture) {
  EXPECT_EQ(reason(with_claims(claims_with("iat", kNow + 31))), "issued_in_future");
}

// --- issuer, audience, type ---------------------------------------------------------------

TEST(VerifyJwt, AnotherIssuerIsBadIssuer) {
  EXPECT_EQ(reason(with_claims(claims_with("iss", "https://evil.example.test"))), "bad_issuer");
  EXPECT_EQ(reason(with_claims(claims_with("iss", std::string(test::kIssuer) + "/"))), "bad_issuer");
}

TEST(VerifyJwt, AnAbsentIssuerIsBadIssuerWhenNotRequired) {
  auto rules = test::test_rules();
  rules.required_claims = {"sub", "sid", "exp", "iat", "aud"};
  EXPECT_EQ(reason(with_claims(claims_without("iss")), rules), "bad_issuer");
}

TEST(VerifyJwt, AudAsTheExpectedStringIsAccepted) {
  EXPECT_EQ(reason(with_claims(claims_with("aud", test::kAudience))), "ok");
}

TEST(VerifyJwt, AudAsAnArrayContainingTheAudienceIsAccepted) {
  EXPECT_EQ(reason(with_claims(claims_with("aud", bj::array{"other", test::kAudience}))), "ok");
}

TEST(VerifyJwt, AudAsAnArrayWithoutTheAudienceIsBadAudience) {
  EXPECT_EQ(reason(with_claims(claims_with("aud", bj::array{"other", "another"}))), "bad_audience");
}

TEST(VerifyJwt, AudAsAnotherStringIsBadAudience) {
  EXPECT_EQ(reason(with_claims(claims_with("aud", "other"))), "bad_audience");
}

TEST(VerifyJwt, AnAbsentAudIsBadAudienceWhenNotRequired) {
  auto rules = test::test_rules();
  rules.required_claims = {"sub", "sid", "exp", "iat", "iss"};
  EXPECT_EQ(reason(with_claims(claims_without("aud")), rules), "bad_audience");
}

TEST(VerifyJwt, TypInUpperCaseIsAccepted) {
  EXPECT_EQ(reason(with_header(R"({"alg":"EdDSA","kid":"ed-1","typ":"AT+JWT"})")), "ok");
}

TEST(VerifyJwt, TypApplicationAtJwtIsAccepted) {
  EXPECT_EQ(reason(with_header(R"({"alg":"EdDSA","kid":"ed-1","typ":"application/at+jwt"})")), "ok");
  EXPECT_EQ(reason(with_header(R"({"alg":"EdDSA","kid":"ed-1","typ":"Application/AT+JWT"})")), "ok");
}

TEST(VerifyJwt, TypJwtIsBadType) {
  // An ID token or any other JWT from the same issuer must not pass as an access token.
  EXPECT_EQ(reason(with_header(R"({"alg":"EdDSA","kid":"ed-1","typ":"JWT"})")), "bad_type");
}

TEST(VerifyJwt, AnAbsentTypIsBadType) { EXPECT_EQ(reason(with_header(R"({"alg":"EdDSA","kid":"ed-1"})")), "bad_type"); }

TEST(VerifyJwt, ANonStringTypIsBadType) {
  EXPECT_EQ(reason(with_header(R"({"alg":"EdDSA","kid":"ed-1","typ":["at+jwt"]})")), "bad_type");
}

TEST(VerifyJwt, TypWithSurroundingSpaceIsBadType) {
  EXPECT_EQ(reason(with_header(R"({"alg":"EdDSA","kid":"ed-1","typ":" at+jwt"})")), "bad_type");
}

// --- order --------------------------------------------------------------------------------

TEST(VerifyJwt, TheSignatureIsCheckedBeforeAnyClaim) {
  // Expired, wrong issuer and wrong audience, but forged: the reason is the signature.
  auto claims = claims_with("exp", kNow - 3600);
  claims["iss"] = "x";
  const auto imposter = *SigningKey::generate(Alg::EdDSA, "ed-1");
  EXPECT_EQ(reason(sign_claims(claims, *imposter)), "bad_signature");
}

TEST(VerifyJwt, TheKeyIsLookedUpBeforeTheSignature) {
  EXPECT_EQ(reason(with_header(R"({"alg":"EdDSA","kid":"gone","typ":"JWT"})")), "unknown_kid");
}

TEST(VerifyJwt, VerifiesFromManyThreadsAtOnce) {
  std::vector<std::string> tokens;
  for (Alg a : {Alg::EdDSA, Alg::ES256, Alg::RS256, Alg::HS256}) {
    tokens.push_back(*sign_jwt(test::valid_claims(), *test_key(a), "at+jwt"));
  }
  const KeySet keys = test::test_key_set();
  const JwtRules rules = test::test_rules();
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 100; ++i) {
        for (const auto& token : tokens) {
          if (!verify_jwt(token, keys, rules)) ++failures;
        }
        if (verify_jwt(tokens[0] + "A", keys, rules)) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
}

}  // namespace
}  // namespace tessera::crypto
