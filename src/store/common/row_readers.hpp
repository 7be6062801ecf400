#pragma once
// One reader per table, for both backends: a SQLite Statement on its current row and a
// PostgreSQL Row have the same accessors (text, blob, int64, boolean, time, optional_time), so
// each reader is a template over the row type. The column list beside each reader is the order
// it reads; statements select it through sql_text (store/common/sql_text.hpp), so a column is
// added in one place for both backends. Only the SQL around the list stays per dialect.
#include <string>
#include <string_view>

#include "domain/audit_entry.hpp"
#include "domain/login_throttle.hpp"
#include "domain/one_time_token.hpp"
#include "domain/outbox_mail.hpp"
#include "domain/revocation_event.hpp"
#include "domain/second_factor.hpp"
#include "domain/session.hpp"
#include "domain/stored_key.hpp"
#include "domain/user.hpp"
#include "store/common/text_codecs.hpp"

namespace tessera::store {

inline constexpr char kUserColumns[] =
    "id, email, username, password_hash, email_verified, disabled, roles, token_version, created_at, updated_at";

template <class Row>
domain::User read_user(const Row& r) {
  domain::User u;
  u.id = domain::UserId(r.text(0));
  u.email = r.text(1);
  u.username = r.text(2);
  u.password_hash = r.text(3);
  u.email_verified = r.boolean(4);
  u.disabled = r.boolean(5);
  u.roles = decode_roles(r.text(6));
  u.token_version = r.int64(7);
  u.created_at = r.time(8);
  u.updated_at = r.time(9);
  return u;
}

inline constexpr char kSessionColumns[] =
    "id, user_id, created_at, last_used_at, idle_expires_at, absolute_expires_at, revoked_at, revoke_reason, "
    "user_agent, ip, generation, token_hash, previous_token_hash, rotated_at, successor_sealed, aal, amr, auth_time";
// The same columns of the session `s` in a join.
inline constexpr char kSessionColumnsOfS[] =
    "s.id, s.user_id, s.created_at, s.last_used_at, s.idle_expires_at, s.absolute_expires_at, s.revoked_at, "
    "s.revoke_reason, s.user_agent, s.ip, s.generation, s.token_hash, s.previous_token_hash, s.rotated_at, "
    "s.successor_sealed, s.aal, s.amr, s.auth_time";

template <class Row>
domain::Session read_session(const Row& r) {
  domain::Session s;
  s.id = domain::SessionId(r.text(0));
  s.user_id = domain::UserId(r.text(1));
  s.created_at = r.time(2);
  s.last_used_at = r.time(3);
  s.idle_expires_at = r.time(4);
  s.absolute_expires_at = r.time(5);
  s.revoked_at = r.optional_time(6);
  s.revoke_reason = r.text(7);
  s.user_agent = r.text(8);
  s.ip = r.text(9);
  s.generation = r.int64(10);
  s.token_hash = r.blob(11);
  s.previous_token_hash = r.blob(12);
  s.rotated_at = r.optional_time(13);
  s.successor_sealed = r.blob(14);
  s.aal = r.text(15);
  s.amr = decode_amr(r.text(16));
  // Sessions opened before migration 5 have no auth_time: their login is when they began.
  s.auth_time = r.optional_time(17).value_or(s.created_at);
  return s;
}

inline constexpr char kMailColumns[] =
    "id, kind, recipient, user_id, payload_sealed, state, attempts, created_at, next_attempt_at, lease_until, "
    "lease_owner, last_error, sent_at";
// The same columns of the mail `o` in a join.
inline constexpr char kMailColumnsOfO[] =
    "o.id, o.kind, o.recipient, o.user_id, o.payload_sealed, o.state, o.attempts, o.created_at, "
    "o.next_attempt_at, o.lease_until, o.lease_owner, o.last_error, o.sent_at";

template <class Row>
domain::OutboxMail read_mail(const Row& r) {
  domain::OutboxMail m;
  m.id = r.int64(0);
  m.kind = r.text(1);
  m.recipient = r.text(2);
  m.user_id = domain::UserId(r.text(3));  // NULL (a mail about no account) reads as empty
  m.payload_sealed = r.blob(4);
  // The column's CHECK admits only the four names; were another ever read, dead is the state
  // no sender touches.
  m.state = domain::parse_mail_state(r.text(5)).value_or(domain::MailState::dead);
  m.attempts = static_cast<int>(r.int64(6));
  m.created_at = r.time(7);
  m.next_attempt_at = r.time(8);
  m.lease_until = r.optional_time(9);
  m.lease_owner = r.text(10);
  m.last_error = r.text(11);
  m.sent_at = r.optional_time(12);
  return m;
}

inline constexpr char kOneTimeTokenColumns[] = "token_hash, user_id, purpose, email, created_at, expires_at, used_at";

template <class Row>
domain::OneTimeToken read_one_time_token(const Row& r) {
  domain::OneTimeToken t;
  t.token_hash = r.blob(0);
  t.user_id = domain::UserId(r.text(1));
  // The purpose column's CHECK admits only the names domain::to_string() makes.
  t.purpose = domain::parse_token_purpose(r.text(2)).value_or(domain::TokenPurpose::verify_email);
  t.email = r.text(3);
  t.created_at = r.time(4);
  t.expires_at = r.time(5);
  t.used_at = r.optional_time(6);
  return t;
}

inline constexpr char kRevocationColumns[] = "id, kind, subject, version, created_at, expires_at";

template <class Row>
domain::RevocationEvent read_revocation(const Row& r) {
  domain::RevocationEvent e;
  e.id = r.int64(0);
  e.kind = parse_revocation_kind(r.text(1));
  e.subject = r.text(2);
  e.version = r.int64(3);
  e.created_at = r.time(4);
  e.expires_at = r.time(5);
  return e;
}

inline constexpr char kSigningKeyColumns[] = "kid, alg, private_key, created_at, signs_until, retired_at";

template <class Row>
domain::StoredKey read_signing_key(const Row& r) {
  domain::StoredKey k;
  k.kid = r.text(0);
  k.alg = r.text(1);
  k.private_key = r.text(2);
  k.created_at = r.time(3);
  k.signs_until = r.optional_time(4);
  k.retired_at = r.optional_time(5);
  return k;
}

inline constexpr char kAuditColumns[] = "id, at, event, user_id, actor_id, ip, user_agent, detail";

template <class Row>
domain::AuditEntry read_audit_entry(const Row& r) {
  domain::AuditEntry e;
  e.id = r.int64(0);
  e.at = r.time(1);
  e.event = r.text(2);
  e.user_id = r.text(3);
  e.actor_id = r.text(4);
  e.ip = r.text(5);
  e.user_agent = r.text(6);
  e.detail = r.text(7);
  return e;
}

// The throttle row has no key column to read: the caller looked it up by its key.
inline constexpr char kLoginThrottleColumns[] = "failures, last_failure_at, next_attempt_at";

template <class Row>
domain::LoginThrottle read_login_throttle(const Row& r, std::string_view key) {
  domain::LoginThrottle t;
  t.key = std::string(key);
  t.failures = static_cast<int>(r.int64(0));
  t.last_failure_at = r.time(1);
  t.next_attempt_at = r.time(2);
  return t;
}

inline constexpr char kTotpFactorColumns[] =
    "user_id, status, secret_sealed, last_step, created_at, confirmed_at, last_used_at";

template <class Row>
domain::TotpFactor read_totp_factor(const Row& r) {
  domain::TotpFactor f;
  f.user_id = domain::UserId(r.text(0));
  // The status column's CHECK admits only the two names; were another ever read, pending is the
  // state that protects nothing and accepts no login.
  f.status = domain::parse_totp_status(r.text(1)).value_or(domain::TotpStatus::pending);
  f.secret_sealed = r.blob(2);
  f.last_step = r.int64(3);
  f.created_at = r.time(4);
  f.confirmed_at = r.optional_time(5);
  f.last_used_at = r.optional_time(6);
  return f;
}

inline constexpr char kMfaTicketColumns[] = "ticket_hash, user_id, failures, created_at, expires_at";

template <class Row>
domain::MfaTicket read_mfa_ticket(const Row& r) {
  domain::MfaTicket t;
  t.ticket_hash = r.blob(0);
  t.user_id = domain::UserId(r.text(1));
  t.failures = static_cast<int>(r.int64(2));
  t.created_at = r.time(3);
  t.expires_at = r.time(4);
  return t;
}

}  // namespace tessera::store
