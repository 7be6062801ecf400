// The outbox sender (mail::OutboxWorker, SPEC §5, DESIGN rule 9) over a real SQLite store with a
// pinned clock. The SMTP boundary is a scripted mail::Sender written here (the real SMTP path is
// proven end to end in tests/e2e/): it records what it was asked to send and answers from a
// script. Sent mails lose their payload; failures back off 10 s, 20 s, 40 s, ... up to an hour,
// then the mail is dead with its last error; a crashed sender's claim is taken over after the
// lease; stop() gives back what it claimed and did not try.
#include <gtest/gtest.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <fstream>
#include <functional>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "mail/outbox_worker.hpp"
#include "mail/sender.hpp"
#include "mail/templates.hpp"
#include "unit/services/email_fixture.hpp"

namespace tessera::test {
namespace {

using namespace std::chrono_literals;
using domain::MailState;
using domain::OutboxMail;

constexpr const char* kPublicUrl = "https://auth.example.test";

// The SMTP boundary, scripted: each send() is recorded, then answered with the next scripted
// outcome (success once the script is empty). `during` runs inside send(), on the sender's
// thread (to hold a send in flight).
class ScriptedSender final : public mail::Sender {
 public:
  Result<void> send(const mail::Message& m) override {
    std::function<void(const mail::Message&)> hook;
    {
      std::lock_guard lock(mutex_);
      tried_.push_back(m);
      hook = during;
    }
    if (hook) hook(m);
    std::lock_guard lock(mutex_);
    if (script_.empty()) return ok();
    Result<void> r = std::move(script_.front());
    script_.pop_front();
    return r;
  }
  std::string_view name() const override { return "scripted"; }

  // The next `n` sends fail with `reason` (a transient failure, as a refused connection is).
  void fail_next(int n, const std::string& reason) {
    std::lock_guard lock(mutex_);
    for (int i = 0; i < n; ++i) script_.push_back(make_error(errc::internal_error, {}, reason));
  }
  // The next send is refused for good (a 5xx, e.g. "550 no such user"): SmtpSender reports that
  // as invalid_request.
  void refuse_next(const std::string& reason) {
    std::lock_guard lock(mutex_);
    script_.push_back(make_error(errc::invalid_request, {}, reason));
  }
  void fail_next_with(std::vector<std::string> reasons) {
    std::lock_guard lock(mutex_);
    for (auto& r : reasons) script_.push_back(make_error(errc::internal_error, {}, std::move(r)));
  }
  std::vector<mail::Message> tried() const {
    std::lock_guard lock(mutex_);
    return tried_;
  }
  std::size_t tries_to(const std::string& to) const {
    std::lock_guard lock(mutex_);
    return static_cast<std::size_t>(
        std::count_if(tried_.begin(), tried_.end(), [&](const auto& m) { return m.to == to; }));
  }

  std::function<void(const mail::Message&)> during;

 private:
  mutable std::mutex mutex_;
  std::deque<Result<void>> script_;
  std::vector<mail::Message> tried_;
};

mail::Templates built_in_templates() {
  auto t = mail::Templates::load("");
  if (!t) throw std::runtime_error("templates: " + t.error().detail);
  return std::move(*t);
}

struct Outbox : EmailServices {
  static mail::OutboxOptions options() {
    mail::OutboxOptions o;
    o.public_url = kPublicUrl;
    o.poll = 10ms;
    return o;
  }

  std::unique_ptr<mail::OutboxWorker> worker(mail::OutboxOptions o = options()) {
    return std::make_unique<mail::OutboxWorker>(*db.store, *email, sender, templates, std::move(o), clock, random);
  }

  OutboxMail row(std::int64_t id) {
    for (auto& m : mails()) {
      if (m.id == id) return m;
    }
    throw std::runtime_error("no mail " + std::to_string(id));
  }
  OutboxMail only_mail_to(const std::string& recipient) {
    std::vector<OutboxMail> found;
    for (auto& m : mails()) {
      if (m.recipient == recipient) found.push_back(m);
    }
    if (found.size() != 1) throw std::runtime_error(std::to_string(found.size()) + " mails to " + recipient);
    return found[0];
  }

