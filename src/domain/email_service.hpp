#pragma once
// Email verification and password reset (SPEC §2, §3, §5). Tokens are opaque, stored hashed,
// single use, bound to one user and purpose; a new one supersedes the older ones of its
// purpose. The mail carrying a token is written to the outbox in the same transaction as the
// token, sealed with the outbox key so the database never holds the token in the clear; the
// outbox sender renders and sends it later, so a slow or broken SMTP server never fails the
// request and never loses the mail.
#include <chrono>
#include <string_view>

#include "core/clock.hpp"
#include "core/random.hpp"
#include "core/result.hpp"
#include "core/secret.hpp"
#include "crypto/password_hasher.hpp"
#include "domain/audit_log.hpp"
#include "domain/rate_limiter.hpp"
#include "domain/session_service.hpp"
#include "domain/settings.hpp"
#include "domain/store.hpp"
#include "domain/user.hpp"

namespace tessera::domain {

// Told when a mail has been queued and committed, so the sender can start at once.
class MailNotifier {
 public:
  virtual ~MailNotifier() = default;
  virtual void mail_queued() = 0;
};

// What sign-up needs of the email flows: the verification mail, queued in the sign-up's own
// transaction. EmailService is the one implementation that sends; NoAccountMail is for unit
// tests of accounts without email, passed explicitly.
class AccountMail {
 public:
  virtual ~AccountMail() = default;
  // Inside the caller's transaction (sign-up): a verification token for the user's email and
  // the mail that carries it. Call mail_committed() after the transaction commits.
  virtual Result<void> queue_verification(StoreTx& tx, const User& user) = 0;
  virtual void mail_committed() = 0;
};

class NoAccountMail final : public AccountMail {
 public:
  Result<void> queue_verification(StoreTx&, const User&) override { return ok(); }
  void mail_committed() override {}
};

// What the second-factor flows need of mail: a security notice to the account's owner, queued in
// the caller's transaction (nothing when the account has no email). EmailService sends;
// NoNoticeMail is for unit tests, passed explicitly.
class NoticeMail {
 public:
  virtual ~NoticeMail() = default;
  virtual Result<void> queue_notice(StoreTx& tx, const User& user, std::string_view notice) = 0;
  virtual void mail_committed() = 0;
};

class NoNoticeMail final : public NoticeMail {
 public:
  Result<void> queue_notice(StoreTx&, const User&, std::string_view) override { return ok(); }
  void mail_committed() override {}
};

struct EmailSettings {
  std::chrono::seconds verification_ttl{24 * 3600};
  std::chrono::seconds reset_ttl{3600};
  // At most one verification (or reset) mail per address in this interval; requests inside it
  // are answered 202 like any other and send nothing (no mail bombing through resend).
  std::chrono::seconds resend_interval{60};
};

class EmailService final : public AccountMail, public NoticeMail {
 public:
  // `limiter` limits mail requests per client IP and per recipient (429 for any address, so
  // they reveal nothing); a disabled one leaves only the resend interval.
  EmailService(Store& store, SessionService& sessions, const crypto::PasswordHasher& hasher, const AuditLog& audit,
               const Settings& settings, EmailSettings email_settings, SecretString outbox_key, RateLimiter& limiter,
               const Clock& clock, Random& random);

  // The outbox sender to wake, which exists only while `serve` runs (null: nobody to wake; the
  // sender's poll finds the mail). A setter, unlike the limiter: serve attaches and detaches it.
  void set_notifier(MailNotifier* notifier) { notifier_ = notifier; }

  Result<void> queue_verification(StoreTx& tx, const User& user) override;
  Result<void> queue_notice(StoreTx& tx, const User& user, std::string_view notice) override;
  void mail_committed() override;

  // POST /auth/verify-email/resend: a fresh verification mail when the address belongs to an
  // unverified account and none was sent in the resend interval. Never tells which.
  Result<void> resend_verification(std::string_view email, const ClientInfo& client);

  // GET /auth/verify-email: whether the link is usable, without using it (mail scanners follow
  // links; only the POST of the confirm button may consume the token).
  Result<void> check_verification(std::string_view token);

  // POST /auth/verify-email: uses the token and marks the address verified.
  Result<User> verify_email(std::string_view token, const ClientInfo& client);

  // POST /auth/password/forgot: a reset mail when the address belongs to an account. Never tells.
  Result<void> request_password_reset(std::string_view email, const ClientInfo& client);

  // POST /auth/password/reset: uses the token and sets the new password; every session and
  // access token of the user is revoked, and so is every other outstanding reset token.
  Result<void> reset_password(std::string_view token, std::string_view new_password, const ClientInfo& client);

  // Unseals the token a queued mail carries (for the outbox sender).
  Result<SecretString> open_payload(std::string_view sealed) const;

 private:
  // Inside a transaction: supersedes the user's unused tokens of `purpose`, makes a new one and
  // queues its mail.
  Result<void> queue_token_mail(StoreTx& tx, const User& user, TokenPurpose purpose);
  // Finds the token, checks it is usable for `purpose`, and returns it with its user.
  Result<std::pair<OneTimeToken, User>> usable_token(StoreTx& tx, std::string_view presented, TokenPurpose purpose);

  Store& store_;
  SessionService& sessions_;
  const crypto::PasswordHasher& hasher_;
  const AuditLog& audit_;
  const Settings& settings_;
  EmailSettings email_;
  SecretString outbox_key_;
  const Clock& clock_;
  Random& random_;
  RateLimiter& limiter_;
  MailNotifier* notifier_ = nullptr;

  // The per-IP and per-recipient limits of a mail request.
  Result<void> limit_mail_request(std::string_view normalized_email, const ClientInfo& client);
};

}  // namespace tessera::domain
