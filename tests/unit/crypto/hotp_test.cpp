#include "crypto/hotp.hpp"

#include <gtest/gtest.h>

#include <array>

namespace tessera::crypto {
namespace {

constexpr std::string_view kRfcSecret = "12345678901234567890";

// RFC 4226 Appendix D: the ten first counters of the test secret.
TEST(Hotp, MatchesTheRfc4226Vectors) {
  const std::array<const char*, 10> expected = {"755224", "287082", "359152", "969429", "338314",
                                                "254676", "287922", "162583", "399871", "520489"};
  for (std::uint64_t counter = 0; counter < expected.size(); ++counter) {
    EXPECT_EQ(hotp_sha1(kRfcSecret, counter, 6), expected[counter]) << counter;
  }
}

// RFC 6238 Appendix B, the SHA-1 rows: T = floor(time / 30), eight digits.
TEST(Hotp, MatchesTheRfc6238Sha1Vectors) {
  const std::array<std::pair<std::int64_t, const char*>, 6> rows = {{{59, "94287082"},
                                                                     {1111111109, "07081804"},
                                                                     {1111111111, "14050471"},
                                                                     {1234567890, "89005924"},
                                                                     {2000000000, "69279037"},
                                                                     {20000000000, "65353130"}}};
  for (const auto& [time, code] : rows) {
    EXPECT_EQ(hotp_sha1(kRfcSecret, static_cast<std::uint64_t>(time / 30), 8), code) << time;
  }
}

TEST(Hotp, KeepsLeadingZeros) {
  // T = 1111111109 gives 07081804 with eight digits: 081804 with six.
  EXPECT_EQ(hotp_sha1(kRfcSecret, 1111111109 / 30, 6), "081804");
}

}  // namespace
}  // namespace tessera::crypto
