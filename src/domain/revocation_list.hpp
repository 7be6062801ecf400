#pragma once
// The in-memory set every guarded request checks (SPEC §3: revocation is immediate): revoked
// session ids, and per-user minimum token versions. An entry lives only as long as a token it
// could stop (revocation window = access TTL + skew), so memory stays bounded by what was
// revoked recently, not by how many sessions ever existed.
#include <cstdint>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/clock.hpp"
#include "domain/revocation_event.hpp"

namespace tessera::domain {

class RevocationList {
 public:
  // Applies one event (idempotent; a later version for a user wins).
  void apply(const RevocationEvent& event);
  // True when a token of this session, user and version must be refused.
  bool is_revoked(std::string_view session_id, std::string_view user_id, std::int64_t token_version) const;
  // Drops entries whose tokens have all expired by `now`.
  void purge(TimePoint now);
  // Entries held (sessions + users), for metrics.
  std::size_t size() const;
  // The id of the newest event applied (to poll for later ones).
  std::int64_t last_event_id() const;

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };
  struct UserEntry {
    std::int64_t min_version = 0;
    TimePoint expires_at{};
  };
  mutable std::shared_mutex mutex_;
  std::unordered_map<std::string, TimePoint, Hash, std::equal_to<>> sessions_;
  std::unordered_map<std::string, UserEntry, Hash, std::equal_to<>> users_;
  std::int64_t last_event_id_ = 0;
};

}  // namespace tessera::domain
