#pragma once
// The role interfaces a store transaction is made of, one per noun (DESIGN rule 2: the domain
// owns them). domain::StoreTx composes them all; a function that works inside its caller's
// transaction takes only the roles it uses (AuditLog::record takes AuditRecords&), so what it
// can touch is in its signature, and a test double implements only that role.
//
// Errors, for every operation: errc::account_exists for a duplicate email or username;
// errc::database_unavailable when the database cannot be reached; errc::not_found when an
// update names a row that does not exist, or an insert refers to one (a session of a missing
// user, a retired token of a missing session); errc::internal_error otherwise. After an
// operation fails, the body should return an error: PostgreSQL aborts the whole transaction.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.hpp"
#include "domain/audit_entry.hpp"
#include "domain/login_throttle.hpp"
#include "domain/one_time_token.hpp"
#include "domain/outbox_mail.hpp"
#include "domain/revocation_event.hpp"
#include "domain/second_factor.hpp"
#include "domain/session.hpp"
#include "domain/stored_key.hpp"
#include "domain/user.hpp"

namespace tessera::domain {

struct UserQuery {
  std::string text;  // matched against email and username (substring, case-insensitive)
  std::size_t limit = 50;
  std::size_t offset = 0;
};

struct UserPage {
  std::vector<User> users;  // ordered by created_at, then id
  std::size_t total = 0;    // matching users in all pages
};

// Accounts (the users table).
class UserRecords {
 public:
  virtual ~UserRecords() = default;

  virtual Result<std::optional<User>> user_by_id(const UserId& id) = 0;
  virtual Result<std::optional<User>> user_by_email(std::string_view normalized_email) = 0;
  virtual Result<std::optional<User>> user_by_username(std::string_view normalized_username) = 0;
  virtual Result<void> insert_user(const User& user) = 0;
  virtual Result<void> update_user(const User& user) = 0;  // every field but id and created_at
  virtual Result<void> delete_user(const UserId& id) = 0;  // its sessions go with it
  virtual Result<UserPage> list_users(const UserQuery& query) = 0;
};

// Sessions and their refresh tokens (hashes only).
class SessionRecords {
 public:
  virtual ~SessionRecords() = default;

  virtual Result<void> insert_session(const Session& session) = 0;
  virtual Result<std::optional<Session>> session_by_id(const SessionId& id) = 0;
  // The session whose *current* refresh token has this hash. On PostgreSQL the row is locked
  // until the transaction ends, so two rotations of one token serialise.
  virtual Result<std::optional<Session>> session_by_token(std::string_view token_hash) = 0;
  // The session one of whose *earlier* (retired) refresh tokens has this hash; locked likewise.
  virtual Result<std::optional<Session>> session_by_retired_token(std::string_view token_hash) = 0;
  virtual Result<void> update_session(const Session& session) = 0;
  // Records a token that was current and no longer is, so that its reuse is recognised.
  virtual Result<void> retire_token(std::string_view token_hash, const SessionId& session, std::int64_t generation,
                                    TimePoint at) = 0;
  // Every session of the user, newest first, revoked and expired ones included.
  virtual Result<std::vector<Session>> sessions_of_user(const UserId& user) = 0;
  // Revokes the user's sessions that are not revoked yet; returns their ids.
  virtual Result<std::vector<SessionId>> revoke_sessions_of_user(const UserId& user, TimePoint at,
                                                                 std::string_view reason) = 0;
};

// The revocation events every instance tails.
class RevocationRecords {
 public:
  virtual ~RevocationRecords() = default;

  virtual Result<std::int64_t> append_revocation(const RevocationEvent& event) = 0;
  // Events with id > after_id, oldest first, at most `limit`.
  virtual Result<std::vector<RevocationEvent>> revocations_after(std::int64_t after_id, std::size_t limit) = 0;
};

// Signing keys.
class SigningKeyRecords {
 public:
  virtual ~SigningKeyRecords() = default;

