#include "domain/totp.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace tessera::domain {
namespace {

constexpr std::string_view kRfcSecret = "12345678901234567890";

TimePoint at(std::int64_t unix_seconds) { return TimePoint(Seconds(unix_seconds)); }

// RFC 6238 Appendix B's SHA-1 rows, as the six digits an app shows (the last six of eight).
TEST(Totp, SixDigitCodesOfTheRfc6238Vectors) {
  EXPECT_EQ(totp_code(kRfcSecret, totp_step(at(59))), "287082");
  EXPECT_EQ(totp_code(kRfcSecret, totp_step(at(1111111109))), "081804");
  EXPECT_EQ(totp_code(kRfcSecret, totp_step(at(1234567890))), "005924");
  EXPECT_EQ(totp_code(kRfcSecret, totp_step(at(2000000000))), "279037");
}

TEST(Totp, StepsAreThirtySecondsFromTheEpoch) {
  EXPECT_EQ(totp_step(at(0)), 0);
  EXPECT_EQ(totp_step(at(29)), 0);
  EXPECT_EQ(totp_step(at(30)), 1);
  EXPECT_EQ(totp_step(at(1111111109)), 37037036);
}

TEST(Totp, OneStepEitherSideIsAcceptedAndTwoAreNot) {
  const TimePoint now = at(1'700'000'000);
  const std::int64_t step = totp_step(now);
  for (const std::int64_t offset : {-1, 0, 1}) {
    EXPECT_EQ(matching_totp_step(kRfcSecret, totp_code(kRfcSecret, step + offset), now), step + offset) << offset;
  }
  for (const std::int64_t offset : {-2, 2, 10}) {
    EXPECT_EQ(matching_totp_step(kRfcSecret, totp_code(kRfcSecret, step + offset), now), std::nullopt) << offset;
  }
  EXPECT_EQ(matching_totp_step("another secret of twenty", totp_code(kRfcSecret, step), now), std::nullopt);
}

TEST(Totp, ACodeIsSixDigitsWithSpacesIgnored) {
  EXPECT_EQ(*parse_totp_code("123456"), "123456");
  EXPECT_EQ(*parse_totp_code("123 456"), "123456");
  EXPECT_EQ(*parse_totp_code(" 12 34 56 "), "123456");
  for (const std::string& bad : std::vector<std::string>{"", "12345", "1234567", "12345a", "１２３４５６", "123-456",
                                                         "12345\n", std::string(1 << 20, '1')}) {
    const auto r = parse_totp_code(bad);
    ASSERT_FALSE(r) << bad.substr(0, 16);
    EXPECT_EQ(r.error().code, errc::invalid_request);
  }
}

TEST(Totp, TheOtpauthUriSpellsOutEveryParameterAndEncodesTheLabel) {
  EXPECT_EQ(otpauth_uri("Acme & Co", "ann@example.com", kRfcSecret),
            "otpauth://totp/Acme%20%26%20Co:ann%40example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
            "&issuer=Acme%20%26%20Co&algorithm=SHA1&digits=6&period=30");
}

}  // namespace
}  // namespace tessera::domain
