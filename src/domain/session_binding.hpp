#pragma once
// Binds an access token's session to its subject and token version (SPEC §3), under a key only
// Tessera holds. The signature proves a token came from whoever holds the signing key; in
// HS256 mode that includes every resource server given the shared secret. Such a holder could
// otherwise pair one user's `sub` with another user's live `sid`, or pick any `ver`, and the
// revocation checks, keyed on the session id and on the version, would let that token outlive
// the subject's own logout. The `sid_bind` claim is a MAC over (sub, sid, ver) that the
// signing key cannot make, so the pairing is checked in memory, on every instance (the key is a
// shared server secret), with no database round trip.
#include <cstdint>
#include <string>
#include <string_view>

#include "core/secret.hpp"

namespace tessera::domain {

class SessionBinding {
 public:
  // `key`: 32 random bytes shared by every instance (domain/server_secret, "session_binding_key").
  explicit SessionBinding(SecretString key) : key_(std::move(key)) {}

  // The claim value for a token of `user_id` in `session_id` at `token_version`: base64url of
  // the first 16 bytes of HMAC-SHA-256 over the three, each length-prefixed.
  std::string tag(std::string_view user_id, std::string_view session_id, std::int64_t token_version) const;

  // Whether `claimed` is the tag of that triple (constant-time).
  bool matches(std::string_view claimed, std::string_view user_id, std::string_view session_id,
               std::int64_t token_version) const;

 private:
  SecretString key_;
};

}  // namespace tessera::domain
