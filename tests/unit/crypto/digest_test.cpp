// SHA-256, HMAC-SHA-256 and constant-time comparison against published vectors.
#include "crypto/digest.hpp"

#include <gtest/gtest.h>

#include <string>

namespace tessera::crypto {
namespace {

std::string hex(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

TEST(Digest, Sha256OfAbcIsTheFips180Vector) {
  EXPECT_EQ(hex(sha256_bytes("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Digest, Sha256OfTheEmptyStringIsTheKnownValue) {
  EXPECT_EQ(hex(sha256_bytes("")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Digest, Sha256ArrayAndBytesAgree) {
  const auto a = sha256("tessera");
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(a.data()), a.size()), sha256_bytes("tessera"));
}

TEST(Digest, HmacSha256MatchesRfc4231TestCase2) {
  EXPECT_EQ(hex(hmac_sha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(Digest, HmacSha256MatchesRfc4231TestCase1) {
  EXPECT_EQ(hex(hmac_sha256(std::string(20, '\x0b'), "Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
}

TEST(Digest, ConstantTimeEqualIsTrueForEqualStrings) {
  EXPECT_TRUE(constant_time_equal("", ""));
  EXPECT_TRUE(constant_time_equal("secret", "secret"));
}

TEST(Digest, ConstantTimeEqualIsFalseForOneDifferentByte) {
  EXPECT_FALSE(constant_time_equal("secret", "secreT"));
  EXPECT_FALSE(constant_time_equal("Secret", "secret"));
}

TEST(Digest, ConstantTimeEqualIsFalseForDifferentLengths) {
  EXPECT_FALSE(constant_time_equal("secret", "secret!"));
  EXPECT_FALSE(constant_time_equal("", "x"));
}

}  // namespace
}  // namespace tessera::crypto
