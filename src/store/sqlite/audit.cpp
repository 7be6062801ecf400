// The audit_log table: security events, newest first for GET /admin/audit.
#include "store/sqlite/sqlite_tx.hpp"

namespace tessera::store::sqlite {
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
  // Empty filters match everything; times as open bounds.
  constexpr const char* kWhere =
      " WHERE (?1 = '' OR user_id = ?1) AND (?2 = '' OR event = ?2) AND (?3 IS NULL OR at >= ?3) AND "
      "(?4 IS NULL OR at < ?4)";
  const auto bind_filters = [&](Statement& st) {
    st.bind(q.user_id, q.event, q.since, q.until);
  };
  domain::AuditPage page;
  {
    auto st = c_.prepare(std::string("SELECT count(*) FROM audit_log") + kWhere);
    if (!st) return std::move(st).error();
    bind_filters(*st);
    auto row = st->step();
    if (!row) return std::move(row).error();
    page.total = *row ? static_cast<std::size_t>(st->int64(0)) : 0;
  }
  auto st = c_.prepare(std::string("SELECT id, at, event, user_id, actor_id, ip, user_agent, detail FROM audit_log") +
                       kWhere + " ORDER BY id DESC LIMIT ?5 OFFSET ?6");
  if (!st) return std::move(st).error();
  st->bind(q.user_id, q.event, q.since, q.until, to_sql_count(q.limit), to_sql_count(q.offset));
  for (;;) {
    auto row = st->step();
    if (!row) return std::move(row).error();
    if (!*row) return page;
    domain::AuditEntry e;
    e.id = st->int64(0);
    e.at = st->time(1);
    e.event = st->text(2);
    e.user_id = st->text(3);
    e.actor_id = st->text(4);
    e.ip = st->text(5);
    e.user_agent = st->text(6);
    e.detail = st->text(7);
    page.entries.push_back(std::move(e));
  }
}

Result<std::size_t> SqliteTx::purge_audit(TimePoint before) {
  auto st = c_.prepare("DELETE FROM audit_log WHERE at < ?");
  if (!st) return std::move(st).error();
  if (auto r = st->bind(before).run(); !r) return std::move(r).error();
  return static_cast<std::size_t>(st->changes());
}

}  // namespace tessera::store::sqlite
