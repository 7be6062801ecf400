#pragma once
// Shared fixtures for the JWS tests: one key per algorithm (generated once per process, since
// RSA key generation takes a while), a way to sign arbitrary header and payload text, and the
// adversarial mutations DESIGN rule 12 asks every positive crypto test to survive.
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "crypto/base64url.hpp"
#include "crypto/jws.hpp"
#include "crypto/key_set.hpp"
#include "crypto/signing_key.hpp"

namespace tessera::crypto::test {

inline constexpr std::int64_t kNow = 1'700'000'000;
inline constexpr std::string_view kIssuer = "https://auth.example.test";
inline constexpr std::string_view kAudience = "https://api.example.test";
inline constexpr std::string_view kHmacSecret = "0123456789abcdef0123456789abcdef-hs256-test";

// One key per algorithm, kids "ed-1", "ec-1", "rs-1", "hs-1"; made once.
inline std::shared_ptr<const SigningKey> test_key(Alg alg) {
  static const auto keys = [] {
    std::vector<std::shared_ptr<const SigningKey>> k;
    k.push_back(*SigningKey::generate(Alg::EdDSA, "ed-1"));
    k.push_back(*SigningKey::generate(Alg::ES256, "ec-1"));
    k.push_back(*SigningKey::generate(Alg::RS256, "rs-1"));
    k.push_back(*SigningKey::from_secret("hs-1", kHmacSecret));
    return k;
  }();
  return keys.at(static_cast<std::size_t>(alg));
}

inline KeySet test_key_set() {
  KeySet set;
  for (Alg a : {Alg::EdDSA, Alg::ES256, Alg::RS256, Alg::HS256}) {
    EXPECT_TRUE(set.add(test_key(a)));
  }
  return set;
}

inline JwtRules test_rules() {
  JwtRules r;
  r.now = kNow;
  r.issuer = std::string(kIssuer);
  r.audience = std::string(kAudience);
  return r;
}

inline boost::json::object valid_claims() {
  return boost::json::object{{"iss", kIssuer},   {"aud", kAudience}, {"sub", "usr_123"}, {"sid", "ses_456"},
                             {"jti", "tok_789"}, {"iat", kNow - 10}, {"exp", kNow + 890}};
}

inline std::string header_json(const SigningKey& key, std::string_view typ = "at+jwt") {
  return boost::json::serialize(boost::json::object{{"alg", to_string(key.alg())}, {"kid", key.kid()}, {"typ", typ}});
}

// base64url(header) '.' base64url(payload) '.' base64url(key's signature over the two): any
// header or payload text at all, correctly signed.
inline std::string sign_raw(std::string_view header, std::string_view payload, const SigningKey& key) {
  std::string input = base64url::encode(header) + "." + base64url::encode(payload);
  auto sig = key.sign(input);
  EXPECT_TRUE(sig);
  return input + "." + base64url::encode(sig ? *sig : std::string{});
}

inline std::string sign_claims(const boost::json::object& claims, const SigningKey& key) {
  return sign_raw(header_json(key), boost::json::serialize(claims), key);
}

// The reason of a failed verification, or "ok".
inline std::string reason_of(const Result<VerifiedJwt>& r) { return r ? "ok" : r.error().reason; }

// Every mutation of a valid compact token that must be refused: each single-bit flip in the
// decoded signature (re-encoded), a different character at every position of the header and
// payload segments, every truncation, and '=' padding appended. `accepts` says whether the
// verifier under test accepts a token; each mutation is reported with what was done.
inline void expect_mutations_refused(const std::string& token, const std::function<bool(const std::string&)>& accepts) {
  ASSERT_TRUE(accepts(token)) << "the unmutated token must verify: " << token;
  const std::size_t dot1 = token.find('.');
  const std::size_t dot2 = token.find('.', dot1 + 1);
  const std::string head = token.substr(0, dot2 + 1);
  const auto sig = base64url::decode(std::string_view(token).substr(dot2 + 1));
  ASSERT_TRUE(sig);

  for (std::size_t byte = 0; byte < sig->size(); ++byte) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string flipped = *sig;
      flipped[byte] = static_cast<char>(flipped[byte] ^ (1 << bit));
      EXPECT_FALSE(accepts(head + base64url::encode(flipped))) << "signature byte " << byte << " bit " << bit;
    }
  }
  for (std::size_t i = 0; i < dot2; ++i) {
    if (i == dot1) continue;
    std::string changed = token;
    changed[i] = token[i] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(accepts(changed)) << "character " << i << " changed";
  }
  for (std::size_t n = 0; n < token.size(); ++n) {
    EXPECT_FALSE(accepts(token.substr(0, n))) << "truncated to " << n;
  }
  EXPECT_FALSE(accepts(token + "=")) << "one '=' appended";
  EXPECT_FALSE(accepts(token + "==")) << "two '=' appended";
}

}  // namespace tessera::crypto::test
