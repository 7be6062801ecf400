#include "store/common/values.hpp"

#include <chrono>

namespace tessera::store {

std::int64_t to_unix_ms(TimePoint t) {
  return std::chrono::floor<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

TimePoint from_unix_ms(std::int64_t ms) {
  return TimePoint(std::chrono::duration_cast<TimePoint::duration>(std::chrono::milliseconds(ms)));
}

}  // namespace tessera::store
