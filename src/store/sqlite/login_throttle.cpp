// The login_throttle table: the slow-down state of login identifiers.
#include "store/sqlite/sqlite_tx.hpp"

namespace tessera::store::sqlite {

Result<std::optional<domain::LoginThrottle>> SqliteTx::login_throttle(std::string_view key) {
  auto st = c_.prepare("SELECT failures, last_failure_at, next_attempt_at FROM login_throttle WHERE key = ?");
  if (!st) return std::move(st).error();
  auto row = st->bind(Blob{key}).step();
  if (!row) return std::move(row).error();
  if (!*row) return std::optional<domain::LoginThrottle>{};
  domain::LoginThrottle t;
  t.key = std::string(key);
  t.failures = static_cast<int>(st->int64(0));
  t.last_failure_at = st->time(1);
  t.next_attempt_at = st->time(2);
  return std::optional<domain::LoginThrottle>(std::move(t));
}

Result<void> SqliteTx::put_login_throttle(const domain::LoginThrottle& t) {
  auto st = c_.prepare(
      "INSERT INTO login_throttle (key, failures, last_failure_at, next_attempt_at) VALUES (?, ?, ?, ?) "
      "ON CONFLICT (key) DO UPDATE SET failures = excluded.failures, last_failure_at = excluded.last_failure_at, "
      "next_attempt_at = excluded.next_attempt_at");
  if (!st) return std::move(st).error();
  return st->bind(Blob{t.key}, t.failures, t.last_failure_at, t.next_attempt_at).run();
}

Result<void> SqliteTx::clear_login_throttle(std::string_view key) {
  auto st = c_.prepare("DELETE FROM login_throttle WHERE key = ?");
  if (!st) return std::move(st).error();
  return st->bind(Blob{key}).run();
}

}  // namespace tessera::store::sqlite
