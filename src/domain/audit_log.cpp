#include "domain/audit_log.hpp"

#include "core/log.hpp"
#include "core/utf8.hpp"
#include "domain/stored_text.hpp"

namespace tessera::domain {

AuditEntry AuditLog::entry(std::string_view event, std::string_view user_id, const ClientInfo& client,
                           std::string detail, std::string actor) const {
  AuditEntry e;
  e.at = clock_.now();
  e.event = std::string(event);
  e.user_id = std::string(user_id);
  e.actor_id = std::move(actor);
  e.ip = client.ip;
  e.user_agent = client.user_agent;
  e.detail = std::move(detail);
  return e;
}

Result<AuditEntry> AuditLog::record(AuditRecords& tx, AuditEntry e) const {
  // Every entry passes here on its way to a store: cleaned once, the same for both backends.
  for (std::string* field : {&e.event, &e.user_id, &e.actor_id, &e.ip, &e.user_agent}) {
    *field = utf8::clean(*field, kMaxClientTextBytes);
  }
  e.detail = utf8::clean(e.detail, kMaxAuditDetailBytes);
  auto id = tx.append_audit(e);
  if (!id) return std::move(id).error();
  e.id = *id;
  return e;
}

void AuditLog::logged(const AuditEntry& e) const {
  auto line = log::info("audit");
  line.str("event", e.event).str("user_id", e.user_id).str("ip", e.ip);
  if (!e.actor_id.empty()) line.str("actor", e.actor_id);
  if (!e.detail.empty()) line.str("detail", e.detail);
}

void AuditLog::record_alone(Store& store, AuditEntry e) const {
  auto written = store.write([&](StoreTx& tx) { return record(tx, e); });
  if (!written) {
    log::warn("audit_write_failed").str("event", e.event).str("reason", written.error().reason);
  }
  logged(written ? *written : e);
}

}  // namespace tessera::domain
