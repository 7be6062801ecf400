#pragma once
// Durations as operators write them: "30s", "15m", "12h", "7d".
#include <chrono>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace tessera::config {

// Parses a whole number followed by one unit (s, m, h, d). Refuses signs, spaces, fractions,
// missing units and values over 10 years (errc::invalid_request).
Result<std::chrono::seconds> parse_duration(std::string_view text);

// The shortest exact spelling of `d`, e.g. 900 s -> "15m", 90 s -> "90s".
std::string format_duration(std::chrono::seconds d);

}  // namespace tessera::config