  ScriptedSender sender;
  mail::Templates templates = built_in_templates();
};

int tried(Result<int> r) {
  if (!r) throw std::runtime_error("run_once: " + r.error().reason);
  return *r;
}

// ---- success ----

TEST(OutboxWorker, SendsADueMailAndMarksItSentWithThePayloadEmptied) {
  Outbox s;
  s.signup("first@example.com");
  const auto token = s.verification_token("first@example.com");
  const auto id = s.only_mail_to("first@example.com").id;
  auto w = s.worker();

  EXPECT_EQ(tried(w->run_once()), 1);
  const auto sent = s.sender.tried();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].to, "first@example.com");
  EXPECT_FALSE(sent[0].subject.empty());
  const std::string link = std::string(kPublicUrl) + "/auth/verify-email?token=" + token;
  EXPECT_NE(sent[0].text.find(link), std::string::npos) << sent[0].text;
  EXPECT_NE(sent[0].html.find(link), std::string::npos) << sent[0].html;

  const auto row = s.row(id);
  EXPECT_EQ(row.state, MailState::sent);
  ASSERT_TRUE(row.sent_at);
  EXPECT_EQ(*row.sent_at, s.clock.now());
  EXPECT_TRUE(row.payload_sealed.empty()) << "a delivered mail keeps no sealed token";
  EXPECT_EQ(row.attempts, 1);
  EXPECT_TRUE(row.lease_owner.empty());
  EXPECT_TRUE(s.email->check_verification(token)) << "sending uses nothing";

  // Sent is final: later passes, however late, never send it again.
  s.clock.advance(48h);
  EXPECT_EQ(tried(w->run_once()), 0);
  EXPECT_EQ(s.sender.tried().size(), 1u);
}

TEST(OutboxWorker, BuildsTheResetLinkFromThePublicUrl) {
  Outbox s;
  s.signup("reset-link@example.com");
  ASSERT_TRUE(s.forgot("reset-link@example.com"));
  const auto token = s.reset_token("reset-link@example.com");
  auto w = s.worker();
  EXPECT_EQ(tried(w->run_once()), 2);
  const auto sent = s.sender.tried();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_NE(sent[1].text.find(std::string(kPublicUrl) + "/reset-password?token=" + token), std::string::npos)
      << sent[1].text;
  EXPECT_NE(sent[0].subject, sent[1].subject);
}

TEST(OutboxWorker, SendsOldestFirstAndAtMostABatchPerPass) {
  Outbox s;
  for (int i = 0; i < 5; ++i) s.signup("batch" + std::to_string(i) + "@example.com");
  auto o = Outbox::options();
  o.batch = 2;
  auto w = s.worker(o);
  EXPECT_EQ(tried(w->run_once()), 2);
  EXPECT_EQ(tried(w->run_once()), 2);
  EXPECT_EQ(tried(w->run_once()), 1);
  EXPECT_EQ(tried(w->run_once()), 0);
  const auto sent = s.sender.tried();
  ASSERT_EQ(sent.size(), 5u);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(sent[i].to, "batch" + std::to_string(i) + "@example.com");
}

// ---- failure, backoff, dead ----

