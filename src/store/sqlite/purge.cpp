// Housekeeping: drops sessions nobody can use any more, one-time tokens nobody can use any more,
// mails delivered long enough ago, login slow-downs long over, TOTP enrolments never confirmed,
// second-step tickets expired, and revocation events that can no longer stop any token.
#include "store/sqlite/sqlite_tx.hpp"

namespace tessera::store::sqlite {

Result<std::size_t> SqliteTx::purge(TimePoint before, TimePoint now) {
  std::int64_t deleted = 0;
  // Each statement takes the cut-off as ?1; run them in order and add up what they deleted.
  const auto run = [&](std::string_view sql, TimePoint cut_off) -> Result<void> {
    auto st = c_.prepare(sql);
    if (!st) return std::move(st).error();
    if (auto r = st->bind(cut_off).run(); !r) return r;
    deleted += st->changes();
    return ok();
  };
  // Retired tokens go with their session (ON DELETE CASCADE) and are not counted.
  if (auto r =
          run("DELETE FROM sessions WHERE idle_expires_at < ?1 OR absolute_expires_at < ?1 OR revoked_at < ?1", before);
      !r) {
    return std::move(r).error();
  }
  if (auto r = run("DELETE FROM one_time_tokens WHERE expires_at < ?1 OR used_at < ?1", before); !r) {
    return std::move(r).error();
  }
  // Only delivered mails: pending and sending ones are still to go out, and dead ones wait for
  // an operator's retry (their payload with them).
  if (auto r = run("DELETE FROM outbox WHERE state = 'sent' AND sent_at < ?1", before); !r) {
    return std::move(r).error();
  }
  if (auto r = run("DELETE FROM login_throttle WHERE last_failure_at < ?1", before); !r) return std::move(r).error();
  // Enrolments never confirmed, and logins that never came back for their second step.
  if (auto r = run("DELETE FROM mfa_totp WHERE status = 'pending' AND created_at < ?1", before); !r) {
    return std::move(r).error();
  }
  if (auto r = run("DELETE FROM mfa_tickets WHERE expires_at < ?1", now); !r) return std::move(r).error();
  if (auto r = run("DELETE FROM revocation_events WHERE expires_at < ?1", now); !r) return std::move(r).error();
  return static_cast<std::size_t>(deleted);
}

}  // namespace tessera::store::sqlite
