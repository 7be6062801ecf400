#pragma once
// What the store keeps of a user's second factors (issue 22): the TOTP factor, its recovery
// codes, and the tickets of logins waiting for their second step. Secrets never appear in the
// clear: the TOTP secret is sealed under a key derived from the server's MFA key and the user
// id, recovery codes and tickets are kept as keyed or plain hashes.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "domain/ids.hpp"

namespace tessera::domain {

enum class TotpStatus {
  pending,  // enrolled, not yet confirmed with a code: it protects nothing
  active,   // confirmed: logins ask for it
};

std::string_view to_string(TotpStatus status);
std::optional<TotpStatus> parse_totp_status(std::string_view text);

// One TOTP factor per user (a new enrolment replaces a pending one).
struct TotpFactor {
  UserId user_id;
  TotpStatus status = TotpStatus::pending;
  std::string secret_sealed;    // the 20-byte secret, sealed (see MfaService)
  std::int64_t last_step = -1;  // the last time step a code was accepted for; -1: none yet
  TimePoint created_at{};
  std::optional<TimePoint> confirmed_at;
  std::optional<TimePoint> last_used_at;
};

// How many of a user's recovery codes exist and how many are unused.
struct RecoveryCodeCount {
  std::size_t total = 0;
  std::size_t remaining = 0;
};

// A login that proved the password and waits for its second factor. The ticket's text goes to
// the client once; the store keeps its SHA-256.
struct MfaTicket {
  std::string ticket_hash;  // SHA-256 of the ticket (32 raw bytes)
  UserId user_id;
  int failures = 0;  // wrong codes presented with this ticket
  TimePoint created_at{};
  TimePoint expires_at{};
};

}  // namespace tessera::domain