TEST(OutboxWorker, AFailureIsRetriedAfter10s20s40sAndSoOnCappedAtOneHourThenTheMailIsDead) {
  Outbox s;
  s.signup("backoff@example.com");
  const auto id = s.only_mail_to("backoff@example.com").id;
  std::vector<std::string> reasons;
  for (int i = 1; i <= 12; ++i) reasons.push_back("smtp: cannot connect (attempt " + std::to_string(i) + ")");
  s.sender.fail_next_with(reasons);
  auto w = s.worker();  // the default 12 attempts

  const std::vector<std::chrono::seconds> backoff = {10s, 20s, 40s, 80s, 160s, 320s, 640s, 1280s, 2560s, 3600s, 3600s};
  for (std::size_t k = 0; k < backoff.size(); ++k) {
    SCOPED_TRACE("attempt " + std::to_string(k + 1));
    ASSERT_EQ(tried(w->run_once()), 1);
    const auto row = s.row(id);
    EXPECT_EQ(row.state, MailState::pending);
    EXPECT_EQ(row.attempts, static_cast<int>(k + 1));
    EXPECT_EQ(row.next_attempt_at, s.clock.now() + backoff[k]);
    EXPECT_EQ(row.last_error, reasons[k]);
    EXPECT_FALSE(row.payload_sealed.empty()) << "kept for the next attempt";
    // Not a moment early.
    s.clock.advance(backoff[k] - 1s);
    EXPECT_EQ(tried(w->run_once()), 0);
    s.clock.advance(1s);
  }
  ASSERT_EQ(tried(w->run_once()), 1);  // the 12th and last
  const auto dead = s.row(id);
  EXPECT_EQ(dead.state, MailState::dead);
  EXPECT_EQ(dead.attempts, 12);
  EXPECT_EQ(dead.last_error, reasons[11]);
  EXPECT_FALSE(dead.sent_at);
  s.clock.advance(24h);
  EXPECT_EQ(tried(w->run_once()), 0) << "a dead mail is left alone";
  EXPECT_EQ(s.sender.tries_to("backoff@example.com"), 12u);
}

TEST(OutboxWorker, TheBackoffStaysAtOneHourHoweverManyAttempts) {
  Outbox s;
  s.signup("cap@example.com");
  const auto id = s.only_mail_to("cap@example.com").id;
  s.sender.fail_next(40, "smtp: cannot connect");
  auto o = Outbox::options();
  o.max_attempts = 40;
  auto w = s.worker(o);
  for (int k = 1; k < 40; ++k) {
    ASSERT_EQ(tried(w->run_once()), 1) << k;
    const auto wait = s.row(id).next_attempt_at - s.clock.now();
    if (k >= 10) {
      EXPECT_EQ(wait, 3600s) << "attempt " << k;
    } else {
      EXPECT_LT(wait, 3600s) << "attempt " << k;
    }
    s.clock.advance(std::chrono::duration_cast<std::chrono::microseconds>(wait));
  }
  ASSERT_EQ(tried(w->run_once()), 1);
  EXPECT_EQ(s.row(id).state, MailState::dead);
}

TEST(OutboxWorker, AfterMaxAttemptsTheMailIsDeadWithTheLastErrorAndAnOperatorRetrySendsIt) {
  Outbox s;
  s.signup("dead@example.com");
  const auto id = s.only_mail_to("dead@example.com").id;
  const auto token = s.verification_token("dead@example.com");
  s.sender.fail_next_with({"smtp: cannot connect", "smtp: timed out", "smtp: login denied (535 5.7.8 nope)"});
  auto o = Outbox::options();
  o.max_attempts = 3;
  auto w = s.worker(o);
  for (int k = 0; k < 3; ++k) {
    ASSERT_EQ(tried(w->run_once()), 1);
    s.clock.advance(1h);
  }
  auto dead = s.row(id);
  EXPECT_EQ(dead.state, MailState::dead);
  EXPECT_EQ(dead.attempts, 3);
  EXPECT_EQ(dead.last_error, "smtp: login denied (535 5.7.8 nope)");
  EXPECT_EQ(tried(w->run_once()), 0);

  // `tessera outbox retry ID`: pending again, due now, and this time it goes.
  ASSERT_TRUE(s.db.store->write([&](domain::StoreTx& tx) { return tx.retry_mail(id, s.clock.now()); }));
  EXPECT_EQ(tried(w->run_once()), 1);
  EXPECT_EQ(s.row(id).state, MailState::sent);
  const auto sent = s.sender.tried();
  ASSERT_EQ(sent.size(), 4u);
  EXPECT_NE(sent.back().text.find(token), std::string::npos) << "the same link, not a new one";
}

