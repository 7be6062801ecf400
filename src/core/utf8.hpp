#pragma once
// UTF-8 well-formedness (RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF).
#include <cstddef>
#include <string>
#include <string_view>

namespace tessera::utf8 {

// Length of the well-formed UTF-8 sequence starting at s[i] (1 for ASCII), or 0 if none.
std::size_t sequence_length(std::string_view s, std::size_t i);

// True when all of `s` is well-formed UTF-8.
bool valid(std::string_view s);

// Number of code points in well-formed UTF-8 `s`.
std::size_t code_points(std::string_view s);

// Free text from outside made storable and loggable: valid UTF-8 of at most `max_bytes` bytes,
// NUL bytes dropped, each byte that starts no valid sequence replaced by U+FFFD, and cut at a
// character boundary. Valid text within the limit comes back unchanged.
std::string clean(std::string_view text, std::size_t max_bytes);

}  // namespace tessera::utf8
