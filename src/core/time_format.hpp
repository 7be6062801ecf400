#pragma once
// RFC 3339 timestamps for API bodies and CLI output: "2026-11-23T09:30:00Z" (UTC, seconds).
#include <ctime>
#include <string>

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

}  // namespace tessera