// The last error is cleaned once, here, for both backends (domain/stored_text.hpp): these were
// the stores' own tests (the outbox contract, PostgreSQL's text) before the stores stopped
// cleaning.
std::string last_error_after_failing_with(const std::string& error) {
  Outbox s;
  s.signup("error-text@example.com");
  const auto id = s.only_mail_to("error-text@example.com").id;
  s.sender.fail_next_with({error});
  auto w = s.worker();
  if (tried(w->run_once()) != 1) throw std::runtime_error("nothing tried");
  return s.row(id).last_error;
}

TEST(OutboxWorker, ALongErrorIsCutToAThousandBytesWithoutSplittingACharacter) {
  // 999 ASCII bytes, then two-byte characters: the 1000th byte is the first half of one.
  std::string error(999, 'x');
  for (int i = 0; i < 500; ++i) error += "\xc3\xa9";
  EXPECT_EQ(last_error_after_failing_with(error), std::string(999, 'x'));
}

TEST(OutboxWorker, AnErrorOfExactlyAThousandBytesIsKeptWhole) {
  std::string error(998, 'x');
  error += "\xc3\xa9";
  EXPECT_EQ(last_error_after_failing_with(error), error);
}

TEST(OutboxWorker, AnErrorTextWithNulBytesOrInvalidUtf8IsStoredCleanedUp) {
  const std::string error = std::string("421 busy\0 then \xff\xfe gone \xc3", 24);
  EXPECT_EQ(last_error_after_failing_with(error), "421 busy then \xEF\xBF\xBD\xEF\xBF\xBD gone \xEF\xBF\xBD");
}

TEST(OutboxWorker, ASuccessAfterFailuresIsSentOnce) {
  Outbox s;
  s.signup("eventually@example.com");
  const auto id = s.only_mail_to("eventually@example.com").id;
  s.sender.fail_next(2, "smtp: cannot connect");
  auto w = s.worker();
  for (int k = 0; k < 5; ++k) {
    (void)tried(w->run_once());
    s.clock.advance(1h);
  }
  EXPECT_EQ(s.sender.tries_to("eventually@example.com"), 3u);
  const auto row = s.row(id);
  EXPECT_EQ(row.state, MailState::sent);
  EXPECT_EQ(row.attempts, 3);
}

TEST(OutboxWorker, AMailWhosePayloadDoesNotOpenIsDeadAtOnceAndNothingIsSent) {
  Outbox s;
  auto t = s.signup("garbled@example.com");
  OutboxMail bad;
  bad.kind = std::string(domain::mail_kind::kVerifyEmail);
  bad.recipient = "garbled@example.com";
  bad.user_id = t.user.id;
  bad.payload_sealed = "not sealed with the outbox key";
  bad.created_at = s.clock.now();
  bad.next_attempt_at = s.clock.now();
  auto id = s.db.store->write([&](domain::StoreTx& tx) { return tx.enqueue_mail(bad); });
  ASSERT_TRUE(id);
  auto w = s.worker();
  EXPECT_EQ(tried(w->run_once()), 2);
  const auto row = s.row(*id);
  EXPECT_EQ(row.state, MailState::dead);
  EXPECT_FALSE(row.last_error.empty());
  EXPECT_EQ(s.sender.tries_to("garbled@example.com"), 1u) << "only the good mail went to the sender";
}

TEST(OutboxWorker, APermanentRefusalIsDeadAtOnceInsteadOfRetriedForHours) {
  Outbox s;
  auto t = s.signup("refused@example.com");
  s.sender.refuse_next("smtp: recipient refused (550 5.1.1 no such user)");
  auto w = s.worker();
  EXPECT_EQ(tried(w->run_once()), 1);
  const auto mails = s.db.store->read([&](domain::StoreTx& tx) { return tx.list_mail(std::nullopt, 10); });
  ASSERT_TRUE(mails);
  ASSERT_EQ(mails->size(), 1u);
  EXPECT_EQ(mails->front().state, MailState::dead);
  EXPECT_NE(mails->front().last_error.find("550"), std::string::npos);
}

