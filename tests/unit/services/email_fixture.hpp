#pragma once
// The domain services with the email flows wired in as src/app/runtime.cpp wires them: an
// EmailService with the store's outbox key, sign-up queueing verification mails, and password
// changes killing reset tokens. The clock is pinned (Services::clock), so expiry and the resend
// interval are tested by moving it, never by waiting.
#include <atomic>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "domain/email_service.hpp"
#include "domain/server_secret.hpp"
#include "fixture.hpp"

namespace tessera::test {

// Counts how often the outbox sender would have been woken.
struct CountingNotifier final : domain::MailNotifier {
  std::atomic<int> queued{0};
  void mail_queued() override { ++queued; }
};

struct EmailServices : Services {
  explicit EmailServices(domain::EmailSettings email_settings = {}, domain::Settings s = default_settings())
      : Services(std::move(s)) {
    auto key = domain::server_secret(*db.store, "outbox_key", SecretString(), random);
    if (!key) throw std::runtime_error("outbox key: " + key.error().detail + " " + key.error().reason);
    outbox_key = std::string(key->reveal());
    email = std::make_unique<domain::EmailService>(*db.store, *sessions, *hasher, audit, settings, email_settings,
                                                   std::move(*key), no_limits, clock, random);
    email->set_notifier(&notifier);
    // Accounts again, now with the email flows: sign-up queues the verification mail.
    accounts = std::make_unique<domain::AccountService>(*db.store, *sessions, *hasher, audit, settings, no_limits,
                                                        *no_slowdown, *email, no_second_factor, clock, random);
  }
  ~EmailServices() {
    accounts.reset();
    email.reset();
  }

  // Every mail in the outbox, oldest first.
  std::vector<domain::OutboxMail> mails() {
    auto all = db.store->read([](domain::StoreTx& tx) { return tx.list_mail(std::nullopt, 100000); });
    if (!all) throw std::runtime_error("list_mail: " + all.error().reason);
    return {all->rbegin(), all->rend()};
  }
  // The mails of `kind` (domain::mail_kind) to `recipient`, oldest first.
  std::vector<domain::OutboxMail> mails_to(std::string_view recipient, std::string_view kind) {
    std::vector<domain::OutboxMail> out;
    for (auto& m : mails()) {
      if (m.recipient == recipient && m.kind == kind) out.push_back(std::move(m));
    }
    return out;
  }
  // The token that the newest mail of `kind` to `recipient` carries, unsealed from the outbox row
  // as the outbox sender does it.
  std::string token_for(std::string_view recipient, std::string_view kind) {
    auto list = mails_to(recipient, kind);
    if (list.empty()) throw std::runtime_error("no " + std::string(kind) + " mail to " + std::string(recipient));
    auto token = email->open_payload(list.back().payload_sealed);
    if (!token) throw std::runtime_error("the payload does not open");
    return std::string(token->reveal());
  }
  std::string verification_token(std::string_view recipient) {
    return token_for(recipient, domain::mail_kind::kVerifyEmail);
  }
  std::string reset_token(std::string_view recipient) {
    return token_for(recipient, domain::mail_kind::kResetPassword);
  }

  // The email flows as the handlers call them.
  Result<domain::User> verify(std::string_view token) { return email->verify_email(token, client); }
  Result<void> resend(std::string_view address) { return email->resend_verification(address, client); }
  Result<void> forgot(std::string_view address) { return email->request_password_reset(address, client); }
  Result<void> reset(std::string_view token, std::string_view new_password) {
    return email->reset_password(token, new_password, client);
  }

  // Changes the stored account directly (what an admin or the CLI would do).
  template <class F>
  void change_user(const domain::UserId& id, F&& change) {
    auto r = db.store->write([&](domain::StoreTx& tx) -> Result<void> {
      auto u = tx.user_by_id(id);
      if (!u) return std::move(u).error();
      if (!*u) return make_error(errc::not_found);
      change(**u);
      return tx.update_user(**u);
    });
    if (!r) throw std::runtime_error("change_user: " + r.error().reason);
  }
  domain::User user(const domain::UserId& id) {
    auto u = db.store->read([&](domain::StoreTx& tx) { return tx.user_by_id(id); });
    if (!u || !*u) throw std::runtime_error("no such user");
    return std::move(**u);
  }

  std::string outbox_key;
  CountingNotifier notifier;
  std::unique_ptr<domain::EmailService> email;
};

}  // namespace tessera::test
