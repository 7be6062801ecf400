#pragma once
// base32 (RFC 4648 §6), the alphabet authenticator apps read TOTP secrets in (the otpauth URI's
// `secret`, the key a user types by hand).
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace tessera::crypto::base32 {

// Encodes raw bytes as upper-case base32 without '=' padding.
std::string encode(std::string_view bytes);

// The same with another alphabet of 32 symbols (Crockford's, for recovery codes).
std::string encode(std::string_view bytes, std::string_view alphabet);

// Decodes base32 in either case, with or without '=' padding and ignoring spaces (how a key is
// shown for typing); refuses any other character and a length no encoder makes
// (errc::invalid_request).
Result<std::string> decode(std::string_view text);

}  // namespace tessera::crypto::base32
