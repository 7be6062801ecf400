#include "domain/opaque_token.hpp"

#include "crypto/base64url.hpp"
#include "crypto/digest.hpp"

namespace tessera::domain {

SecretString new_opaque_token(Random& random) {
  std::string raw = random.bytes(32);
  SecretString token(crypto::base64url::encode(raw));
  explicit_bzero(raw.data(), raw.size());
  return token;
}

std::optional<std::string> opaque_token_hash(std::string_view presented) {
  if (presented.size() != kOpaqueTokenChars) return std::nullopt;
  auto raw = crypto::base64url::decode(presented);
  if (!raw || raw->size() != 32) return std::nullopt;
  explicit_bzero(raw->data(), raw->size());
  return crypto::sha256_bytes(presented);
}

}  // namespace tessera::domain
