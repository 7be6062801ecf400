#pragma once
// The operations of one PostgreSQL transaction (domain::StoreTx). It lives only inside
// PostgresStore::transact(), on the connection lent for it, which already holds the transaction
// open. The operations are defined by table: users.cpp, sessions.cpp, revocations.cpp,
// signing_keys.cpp, one_time_tokens.cpp, outbox.cpp, secrets.cpp, audit.cpp, login_throttle.cpp,
// second_factors.cpp, purge.cpp.
//
// Locks. Writers run at READ COMMITTED, where two transactions may read the same row and both
// write it, the second overwriting the first. SQLite cannot do that (one writer at a time), and
// the domain reads, decides and writes in one transaction (rotate a refresh token, use a one-time
// token, bump a user's token_version). So in a *write* transaction every lookup of one row by
// its key locks that row until the transaction ends — sessions and one-time tokens FOR UPDATE,
// users FOR NO KEY UPDATE (which does not block other transactions inserting a session or token
// that refers to the user) — and a second rotation of the same token waits, then reads the row
// as the first left it. Reading all signing keys before adding one, and reading a login
// throttle before counting a failure, take an advisory lock instead, as the rows to lock may not
// exist yet. Read transactions lock nothing.
#include <cstdint>

#include "domain/store.hpp"
#include "store/postgres/connection.hpp"

namespace tessera::store::postgres {

// Each operation is documented where the domain declares it (domain/store.hpp).
class PostgresTx final : public domain::StoreTx {
 public:
  PostgresTx(Connection& c, domain::TxKind kind) : c_(c), writing_(kind == domain::TxKind::write) {}

  // Users (users.cpp)
  Result<std::optional<domain::User>> user_by_id(const domain::UserId& id) override;
  Result<std::optional<domain::User>> user_by_email(std::string_view normalized_email) override;
  Result<std::optional<domain::User>> user_by_username(std::string_view normalized_username) override;
  Result<void> insert_user(const domain::User& user) override;
  Result<void> update_user(const domain::User& user) override;
  Result<void> delete_user(const domain::UserId& id) override;
  Result<domain::UserPage> list_users(const domain::UserQuery& query) override;

  // Sessions and refresh-token hashes (sessions.cpp)
  Result<void> insert_session(const domain::Session& session) override;
  Result<std::optional<domain::Session>> session_by_id(const domain::SessionId& id) override;
  Result<std::optional<domain::Session>> session_by_token(std::string_view token_hash) override;
  Result<std::optional<domain::Session>> session_by_retired_token(std::string_view token_hash) override;
  Result<void> update_session(const domain::Session& session) override;
  Result<void> retire_token(std::string_view token_hash, const domain::SessionId& session, std::int64_t generation,
                            TimePoint at) override;
  Result<std::vector<domain::Session>> sessions_of_user(const domain::UserId& user) override;
  Result<std::vector<domain::SessionId>> revoke_sessions_of_user(const domain::UserId& user, TimePoint at,
                                                                 std::string_view reason) override;

  // Revocation events (revocations.cpp)
  Result<std::int64_t> append_revocation(const domain::RevocationEvent& event) override;
  Result<std::vector<domain::RevocationEvent>> revocations_after(std::int64_t after_id, std::size_t limit) override;

  // Signing keys (signing_keys.cpp)
  Result<std::vector<domain::StoredKey>> signing_keys() override;
  Result<void> insert_signing_key(const domain::StoredKey& key) override;
  Result<void> update_signing_key(const domain::StoredKey& key) override;

  // One-time tokens (one_time_tokens.cpp)
  Result<void> insert_one_time_token(const domain::OneTimeToken& token) override;
  Result<std::optional<domain::OneTimeToken>> one_time_token(std::string_view token_hash) override;
  Result<bool> use_one_time_token(std::string_view token_hash, TimePoint at) override;
  Result<std::size_t> expire_one_time_tokens(const domain::UserId& user, domain::TokenPurpose purpose,
                                             TimePoint at) override;
  Result<std::optional<TimePoint>> last_one_time_token_for(std::string_view email,
                                                           domain::TokenPurpose purpose) override;

