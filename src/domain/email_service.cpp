#include "domain/email_service.hpp"

#include "crypto/secret_box.hpp"
#include "domain/identifiers.hpp"
#include "domain/opaque_token.hpp"
#include "domain/password_policy.hpp"

namespace tessera::domain {
namespace {

Error bad_token(std::string reason) {
  return make_error(errc::invalid_one_time_token, "The link is invalid or has expired.", std::move(reason));
}

std::string_view mail_kind_of(TokenPurpose purpose) {
  return purpose == TokenPurpose::verify_email ? mail_kind::kVerifyEmail : mail_kind::kResetPassword;
}

}  // namespace

EmailService::EmailService(Store& store, SessionService& sessions, const crypto::PasswordHasher& hasher,
                           const AuditLog& audit, const Settings& settings, EmailSettings email_settings,
                           SecretString outbox_key, RateLimiter& limiter, const Clock& clock, Random& random)
    : store_(store),
      sessions_(sessions),
      hasher_(hasher),
      audit_(audit),
      settings_(settings),
      email_(email_settings),
      outbox_key_(std::move(outbox_key)),
      clock_(clock),
      random_(random),
      limiter_(limiter) {}

void EmailService::mail_committed() {
  if (notifier_ != nullptr) notifier_->mail_queued();
}

Result<void> EmailService::queue_token_mail(StoreTx& tx, const User& user, TokenPurpose purpose) {
  const TimePoint now = clock_.now();
  if (auto r = tx.expire_one_time_tokens(user.id, purpose, now); !r) return std::move(r).error();
  SecretString token = new_opaque_token(random_);
  OneTimeToken t;
  t.token_hash = *opaque_token_hash(token.reveal());
  t.user_id = user.id;
  t.purpose = purpose;
  t.email = user.email;
  t.created_at = now;
  t.expires_at = now + (purpose == TokenPurpose::verify_email ? email_.verification_ttl : email_.reset_ttl);
  if (auto r = tx.insert_one_time_token(t); !r) return std::move(r).error();
  OutboxMail mail;
  mail.kind = std::string(mail_kind_of(purpose));
  mail.recipient = user.email;
  mail.user_id = user.id;
  mail.payload_sealed = crypto::seal(outbox_key_.reveal(), token.reveal(), random_);
  mail.created_at = now;
  mail.next_attempt_at = now;
  auto id = tx.enqueue_mail(mail);
  if (!id) return std::move(id).error();
  return ok();
}

Result<void> EmailService::queue_notice(StoreTx& tx, const User& user, std::string_view notice) {
  if (user.email.empty()) return ok();
  const TimePoint now = clock_.now();
  OutboxMail mail;
  mail.kind = std::string(mail_kind::kSecurityNotice);
  mail.recipient = user.email;
  mail.user_id = user.id;
  mail.payload_sealed = crypto::seal(outbox_key_.reveal(), notice, random_);
  mail.created_at = now;
  mail.next_attempt_at = now;
  auto id = tx.enqueue_mail(mail);
  if (!id) return std::move(id).error();
  return ok();
}

Result<void> EmailService::queue_verification(StoreTx& tx, const User& user) {
  if (user.email.empty() || user.email_verified) return ok();
  return queue_token_mail(tx, user, TokenPurpose::verify_email);
}

Result<SecretString> EmailService::open_payload(std::string_view sealed) const {
  auto token = crypto::open(outbox_key_.reveal(), sealed);
  if (!token) return make_error(errc::internal_error, "", "outbox payload does not open with the outbox key");
  return SecretString(std::move(*token));
}

Result<void> EmailService::limit_mail_request(std::string_view normalized_email, const ClientInfo& client) {
  if (auto r = limiter_.take(Limit::email_ip, client.ip); !r) return r;
  return limiter_.take(Limit::email_recipient, normalized_email);
}

Result<void> EmailService::resend_verification(std::string_view raw_email, const ClientInfo& client) {
  auto email = normalize_email(raw_email);
  if (!email) return std::move(email).error();
  if (auto r = limit_mail_request(*email, client); !r) return r;
  const TimePoint now = clock_.now();
  auto queued = store_.write([&](StoreTx& tx) -> Result<bool> {
    auto user = tx.user_by_email(*email);
    if (!user) return std::move(user).error();
    if (!*user || (*user)->email_verified || (*user)->disabled) return false;
    auto last = tx.last_one_time_token_for(*email, TokenPurpose::verify_email);
    if (!last) return std::move(last).error();
    if (*last && now - **last < email_.resend_interval) return false;
    if (auto r = queue_token_mail(tx, **user, TokenPurpose::verify_email); !r) return std::move(r).error();
    return true;
  });
  if (!queued) return std::move(queued).error();
  if (*queued) mail_committed();
  return ok();
}

Result<std::pair<OneTimeToken, User>> EmailService::usable_token(StoreTx& tx, std::string_view presented,
                                                                 TokenPurpose purpose) {
  const auto hash = opaque_token_hash(presented);
  if (!hash) return bad_token("malformed");
  auto token = tx.one_time_token(*hash);
  if (!token) return std::move(token).error();
  if (!*token) return bad_token("unknown");
  if ((*token)->purpose != purpose) return bad_token("wrong purpose");
  if ((*token)->used_at) return bad_token("already used or superseded");
  if (clock_.now() >= (*token)->expires_at) return bad_token("expired");
  auto user = tx.user_by_id((*token)->user_id);
  if (!user) return std::move(user).error();
  if (!*user) return bad_token("user gone");
  // A verification proves the address it was sent to, not whatever the account has now.
  if (purpose == TokenPurpose::verify_email && (*user)->email != (*token)->email) return bad_token("email changed");
  return std::make_pair(std::move(**token), std::move(**user));
}

Result<void> EmailService::check_verification(std::string_view presented) {
  auto r = store_.read([&](StoreTx& tx) -> Result<bool> {
    auto t = usable_token(tx, presented, TokenPurpose::verify_email);
    if (!t) return std::move(t).error();
    return true;
  });
  if (!r) return std::move(r).error();
  return ok();
}

Result<User> EmailService::verify_email(std::string_view presented, const ClientInfo& client) {
  const TimePoint now = clock_.now();
  std::optional<AuditEntry> audited;
  auto verified = store_.write([&](StoreTx& tx) -> Result<User> {
    auto found = usable_token(tx, presented, TokenPurpose::verify_email);
    if (!found) return std::move(found).error();
    auto used = tx.use_one_time_token(found->first.token_hash, now);
    if (!used) return std::move(used).error();
    if (!*used) return bad_token("already used");
    User user = std::move(found->second);
    if (!user.email_verified) {
      user.email_verified = true;
      user.updated_at = now;
      if (auto r = tx.update_user(user); !r) return std::move(r).error();
      auto a = audit_.record(tx, audit_.entry(audit_event::kEmailVerified, user.id.str(), client, user.email));
      if (!a) return std::move(a).error();
      audited = std::move(*a);
    }
    return user;
  });
  if (verified && audited) audit_.logged(*audited);
  return verified;
}

Result<void> EmailService::request_password_reset(std::string_view raw_email, const ClientInfo& client) {
  auto email = normalize_email(raw_email);
  if (!email) return std::move(email).error();
  if (auto r = limit_mail_request(*email, client); !r) return r;
  const TimePoint now = clock_.now();
  std::optional<AuditEntry> audited;
  auto queued = store_.write([&](StoreTx& tx) -> Result<bool> {
    auto user = tx.user_by_email(*email);
    if (!user) return std::move(user).error();
    if (!*user || (*user)->disabled) return false;
    auto last = tx.last_one_time_token_for(*email, TokenPurpose::reset_password);
    if (!last) return std::move(last).error();
    if (*last && now - **last < email_.resend_interval) return false;
    if (auto r = queue_token_mail(tx, **user, TokenPurpose::reset_password); !r) return std::move(r).error();
    auto a = audit_.record(tx, audit_.entry(audit_event::kPasswordResetRequested, (*user)->id.str(), client));
    if (!a) return std::move(a).error();
    audited = std::move(*a);
    return true;
  });
  if (!queued) return std::move(queued).error();
  if (*queued) {
    if (audited) audit_.logged(*audited);
    mail_committed();
  }
  return ok();
}

Result<void> EmailService::reset_password(std::string_view presented, std::string_view new_password,
                                          const ClientInfo& client) {
  if (new_password.empty()) return make_error(errc::invalid_request, "new_password: is required");
  auto normalized = normalize_password(new_password);
  if (!normalized) {
    auto e = std::move(normalized).error();
    if (e.detail.rfind("password", 0) == 0) e.detail = "new_" + e.detail;
    return e;
  }
  // Look the token up before paying for a hash; the write below checks it again.
  auto found = store_.read([&](StoreTx& tx) { return usable_token(tx, presented, TokenPurpose::reset_password); });
  if (!found) return std::move(found).error();
  const PasswordRules rules{settings_.password_min_length, settings_.password_min_score};
  if (auto strong = check_new_password(*normalized, rules, found->second.email, found->second.username); !strong) {
    return std::move(strong).error();
  }
  auto hash = hasher_.hash(normalized->reveal());
  if (!hash) return std::move(hash).error();

  const TimePoint now = clock_.now();
  std::optional<AuditEntry> audited;
  auto events = store_.write([&](StoreTx& tx) -> Result<std::vector<RevocationEvent>> {
    auto again = usable_token(tx, presented, TokenPurpose::reset_password);
    if (!again) return std::move(again).error();
    auto used = tx.use_one_time_token(again->first.token_hash, now);
    if (!used) return std::move(used).error();
    if (!*used) return bad_token("already used");
    User user = std::move(again->second);
    user.password_hash = *hash;
    // Reading the mail proves the address too.
    if (!user.email.empty() && user.email == again->first.email) user.email_verified = true;
    if (auto r = tx.expire_one_time_tokens(user.id, TokenPurpose::reset_password, now); !r) return std::move(r).error();
    auto events = sessions_.revoke_everything(tx, user, revoke_reason::kPasswordReset);  // stores the user
    if (!events) return std::move(events).error();
    auto a =
        audit_.record(tx, audit_.entry(audit_event::kPasswordReset, user.id.str(), client, "every session revoked"));
    if (!a) return std::move(a).error();
    audited = std::move(*a);
    return events;
  });
  if (!events) return std::move(events).error();
  sessions_.applied(*events);
  if (audited) audit_.logged(*audited);
  return ok();
}

}  // namespace tessera::domain