// ---- leases: crashes and several senders ----

TEST(OutboxWorker, AMailClaimedByACrashedSenderIsSentByAnotherAfterTheLease) {
  Outbox s;
  s.signup("crash@example.com");
  const auto id = s.only_mail_to("crash@example.com").id;
  // The crashed sender: claims with a 120 s lease and is never heard of again.
  const std::string crashed = "crashed-host:4242:abcdefgh";
  auto claimed = s.db.store->write(
      [&](domain::StoreTx& tx) { return tx.claim_mail(s.clock.now(), s.clock.now() + 120s, crashed, 10); });
  ASSERT_TRUE(claimed);
  ASSERT_EQ(claimed->size(), 1u);

  auto w = s.worker();
  EXPECT_EQ(tried(w->run_once()), 0) << "held by its lease";
  s.clock.advance(120s);
  EXPECT_EQ(tried(w->run_once()), 0) << "held until the lease has run out";
  s.clock.advance(1ms);
  EXPECT_EQ(tried(w->run_once()), 1);
  auto row = s.row(id);
  EXPECT_EQ(row.state, MailState::sent);
  EXPECT_EQ(row.attempts, 2);
  EXPECT_EQ(s.sender.tries_to("crash@example.com"), 1u);

  // The crashed sender coming back late cannot undo or repeat that.
  auto late =
      s.db.store->write([&](domain::StoreTx& tx) { return tx.mark_mail_failed(id, crashed, "late", s.clock.now()); });
  ASSERT_TRUE(late);
  EXPECT_FALSE(*late);
  EXPECT_EQ(s.row(id).state, MailState::sent);
}

TEST(OutboxWorker, TheWorkersOwnClaimLastsTheLease) {
  Outbox s;
  s.signup("lease@example.com");
  const auto id = s.only_mail_to("lease@example.com").id;
  auto a = s.worker();
  auto b = s.worker();
  ASSERT_NE(a->owner(), b->owner());
  // While `a` is inside send(), the row is leased to it for 120 s and `b` leaves it alone.
  std::optional<OutboxMail> during;
  int b_tried = -1;
  s.sender.during = [&](const mail::Message&) {
    during = s.row(id);
    b_tried = tried(b->run_once());
  };
  EXPECT_EQ(tried(a->run_once()), 1);
  s.sender.during = nullptr;
  ASSERT_TRUE(during);
  EXPECT_EQ(during->state, MailState::sending);
  EXPECT_EQ(during->lease_owner, a->owner());
  ASSERT_TRUE(during->lease_until);
  EXPECT_EQ(*during->lease_until, s.clock.now() + 120s);
  EXPECT_EQ(b_tried, 0);
  EXPECT_EQ(s.sender.tries_to("lease@example.com"), 1u);
  EXPECT_EQ(s.row(id).state, MailState::sent);
}

TEST(OutboxWorker, TwoSendersTakingTurnsSendEachMailOnce) {
  Outbox s;
  std::vector<std::string> addresses;
  for (int i = 0; i < 7; ++i) {
    addresses.push_back("turns" + std::to_string(i) + "@example.com");
    s.signup(addresses.back());
  }
  auto o = Outbox::options();
  o.batch = 2;
  auto a = s.worker(o);
  auto b = s.worker(o);
  for (int i = 0; i < 6; ++i) {
    (void)tried(a->run_once());
    (void)tried(b->run_once());
  }
  for (const auto& address : addresses) EXPECT_EQ(s.sender.tries_to(address), 1u) << address;
  EXPECT_EQ(s.sender.tried().size(), addresses.size());
}

// ---- the thread: wake-ups and stop ----

// Waits (bounded) until `done` holds; false on timeout.
template <class F>
bool eventually(F done, std::chrono::milliseconds limit = 10s) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

