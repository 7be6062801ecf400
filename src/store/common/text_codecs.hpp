#pragma once
// The few encodings of domain values into one text column, shared by both backends.
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "domain/revocation_event.hpp"

namespace tessera::store {

// A user's roles as one TEXT column: sorted, unique, separated by single spaces. An account has
// a handful of roles, always read together with it, and one column keeps every user query a
// single statement with no join. A role name that is empty or has whitespace would not read
// back as itself, so it is refused (the domain validates role names; reaching that is a bug).
Result<std::string> encode_roles(std::vector<std::string> roles);
std::vector<std::string> decode_roles(std::string_view text);

// A session's authentication methods (RFC 8176 names) as one TEXT column, in their order,
// separated by single spaces. Method names never hold whitespace.
std::string encode_amr(const std::vector<std::string>& amr);
std::vector<std::string> decode_amr(std::string_view text);

// A LIKE pattern matching `text` anywhere, with `%`, `_` and the escape character `\` in it
// matching literally (used with ESCAPE '\').
std::string like_pattern(std::string_view text);

// The kind column of revocation_events: "session" or "user".
std::string_view revocation_kind_name(domain::RevocationEvent::Kind kind);
domain::RevocationEvent::Kind parse_revocation_kind(std::string_view text);

}  // namespace tessera::store
