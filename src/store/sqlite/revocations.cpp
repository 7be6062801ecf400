// The revocation_events table: an append-only log every instance tails by id.
#include "store/common/row_readers.hpp"
#include "store/common/sql_text.hpp"
#include "store/sqlite/sqlite_tx.hpp"

namespace tessera::store::sqlite {

using domain::RevocationEvent;

Result<std::int64_t> SqliteTx::append_revocation(const RevocationEvent& e) {
  // Writers are serialised, so ids also increase in commit order: a reader that has seen id N
  // never misses a later commit with a smaller id.
  auto st = c_.prepare(
      "INSERT INTO revocation_events (kind, subject, version, created_at, expires_at) VALUES (?, ?, ?, ?, ?) "
      "RETURNING id");
  if (!st) return std::move(st).error();
  auto row = st->bind(revocation_kind_name(e.kind), e.subject, e.version, e.created_at, e.expires_at).step();
  if (!row) return std::move(row).error();
  if (!*row) return make_error(errc::internal_error, "", "sqlite: append_revocation returned no id");
  return st->int64(0);
}

Result<std::vector<RevocationEvent>> SqliteTx::revocations_after(std::int64_t after_id, std::size_t limit) {
  static constexpr auto kSql =
      sql_text("SELECT ", kRevocationColumns, " FROM revocation_events WHERE id > ? ORDER BY id LIMIT ?");
  auto st = c_.prepare(kSql.data());
  if (!st) return std::move(st).error();
  return st->bind(after_id, to_sql_count(limit)).collect(read_revocation<Statement>);
}

}  // namespace tessera::store::sqlite