  // The email outbox (outbox.cpp)
  Result<std::int64_t> enqueue_mail(const domain::OutboxMail& mail) override;
  Result<std::vector<domain::OutboxMail>> claim_mail(TimePoint now, TimePoint lease_until, std::string_view owner,
                                                     std::size_t limit) override;
  Result<std::vector<std::int64_t>> mark_mails_sent(std::span<const std::int64_t> ids, std::string_view owner,
                                                    TimePoint at) override;
  Result<bool> mark_mail_failed(std::int64_t id, std::string_view owner, std::string_view error,
                                std::optional<TimePoint> next_attempt_at) override;
  Result<std::size_t> release_mail(std::string_view owner) override;
  Result<std::vector<domain::OutboxMail>> list_mail(std::optional<domain::MailState> state, std::size_t limit) override;
  Result<std::vector<std::pair<domain::MailState, std::int64_t>>> count_mail() override;
  Result<std::size_t> retry_mail(std::optional<std::int64_t> id, TimePoint now) override;

  // Server secrets (secrets.cpp)
  Result<std::optional<std::string>> secret(std::string_view name) override;
  Result<bool> insert_secret(std::string_view name, std::string_view value) override;

  // The audit log (audit.cpp)
  Result<std::int64_t> append_audit(const domain::AuditEntry& entry) override;
  Result<domain::AuditPage> list_audit(const domain::AuditQuery& query) override;
  Result<std::size_t> purge_audit(TimePoint before) override;

  // Login slow-down (login_throttle.cpp)
  Result<std::optional<domain::LoginThrottle>> login_throttle(std::string_view key) override;
  Result<void> put_login_throttle(const domain::LoginThrottle& throttle) override;
  Result<void> clear_login_throttle(std::string_view key) override;

  // Second factors and MFA tickets (second_factors.cpp)
  Result<std::optional<domain::TotpFactor>> totp_factor(const domain::UserId& user) override;
  Result<void> put_totp_factor(const domain::TotpFactor& factor) override;
  Result<bool> confirm_totp_factor(const domain::UserId& user, std::int64_t step, TimePoint at) override;
  Result<bool> use_totp_step(const domain::UserId& user, std::int64_t step, TimePoint at) override;
  Result<bool> delete_totp_factor(const domain::UserId& user) override;
  Result<void> replace_recovery_codes(const domain::UserId& user, std::span<const std::string> code_hashes,
                                      TimePoint at) override;
  Result<bool> use_recovery_code(const domain::UserId& user, std::string_view code_hash, TimePoint at) override;
  Result<domain::RecoveryCodeCount> recovery_code_count(const domain::UserId& user) override;
  Result<std::size_t> delete_recovery_codes(const domain::UserId& user) override;
  Result<void> insert_mfa_ticket(const domain::MfaTicket& ticket) override;
  Result<std::optional<domain::MfaTicket>> mfa_ticket(std::string_view ticket_hash) override;
  Result<int> count_mfa_ticket_failure(std::string_view ticket_hash) override;
  Result<bool> delete_mfa_ticket(std::string_view ticket_hash) override;
  Result<std::size_t> delete_mfa_tickets_of_user(const domain::UserId& user) override;

  // Housekeeping (purge.cpp)
  Result<std::size_t> purge(TimePoint before, TimePoint now) override;

 private:
  Connection& c_;
  bool writing_;  // a write transaction: single-row lookups lock their row (see above)
};

// Advisory locks are keyed (purpose, hashtext(current_schema())): the first key ("tes" and a
// number) keeps ours apart from other applications' in a shared database, and the second keeps
// two deployments in different schemas of one database from waiting for each other.
inline constexpr int kRevocationAppendLock = 0x74657301;  // revocations.cpp
inline constexpr int kSigningKeysLock = 0x74657302;       // signing_keys.cpp
inline constexpr int kMigrationLock = 0x74657303;         // migrations.cpp (a session-level lock)
inline constexpr int kLoginThrottleSeed = 0x74657304;     // login_throttle.cpp (one lock per key)

}  // namespace tessera::store::postgres
