#include "crypto/secret_box.hpp"

#include <sodium.h>

#include <stdexcept>

#include "crypto/digest.hpp"

namespace tessera::crypto {

std::string derive_key(std::string_view purpose, std::string_view secret) {
  std::string input;
  input.reserve(purpose.size() + 1 + secret.size());
  input.append(purpose);
  input.push_back('\0');  // "a" + "bc" and "ab" + "c" must not derive the same key
  input.append(secret);
  std::string key = sha256_bytes(input);
  sodium_memzero(input.data(), input.size());
  return key;
}

std::string seal(std::string_view key, std::string_view plaintext, Random& random) {
  if (key.size() != crypto_secretbox_KEYBYTES) throw std::logic_error("secret_box: key must be 32 bytes");
  std::string out(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + plaintext.size(), '\0');
  auto* nonce = reinterpret_cast<unsigned char*>(out.data());
  random.fill(std::span<std::uint8_t>(nonce, crypto_secretbox_NONCEBYTES));
  crypto_secretbox_easy(nonce + crypto_secretbox_NONCEBYTES, reinterpret_cast<const unsigned char*>(plaintext.data()),
                        plaintext.size(), nonce, reinterpret_cast<const unsigned char*>(key.data()));
  return out;
}

std::optional<std::string> open(std::string_view key, std::string_view sealed) {
  if (key.size() != crypto_secretbox_KEYBYTES) return std::nullopt;
  if (sealed.size() < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES) return std::nullopt;
  const auto* nonce = reinterpret_cast<const unsigned char*>(sealed.data());
  const std::size_t clen = sealed.size() - crypto_secretbox_NONCEBYTES;
  std::string out(clen - crypto_secretbox_MACBYTES, '\0');
  if (crypto_secretbox_open_easy(reinterpret_cast<unsigned char*>(out.data()), nonce + crypto_secretbox_NONCEBYTES,
                                 clen, nonce, reinterpret_cast<const unsigned char*>(key.data())) != 0) {
    return std::nullopt;
  }
  return out;
}

}  // namespace tessera::crypto
