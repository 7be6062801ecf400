#include "domain/refresh_token.hpp"

#include "crypto/base64url.hpp"
#include "crypto/secret_box.hpp"

namespace tessera::domain {
namespace {

constexpr std::string_view kSealPurpose = "tessera/refresh-successor/v1";

}  // namespace

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
