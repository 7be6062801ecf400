// The revocation_events table: an append-only log every instance tails by id.
#include "store/sqlite/sqlite_tx.hpp"

namespace tessera::store::sqlite {
namespace {

using domain::RevocationEvent;

std::string_view kind_name(RevocationEvent::Kind kind) {
  switch (kind) {
    case RevocationEvent::Kind::session: return "session";
    case RevocationEvent::Kind::user: return "user";
  }
  return "session";
}

}  // namespace

Result<std::int64_t> SqliteTx::append_revocation(const RevocationEvent& e) {
  // Writers are serialised, so ids also increase in commit order: a reader that has seen id N
  // never misses a later commit with a smaller id.
  auto st = c_.prepare(
      "INSERT INTO revocation_events (kind, subject, version, created_at, expires_at) VALUES (?, ?, ?, ?, ?) "
      "RETURNING id");
  if (!st) return std::move(st).error();
  auto row = st->bind(kind_name(e.kind), e.subject, e.version, e.created_at, e.expires_at).step();
  if (!row) return std::move(row).error();
  if (!*row) return make_error(errc::internal_error, "", "sqlite: append_revocation returned no id");
  return st->int64(0);
}

Result<std::vector<RevocationEvent>> SqliteTx::revocations_after(std::int64_t after_id, std::size_t limit) {
  auto st = c_.prepare(
      "SELECT id, kind, subject, version, created_at, expires_at FROM revocation_events WHERE id > ? "
      "ORDER BY id LIMIT ?");
  if (!st) return std::move(st).error();
  st->bind(after_id, to_sql_count(limit));
  std::vector<RevocationEvent> out;
  for (;;) {
    auto row = st->step();
    if (!row) return std::move(row).error();
    if (!*row) return out;
    RevocationEvent e;
    e.id = st->int64(0);
    e.kind = st->text(1) == "user" ? RevocationEvent::Kind::user : RevocationEvent::Kind::session;
    e.subject = st->text(2);
    e.version = st->int64(3);
    e.created_at = st->time(4);
    e.expires_at = st->time(5);
    out.push_back(std::move(e));
  }
}

}  // namespace tessera::store::sqlite