TEST(OutboxWorker, AQueuedMailWakesTheSenderWithoutWaitingForThePoll) {
  Outbox s;
  auto o = Outbox::options();
  o.poll = 1h;  // only a wake-up can make it look
  auto w = s.worker(o);
  s.email->set_notifier(w.get());
  w->start();
  s.signup("woken@example.com");
  EXPECT_TRUE(eventually([&] { return s.sender.tries_to("woken@example.com") == 1; }));
  s.email->set_notifier(&s.notifier);
  w->stop();
  EXPECT_EQ(s.only_mail_to("woken@example.com").state, MailState::sent);
}

TEST(OutboxWorker, MailsCommittedJustAfterAWakeUpGoInTheSameClaim) {
  Outbox s;
  auto o = Outbox::options();
  o.poll = 1h;
  o.gather = 2s;  // far longer than three sign-ups take, even under a sanitizer
  auto w = s.worker(o);
  s.email->set_notifier(w.get());
  std::mutex m;
  std::vector<MailState> others_when_first_sent;
  std::string owner_of_others;
  s.sender.during = [&](const mail::Message& msg) {
    if (msg.to != "gather1@example.com") return;
    std::lock_guard lock(m);
    for (const char* a : {"gather2@example.com", "gather3@example.com"}) {
      const auto row = s.only_mail_to(a);
      others_when_first_sent.push_back(row.state);
      owner_of_others = row.lease_owner;
    }
  };
  w->start();
  for (const char* a : {"gather1@example.com", "gather2@example.com", "gather3@example.com"}) s.signup(a);
  EXPECT_TRUE(eventually([&] { return s.sender.tried().size() == 3; }, 10s));
  s.email->set_notifier(&s.notifier);
  w->stop();
  s.sender.during = nullptr;
  std::lock_guard lock(m);
  EXPECT_EQ(others_when_first_sent, (std::vector<MailState>{MailState::sending, MailState::sending}))
      << "the second and third mail were claimed with the first";
  EXPECT_EQ(owner_of_others, w->owner());
  for (const char* a : {"gather1@example.com", "gather2@example.com", "gather3@example.com"}) {
    EXPECT_EQ(s.only_mail_to(a).state, MailState::sent) << a;
  }
}

TEST(OutboxWorker, TheDeliveriesOfABatchAreRecordedTogetherAfterItsLastMail) {
  Outbox s;
  for (const char* a : {"rec1@example.com", "rec2@example.com", "rec3@example.com"}) s.signup(a);
  std::vector<MailState> earlier_when_last_sent;
  s.sender.during = [&](const mail::Message& msg) {
    if (msg.to != "rec3@example.com") return;
    for (const char* a : {"rec1@example.com", "rec2@example.com"})
      earlier_when_last_sent.push_back(s.only_mail_to(a).state);
  };
  auto w = s.worker();
  EXPECT_EQ(tried(w->run_once()), 3);
  s.sender.during = nullptr;
  EXPECT_EQ(earlier_when_last_sent, (std::vector<MailState>{MailState::sending, MailState::sending}))
      << "one transaction records the batch";
  for (const char* a : {"rec1@example.com", "rec2@example.com", "rec3@example.com"}) {
    const auto row = s.only_mail_to(a);
    EXPECT_EQ(row.state, MailState::sent) << a;
    EXPECT_TRUE(row.payload_sealed.empty()) << a;
  }
}

TEST(OutboxWorker, AFullBatchIsFollowedByAnotherClaimAtOnceNotAtTheNextPoll) {
  Outbox s;
  for (int i = 0; i < 5; ++i) s.signup("backlog" + std::to_string(i) + "@example.com");
  auto o = Outbox::options();
  o.poll = 1h;
  o.batch = 2;
  auto w = s.worker(o);
  w->start();
  w->mail_queued();  // one wake-up for the five
  EXPECT_TRUE(eventually([&] { return s.sender.tried().size() == 5; }, 10s));
  w->stop();
}

