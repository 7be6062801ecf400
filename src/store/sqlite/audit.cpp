// The audit_log table: security events, newest first for GET /admin/audit.
#include "store/common/row_readers.hpp"
#include "store/common/sql_text.hpp"
#include "store/sqlite/sqlite_tx.hpp"

namespace tessera::store::sqlite {
namespace {

// Empty filters match everything; times as open bounds.
constexpr char kWhere[] =
    " WHERE (?1 = '' OR user_id = ?1) AND (?2 = '' OR event = ?2) AND (?3 IS NULL OR at >= ?3) AND "
    "(?4 IS NULL OR at < ?4)";

}  // namespace

// The fields come cleaned and bounded by the domain (domain/stored_text.hpp), as stored.
Result<std::int64_t> SqliteTx::append_audit(const domain::AuditEntry& e) {
  auto st = c_.prepare(
      "INSERT INTO audit_log (at, event, user_id, actor_id, ip, user_agent, detail) VALUES (?, ?, ?, ?, ?, ?, ?) "
      "RETURNING id");
  if (!st) return std::move(st).error();
  auto row = st->bind(e.at, e.event, e.user_id, e.actor_id, e.ip, e.user_agent, e.detail).step();
  if (!row) return std::move(row).error();
  if (!*row) return make_error(errc::internal_error, "", "sqlite: append_audit returned no id");
  return st->int64(0);
}

Result<domain::AuditPage> SqliteTx::list_audit(const domain::AuditQuery& q) {
  static constexpr auto kCount = sql_text("SELECT count(*) FROM audit_log", kWhere);
  static constexpr auto kSql =
      sql_text("SELECT ", kAuditColumns, " FROM audit_log", kWhere, " ORDER BY id DESC LIMIT ?5 OFFSET ?6");
  domain::AuditPage page;
  {
    auto st = c_.prepare(kCount.data());
    if (!st) return std::move(st).error();
    auto row = st->bind(q.user_id, q.event, q.since, q.until).step();
    if (!row) return std::move(row).error();
    page.total = *row ? static_cast<std::size_t>(st->int64(0)) : 0;
  }
  auto st = c_.prepare(kSql.data());
  if (!st) return std::move(st).error();
  auto entries = st->bind(q.user_id, q.event, q.since, q.until, to_sql_count(q.limit), to_sql_count(q.offset))
                     .collect(read_audit_entry<Statement>);
  if (!entries) return std::move(entries).error();
  page.entries = std::move(*entries);
  return page;
}

Result<std::size_t> SqliteTx::purge_audit(TimePoint before) {
  auto st = c_.prepare("DELETE FROM audit_log WHERE at < ?");
  if (!st) return std::move(st).error();
  if (auto r = st->bind(before).run(); !r) return std::move(r).error();
  return static_cast<std::size_t>(st->changes());
}

}  // namespace tessera::store::sqlite
