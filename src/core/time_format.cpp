#include "core/time_format.hpp"

#include <chrono>
#include <cstdint>
#include <cstdio>

namespace tessera {

std::string format_rfc3339_ms(TimePoint t) {
  const auto ms = std::chrono::floor<std::chrono::milliseconds>(t);
  const auto secs = std::chrono::floor<std::chrono::seconds>(ms);
  std::string s = format_rfc3339(TimePoint(std::chrono::duration_cast<TimePoint::duration>(secs.time_since_epoch())));
  const auto frac = (ms - secs).count();
  char buf[8];
  std::snprintf(buf, sizeof buf, ".%03d", static_cast<int>(frac));
  s.insert(s.size() - 1, buf);  // before the 'Z'
  return s;
}

namespace {

// Exactly `n` digits at text[i], advancing i.
std::optional<int> digits(std::string_view text, std::size_t& i, std::size_t n) {
  if (i + n > text.size()) return std::nullopt;
  int v = 0;
  for (std::size_t k = 0; k < n; ++k) {
    const char c = text[i + k];
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  i += n;
  return v;
}

bool take(std::string_view text, std::size_t& i, char c) {
  if (i >= text.size() || text[i] != c) return false;
  ++i;
  return true;
}

}  // namespace

std::optional<TimePoint> parse_rfc3339(std::string_view text) {
  using namespace std::chrono;
  std::size_t i = 0;
  const auto y = digits(text, i, 4);
  if (!y || !take(text, i, '-')) return std::nullopt;
  const auto mo = digits(text, i, 2);
  if (!mo || !take(text, i, '-')) return std::nullopt;
  const auto d = digits(text, i, 2);
  if (!d) return std::nullopt;
  if (!take(text, i, 'T') && !take(text, i, 't') && !take(text, i, ' ')) return std::nullopt;
  const auto h = digits(text, i, 2);
  if (!h || !take(text, i, ':')) return std::nullopt;
  const auto mi = digits(text, i, 2);
  if (!mi || !take(text, i, ':')) return std::nullopt;
  const auto s = digits(text, i, 2);
  if (!s) return std::nullopt;
  int ms = 0;
  if (take(text, i, '.')) {
    const std::size_t start = i;
    int scale = 100;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      ms += (text[i] - '0') * scale;
      scale /= 10;
      ++i;
    }
    if (i == start || i - start > 9) return std::nullopt;
  }
  int offset_minutes = 0;
  if (take(text, i, 'Z') || take(text, i, 'z')) {
  } else if (i < text.size() && (text[i] == '+' || text[i] == '-')) {
    const int sign = text[i] == '-' ? -1 : 1;
    ++i;
    const auto oh = digits(text, i, 2);
    if (!oh || !take(text, i, ':')) return std::nullopt;
    const auto om = digits(text, i, 2);
    if (!om || *oh > 23 || *om > 59) return std::nullopt;
    offset_minutes = sign * (*oh * 60 + *om);
  } else {
    return std::nullopt;
  }
  if (i != text.size()) return std::nullopt;
  // 23:59:60 (a leap second) is read as the second after 23:59:59, as POSIX time has no slot for it.
  if (*y < 1970 || *y > 2199 || *h > 23 || *mi > 59 || *s > 60) return std::nullopt;
  const year_month_day date{year(*y), month(static_cast<unsigned>(*mo)), day(static_cast<unsigned>(*d))};
  if (!date.ok()) return std::nullopt;
  const auto at = sys_days(date) + hours(*h) + minutes(*mi) + seconds(*s) + milliseconds(ms) - minutes(offset_minutes);
  if (at.time_since_epoch().count() < 0) return std::nullopt;
  return TimePoint(duration_cast<TimePoint::duration>(at.time_since_epoch()));
}

}  // namespace tessera
