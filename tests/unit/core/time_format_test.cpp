// RFC 3339 as the user import reads it (created_at) and the export writes it.
#include <gtest/gtest.h>

#include "core/time_format.hpp"

namespace tessera::test {
namespace {

std::int64_t ms_of(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

TEST(Rfc3339, ReadsUtcOffsetsFractionsAndASpaceForT) {
  EXPECT_EQ(ms_of(*parse_rfc3339("1970-01-01T00:00:00Z")), 0);
  EXPECT_EQ(ms_of(*parse_rfc3339("2026-11-23T10:00:00Z")), 1795428000000);
  EXPECT_EQ(ms_of(*parse_rfc3339("2026-11-23T10:00:00.5Z")), 1795428000500);
  EXPECT_EQ(ms_of(*parse_rfc3339("2026-11-23T10:00:00.123456789Z")), 1795428000123) << "cut to the millisecond";
  EXPECT_EQ(ms_of(*parse_rfc3339("2026-11-23 12:00:00+02:00")), 1795428000000);
  EXPECT_EQ(ms_of(*parse_rfc3339("2026-11-23T04:30:00-05:30")), 1795428000000);
  EXPECT_EQ(ms_of(*parse_rfc3339("2026-11-23t10:00:00z")), 1795428000000);
  EXPECT_EQ(ms_of(*parse_rfc3339("2024-02-29T00:00:00Z")), 1709164800000) << "a leap day";
}

TEST(Rfc3339, RefusesWhatIsNotOneInstant) {
  for (const char* bad : {"",
                          "2026-11-23",
                          "2026-11-23T10:00:00",
                          "2026-11-23T10:00Z",
                          "2026-11-23T10:00:00+0200",
                          "2026-02-30T00:00:00Z",
                          "2025-02-29T00:00:00Z",
                          "2026-13-01T00:00:00Z",
                          "2026-11-23T24:00:00Z",
                          "2026-11-23T10:60:00Z",
                          "2026-11-23T10:00:00.Z",
                          "2026-11-23T10:00:00Z ",
                          " 2026-11-23T10:00:00Z",
                          "1969-12-31T23:59:59Z",
                          "2200-01-01T00:00:00Z",
                          "1970-01-01T00:00:00+01:00",
                          "2026-11-23T10:00:00+24:00",
                          "2026-11-23T10:00:00.1234567890Z",
                          "+2026-11-23T10:00:00Z",
                          "2026-1-23T10:00:00Z"}) {
    EXPECT_FALSE(parse_rfc3339(bad).has_value()) << bad;
  }
}

TEST(Rfc3339, WhatExportWritesImportReadsBackToTheMillisecond) {
  const TimePoint t{std::chrono::milliseconds(1795428000123)};
  EXPECT_EQ(format_rfc3339_ms(t), "2026-11-23T10:00:00.123Z");
  EXPECT_EQ(ms_of(*parse_rfc3339(format_rfc3339_ms(t))), 1795428000123);
  EXPECT_EQ(format_rfc3339_ms(TimePoint{}), "1970-01-01T00:00:00.000Z");
}

}  // namespace
}  // namespace tessera::test
