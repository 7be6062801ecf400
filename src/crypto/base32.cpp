#include "crypto/base32.hpp"

#include <cstdint>

namespace tessera::crypto::base32 {
namespace {

constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

int value_of(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a';
  if (c >= '2' && c <= '7') return c - '2' + 26;
  return -1;
}

}  // namespace

std::string encode(std::string_view bytes) { return encode(bytes, kAlphabet); }

std::string encode(std::string_view bytes, std::string_view alphabet) {
  std::string out;
  out.reserve((bytes.size() * 8 + 4) / 5);
  std::uint32_t buffer = 0;
  int bits = 0;
  for (const char ch : bytes) {
    buffer = (buffer << 8) | static_cast<std::uint8_t>(ch);
    bits += 8;
    while (bits >= 5) {
      out.push_back(alphabet[(buffer >> (bits - 5)) & 31]);
      bits -= 5;
    }
  }
  if (bits > 0) out.push_back(alphabet[(buffer << (5 - bits)) & 31]);
  return out;
}

Result<std::string> decode(std::string_view text) {
  std::string out;
  std::uint32_t buffer = 0;
  int bits = 0;
  std::size_t symbols = 0;
  bool padding = false;
  for (const char c : text) {
    if (c == ' ') continue;
    if (c == '=') {
      padding = true;
      continue;
    }
    const int v = value_of(c);
    if (v < 0 || padding) return make_error(errc::invalid_request, "base32: not a base32 character");
    buffer = (buffer << 5) | static_cast<std::uint32_t>(v);
    bits += 5;
    ++symbols;
    if (bits >= 8) {
      out.push_back(static_cast<char>((buffer >> (bits - 8)) & 0xff));
      bits -= 8;
    }
  }
  // A group of 8 symbols holds 5 bytes; a last group of 1, 3 or 6 symbols is no encoder's output.
  const std::size_t tail = symbols % 8;
  if (tail == 1 || tail == 3 || tail == 6) return make_error(errc::invalid_request, "base32: truncated");
  return out;
}

}  // namespace tessera::crypto::base32
