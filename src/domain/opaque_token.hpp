#pragma once
// Opaque bearer secrets (refresh, verification and reset tokens): 256 random bits, base64url
// (43 characters). Only their SHA-256 is ever stored (SPEC §3, §6).
#include <optional>
#include <string>
#include <string_view>

#include "core/random.hpp"
#include "core/secret.hpp"

namespace tessera::domain {

// Length of an opaque token's text: 32 bytes in unpadded base64url.
inline constexpr std::size_t kOpaqueTokenChars = 43;

// A new random token.
SecretString new_opaque_token(Random& random);

// The stored form (SHA-256, 32 raw bytes) of a presented token, or nullopt when the text cannot
// be a token at all (wrong length or alphabet), so no lookup is needed.
std::optional<std::string> opaque_token_hash(std::string_view presented);

}  // namespace tessera::domain
