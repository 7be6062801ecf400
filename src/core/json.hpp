#pragma once
// Strict JSON for everything Tessera reads from outside (request bodies, JOSE headers, claims):
// Boost.JSON silently keeps the last of duplicate member names, which lets an attacker show
// one value to a validator and another to a consumer, so this parser refuses them.
#include <boost/json/value.hpp>
#include <cstddef>
#include <string_view>

#include "core/result.hpp"

namespace tessera::json {

struct Limits {
  std::size_t max_depth = 16;  // request bodies and JOSE objects are flat; 16 is generous
};

// Parses one JSON text. Refuses duplicate member names, invalid UTF-8, nesting deeper than
// `limits.max_depth`, comments, trailing commas and trailing garbage (errc::invalid_request,
// with a detail that says which).
Result<boost::json::value> parse_strict(std::string_view text, Limits limits = {});

// Appends `s` to `out` as a JSON string literal, quotes included; bytes that are not UTF-8
// become U+FFFD, so a log line stays valid JSON whatever a client sent.
void append_quoted(std::string& out, std::string_view s);

}  // namespace tessera::json
