#include <gtest/gtest.h>

#include "config/duration.hpp"

namespace tessera::config {
namespace {

using std::chrono::seconds;

TEST(Duration, ParsesEachUnit) {
  EXPECT_EQ(*parse_duration("30s"), seconds(30));
  EXPECT_EQ(*parse_duration("15m"), seconds(900));
  EXPECT_EQ(*parse_duration("12h"), seconds(43200));
  EXPECT_EQ(*parse_duration("7d"), seconds(604800));
  EXPECT_EQ(*parse_duration("0s"), seconds(0));
}

TEST(Duration, RefusesWhatIsNotANumberAndOneUnit) {
  for (const char* bad : {"", "s", "15", "15x", "1.5h", "-5m", "+5m", " 5m", "5m ", "5 m", "5mm", "1h30m", "0x10s"}) {
    EXPECT_FALSE(parse_duration(bad)) << bad;
  }
}

TEST(Duration, RefusesAbsurdlyLongValuesWithoutOverflow) {
  EXPECT_FALSE(parse_duration("99999999999999d"));
  EXPECT_FALSE(parse_duration("4000d"));
}

TEST(Duration, FormatsTheShortestExactSpelling) {
  EXPECT_EQ(format_duration(seconds(900)), "15m");
  EXPECT_EQ(format_duration(seconds(90)), "90s");
  EXPECT_EQ(format_duration(seconds(86400 * 7)), "7d");
  EXPECT_EQ(format_duration(seconds(0)), "0s");
}

}  // namespace
}  // namespace tessera::config