// The scheduler state of one thread of this process ('S' sleeping, 'R' running, ...).
char thread_state(pid_t tid) {
  std::ifstream stat("/proc/self/task/" + std::to_string(tid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  const auto close = text.rfind(')');
  return close == std::string::npos || close + 2 >= text.size() ? '?' : text[close + 2];
}

TEST(OutboxWorker, StopFinishesTheMailInHandAndGivesBackTheClaimedMailsItDidNotTry) {
  Outbox s;
  for (const char* a : {"inhand@example.com", "later1@example.com", "later2@example.com"}) s.signup(a);
  auto w = s.worker();

  // The first send blocks until the test lets it go, so the other two sit claimed meanwhile.
  std::mutex m;
  std::condition_variable cv;
  bool entered = false;
  bool release = false;
  s.sender.during = [&](const mail::Message& msg) {
    if (msg.to != "inhand@example.com") return;
    std::unique_lock lock(m);
    entered = true;
    cv.notify_all();
    cv.wait_for(lock, 10s, [&] { return release; });
  };
  w->start();
  {
    std::unique_lock lock(m);
    ASSERT_TRUE(cv.wait_for(lock, 10s, [&] { return entered; }));
  }
  for (const char* a : {"later1@example.com", "later2@example.com"}) {
    const auto row = s.only_mail_to(a);
    EXPECT_EQ(row.state, MailState::sending) << a;
    EXPECT_EQ(row.lease_owner, w->owner()) << a;
  }

  // stop() from another thread; once that thread sleeps it is waiting for the sender thread to
  // finish (stop() has asked it to), and the mail in hand may complete.
  std::atomic<pid_t> stopper_tid{0};
  std::thread stopper([&] {
    stopper_tid = static_cast<pid_t>(syscall(SYS_gettid));
    w->stop();
  });
  ASSERT_TRUE(eventually([&] { return stopper_tid != 0 && thread_state(stopper_tid) == 'S'; }));
  {
    std::lock_guard lock(m);
    release = true;
  }
  cv.notify_all();
  stopper.join();
  s.sender.during = nullptr;

  const auto in_hand = s.only_mail_to("inhand@example.com");
  EXPECT_EQ(in_hand.state, MailState::sent) << "the mail in hand was finished, not abandoned";
  for (const char* a : {"later1@example.com", "later2@example.com"}) {
    const auto row = s.only_mail_to(a);
    EXPECT_EQ(row.state, MailState::pending) << a;
    EXPECT_EQ(row.attempts, 0) << a << ": the attempt it never made is not counted";
    EXPECT_TRUE(row.lease_owner.empty()) << a;
    EXPECT_FALSE(row.lease_until) << a;
    EXPECT_LE(row.next_attempt_at, s.clock.now()) << a << ": due at once";
    EXPECT_EQ(s.sender.tries_to(a), 0u) << a;
  }

  // The next sender (a restart, or another instance) sends them at once; nothing goes twice.
  auto next = s.worker();
  EXPECT_EQ(tried(next->run_once()), 2);
  for (const char* a : {"inhand@example.com", "later1@example.com", "later2@example.com"}) {
    EXPECT_EQ(s.sender.tries_to(a), 1u) << a;
    EXPECT_EQ(s.only_mail_to(a).state, MailState::sent) << a;
  }
}

TEST(OutboxWorker, StopWithNothingClaimedReleasesNothingAndLeavesOthersClaimsAlone) {
  Outbox s;
  s.signup("others@example.com");
  const auto id = s.only_mail_to("others@example.com").id;
  ASSERT_TRUE(s.db.store->write([&](domain::StoreTx& tx) {
    return tx.claim_mail(s.clock.now(), s.clock.now() + 120s, "another-instance:1:xyz", 10);
  }));
  auto w = s.worker();
  w->start();
  w->stop();
  const auto row = s.row(id);
  EXPECT_EQ(row.state, MailState::sending);
  EXPECT_EQ(row.lease_owner, "another-instance:1:xyz");
  EXPECT_EQ(s.sender.tried().size(), 0u);
}

}  // namespace
}  // namespace tessera::test
