#pragma once
// How the domain's values go into and come out of a row, the same for both backends: the wrapper
// types that say how a parameter is bound (each backend's binder takes them), times as integer
// Unix milliseconds, and counts for LIMIT/OFFSET.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/clock.hpp"

namespace tessera::store {

// A byte parameter (hashes, sealed values): raw bytes (SQLite BLOB, PostgreSQL BYTEA), never text.
struct Blob {
  std::string_view bytes;
};
// A TEXT parameter stored as NULL when empty (email and username: UNIQUE, but optional).
struct TextOrNull {
  std::string_view text;
};
// A byte parameter stored as NULL when empty (a session's previous token before any rotation).
struct BlobOrNull {
  std::string_view bytes;
};

// Times are stored as integer Unix milliseconds (sub-millisecond precision is dropped, rounding
// down, so a stored time never lies in the future of the one given).
std::int64_t to_unix_ms(TimePoint t);
TimePoint from_unix_ms(std::int64_t ms);

// A LIMIT/OFFSET value: both databases take a signed 64-bit integer; larger counts mean "no limit".
inline std::int64_t to_sql_count(std::size_t n) {
  constexpr auto kMax = static_cast<std::size_t>(INT64_MAX);
  return static_cast<std::int64_t>(n > kMax ? kMax : n);
}

}  // namespace tessera::store
