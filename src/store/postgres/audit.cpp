// The audit_log table: security events, newest first for GET /admin/audit.
#include "store/common/row_readers.hpp"
#include "store/common/sql_text.hpp"
#include "store/postgres/postgres_tx.hpp"

namespace tessera::store::postgres {
namespace {

// The fields come cleaned and bounded by the domain (domain/stored_text.hpp), as stored.

// Empty filters match everything; times as open bounds.
constexpr char kWhere[] =
    " WHERE ($1 = '' OR user_id = $1) AND ($2 = '' OR event = $2) AND ($3::bigint IS NULL OR at >= $3) "
    "AND ($4::bigint IS NULL OR at < $4)";

}  // namespace

Result<std::int64_t> PostgresTx::append_audit(const domain::AuditEntry& e) {
  auto rows = c_.query(
      "INSERT INTO audit_log (at, event, user_id, actor_id, ip, user_agent, detail) VALUES ($1, $2, $3, $4, $5, $6, "
      "$7) "
      "RETURNING id",
      e.at, e.event, e.user_id, e.actor_id, e.ip, e.user_agent, e.detail);
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return make_error(errc::internal_error, "", "postgres: append_audit returned no id");
  return (*rows)[0].int64(0);
}

Result<domain::AuditPage> PostgresTx::list_audit(const domain::AuditQuery& q) {
  domain::AuditPage page;
  static constexpr auto kCount = sql_text("SELECT count(*) FROM audit_log", kWhere);
  static constexpr auto kSql =
      sql_text("SELECT ", kAuditColumns, " FROM audit_log", kWhere, " ORDER BY id DESC LIMIT $5 OFFSET $6");
  auto count = c_.query(kCount.data(), q.user_id, q.event, q.since, q.until);
  if (!count) return std::move(count).error();
  page.total = static_cast<std::size_t>((*count)[0].int64(0));
  auto entries = collect(
      c_.query(kSql.data(), q.user_id, q.event, q.since, q.until, to_sql_count(q.limit), to_sql_count(q.offset)),
      read_audit_entry<Row>);
  if (!entries) return std::move(entries).error();
  page.entries = std::move(*entries);
  return page;
}

Result<std::size_t> PostgresTx::purge_audit(TimePoint before) {
  auto r = c_.query("DELETE FROM audit_log WHERE at < $1", before);
  if (!r) return std::move(r).error();
  return static_cast<std::size_t>(r->affected());
}

}  // namespace tessera::store::postgres
