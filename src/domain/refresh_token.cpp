#include "domain/refresh_token.hpp"

#include "crypto/base64url.hpp"
#include "crypto/digest.hpp"
#include "crypto/secret_box.hpp"

namespace tessera::domain {
namespace {

constexpr std::string_view kSealPurpose = "tessera/refresh-successor/v1";

}  // namespace

SecretString new_refresh_token(Random& random) {
  std::string raw = random.bytes(32);
  SecretString token(crypto::base64url::encode(raw));
  explicit_bzero(raw.data(), raw.size());
  return token;
}

std::optional<std::string> refresh_token_hash(std::string_view presented) {
  if (presented.size() != kRefreshTokenChars) return std::nullopt;
  auto raw = crypto::base64url::decode(presented);
  if (!raw || raw->size() != 32) return std::nullopt;
  explicit_bzero(raw->data(), raw->size());
  return crypto::sha256_bytes(presented);
}

std::string seal_successor(std::string_view parent, std::string_view successor, Random& random) {
  const std::string key = crypto::derive_key(kSealPurpose, parent);
  return crypto::seal(key, successor, random);
}

std::optional<SecretString> open_successor(std::string_view parent, std::string_view sealed) {
  const std::string key = crypto::derive_key(kSealPurpose, parent);
  auto plain = crypto::open(key, sealed);
  if (!plain) return std::nullopt;
  return SecretString(std::move(*plain));
}

}  // namespace tessera::domain