  virtual Result<std::vector<StoredKey>> signing_keys() = 0;  // oldest first
  virtual Result<void> insert_signing_key(const StoredKey& key) = 0;
  virtual Result<void> update_signing_key(const StoredKey& key) = 0;
};

// One-time tokens (verification, reset).
class OneTimeTokenRecords {
 public:
  virtual ~OneTimeTokenRecords() = default;

  virtual Result<void> insert_one_time_token(const OneTimeToken& token) = 0;
  // The token with this hash, used or not; locked until the transaction ends (PostgreSQL), so
  // two uses of one token serialise.
  virtual Result<std::optional<OneTimeToken>> one_time_token(std::string_view token_hash) = 0;
  // Marks the token used at `at` if it is still unused; false when it was used already.
  virtual Result<bool> use_one_time_token(std::string_view token_hash, TimePoint at) = 0;
  // Marks every unused token of the user and purpose used at `at` (superseded or killed);
  // returns how many.
  virtual Result<std::size_t> expire_one_time_tokens(const UserId& user, TokenPurpose purpose, TimePoint at) = 0;
  // When the newest token of this purpose was made for this address, if any (resend limits).
  virtual Result<std::optional<TimePoint>> last_one_time_token_for(std::string_view email, TokenPurpose purpose) = 0;
};

// The email outbox.
class OutboxRecords {
 public:
  virtual ~OutboxRecords() = default;

  // Queues a mail (state pending); returns its id.
  virtual Result<std::int64_t> enqueue_mail(const OutboxMail& mail) = 0;
  // Claims up to `limit` mails that are due at `now` — pending with next_attempt_at <= now, or
  // sending with a lease that ran out — oldest first: they become sending, leased to `owner`
  // until `lease_until`, attempts + 1. Several senders (instances) never claim the same mail
  // (PostgreSQL: FOR UPDATE SKIP LOCKED).
  virtual Result<std::vector<OutboxMail>> claim_mail(TimePoint now, TimePoint lease_until, std::string_view owner,
                                                     std::size_t limit) = 0;
  // Records deliveries (state sent, sent_at, payload emptied) of the mails among `ids` whose
  // lease `owner` still holds; returns the ids it recorded, in no particular order. One statement
  // for a whole batch: a sender marks what it delivered in one transaction.
  virtual Result<std::vector<std::int64_t>> mark_mails_sent(std::span<const std::int64_t> ids, std::string_view owner,
                                                            TimePoint at) = 0;
  // The same for one mail: true if recorded.
  Result<bool> mark_mail_sent(std::int64_t id, std::string_view owner, TimePoint at) {
    auto marked = mark_mails_sent(std::span<const std::int64_t>(&id, 1), owner, at);
    if (!marked) return std::move(marked).error();
    return marked->size() == 1;
  }
  // Records a failed attempt if `owner` still holds the lease: back to pending at
  // `next_attempt_at`, or dead when that is nullopt. `error` is kept as last_error.
  virtual Result<bool> mark_mail_failed(std::int64_t id, std::string_view owner, std::string_view error,
                                        std::optional<TimePoint> next_attempt_at) = 0;
  // Gives back the mails `owner` claimed and did not try (shutdown): pending again, their
  // attempt not counted. Returns how many.
  virtual Result<std::size_t> release_mail(std::string_view owner) = 0;
  // Mails, newest first, optionally of one state.
  virtual Result<std::vector<OutboxMail>> list_mail(std::optional<MailState> state, std::size_t limit) = 0;
  // Counts of mails per state, for metrics and readiness.
  virtual Result<std::vector<std::pair<MailState, std::int64_t>>> count_mail() = 0;
  // An operator's retry: the mail (or, with nullopt, every dead mail) becomes pending, due now,
  // attempts reset to 0. A sent mail is not resent (errc::invalid_request); an unknown id is
  // errc::not_found. Returns how many.
  virtual Result<std::size_t> retry_mail(std::optional<std::int64_t> id, TimePoint now) = 0;
};

// Server secrets.
class SecretRecords {
 public:
  virtual ~SecretRecords() = default;

  // stored sealed with TESSERA_MASTER_KEY when one is set.
  virtual Result<std::optional<std::string>> secret(std::string_view name) = 0;
  // Stores a secret unless one of that name exists; false when it did (another instance won).
  virtual Result<bool> insert_secret(std::string_view name, std::string_view value) = 0;
};

// The audit log.
class AuditRecords {
 public:
  virtual ~AuditRecords() = default;

