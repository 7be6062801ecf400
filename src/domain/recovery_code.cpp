#include "domain/recovery_code.hpp"

#include <algorithm>

#include "crypto/base32.hpp"
#include "crypto/digest.hpp"

namespace tessera::domain {
namespace {

// Crockford's base32: digits and letters without I, L, O and U.
constexpr std::string_view kAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

std::optional<char> canonical_symbol(char c) {
  if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  if (c == 'I' || c == 'L') return '1';
  if (c == 'O') return '0';
  if (kAlphabet.find(c) == std::string_view::npos) return std::nullopt;
  return c;
}

}  // namespace

std::string new_recovery_code(Random& random) {
  // 10 random bytes are 80 bits: 16 symbols of 5 bits each, shown in groups of four.
  const std::string symbols = crypto::base32::encode(random.bytes(kRecoveryCodeSymbols * 5 / 8), kAlphabet);
  std::string code;
  for (std::size_t i = 0; i < symbols.size(); i += 4) {
    if (!code.empty()) code.push_back('-');
    code += symbols.substr(i, 4);
  }
  return code;
}

std::vector<std::string> new_recovery_codes(Random& random) {
  std::vector<std::string> codes;
  while (codes.size() < kRecoveryCodesPerSet) {
    std::string code = new_recovery_code(random);
    // Two equal codes in 10 draws of 80 bits do not happen; a seeded test generator must not
    // make a set with fewer usable codes than it shows either.
    if (std::find(codes.begin(), codes.end(), code) == codes.end()) codes.push_back(std::move(code));
  }
  return codes;
}

std::optional<std::string> canonical_recovery_code(std::string_view typed) {
  // A generous bound on dashes and spaces; anything longer is not a code someone typed.
  if (typed.size() > 4 * kRecoveryCodeSymbols) return std::nullopt;
  std::string out;
  for (const char c : typed) {
    if (c == '-' || c == ' ') continue;
    const auto symbol = canonical_symbol(c);
    if (!symbol) return std::nullopt;
    out.push_back(*symbol);
  }
  if (out.size() != kRecoveryCodeSymbols) return std::nullopt;
  return out;
}

std::string recovery_code_hash(std::string_view pepper, const UserId& user, std::string_view canonical) {
  // The id has a fixed shape (a UUID), so id and code cannot run into each other.
  return crypto::hmac_sha256(pepper, user.str() + ":" + std::string(canonical));
}

}  // namespace tessera::domain
