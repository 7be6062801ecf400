#pragma once
// Opaque refresh tokens: 256 random bits, base64url (43 characters). Only their SHA-256 is
// stored. A session's current token is also kept sealed under a key derived from its parent,
// so the parent's holder (a concurrent tab) can get the same successor inside the grace
// interval, while the database alone reveals nothing usable (SPEC §3, §6).
#include <optional>
#include <string>
#include <string_view>

#include "core/random.hpp"
#include "core/secret.hpp"

namespace tessera::domain {

// Length of a refresh token's text: 32 bytes in unpadded base64url.
inline constexpr std::size_t kRefreshTokenChars = 43;

// A new random refresh token.
SecretString new_refresh_token(Random& random);

// The stored form (SHA-256, 32 raw bytes) of a presented token, or nullopt when the text cannot
// be a refresh token at all (wrong length or alphabet): then no lookup is needed.
std::optional<std::string> refresh_token_hash(std::string_view presented);

// `successor`, sealed so that only the holder of `parent` can open it.
std::string seal_successor(std::string_view parent, std::string_view successor, Random& random);

// The successor sealed by seal_successor(parent, ...), or nullopt.
std::optional<SecretString> open_successor(std::string_view parent, std::string_view sealed);

}  // namespace tessera::domain