  // Appends an entry (assigns its id).
  virtual Result<std::int64_t> append_audit(const AuditEntry& entry) = 0;
  // Entries matching the query, newest first, and how many match in all.
  virtual Result<AuditPage> list_audit(const AuditQuery& query) = 0;
  // Deletes entries older than `before` (retention); returns how many.
  virtual Result<std::size_t> purge_audit(TimePoint before) = 0;
};

// Login slow-down state.
class ThrottleRecords {
 public:
  virtual ~ThrottleRecords() = default;

  // The throttle for a key, if any; locked until the transaction ends (PostgreSQL).
  virtual Result<std::optional<LoginThrottle>> login_throttle(std::string_view key) = 0;
  // Inserts or replaces the throttle for its key.
  virtual Result<void> put_login_throttle(const LoginThrottle& throttle) = 0;
  // Forgets the throttle for a key (a successful login); no error when there is none.
  virtual Result<void> clear_login_throttle(std::string_view key) = 0;
};

// Second factors: the TOTP factor and the recovery codes of each user. The operations that
// spend a code are compare-and-set statements, so of two concurrent uses of one code exactly one
// succeeds, on any number of instances.
class SecondFactorRecords {
 public:
  virtual ~SecondFactorRecords() = default;

  // The user's TOTP factor, pending or active, if any.
  virtual Result<std::optional<TotpFactor>> totp_factor(const UserId& user) = 0;
  // Stores the user's factor, replacing the one the user had (a new enrolment).
  virtual Result<void> put_totp_factor(const TotpFactor& factor) = 0;
  // Makes the pending factor active with `step` spent, if it is still pending and `step` is
  // later than its last one; false otherwise (confirmed meanwhile, or no pending factor).
  virtual Result<bool> confirm_totp_factor(const UserId& user, std::int64_t step, TimePoint at) = 0;
  // Spends `step` of the active factor if it is later than the last step spent; false when it
  // is not (a replay, or a concurrent use of the same code that won), or there is no factor.
  virtual Result<bool> use_totp_step(const UserId& user, std::int64_t step, TimePoint at) = 0;
  // Removes the user's TOTP factor; false when there was none.
  virtual Result<bool> delete_totp_factor(const UserId& user) = 0;

  // Replaces the user's recovery codes by these keyed hashes (the old set stops working).
  virtual Result<void> replace_recovery_codes(const UserId& user, std::span<const std::string> code_hashes,
                                              TimePoint at) = 0;
  // Marks the user's unused code with this hash used; false when it is unknown or used.
  virtual Result<bool> use_recovery_code(const UserId& user, std::string_view code_hash, TimePoint at) = 0;
  virtual Result<RecoveryCodeCount> recovery_code_count(const UserId& user) = 0;
  // Removes every recovery code of the user; returns how many.
  virtual Result<std::size_t> delete_recovery_codes(const UserId& user) = 0;
};

// Tickets of logins waiting for their second step.
class MfaTicketRecords {
 public:
  virtual ~MfaTicketRecords() = default;

  virtual Result<void> insert_mfa_ticket(const MfaTicket& ticket) = 0;
  // The ticket with this hash, expired or not; locked until the transaction ends (PostgreSQL),
  // so two uses of one ticket serialise.
  virtual Result<std::optional<MfaTicket>> mfa_ticket(std::string_view ticket_hash) = 0;
  // Counts a wrong code on the ticket; returns its failures now (errc::not_found: no ticket).
  virtual Result<int> count_mfa_ticket_failure(std::string_view ticket_hash) = 0;
  // Deletes the ticket (used, or dead); false when it was gone already.
  virtual Result<bool> delete_mfa_ticket(std::string_view ticket_hash) = 0;
  // Deletes every ticket of the user (their second factor changed); returns how many.
  virtual Result<std::size_t> delete_mfa_tickets_of_user(const UserId& user) = 0;
};

}  // namespace tessera::domain
