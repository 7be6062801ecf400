// The mfa_totp, recovery_codes and mfa_tickets tables. Spending a code is one UPDATE whose
// WHERE clause holds the condition (a later step; an unused code), so the statement itself is
// the compare-and-set; on SQLite a write transaction also holds the only write lock.
#include "store/common/row_readers.hpp"
#include "store/common/sql_text.hpp"
#include "store/sqlite/sqlite_tx.hpp"

namespace tessera::store::sqlite {
namespace {

// A missing user behind a reference: the row the caller names does not exist.
Error reference_error(const Statement& st, Error e, std::string_view what) {
  if (st.failure() == SQLITE_CONSTRAINT_FOREIGNKEY) {
    e.code = errc::not_found;
    e.reason = "sqlite: " + std::string(what) + ": " + e.reason;
  }
  return e;
}

// Runs a statement that changes at most one row; whether it did.
template <class... Args>
Result<bool> changed_one(Connection& c, std::string_view sql, const Args&... args) {
  auto st = c.prepare(sql);
  if (!st) return std::move(st).error();
  if (auto r = st->bind(args...).run(); !r) return std::move(r).error();
  return st->changes() == 1;
}

}  // namespace

Result<std::optional<domain::TotpFactor>> SqliteTx::totp_factor(const domain::UserId& user) {
  static constexpr auto kSql = sql_text("SELECT ", kTotpFactorColumns, " FROM mfa_totp WHERE user_id = ?");
  auto st = c_.prepare(kSql.data());
  if (!st) return std::move(st).error();
  return st->bind(user.str()).first(read_totp_factor<Statement>);
}

Result<void> SqliteTx::put_totp_factor(const domain::TotpFactor& f) {
  static constexpr auto kSql =
      sql_text("INSERT OR REPLACE INTO mfa_totp (", kTotpFactorColumns, ") VALUES (?, ?, ?, ?, ?, ?, ?)");
  auto st = c_.prepare(kSql.data());
  if (!st) return std::move(st).error();
  st->bind(f.user_id.str(), domain::to_string(f.status), Blob{f.secret_sealed}, f.last_step, f.created_at,
           f.confirmed_at, f.last_used_at);
  if (auto r = st->run(); !r) return reference_error(*st, std::move(r).error(), "put_totp_factor: no such user");
  return ok();
}

Result<bool> SqliteTx::confirm_totp_factor(const domain::UserId& user, std::int64_t step, TimePoint at) {
  return changed_one(c_,
                     "UPDATE mfa_totp SET status = 'active', last_step = ?1, confirmed_at = ?2, last_used_at = ?2 "
                     "WHERE user_id = ?3 AND status = 'pending' AND last_step < ?1",
                     step, at, user.str());
}

Result<bool> SqliteTx::use_totp_step(const domain::UserId& user, std::int64_t step, TimePoint at) {
  return changed_one(c_,
                     "UPDATE mfa_totp SET last_step = ?1, last_used_at = ?2 "
                     "WHERE user_id = ?3 AND status = 'active' AND last_step < ?1",
                     step, at, user.str());
}

Result<bool> SqliteTx::delete_totp_factor(const domain::UserId& user) {
  return changed_one(c_, "DELETE FROM mfa_totp WHERE user_id = ?", user.str());
}

Result<void> SqliteTx::replace_recovery_codes(const domain::UserId& user, std::span<const std::string> code_hashes,
                                              TimePoint at) {
  if (auto r = delete_recovery_codes(user); !r) return std::move(r).error();
  for (const auto& hash : code_hashes) {
    // Borrowed anew for each row: a statement is reset when its borrow ends.
    auto st = c_.prepare("INSERT INTO recovery_codes (user_id, code_hash, created_at) VALUES (?, ?, ?)");
    if (!st) return std::move(st).error();
    st->bind(user.str(), Blob{hash}, at);
    if (auto r = st->run(); !r)
      return reference_error(*st, std::move(r).error(), "replace_recovery_codes: no such user");
  }
  return ok();
}

Result<bool> SqliteTx::use_recovery_code(const domain::UserId& user, std::string_view code_hash, TimePoint at) {
  return changed_one(c_,
                     "UPDATE recovery_codes SET used_at = ? WHERE user_id = ? AND code_hash = ? AND used_at IS NULL",
                     at, user.str(), Blob{code_hash});
}

Result<domain::RecoveryCodeCount> SqliteTx::recovery_code_count(const domain::UserId& user) {
  auto st =
      c_.prepare("SELECT count(*), count(*) FILTER (WHERE used_at IS NULL) FROM recovery_codes WHERE user_id = ?");
  if (!st) return std::move(st).error();
  auto row = st->bind(user.str()).first([](const Statement& r) {
    return domain::RecoveryCodeCount{static_cast<std::size_t>(r.int64(0)), static_cast<std::size_t>(r.int64(1))};
  });
  if (!row) return std::move(row).error();
  return row->value_or(domain::RecoveryCodeCount{});
}

Result<std::size_t> SqliteTx::delete_recovery_codes(const domain::UserId& user) {
  auto st = c_.prepare("DELETE FROM recovery_codes WHERE user_id = ?");
  if (!st) return std::move(st).error();
  if (auto r = st->bind(user.str()).run(); !r) return std::move(r).error();
  return static_cast<std::size_t>(st->changes());
}

Result<void> SqliteTx::insert_mfa_ticket(const domain::MfaTicket& t) {
  static constexpr auto kSql = sql_text("INSERT INTO mfa_tickets (", kMfaTicketColumns, ") VALUES (?, ?, ?, ?, ?)");
  auto st = c_.prepare(kSql.data());
  if (!st) return std::move(st).error();
  st->bind(Blob{t.ticket_hash}, t.user_id.str(), t.failures, t.created_at, t.expires_at);
  if (auto r = st->run(); !r) return reference_error(*st, std::move(r).error(), "insert_mfa_ticket: no such user");
  return ok();
}

Result<std::optional<domain::MfaTicket>> SqliteTx::mfa_ticket(std::string_view ticket_hash) {
  static constexpr auto kSql = sql_text("SELECT ", kMfaTicketColumns, " FROM mfa_tickets WHERE ticket_hash = ?");
  auto st = c_.prepare(kSql.data());
  if (!st) return std::move(st).error();
  return st->bind(Blob{ticket_hash}).first(read_mfa_ticket<Statement>);
}

Result<int> SqliteTx::count_mfa_ticket_failure(std::string_view ticket_hash) {
  auto st = c_.prepare("UPDATE mfa_tickets SET failures = failures + 1 WHERE ticket_hash = ? RETURNING failures");
  if (!st) return std::move(st).error();
  auto row = st->bind(Blob{ticket_hash}).first([](const Statement& r) { return static_cast<int>(r.int64(0)); });
  if (!row) return std::move(row).error();
  if (!*row) return make_error(errc::not_found, "", "sqlite: count_mfa_ticket_failure: no such ticket");
  return **row;
}

Result<bool> SqliteTx::delete_mfa_ticket(std::string_view ticket_hash) {
  return changed_one(c_, "DELETE FROM mfa_tickets WHERE ticket_hash = ?", Blob{ticket_hash});
}

Result<std::size_t> SqliteTx::delete_mfa_tickets_of_user(const domain::UserId& user) {
  auto st = c_.prepare("DELETE FROM mfa_tickets WHERE user_id = ?");
  if (!st) return std::move(st).error();
  if (auto r = st->bind(user.str()).run(); !r) return std::move(r).error();
  return static_cast<std::size_t>(st->changes());
}

}  // namespace tessera::store::sqlite
