#include "crypto/base32.hpp"

#include <gtest/gtest.h>

namespace tessera::crypto {
namespace {

// RFC 4648 §10's test vectors, without the padding the encoder leaves off.
TEST(Base32, EncodesTheRfc4648Vectors) {
  EXPECT_EQ(base32::encode(""), "");
  EXPECT_EQ(base32::encode("f"), "MY");
  EXPECT_EQ(base32::encode("fo"), "MZXQ");
  EXPECT_EQ(base32::encode("foo"), "MZXW6");
  EXPECT_EQ(base32::encode("foob"), "MZXW6YQ");
  EXPECT_EQ(base32::encode("fooba"), "MZXW6YTB");
  EXPECT_EQ(base32::encode("foobar"), "MZXW6YTBOI");
}

TEST(Base32, DecodesWithOrWithoutPaddingInEitherCaseIgnoringSpaces) {
  EXPECT_EQ(*base32::decode("MZXW6YTBOI======"), "foobar");
  EXPECT_EQ(*base32::decode("MZXW6YTBOI"), "foobar");
  EXPECT_EQ(*base32::decode("mzxw 6ytb oi"), "foobar");
  EXPECT_EQ(*base32::decode("MZXW6YQ="), "foob");
}

TEST(Base32, ATwentyByteSecretRoundTripsThroughThirtyTwoSymbols) {
  const std::string secret = "12345678901234567890";
  const std::string text = base32::encode(secret);
  EXPECT_EQ(text, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
  EXPECT_EQ(*base32::decode(text), secret);
}

TEST(Base32, RefusesOtherCharactersSymbolsAfterPaddingAndImpossibleLengths) {
  for (const char* bad : {"MZXW1", "MZXW8", "MZ-XW", "MZ=XW", "M", "MZX", "MZXW6Y"}) {
    const auto r = base32::decode(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, errc::invalid_request) << bad;
  }
}

}  // namespace
}  // namespace tessera::crypto
