// Housekeeping: drops sessions nobody can use any more and revocation events that can no longer
// stop any token.
#include "store/sqlite/sqlite_tx.hpp"

namespace tessera::store::sqlite {

Result<std::size_t> SqliteTx::purge(TimePoint before, TimePoint now) {
  std::int64_t deleted = 0;
  {
    // Retired tokens go with their session (ON DELETE CASCADE) and are not counted.
    auto st = c_.prepare(
        "DELETE FROM sessions WHERE idle_expires_at < ?1 OR absolute_expires_at < ?1 OR revoked_at < ?1");
    if (!st) return std::move(st).error();
    if (auto r = st->bind(before).run(); !r) return std::move(r).error();
    deleted += st->changes();
  }
  auto st = c_.prepare("DELETE FROM revocation_events WHERE expires_at < ?");
  if (!st) return std::move(st).error();
  if (auto r = st->bind(now).run(); !r) return std::move(r).error();
  deleted += st->changes();
  return static_cast<std::size_t>(deleted);
}

}  // namespace tessera::store::sqlite
