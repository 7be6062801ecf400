#pragma once
// Time comes in from outside (DESIGN rule 5): production code asks a Clock, tests pin one.
#include <atomic>
#include <chrono>
#include <cstdint>

namespace tessera {

using TimePoint = std::chrono::system_clock::time_point;
using Seconds = std::chrono::seconds;

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time now.
  virtual TimePoint now() const = 0;
  // Whole seconds since the Unix epoch, as JWT `iat`/`exp` use.
  std::int64_t unix_seconds() const { return std::chrono::duration_cast<Seconds>(now().time_since_epoch()).count(); }
};

// The real wall clock.
class SystemClock final : public Clock {
 public:
  TimePoint now() const override { return std::chrono::system_clock::now(); }
};

// A clock that only moves when told to; safe to read from several threads.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(std::int64_t unix_seconds = 1'700'000'000) : micros_(unix_seconds * 1'000'000) {}
  TimePoint now() const override { return TimePoint(std::chrono::microseconds(micros_.load())); }
  void advance(std::chrono::microseconds d) { micros_ += d.count(); }

 private:
  std::atomic<std::int64_t> micros_;
};

// Only for seconds inside [kMinUnixSeconds, kMaxUnixSeconds]: a TimePoint counts nanoseconds in
// 64 bits, which end in 2262, and converting a time beyond that overflows. Input from outside
// (a query parameter) is checked with unix_seconds_in_range() first.
inline TimePoint from_unix_seconds(std::int64_t s) { return TimePoint(Seconds(s)); }
inline constexpr std::int64_t kMinUnixSeconds = 0;              // 1970-01-01T00:00:00Z
inline constexpr std::int64_t kMaxUnixSeconds = 7'258'118'400;  // 2200-01-01T00:00:00Z
inline bool unix_seconds_in_range(std::int64_t s) { return s >= kMinUnixSeconds && s <= kMaxUnixSeconds; }

}  // namespace tessera
