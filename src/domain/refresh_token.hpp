#pragma once
// Refresh tokens are opaque tokens (opaque_token.hpp). A session's current token is also kept sealed under a key
// derived from its parent, so the parent's holder (a concurrent tab) can get the same successor inside the grace
// interval, while the database alone reveals nothing usable (SPEC §3, §6).
#include <optional>
#include <string>
#include <string_view>

#include "core/random.hpp"
#include "core/secret.hpp"
#include "domain/opaque_token.hpp"

namespace tessera::domain {

// A new random refresh token.
inline SecretString new_refresh_token(Random& random) { return new_opaque_token(random); }

// The stored form of a presented refresh token, or nullopt when it cannot be one.
inline std::optional<std::string> refresh_token_hash(std::string_view presented) {
  return opaque_token_hash(presented);
}

// `successor`, sealed so that only the holder of `parent` can open it.
std::string seal_successor(std::string_view parent, std::string_view successor, Random& random);

// The successor sealed by seal_successor(parent, ...), or nullopt.
std::optional<SecretString> open_successor(std::string_view parent, std::string_view sealed);

}  // namespace tessera::domain
