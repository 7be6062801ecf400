#pragma once
// A signing key as the store keeps it. The private key is PKCS#8 PEM, sealed with
// TESSERA_MASTER_KEY when one is set.
#include <optional>
#include <string>

#include "core/clock.hpp"

namespace tessera::domain {

struct StoredKey {
  std::string kid;
  std::string alg;          // "EdDSA", "ES256", "RS256"
  std::string private_key;  // PEM, or "sealed:" + base64url when encrypted
  TimePoint created_at{};
  std::optional<TimePoint> signs_until;  // set when a newer key took over signing
  std::optional<TimePoint> retired_at;   // no longer published or trusted
};

}  // namespace tessera::domain
