#include "mail/outbox_worker.hpp"

#include <unistd.h>

#include <algorithm>

#include "core/log.hpp"
#include "core/thread_name.hpp"
#include "core/utf8.hpp"
#include "crypto/base64url.hpp"
#include "domain/stored_text.hpp"

namespace tessera::mail {
namespace {

std::string describe_ttl(std::chrono::seconds ttl) {
  const auto s = ttl.count();
  if (s % 86400 == 0) return std::to_string(s / 86400) + (s == 86400 ? " day" : " days");
  if (s % 3600 == 0) return std::to_string(s / 3600) + (s == 3600 ? " hour" : " hours");
  return std::to_string(s / 60) + " minutes";
}

std::string new_owner(Random& random) {
  char host[64] = {0};
  gethostname(host, sizeof host - 1);
  return std::string(host) + ":" + std::to_string(getpid()) + ":" + crypto::base64url::encode(random.bytes(6));
}

}  // namespace

OutboxWorker::OutboxWorker(domain::Store& store, const domain::EmailService& email, Sender& sender,
                           const Templates& templates, OutboxOptions options, const Clock& clock, Random& random)
    : store_(store),
      email_(email),
      sender_(sender),
      templates_(templates),
      options_(std::move(options)),
      clock_(clock),
      owner_(new_owner(random)) {}

OutboxWorker::~OutboxWorker() { stop(); }

void OutboxWorker::start() {
  thread_ = std::thread([this] {
    name_this_thread("outbox");
    loop();
  });
}

void OutboxWorker::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  // Whatever this sender still holds goes back to the queue for the next start (or another
  // instance), due at once.
  auto released = store_.write([&](domain::StoreTx& tx) { return tx.release_mail(owner_); });
  if (released && *released > 0) log::info("outbox_released").num("mails", static_cast<std::int64_t>(*released));
}

void OutboxWorker::mail_queued() {
  {
    std::lock_guard lock(mutex_);
    woken_ = true;
  }
  cv_.notify_all();
}

std::chrono::seconds OutboxWorker::backoff(int attempts) const {
  auto d = options_.first_backoff;
  for (int i = 1; i < attempts && d < options_.max_backoff; ++i) d *= 2;
  return std::min(d, options_.max_backoff);
}

Result<Message> OutboxWorker::render(const domain::OutboxMail& mail) const {
  auto token = email_.open_payload(mail.payload_sealed);
  if (!token) return std::move(token).error();
  if (mail.kind == domain::mail_kind::kSecurityNotice) {
    // The payload is the notice itself; no link.
    MailVars vars;
    vars.product = options_.product;
    vars.email = mail.recipient;
    vars.notice = std::string(token->reveal());
    return templates_.render(mail.kind, vars, mail.recipient);
  }
  const bool verify = mail.kind == domain::mail_kind::kVerifyEmail;
  MailVars vars;
  vars.product = options_.product;
  vars.email = mail.recipient;
  vars.expires = describe_ttl(verify ? options_.verification_ttl : options_.reset_ttl);
  vars.link = options_.public_url + (verify ? "/auth/verify-email?token=" : "/reset-password?token=") +
              std::string(token->reveal());
  return templates_.render(mail.kind, vars, mail.recipient);
}

void OutboxWorker::record_sent(const std::vector<const domain::OutboxMail*>& delivered) {
  if (delivered.empty()) return;
  std::vector<std::int64_t> ids;
  ids.reserve(delivered.size());
  for (const auto* mail : delivered) ids.push_back(mail->id);
  const TimePoint now = clock_.now();
  auto marked = store_.write([&](domain::StoreTx& tx) { return tx.mark_mails_sent(ids, owner_, now); });
  if (!marked)
    log::error("outbox_mark_failed")
        .num("mails", static_cast<std::int64_t>(ids.size()))
        .str("reason", marked.error().reason);
  for (const auto* mail : delivered) {
    if (marked && std::find(marked->begin(), marked->end(), mail->id) == marked->end()) {
      log::warn("outbox_lease_lost").num("id", mail->id);  // sent after the lease ran out: may go twice
    }
    log::info("mail_sent")
        .num("id", mail->id)
        .str("kind", mail->kind)
        .num("attempt", mail->attempts)
        .str("via", sender_.name());
  }
}

