// The login_throttle table: the slow-down state of login identifiers.
#include "store/common/row_readers.hpp"
#include "store/common/sql_text.hpp"
#include "store/sqlite/sqlite_tx.hpp"

namespace tessera::store::sqlite {

Result<std::optional<domain::LoginThrottle>> SqliteTx::login_throttle(std::string_view key) {
  static constexpr auto kSql = sql_text("SELECT ", kLoginThrottleColumns, " FROM login_throttle WHERE key = ?");
  auto st = c_.prepare(kSql.data());
  if (!st) return std::move(st).error();
  return st->bind(Blob{key}).first([&](const Statement& r) { return read_login_throttle(r, key); });
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
