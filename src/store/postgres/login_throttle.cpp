// The login_throttle table: the slow-down state of login identifiers, shared by every instance.
#include "store/common/row_readers.hpp"
#include "store/common/sql_text.hpp"
#include "store/postgres/postgres_tx.hpp"

namespace tessera::store::postgres {

Result<std::optional<domain::LoginThrottle>> PostgresTx::login_throttle(std::string_view key) {
  if (writing_) {
    // The domain reads the count, adds one and writes it back; two failed logins at once on two
    // instances must both count. The first failure has no row to lock yet, so writers take
    // turns on an advisory lock of the key instead: a 64-bit hash of the schema and the key,
    // seeded with our own number so that it does not line up with other applications' locks.
    auto locked = c_.query("SELECT pg_advisory_xact_lock(hashtextextended(current_schema() || encode($1, 'hex'), $2))",
                           Blob{key}, kLoginThrottleSeed);
    if (!locked) return std::move(locked).error();
  }
  static constexpr auto kSql = sql_text("SELECT ", kLoginThrottleColumns, " FROM login_throttle WHERE key = $1");
  return first(c_.query(kSql.data(), Blob{key}), [&](const Row& r) { return read_login_throttle(r, key); });
}

Result<void> PostgresTx::put_login_throttle(const domain::LoginThrottle& t) {
  auto r = c_.query(
      "INSERT INTO login_throttle (key, failures, last_failure_at, next_attempt_at) VALUES ($1, $2, $3, $4) "
      "ON CONFLICT (key) DO UPDATE SET failures = excluded.failures, last_failure_at = excluded.last_failure_at, "
      "next_attempt_at = excluded.next_attempt_at",
      Blob{t.key}, t.failures, t.last_failure_at, t.next_attempt_at);
  if (!r) return std::move(r).error();
  return ok();
}

Result<void> PostgresTx::clear_login_throttle(std::string_view key) {
  auto r = c_.query("DELETE FROM login_throttle WHERE key = $1", Blob{key});
  if (!r) return std::move(r).error();
  return ok();
}

}  // namespace tessera::store::postgres
