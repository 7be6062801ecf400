#include "crypto/base64url.hpp"

#include <array>
#include <cstdint>

namespace tessera::crypto::base64url {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr std::uint8_t kInvalid = 0xff;

// Maps each byte to its 6-bit value, or kInvalid for anything outside the URL-safe alphabet
// ('=', '+', '/', whitespace and every byte >= 0x80 included).
constexpr std::array<std::uint8_t, 256> make_decode_table() {
  std::array<std::uint8_t, 256> table{};
  for (auto& v : table) v = kInvalid;
  for (std::uint8_t i = 0; i < 64; ++i) table[static_cast<unsigned char>(kAlphabet[i])] = i;
  return table;
}
constexpr std::array<std::uint8_t, 256> kDecode = make_decode_table();

enum class DecodeFailure { none, bad_length, bad_character, non_canonical };

DecodeFailure decode_impl(std::string_view text, std::string& out) {
  const std::size_t n = text.size();
  if (n % 4 == 1) return DecodeFailure::bad_length;  // 6 bits cannot make a byte
  const std::size_t start = out.size();
  out.resize(start + decoded_size(n));
  char* dst = out.data() + start;
  const auto* src = reinterpret_cast<const unsigned char*>(text.data());
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const std::uint8_t a = kDecode[src[i]], b = kDecode[src[i + 1]], c = kDecode[src[i + 2]], d = kDecode[src[i + 3]];
    // Valid values are below 64, kInvalid has the top bits set: one test covers all four.
    if (((a | b | c | d) & 0xc0) != 0) return DecodeFailure::bad_character;
    const std::uint32_t v = (std::uint32_t{a} << 18) | (std::uint32_t{b} << 12) | (std::uint32_t{c} << 6) | d;
    *dst++ = static_cast<char>(v >> 16);
    *dst++ = static_cast<char>(v >> 8);
    *dst++ = static_cast<char>(v);
  }
  const std::size_t rest = n - i;
  if (rest == 2) {
    const std::uint8_t a = kDecode[src[i]], b = kDecode[src[i + 1]];
    if (a == kInvalid || b == kInvalid) return DecodeFailure::bad_character;
    // The low 4 bits of the last character are not part of any byte; only 0 is canonical.
    if ((b & 0x0f) != 0) return DecodeFailure::non_canonical;
    *dst++ = static_cast<char>((a << 2) | (b >> 4));
  } else if (rest == 3) {
    const std::uint8_t a = kDecode[src[i]], b = kDecode[src[i + 1]], c = kDecode[src[i + 2]];
    if (a == kInvalid || b == kInvalid || c == kInvalid) return DecodeFailure::bad_character;
    if ((c & 0x03) != 0) return DecodeFailure::non_canonical;
    *dst++ = static_cast<char>((a << 2) | (b >> 4));
    *dst++ = static_cast<char>(((b & 0x0f) << 4) | (c >> 2));
  }
  return DecodeFailure::none;
}

}  // namespace

std::string encode(std::string_view bytes) {
  std::string out;
  out.resize((bytes.size() * 4 + 2) / 3);
  char* dst = out.data();
  const auto* src = reinterpret_cast<const unsigned char*>(bytes.data());
  const std::size_t n = bytes.size();
  std::size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    const std::uint32_t v = (std::uint32_t{src[i]} << 16) | (std::uint32_t{src[i + 1]} << 8) | src[i + 2];
    *dst++ = kAlphabet[(v >> 18) & 63];
    *dst++ = kAlphabet[(v >> 12) & 63];
    *dst++ = kAlphabet[(v >> 6) & 63];
    *dst++ = kAlphabet[v & 63];
  }
  if (n - i == 1) {
    const std::uint32_t v = std::uint32_t{src[i]} << 16;
    *dst++ = kAlphabet[(v >> 18) & 63];
    *dst++ = kAlphabet[(v >> 12) & 63];
  } else if (n - i == 2) {
    const std::uint32_t v = (std::uint32_t{src[i]} << 16) | (std::uint32_t{src[i + 1]} << 8);
    *dst++ = kAlphabet[(v >> 18) & 63];
    *dst++ = kAlphabet[(v >> 12) & 63];
    *dst++ = kAlphabet[(v >> 6) & 63];
  }
  return out;
}

Result<std::string> decode(std::string_view text) {
  std::string out;
  switch (decode_impl(text, out)) {
    case DecodeFailure::none: return out;
    case DecodeFailure::bad_length:
      return make_error(errc::invalid_request, "The value is not valid base64url.", "base64url: length is 1 mod 4");
    case DecodeFailure::bad_character:
      return make_error(errc::invalid_request, "The value is not valid base64url.",
                        "base64url: character outside the URL-safe alphabet (padding included)");
    case DecodeFailure::non_canonical:
      return make_error(errc::invalid_request, "The value is not valid base64url.",
                        "base64url: non-zero trailing bits (non-canonical encoding)");
  }
  return make_error(errc::internal_error);  // unreachable: every enumerator is handled above
}

bool decode_into(std::string_view text, std::string& out) { return decode_impl(text, out) == DecodeFailure::none; }

}  // namespace tessera::crypto::base64url
