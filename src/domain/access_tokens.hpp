#pragma once
// Short-lived JWT access tokens (SPEC §3): issued with the claims iss, sub, aud, exp, iat, jti,
// sid, roles, email, email_verified, username, ver (the user's token version), sid_bind
// (domain/session_binding: the session belongs to the subject at that version), and the
// session's assurance: aal, amr (RFC 8176) and auth_time (OIDC Core §2); verified on
// every guarded request: signature and claims by the fixed sequence of crypto/jws, the
// binding, then revocation. The one JSON the domain touches is this claim set, because the
// claims are the token.
//
// A signature check costs tens of microseconds (Ed25519), more than the rest of a request, and
// clients send the same token many times. So a verified token's claims are cached, keyed by
// the whole token text; expiry and revocation are still checked on every use, and the cache
// empties when the signing keys change.
#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/clock.hpp"
#include "core/random.hpp"
#include "core/result.hpp"
#include "domain/key_ring.hpp"
#include "domain/principal.hpp"
#include "domain/revocation_list.hpp"
#include "domain/session.hpp"
#include "domain/session_binding.hpp"
#include "domain/settings.hpp"
#include "domain/user.hpp"

namespace tessera::domain {

struct IssuedAccessToken {
  std::string token;
  std::int64_t expires_in = 0;  // seconds
};

class AccessTokens {
 public:
  AccessTokens(const Settings& settings, const KeyRing& keys, const RevocationList& revocations,
               const SessionBinding& binding, const Clock& clock, Random& random);

  // A new access token for `user` in `session`, with the session's assurance, signed by the
  // active key.
  Result<IssuedAccessToken> issue(const User& user, const Session& session);

  // The principal a token proves (shared with the cache: no copy per request), or
  // errc::invalid_token whose reason names the failed check ("expired", "bad_signature",
  // "revoked", ...).
  Result<std::shared_ptr<const Principal>> verify(std::string_view token) const;

  // Verified tokens held in the cache (metrics).
  std::size_t cached() const;

 private:
  struct Cached {
    std::shared_ptr<const Principal> principal;
  };
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };
  struct Shard {
    std::mutex mutex;
    std::unordered_map<std::string, Cached, Hash, std::equal_to<>> entries;
    std::uint64_t keys_version = 0;  // of the key set the entries were verified with
  };
  static constexpr std::size_t kShards = 16;
  static constexpr std::size_t kEntriesPerShard = 4096;  // 64 Ki tokens, a few MiB at most

  // verify() without the metric.
  Result<std::shared_ptr<const Principal>> check(std::string_view token) const;
  Result<Principal> verify_uncached(std::string_view token) const;
  Result<void> still_valid(const Principal& p) const;

  const Settings& settings_;
  const KeyRing& keys_;
  const RevocationList& revocations_;
  const SessionBinding& binding_;
  const Clock& clock_;
  Random& random_;
  mutable std::array<Shard, kShards> shards_;
};

}  // namespace tessera::domain
