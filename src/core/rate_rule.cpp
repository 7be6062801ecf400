#include "core/rate_rule.hpp"

#include <charconv>
#include <cstdint>

namespace tessera {

Result<RateRule> parse_rate_rule(std::string_view text) {
  const auto bad = [] { return make_error(errc::invalid_request, "write a count and a period, like 30/1m or 20/1h"); };
  const auto slash = text.find('/');
  if (slash == std::string_view::npos) return bad();
  int count = 0;
  const auto n = text.substr(0, slash);
  const auto [p, ec] = std::from_chars(n.data(), n.data() + n.size(), count);
  if (ec != std::errc() || p != n.data() + n.size() || count < 1 || count > 1000000) return bad();
  std::string_view d = text.substr(slash + 1);
  if (d.size() < 2) return bad();
  std::int64_t amount = 0;
  const auto [q, ec2] = std::from_chars(d.data(), d.data() + d.size() - 1, amount);
  if (ec2 != std::errc() || q != d.data() + d.size() - 1 || amount < 1) return bad();
  if (amount > 7 * 86400) return make_error(errc::invalid_request, "use a period of at most 7d");
  std::int64_t unit = 0;
  switch (d.back()) {
    case 's': unit = 1; break;
    case 'm': unit = 60; break;
    case 'h': unit = 3600; break;
    case 'd': unit = 86400; break;
    default: return bad();
  }
  if (amount * unit > 7 * 86400) return make_error(errc::invalid_request, "use a period of at most 7d");
  return RateRule{count, std::chrono::seconds(amount * unit)};
}

std::string format_rate_rule(const RateRule& rule) {
  const auto s = rule.period.count();
  std::string period = s % 86400 == 0  ? std::to_string(s / 86400) + "d"
                       : s % 3600 == 0 ? std::to_string(s / 3600) + "h"
                       : s % 60 == 0   ? std::to_string(s / 60) + "m"
                                       : std::to_string(s) + "s";
  return std::to_string(rule.count) + "/" + period;
}

}  // namespace tessera
