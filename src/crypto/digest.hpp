#pragma once
// SHA-256, HMAC-SHA-256 and constant-time comparison (OpenSSL 3). Opaque tokens are stored as
// their SHA-256; comparisons of secrets must not leak, through timing, how many bytes matched.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace tessera::crypto {

// The SHA-256 digest of `data`.
std::array<std::uint8_t, 32> sha256(std::string_view data);

// The SHA-256 digest of `data` as 32 raw bytes in a string.
std::string sha256_bytes(std::string_view data);

// HMAC-SHA-256 of `data` under `key`, as 32 raw bytes.
std::string hmac_sha256(std::string_view key, std::string_view data);

// True when `a` and `b` are equal, in time that depends only on their length (CRYPTO_memcmp);
// strings of different lengths are simply unequal.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace tessera::crypto
