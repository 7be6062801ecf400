#pragma once
// base64url without padding (RFC 4648 §5, as JOSE uses it, RFC 7515 §2). Decoding is strict:
// every token has exactly one accepted spelling, so a signature or header cannot be re-encoded
// into a second form that a cache, a log or a deny-list would see as a different token.
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace tessera::crypto::base64url {

// Encodes raw bytes with the URL-safe alphabet and no '=' padding.
std::string encode(std::string_view bytes);

// Decodes unpadded base64url; refuses '=', whitespace, any other character, a length that is
// 1 mod 4, and non-zero unused trailing bits (errc::invalid_request, reason says which).
Result<std::string> decode(std::string_view text);

// Like decode(), but appends to `out` (which is left partly written on failure) and reports
// only success: the hot path of token verification, where the reason is known to the caller.
bool decode_into(std::string_view text, std::string& out);

// The number of bytes `text` decodes to, if it decodes at all (length check only).
constexpr std::size_t decoded_size(std::size_t text_size) {
  return text_size / 4 * 3 + (text_size % 4 == 0 ? 0 : text_size % 4 - 1);
}

}  // namespace tessera::crypto::base64url
