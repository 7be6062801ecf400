#pragma once
// Logs are one JSON object per line on stderr (SPEC §1). Lines are appended to a buffer that a
// background thread writes out in batches (every 50 ms, or at once when it grows large), so a
// request never waits on the terminal, and a busy server makes a few write(2) calls a second
// instead of one per request plus a thread wake-up. Build a line with the fluent Line; it is
// queued when it goes out of scope, and costs nothing when its level is off.
//
//   log::info("request").str("method", "GET").num("status", 200);
#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace tessera::log {

enum class Level { debug = 0, info = 1, warn = 2, error = 3, off = 4 };

// Parses "debug", "info", "warn", "error" or "off".
Result<Level> parse_level(std::string_view text);
std::string_view to_string(Level level);

// Starts the background writer; until then lines are written synchronously.
void start(Level level);
// Writes out everything queued and stops the background writer.
void stop();
// Writes out everything queued now (before a crash-prone step, or in tests).
void flush();
void set_level(Level level);
bool enabled(Level level);

class Line {
 public:
  Line(Level level, std::string_view event);
  Line(const Line&) = delete;
  Line& operator=(const Line&) = delete;
  ~Line();

  Line& str(std::string_view key, std::string_view value);
  Line& num(std::string_view key, std::int64_t value);
  Line& real(std::string_view key, double value);
  Line& flag(std::string_view key, bool value);

 private:
  bool on_;
  std::string buf_;
};

inline Line debug(std::string_view event) { return Line(Level::debug, event); }
inline Line info(std::string_view event) { return Line(Level::info, event); }
inline Line warn(std::string_view event) { return Line(Level::warn, event); }
inline Line error(std::string_view event) { return Line(Level::error, event); }

}  // namespace tessera::log
