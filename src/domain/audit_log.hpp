#pragma once
// Records security events (SPEC: signup, logins, refresh reuse, logout, password change and
// reset, email verified, admin changes, key rotation) in the database — in the same
// transaction as the change they describe, so the log never claims what did not happen — and,
// once committed, as a log line.
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "domain/audit_entry.hpp"
#include "domain/ids.hpp"
#include "domain/store.hpp"
#include "domain/token_response.hpp"

namespace tessera::domain {

// Who did something to an account when it was not its owner: an admin (their user id) or the
// command line ("cli").
struct Actor {
  std::string id;
  ClientInfo client;
};

class AuditLog {
 public:
  explicit AuditLog(const Clock& clock) : clock_(clock) {}

  // An entry for `event` about `user`, stamped now, from `client`.
  AuditEntry entry(std::string_view event, std::string_view user_id, const ClientInfo& client, std::string detail = {},
                   std::string actor = {}) const;

  // Appends inside the caller's transaction; returns the entry for logged() after the commit.
  Result<AuditEntry> record(AuditRecords& tx, AuditEntry entry) const;
  // The log line for an entry whose transaction committed.
  void logged(const AuditEntry& entry) const;
  // For an event that changes nothing else (a failed login): its own transaction and the log
  // line. A failure to write is logged; it never fails the request.
  void record_alone(Store& store, AuditEntry entry) const;

 private:
  const Clock& clock_;
};

}  // namespace tessera::domain
