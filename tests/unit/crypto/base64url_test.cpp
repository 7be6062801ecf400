// base64url: round trips, and every way a non-canonical or foreign encoding is refused.
#include "crypto/base64url.hpp"

#include <gtest/gtest.h>

#include <string>

namespace tessera::crypto {
namespace {

std::string all_bytes() {
  std::string s;
  for (int i = 0; i < 256; ++i) s.push_back(static_cast<char>(i));
  return s;
}

TEST(Base64Url, EncodesTheRfc4648TestVectorsWithoutPadding) {
  EXPECT_EQ(base64url::encode(""), "");
  EXPECT_EQ(base64url::encode("f"), "Zg");
  EXPECT_EQ(base64url::encode("fo"), "Zm8");
  EXPECT_EQ(base64url::encode("foo"), "Zm9v");
  EXPECT_EQ(base64url::encode("foob"), "Zm9vYg");
  EXPECT_EQ(base64url::encode("fooba"), "Zm9vYmE");
  EXPECT_EQ(base64url::encode("foobar"), "Zm9vYmFy");
}

TEST(Base64Url, UsesTheUrlSafeAlphabetForTheLastTwoValues) {
  EXPECT_EQ(base64url::encode("\xfb\xff"), "-_8");
  EXPECT_EQ(*base64url::decode("-_8"), "\xfb\xff");
}

TEST(Base64Url, RoundTripsEveryLengthUpTo300Bytes) {
  const std::string bytes = all_bytes() + all_bytes();
  for (std::size_t n = 0; n <= 300; ++n) {
    const std::string in = bytes.substr(0, n);
    const auto out = base64url::decode(base64url::encode(in));
    ASSERT_TRUE(out) << n;
    EXPECT_EQ(*out, in) << n;
  }
}

TEST(Base64Url, DecodesTheEmptyStringToNothing) {
  const auto out = base64url::decode("");
  ASSERT_TRUE(out);
  EXPECT_EQ(*out, "");
}

TEST(Base64Url, DecodedSizeMatchesWhatDecodeProduces) {
  for (std::size_t n = 0; n <= 64; ++n) {
    EXPECT_EQ(base64url::decoded_size(base64url::encode(std::string(n, 'x')).size()), n);
  }
}

TEST(Base64Url, RefusesPadding) {
  EXPECT_FALSE(base64url::decode("Zg=="));
  EXPECT_FALSE(base64url::decode("Zm8="));
  EXPECT_FALSE(base64url::decode("Zm9v="));
  EXPECT_FALSE(base64url::decode("===="));
}

TEST(Base64Url, RefusesTheStandardAlphabetsPlusAndSlash) {
  EXPECT_FALSE(base64url::decode("-_8+"));
  EXPECT_FALSE(base64url::decode("+_8"));
  EXPECT_FALSE(base64url::decode("/w"));
}

TEST(Base64Url, RefusesWhitespaceAnywhere) {
  EXPECT_FALSE(base64url::decode(" Zm9v"));
  EXPECT_FALSE(base64url::decode("Zm9v "));
  EXPECT_FALSE(base64url::decode("Zm\n9v"));
  EXPECT_FALSE(base64url::decode("Zm9v\r\n"));
  EXPECT_FALSE(base64url::decode("Zm\t9v"));
}

TEST(Base64Url, RefusesEveryByteOutsideTheAlphabet) {
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  for (int c = 0; c < 256; ++c) {
    const char ch = static_cast<char>(c);
    if (alphabet.find(ch) != std::string::npos) continue;
    std::string text = "Zm9v";
    text[2] = ch;
    EXPECT_FALSE(base64url::decode(text)) << "byte " << c;
    EXPECT_FALSE(base64url::decode(std::string("Zm") + ch)) << "byte " << c << " in a tail";
  }
}

TEST(Base64Url, RefusesALengthThatIsOneMod4) {
  EXPECT_FALSE(base64url::decode("Z"));
  EXPECT_FALSE(base64url::decode("Zm9vY"));
  const auto e = base64url::decode("Zm9vYmFyZ");
  ASSERT_FALSE(e);
  EXPECT_EQ(e.code(), errc::invalid_request);
  EXPECT_NE(e.error().reason.find("1 mod 4"), std::string::npos);
}

TEST(Base64Url, RefusesNonZeroTrailingBitsInATwoCharacterTail) {
  // "Zg" is 'f'; "Zh".."Zv" carry the same byte with stray low bits.
  EXPECT_TRUE(base64url::decode("Zg"));
  for (const char* text : {"Zh", "Zi", "Zj", "Zk", "Zl", "Zm", "Zn", "Zo", "Zp", "Zv"}) {
    const auto e = base64url::decode(text);
    ASSERT_FALSE(e) << text;
    EXPECT_NE(e.error().reason.find("non-canonical"), std::string::npos) << text;
  }
}

TEST(Base64Url, RefusesNonZeroTrailingBitsInAThreeCharacterTail) {
  EXPECT_TRUE(base64url::decode("Zm8"));
  EXPECT_FALSE(base64url::decode("Zm9"));
  EXPECT_FALSE(base64url::decode("Zm-"));
  EXPECT_FALSE(base64url::decode("Zm_"));
}

TEST(Base64Url, ReportsRejectionsAsInvalidRequestWithAReason) {
  const auto e = base64url::decode("Zm9v=");
  ASSERT_FALSE(e);
  EXPECT_EQ(e.code(), errc::invalid_request);
  EXPECT_FALSE(e.error().reason.empty());
}

TEST(Base64Url, DecodeIntoAppendsToWhatIsAlreadyThere) {
  std::string out = "x";
  EXPECT_TRUE(base64url::decode_into("Zm9v", out));
  EXPECT_EQ(out, "xfoo");
  EXPECT_FALSE(base64url::decode_into("Zm9v=", out));
}

}  // namespace
}  // namespace tessera::crypto
