#pragma once
// HOTP (RFC 4226), the code TOTP (RFC 6238) computes for a time step: HMAC-SHA-1 of the
// big-endian counter under the shared secret, dynamically truncated to `digits` decimal digits.
#include <cstdint>
#include <string>
#include <string_view>

namespace tessera::crypto {

// The code for `counter` as exactly `digits` (6 to 8) decimal digits, with leading zeros.
std::string hotp_sha1(std::string_view secret, std::uint64_t counter, int digits);

}  // namespace tessera::crypto
