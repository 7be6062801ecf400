#pragma once
// A rate: `count` requests per `period`, written "30/1m", "20/1h" (settings TESSERA_RATE_LIMIT_*).
#include <chrono>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace tessera {

struct RateRule {
  int count = 0;
  std::chrono::seconds period{60};
};

// Parses "30/1m" (count / duration with s, m, h or d); errc::invalid_request with a detail.
Result<RateRule> parse_rate_rule(std::string_view text);
std::string format_rate_rule(const RateRule& rule);

}  // namespace tessera
