#pragma once
// The outbox sender (SPEC §5, DESIGN rule 9): a background thread that claims due mails with a
// lease, renders and sends each, and records the outcome — sent; or failed and retried with
// exponential backoff; or dead after the last attempt, with the last error kept for
// `tessera outbox list`. A crash while sending leaves the lease to run out and the mail is
// claimed again: a retry, never silence. On shutdown, mails claimed but not tried are given
// back at once.
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "core/clock.hpp"
#include "core/random.hpp"
#include "core/result.hpp"
#include "domain/email_service.hpp"
#include "domain/store.hpp"
#include "mail/sender.hpp"
#include "mail/templates.hpp"

namespace tessera::mail {

struct OutboxOptions {
  std::string public_url;  // links are built from it, never from a request's Host
  std::string product = "Tessera";
  std::chrono::seconds verification_ttl{24 * 3600};
  std::chrono::seconds reset_ttl{3600};
  int max_attempts = 12;  // 10 s, 20 s, ... then hourly: about 4.5 hours in all
  std::chrono::seconds first_backoff{10};
  std::chrono::seconds max_backoff{3600};
  std::chrono::seconds lease{120};       // longer than one SMTP delivery may take
  std::chrono::milliseconds poll{1000};  // how often to look for due mail when not woken
  // After a wake-up, how long to wait before claiming, so that the mails committed meanwhile go
  // in the same claim and the same "sent" transaction: under a sign-up load, one claim and one
  // mark per mail was two of the four commits of each sign-up. An email arriving 50 ms later is
  // not noticed; 0 claims at once.
  std::chrono::milliseconds gather{50};
  std::size_t batch = 10;
};

class OutboxWorker final : public domain::MailNotifier {
 public:
  OutboxWorker(domain::Store& store, const domain::EmailService& email, Sender& sender, const Templates& templates,
               OutboxOptions options, const Clock& clock, Random& random);
  ~OutboxWorker() override;

  void start();
  // Finishes the mail in hand, gives back the rest of the batch, and stops.
  void stop();
  // A mail was committed: look now instead of at the next poll.
  void mail_queued() override;

  // One pass: claims due mails and tries each. Returns how many were tried.
  Result<int> run_once();

  const std::string& owner() const { return owner_; }

 private:
  void loop();
  std::chrono::seconds backoff(int attempts) const;
  Result<Message> render(const domain::OutboxMail& mail) const;
  // Sends one mail; a failure is recorded at once. Returns true when delivered: the caller
  // records deliveries in batches (record_sent).
  bool attempt(const domain::OutboxMail& mail);
  void record_sent(const std::vector<const domain::OutboxMail*>& delivered);

  domain::Store& store_;
  const domain::EmailService& email_;
  Sender& sender_;
  const Templates& templates_;
  OutboxOptions options_;
  const Clock& clock_;
  std::string owner_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool woken_ = false;
  std::thread thread_;
};

}  // namespace tessera::mail
