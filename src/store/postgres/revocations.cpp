// The revocation_events table: an append-only log every instance tails by id (id > last seen).
//
// Tailing by id needs ids to become visible in increasing order, and a sequence alone does not
// give that: transaction A takes id 7, B takes id 8 and commits first, a reader sees 8 and moves
// its mark past 7, which A commits a moment later and nobody ever reads. So appends serialise on
// a transaction-level advisory lock taken before the id is drawn: whoever holds it draws the
// next id and keeps the lock until it commits or rolls back, and PostgreSQL makes a commit
// visible before it releases the transaction's locks. Ids therefore become visible in order, in
// every process that shares the database. The cost is that appends (rare: a logout, a
// revocation, a reuse) wait for each other until commit; nothing else takes this lock.
// (A rolled-back append leaves a gap, which readers step over harmlessly.)
#include "store/common/row_readers.hpp"
#include "store/common/sql_text.hpp"
#include "store/postgres/listener.hpp"
#include "store/postgres/postgres_tx.hpp"

namespace tessera::store::postgres {

using domain::RevocationEvent;

Result<std::int64_t> PostgresTx::append_revocation(const RevocationEvent& e) {
  // Held until the transaction ends (see above); the second key scopes it to this schema's log.
  if (auto locked = c_.query("SELECT pg_advisory_xact_lock($1, hashtext(current_schema()))", kRevocationAppendLock);
      !locked) {
    return std::move(locked).error();
  }
  // Wakes every instance's listener (listener.hpp) when this transaction commits; nothing is
  // sent if it rolls back.
  if (auto notified = c_.query("SELECT pg_notify($1, '')", std::string_view(kRevocationChannel)); !notified) {
    return std::move(notified).error();
  }
  auto rows = c_.query(
      "INSERT INTO revocation_events (kind, subject, version, created_at, expires_at) VALUES ($1, $2, $3, $4, $5) "
      "RETURNING id",
      revocation_kind_name(e.kind), e.subject, e.version, e.created_at, e.expires_at);
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return make_error(errc::internal_error, "", "postgres: append_revocation returned no id");
  return (*rows)[0].int64(0);
}

Result<std::vector<RevocationEvent>> PostgresTx::revocations_after(std::int64_t after_id, std::size_t limit) {
  static constexpr auto kSql =
      sql_text("SELECT ", kRevocationColumns, " FROM revocation_events WHERE id > $1 ORDER BY id LIMIT $2");
  return collect(c_.query(kSql.data(), after_id, to_sql_count(limit)), read_revocation<Row>);
}

}  // namespace tessera::store::postgres
