#pragma once
// Free-form text from outside (a User-Agent header, an SMTP server's answer) made storable in a
// PostgreSQL TEXT column, which refuses NUL bytes and invalid UTF-8 where SQLite keeps any bytes.
// Identifiers and addresses are never passed through here: the domain validates them, and
// changing one silently would be worse than refusing it.
#include <cstddef>
#include <string>
#include <string_view>

namespace tessera::store::postgres {

// `text` as valid UTF-8 of at most `max_bytes` bytes: NUL bytes dropped, each invalid sequence
// replaced by U+FFFD, and cut at a character boundary.
std::string storable_text(std::string_view text, std::size_t max_bytes);

}  // namespace tessera::store::postgres
