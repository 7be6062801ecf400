#pragma once
// Authenticated symmetric encryption (libsodium's XSalsa20-Poly1305 secretbox) for the few
// secrets Tessera must be able to read back: a session's successor refresh token inside the
// grace interval, and private signing keys under TESSERA_MASTER_KEY.
#include <optional>
#include <string>
#include <string_view>

#include "core/random.hpp"

namespace tessera::crypto {

// A 32-byte key derived from any secret, separated by `purpose` so one secret never yields the
// same key for two uses.
std::string derive_key(std::string_view purpose, std::string_view secret);

// nonce || ciphertext || tag of `plaintext` under the 32-byte `key`.
std::string seal(std::string_view key, std::string_view plaintext, Random& random);

// The plaintext, or nullopt when `sealed` was not made with `key` or was altered.
std::optional<std::string> open(std::string_view key, std::string_view sealed);

}  // namespace tessera::crypto
