#pragma once
// RFC 3339 timestamps for API bodies and CLI output: "2026-11-23T09:30:00Z" (UTC, seconds), and
// with milliseconds where a value must survive a round trip (user export and import).
#include <ctime>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.hpp"

namespace tessera {

inline std::string format_rfc3339(TimePoint t) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  const auto n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return std::string(buf, n);
}

// "2026-11-23T09:30:00.123Z": the stores keep milliseconds, so this loses nothing.
std::string format_rfc3339_ms(TimePoint t);

// An RFC 3339 date-time: "2026-11-23T09:30:00Z", with 'T' or a space, an optional fraction
// (kept to the millisecond, the rest cut), and "Z" or a "+hh:mm"/"-hh:mm" offset (required: a
// time without one means a different instant in every zone). Years 1970 to 2199 only, the range
// a TimePoint and both stores hold. nullopt for anything else, e.g. 2026-02-30 or 24:00:00.
std::optional<TimePoint> parse_rfc3339(std::string_view text);

}  // namespace tessera
