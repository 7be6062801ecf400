// The mfa_totp, recovery_codes and mfa_tickets tables. Spending a code is one UPDATE whose
// WHERE clause holds the condition (a later step; an unused code): of two instances spending
// the same code, the second waits for the first's row lock, re-checks the condition against the
// row the first left (READ COMMITTED) and changes nothing. In a write transaction mfa_ticket()
// locks the ticket (FOR UPDATE), so two uses of one ticket serialise.
#include "store/common/row_readers.hpp"
#include "store/common/sql_text.hpp"
#include "store/postgres/postgres_tx.hpp"

namespace tessera::store::postgres {
namespace {

// Runs a statement that changes at most one row; whether it did.
template <class... Args>
Result<bool> changed_one(Connection& c, const char* sql, const Args&... args) {
  auto r = c.query(sql, args...);
  if (!r) return std::move(r).error();
  return r->affected() == 1;
}

}  // namespace

Result<std::optional<domain::TotpFactor>> PostgresTx::totp_factor(const domain::UserId& user) {
  static constexpr auto kSql = sql_text("SELECT ", kTotpFactorColumns, " FROM mfa_totp WHERE user_id = $1");
  static constexpr auto kLocked =
      sql_text("SELECT ", kTotpFactorColumns, " FROM mfa_totp WHERE user_id = $1 FOR UPDATE");
  return first(c_.query(writing_ ? kLocked.data() : kSql.data(), user.str()), read_totp_factor<Row>);
}

Result<void> PostgresTx::put_totp_factor(const domain::TotpFactor& f) {
  // A missing user is a foreign key violation, which the connection reports as not_found.
  static constexpr auto kSql = sql_text(
      "INSERT INTO mfa_totp (", kTotpFactorColumns,
      ") VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (user_id) DO UPDATE SET status = excluded.status, "
      "secret_sealed = excluded.secret_sealed, last_step = excluded.last_step, created_at = excluded.created_at, "
      "confirmed_at = excluded.confirmed_at, last_used_at = excluded.last_used_at");
  auto r = c_.query(kSql.data(), f.user_id.str(), domain::to_string(f.status), Blob{f.secret_sealed}, f.last_step,
                    f.created_at, f.confirmed_at, f.last_used_at);
  if (!r) return std::move(r).error();
  return ok();
}

Result<bool> PostgresTx::confirm_totp_factor(const domain::UserId& user, std::int64_t step, TimePoint at) {
  return changed_one(c_,
                     "UPDATE mfa_totp SET status = 'active', last_step = $1, confirmed_at = $2, last_used_at = $2 "
                     "WHERE user_id = $3 AND status = 'pending' AND last_step < $1",
                     step, at, user.str());
}

Result<bool> PostgresTx::use_totp_step(const domain::UserId& user, std::int64_t step, TimePoint at) {
  return changed_one(c_,
                     "UPDATE mfa_totp SET last_step = $1, last_used_at = $2 "
                     "WHERE user_id = $3 AND status = 'active' AND last_step < $1",
                     step, at, user.str());
}

Result<bool> PostgresTx::delete_totp_factor(const domain::UserId& user) {
  return changed_one(c_, "DELETE FROM mfa_totp WHERE user_id = $1", user.str());
}

Result<void> PostgresTx::replace_recovery_codes(const domain::UserId& user, std::span<const std::string> code_hashes,
                                                TimePoint at) {
  if (auto r = delete_recovery_codes(user); !r) return std::move(r).error();
  for (const auto& hash : code_hashes) {
    auto r = c_.query("INSERT INTO recovery_codes (user_id, code_hash, created_at) VALUES ($1, $2, $3)", user.str(),
                      Blob{hash}, at);
    if (!r) return std::move(r).error();
  }
  return ok();
}

Result<bool> PostgresTx::use_recovery_code(const domain::UserId& user, std::string_view code_hash, TimePoint at) {
  return changed_one(c_,
                     "UPDATE recovery_codes SET used_at = $1 WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL",
                     at, user.str(), Blob{code_hash});
}

Result<domain::RecoveryCodeCount> PostgresTx::recovery_code_count(const domain::UserId& user) {
  auto row = first(
      c_.query("SELECT count(*), count(*) FILTER (WHERE used_at IS NULL) FROM recovery_codes "
               "WHERE user_id = $1",
               user.str()),
      [](const Row& r) {
        return domain::RecoveryCodeCount{static_cast<std::size_t>(r.int64(0)), static_cast<std::size_t>(r.int64(1))};
      });
  if (!row) return std::move(row).error();
  return row->value_or(domain::RecoveryCodeCount{});
}

Result<std::size_t> PostgresTx::delete_recovery_codes(const domain::UserId& user) {
  auto r = c_.query("DELETE FROM recovery_codes WHERE user_id = $1", user.str());
  if (!r) return std::move(r).error();
  return static_cast<std::size_t>(r->affected());
}

Result<void> PostgresTx::insert_mfa_ticket(const domain::MfaTicket& t) {
  static constexpr auto kSql =
      sql_text("INSERT INTO mfa_tickets (", kMfaTicketColumns, ") VALUES ($1, $2, $3, $4, $5)");
  auto r = c_.query(kSql.data(), Blob{t.ticket_hash}, t.user_id.str(), t.failures, t.created_at, t.expires_at);
  if (!r) return std::move(r).error();
  return ok();
}

Result<std::optional<domain::MfaTicket>> PostgresTx::mfa_ticket(std::string_view ticket_hash) {
  static constexpr auto kSql = sql_text("SELECT ", kMfaTicketColumns, " FROM mfa_tickets WHERE ticket_hash = $1");
  static constexpr auto kLocked =
      sql_text("SELECT ", kMfaTicketColumns, " FROM mfa_tickets WHERE ticket_hash = $1 FOR UPDATE");
  return first(c_.query(writing_ ? kLocked.data() : kSql.data(), Blob{ticket_hash}), read_mfa_ticket<Row>);
}

Result<int> PostgresTx::count_mfa_ticket_failure(std::string_view ticket_hash) {
  auto row = first(c_.query("UPDATE mfa_tickets SET failures = failures + 1 WHERE ticket_hash = $1 RETURNING failures",
                            Blob{ticket_hash}),
                   [](const Row& r) { return static_cast<int>(r.int64(0)); });
  if (!row) return std::move(row).error();
  if (!*row) return make_error(errc::not_found, "", "postgres: count_mfa_ticket_failure: no such ticket");
  return **row;
}

Result<bool> PostgresTx::delete_mfa_ticket(std::string_view ticket_hash) {
  return changed_one(c_, "DELETE FROM mfa_tickets WHERE ticket_hash = $1", Blob{ticket_hash});
}

Result<std::size_t> PostgresTx::delete_mfa_tickets_of_user(const domain::UserId& user) {
  auto r = c_.query("DELETE FROM mfa_tickets WHERE user_id = $1", user.str());
  if (!r) return std::move(r).error();
  return static_cast<std::size_t>(r->affected());
}

}  // namespace tessera::store::postgres