bool OutboxWorker::attempt(const domain::OutboxMail& mail) {
  auto message = render(mail);
  Result<void> sent = message ? sender_.send(*message) : Result<void>(message.error());
  if (sent) return true;
  const TimePoint now = clock_.now();
  // Cleaned once here, not per backend: an SMTP server's answer may be long or not UTF-8.
  const std::string error =
      utf8::clean(!sent.error().reason.empty() ? sent.error().reason : sent.error().detail, domain::kMaxMailErrorBytes);
  // Dead now: the last attempt; a mail that cannot be rendered; or a permanent refusal (a 5xx
  // such as "550 no such user": sending it again would only be refused again).
  const bool permanent = !sent && sent.error().code == errc::invalid_request;
  const bool dead = mail.attempts >= options_.max_attempts || !message || permanent;
  const std::optional<TimePoint> next = dead ? std::nullopt : std::optional<TimePoint>(now + backoff(mail.attempts));
  auto marked = store_.write([&](domain::StoreTx& tx) { return tx.mark_mail_failed(mail.id, owner_, error, next); });
  if (!marked) log::error("outbox_mark_failed").num("id", mail.id).str("reason", marked.error().reason);
  if (dead) {
    log::error("mail_dead")
        .num("id", mail.id)
        .str("kind", mail.kind)
        .num("attempts", mail.attempts)
        .str("error", error);
  } else {
    log::warn("mail_failed")
        .num("id", mail.id)
        .str("kind", mail.kind)
        .num("attempt", mail.attempts)
        .num("retry_in_s", backoff(mail.attempts).count())
        .str("error", error);
  }
  return false;
}

Result<int> OutboxWorker::run_once() {
  const TimePoint now = clock_.now();
  auto claimed = store_.write(
      [&](domain::StoreTx& tx) { return tx.claim_mail(now, now + options_.lease, owner_, options_.batch); });
  if (!claimed) return std::move(claimed).error();
  // Deliveries are recorded together at the end of the batch, or every second while a slow SMTP
  // server works through it, so that a crash in the middle sends few mails twice.
  constexpr auto kRecordEvery = std::chrono::seconds(1);
  std::vector<const domain::OutboxMail*> delivered;
  auto first_unrecorded = std::chrono::steady_clock::now();
  int tried = 0;
  for (const auto& mail : *claimed) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) break;  // the rest is released by stop(), after what was delivered is recorded
    }
    if (attempt(mail)) {
      if (delivered.empty()) first_unrecorded = std::chrono::steady_clock::now();
      delivered.push_back(&mail);
    }
    ++tried;
    if (!delivered.empty() && std::chrono::steady_clock::now() - first_unrecorded >= kRecordEvery) {
      record_sent(delivered);
      delivered.clear();
    }
  }
  record_sent(delivered);
  return tried;
}

void OutboxWorker::loop() {
  bool db_down = false;
  bool more = false;  // the last claim was a full batch: more may be waiting, claim again at once
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      if (!more) {
        cv_.wait_for(lock, options_.poll, [this] { return stopping_ || woken_; });
        if (woken_ && options_.gather.count() > 0) cv_.wait_for(lock, options_.gather, [this] { return stopping_; });
      }
      if (stopping_) return;
      woken_ = false;
    }
    auto tried = run_once();
    more = false;
    if (!tried) {
      if (!db_down) log::warn("outbox_claim_failed").str("reason", tried.error().reason);
      db_down = true;
      continue;
    }
    db_down = false;
    more = static_cast<std::size_t>(*tried) == options_.batch;
  }
}

}  // namespace tessera::mail
