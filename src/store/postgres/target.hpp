#pragma once
// The database a postgres:// URL names, and the rule that keeps its password out of every
// message: errors and logs show `shown`, and any text that came from libpq goes through redact()
// first (libpq echoes parts of a URL it cannot parse, and the password may be among them).
#include <chrono>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace tessera::store::postgres {

struct Target {
  std::string url;       // as configured: a libpq URI, password included; never shown
  std::string shown;     // postgres://user@host:port/db, for messages
  std::string password;  // the decoded password ("" when none), only so redact() can hide it
  // How long a statement waits for a row lock before it gives up (lock_timeout); store::Options
  // busy_timeout, the same setting SQLite uses for its write lock.
  std::chrono::milliseconds lock_timeout{5000};
};

// Checks a postgres:// or postgresql:// URL with libpq's own parser. Errors name the setting and
// never contain the password.
Result<Target> parse_target(std::string_view url);

// `text` with the target's password (decoded, and as written in the URL) replaced by "****".
std::string redact(std::string_view text, const Target& target);

// The URL with the password of its userinfo and any password=... parameter replaced by "****".
std::string mask_url(std::string_view url);

}  // namespace tessera::store::postgres
