#include "config/duration.hpp"

#include <cstdint>

namespace tessera::config {

namespace {
constexpr std::int64_t kMaxSeconds = 10LL * 366 * 24 * 3600;  // nothing Tessera times is longer
}

Result<std::chrono::seconds> parse_duration(std::string_view text) {
  const auto bad = [] {
    return make_error(errc::invalid_request, "write a whole number and a unit, like 30s, 15m, 12h or 7d");
  };
  if (text.size() < 2 || text.size() > 16) return bad();
  std::int64_t unit = 0;
  switch (text.back()) {
    case 's': unit = 1; break;
    case 'm': unit = 60; break;
    case 'h': unit = 3600; break;
    case 'd': unit = 86400; break;
    default: return bad();
  }
  std::int64_t n = 0;
  for (char c : text.substr(0, text.size() - 1)) {
    if (c < '0' || c > '9') return bad();
    n = n * 10 + (c - '0');
    if (n * unit > kMaxSeconds) {
      return make_error(errc::invalid_request, "durations longer than 10 years are not supported");
    }
  }
  return std::chrono::seconds(n * unit);
}

std::string format_duration(std::chrono::seconds d) {
  const std::int64_t s = d.count();
  if (s != 0 && s % 86400 == 0) return std::to_string(s / 86400) + "d";
  if (s != 0 && s % 3600 == 0) return std::to_string(s / 3600) + "h";
  if (s != 0 && s % 60 == 0) return std::to_string(s / 60) + "m";
  return std::to_string(s) + "s";
}

}  // namespace tessera::config
