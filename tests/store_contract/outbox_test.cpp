// The email outbox: mails queued pending, claimed with a lease by one sender at a time, then
// sent, retried later, released unsent, or dead until an operator retries them.
#include <algorithm>
#include <atomic>
#include <latch>
#include <map>
#include <thread>
#include <vector>

#include "domain/stored_text.hpp"
#include "store_contract/contract.hpp"

namespace tessera::store_contract {
namespace {

using domain::MailState;
using domain::OutboxMail;
using domain::StoreTx;
using domain::User;

TESSERA_STORE_CONTRACT(Outbox);

std::int64_t enqueue(domain::Store& store, const OutboxMail& m) {
  auto id = store.write([&](StoreTx& tx) { return tx.enqueue_mail(m); });
  EXPECT_OK(id);
  return id ? *id : -1;
}

// Claims as `owner` at `now` with a one-minute lease.
std::vector<OutboxMail> claim(domain::Store& store, TimePoint now, std::string owner, std::size_t limit = 100) {
  auto r = store.write([&](StoreTx& tx) { return tx.claim_mail(now, now + std::chrono::minutes(1), owner, limit); });
  EXPECT_OK(r);
  return r ? *r : std::vector<OutboxMail>{};
}

std::vector<std::int64_t> ids_of(const std::vector<OutboxMail>& mails) {
  std::vector<std::int64_t> ids;
  for (const auto& m : mails) ids.push_back(m.id);
  return ids;
}

std::vector<OutboxMail> list(domain::Store& store, std::optional<MailState> state = std::nullopt,
                             std::size_t limit = 1000) {
  auto r = store.read([&](StoreTx& tx) { return tx.list_mail(state, limit); });
  EXPECT_OK(r);
  return r ? *r : std::vector<OutboxMail>{};
}

std::optional<OutboxMail> find_mail(domain::Store& store, std::int64_t id) {
  for (auto& m : list(store)) {
    if (m.id == id) return m;
  }
  return std::nullopt;
}

// The mail as it is now; fails the test when it is gone.
OutboxMail mail(domain::Store& store, std::int64_t id) {
  auto m = find_mail(store, id);
  if (!m) {
    ADD_FAILURE() << "no mail " << id;
    return OutboxMail{};
  }
  return *m;
}

Result<bool> mark_sent(domain::Store& store, std::int64_t id, std::string owner, TimePoint at) {
  return store.write([&](StoreTx& tx) { return tx.mark_mail_sent(id, owner, at); });
}

Result<bool> mark_failed(domain::Store& store, std::int64_t id, std::string owner, std::string error,
                         std::optional<TimePoint> next) {
  return store.write([&](StoreTx& tx) { return tx.mark_mail_failed(id, owner, error, next); });
}

Result<std::size_t> retry(domain::Store& store, std::optional<std::int64_t> id, TimePoint now) {
  return store.write([&](StoreTx& tx) { return tx.retry_mail(id, now); });
}

// A mail enqueued at `created`, claimed at `claimed` by `owner`, then failed for good.
std::int64_t dead_mail(domain::Store& store, int n, TimePoint created, TimePoint claimed) {
  const auto id = enqueue(store, make_mail(nullptr, n, created));
  EXPECT_EQ(ids_of(claim(store, claimed, "killer", 1)), std::vector<std::int64_t>{id});
  auto failed = mark_failed(store, id, "killer", "550 mailbox unavailable", std::nullopt);
  EXPECT_OK(failed);
  return id;
}

// ---- enqueue

TEST_P(Outbox, AnEnqueuedMailIsPendingUntriedAndReadsBackWithEveryField) {
  const User u = make_user(1, "ada@example.com");
  insert(u);
  OutboxMail m = make_mail(&u, 1, at_ms(1'001));
  m.kind = std::string(domain::mail_kind::kResetPassword);
  m.next_attempt_at = at_ms(2'002);
  const auto id = enqueue(store(), m);
  EXPECT_GT(id, 0);
  const OutboxMail got = mail(store(), id);
  EXPECT_EQ(got.id, id);
  EXPECT_EQ(got.kind, "reset_password");
  EXPECT_EQ(got.recipient, "ada@example.com");
  EXPECT_EQ(got.user_id.str(), u.id.str());
  EXPECT_EQ(got.payload_sealed, m.payload_sealed);  // binary, NUL included
  EXPECT_EQ(got.state, MailState::pending);
  EXPECT_EQ(got.attempts, 0);
  EXPECT_EQ(ms(got.created_at), 1'001);
  EXPECT_EQ(ms(got.next_attempt_at), 2'002);
  EXPECT_EQ(ms(got.lease_until), std::nullopt);
  EXPECT_EQ(got.lease_owner, "");
  EXPECT_EQ(got.last_error, "");
  EXPECT_EQ(ms(got.sent_at), std::nullopt);
}

TEST_P(Outbox, EnqueueIgnoresTheStateLeaseAndHistoryTheRecordCarries) {
  OutboxMail m = make_mail(nullptr, 1);
  m.id = 4242;
  m.state = MailState::sent;
  m.attempts = 7;
  m.lease_until = at_s(999);
  m.lease_owner = "someone";
  m.last_error = "old";
  m.sent_at = at_s(5);
  const auto id = enqueue(store(), m);
  const OutboxMail got = mail(store(), id);
  EXPECT_EQ(got.state, MailState::pending);
  EXPECT_EQ(got.attempts, 0);
  EXPECT_EQ(ms(got.lease_until), std::nullopt);
  EXPECT_EQ(got.lease_owner, "");
  EXPECT_EQ(got.last_error, "");
  EXPECT_EQ(ms(got.sent_at), std::nullopt);
}

TEST_P(Outbox, EnqueuedMailsGetIncreasingIds) {
  const auto a = enqueue(store(), make_mail(nullptr, 1));
  const auto b = enqueue(store(), make_mail(nullptr, 2));
  const auto c = enqueue(store(), make_mail(nullptr, 3));
  EXPECT_LT(a, b);
  EXPECT_LT(b, c);
}

TEST_P(Outbox, AMailAboutNoAccountKeepsAnEmptyUserId) {
  const auto id = enqueue(store(), make_mail(nullptr, 1));
  EXPECT_TRUE(mail(store(), id).user_id.empty());
}

TEST_P(Outbox, AMailOfAMissingUserIsNotFound) {
  const User ghost = make_user(9, "ghost@example.com");
  auto id = store().write([&](StoreTx& tx) { return tx.enqueue_mail(make_mail(&ghost, 1)); });
  EXPECT_EQ(code_of(id), errc::not_found);
  EXPECT_TRUE(list(store()).empty());
}

TEST_P(Outbox, DeletingAUserDeletesTheirMailsOnly) {
  const User ada = make_user(1, "ada@example.com");
  const User bob = make_user(2, "bob@example.com");
  insert(ada);
  insert(bob);
  enqueue(store(), make_mail(&ada, 1, at_s(100)));  // pending
  const auto leased = enqueue(store(), make_mail(&ada, 2));
  const auto bobs = enqueue(store(), make_mail(&bob, 3));
  const auto nobodys = enqueue(store(), make_mail(nullptr, 4));
  ASSERT_EQ(ids_of(claim(store(), at_s(0), "sender-a", 1)), std::vector<std::int64_t>{leased});
  ASSERT_OK(store().write([&](StoreTx& tx) { return tx.delete_user(ada.id); }));
  EXPECT_EQ(ids_of(list(store())), (std::vector<std::int64_t>{nobodys, bobs}));
  // The sender that held the deleted mail finds nothing to mark.
  auto sent = mark_sent(store(), leased, "sender-a", at_s(1));
  ASSERT_OK(sent);
  EXPECT_FALSE(*sent);
}

// ---- claim

TEST_P(Outbox, ClaimTakesOnlyMailsDueAtNow) {
  OutboxMail due_now = make_mail(nullptr, 1);
  due_now.next_attempt_at = at_ms(10'000);
  OutboxMail due_earlier = make_mail(nullptr, 2);
  due_earlier.next_attempt_at = at_ms(1);
  OutboxMail due_later = make_mail(nullptr, 3);
  due_later.next_attempt_at = at_ms(10'001);
  const auto a = enqueue(store(), due_now);
  const auto b = enqueue(store(), due_earlier);
  const auto c = enqueue(store(), due_later);
  EXPECT_EQ(ids_of(claim(store(), at_ms(10'000), "sender")), (std::vector<std::int64_t>{a, b}));
  EXPECT_EQ(mail(store(), c).state, MailState::pending);
  EXPECT_EQ(ids_of(claim(store(), at_ms(10'001), "sender")), std::vector<std::int64_t>{c});
}

TEST_P(Outbox, ClaimTakesTheOldestFirstUpToTheLimit) {
  // Due in the reverse order of their age: oldest means first queued.
  std::vector<std::int64_t> ids;
  for (int n = 0; n < 5; ++n) {
    OutboxMail m = make_mail(nullptr, n, at_s(n));
    m.next_attempt_at = at_s(10 - n);
    ids.push_back(enqueue(store(), m));
  }
  EXPECT_EQ(ids_of(claim(store(), at_s(20), "sender", 2)), (std::vector<std::int64_t>{ids[0], ids[1]}));
  EXPECT_EQ(ids_of(claim(store(), at_s(20), "sender", 2)), (std::vector<std::int64_t>{ids[2], ids[3]}));
  EXPECT_EQ(ids_of(claim(store(), at_s(20), "sender", 2)), std::vector<std::int64_t>{ids[4]});
  EXPECT_TRUE(claim(store(), at_s(20), "sender", 2).empty());
}

TEST_P(Outbox, ClaimWithALimitOfZeroTakesNothing) {
  const auto id = enqueue(store(), make_mail(nullptr, 1));
  EXPECT_TRUE(claim(store(), at_s(10), "sender", 0).empty());
  EXPECT_EQ(mail(store(), id).state, MailState::pending);
}

TEST_P(Outbox, AClaimedMailIsReturnedAsUpdatedSendingLeasedToTheOwnerWithTheAttemptCounted) {
  const auto id = enqueue(store(), make_mail(nullptr, 1));
  auto r = store().write([&](StoreTx& tx) { return tx.claim_mail(at_ms(5'000), at_ms(65'005), "sender-a", 10); });
  ASSERT_OK(r);
  ASSERT_EQ(r->size(), 1u);
  const OutboxMail& claimed = (*r)[0];
  EXPECT_EQ(claimed.id, id);
  EXPECT_EQ(claimed.state, MailState::sending);
  EXPECT_EQ(claimed.attempts, 1);
  EXPECT_EQ(ms(claimed.lease_until), std::optional<std::int64_t>(65'005));
  EXPECT_EQ(claimed.lease_owner, "sender-a");
  EXPECT_EQ(claimed.payload_sealed, make_mail(nullptr, 1).payload_sealed);
  EXPECT_EQ(claimed.recipient, "m1@example.com");
  const OutboxMail stored = mail(store(), id);
  EXPECT_EQ(stored.state, MailState::sending);
  EXPECT_EQ(stored.attempts, 1);
  EXPECT_EQ(ms(stored.lease_until), std::optional<std::int64_t>(65'005));
  EXPECT_EQ(stored.lease_owner, "sender-a");
}

TEST_P(Outbox, AClaimedMailIsNotClaimedAgainWhileItsLeaseRuns) {
  const auto id = enqueue(store(), make_mail(nullptr, 1));
  ASSERT_EQ(ids_of(claim(store(), at_s(0), "sender-a")), std::vector<std::int64_t>{id});  // lease until 60 s
  EXPECT_TRUE(claim(store(), at_s(1), "sender-b").empty());
  EXPECT_TRUE(claim(store(), at_s(60), "sender-b").empty());  // the lease's last instant
  EXPECT_TRUE(claim(store(), at_s(30), "sender-a").empty());  // not even by its holder
  EXPECT_EQ(mail(store(), id).lease_owner, "sender-a");
  EXPECT_EQ(mail(store(), id).attempts, 1);
}

TEST_P(Outbox, AMailWhoseLeaseRanOutIsClaimedAgainWithBothAttemptsCounted) {
  // The first sender crashed mid-send: the mail is not lost, and the attempt it may have made
  // counts toward the limit.
  const auto id = enqueue(store(), make_mail(nullptr, 1));
  ASSERT_EQ(claim(store(), at_s(0), "crashed").size(), 1u);
  const auto again = claim(store(), at_ms(60'001), "sender-b");
  ASSERT_EQ(ids_of(again), std::vector<std::int64_t>{id});
  EXPECT_EQ(again[0].attempts, 2);
  EXPECT_EQ(again[0].lease_owner, "sender-b");
  EXPECT_EQ(ms(again[0].lease_until), std::optional<std::int64_t>(120'001));
}

TEST_P(Outbox, SentAndDeadMailsAreNeverClaimed) {
  const auto sent = enqueue(store(), make_mail(nullptr, 1));
  ASSERT_EQ(claim(store(), at_s(0), "sender").size(), 1u);
  ASSERT_OK(mark_sent(store(), sent, "sender", at_s(1)));
  dead_mail(store(), 2, at_s(0), at_s(2));
  EXPECT_TRUE(claim(store(), at_s(1'000'000), "sender").empty());
}

TEST_P(Outbox, ConcurrentClaimersNeverShareAMailAndTogetherTakeEveryMailOnce) {
  constexpr int kThreads = 6;
  constexpr int kMails = 120;
  std::vector<std::int64_t> all;
  ASSERT_OK(store().write([&](StoreTx& tx) -> Result<void> {
    for (int n = 0; n < kMails; ++n) {
      auto id = tx.enqueue_mail(make_mail(nullptr, n, at_ms(n)));
      if (!id) return std::move(id).error();
      all.push_back(*id);
    }
    return ok();
  }));

  std::latch go(kThreads);
  std::vector<std::vector<std::int64_t>> got(kThreads);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const std::string owner = "sender-" + std::to_string(t);
      go.arrive_and_wait();
      for (;;) {
        // Each claim is a transaction of its own; the sends happen outside it, as they will.
        auto batch = store().write([&](StoreTx& tx) { return tx.claim_mail(at_s(1000), at_s(2000), owner, 3); });
        if (!batch) {
          failures.fetch_add(1);
          return;
        }
        if (batch->empty()) return;
        for (const auto& m : *batch) {
          got[t].push_back(m.id);
          if (m.lease_owner != owner || m.attempts != 1) failures.fetch_add(1);
          auto sent = store().write([&](StoreTx& tx) { return tx.mark_mail_sent(m.id, owner, at_s(1001)); });
          if (!sent || !*sent) failures.fetch_add(1);
        }
      }
    });
  }
  for (auto& th : threads) th.join();

  EXPECT_EQ(failures.load(), 0);
  std::map<std::int64_t, int> times;
  for (const auto& ids : got) {
    for (const auto id : ids) ++times[id];
  }
  EXPECT_EQ(times.size(), all.size());
  for (const auto id : all) EXPECT_EQ(times[id], 1) << "mail " << id;
  EXPECT_EQ(list(store(), MailState::sent).size(), all.size());
}

// ---- mark sent / failed

TEST_P(Outbox, MarkSentRecordsTheDeliveryAndEmptiesThePayload) {
  const auto id = enqueue(store(), make_mail(nullptr, 1));
  ASSERT_EQ(claim(store(), at_s(0), "sender").size(), 1u);
  auto sent = mark_sent(store(), id, "sender", at_ms(3'003));
  ASSERT_OK(sent);
  EXPECT_TRUE(*sent);
  const OutboxMail m = mail(store(), id);
  EXPECT_EQ(m.state, MailState::sent);
  EXPECT_EQ(ms(m.sent_at), std::optional<std::int64_t>(3'003));
  EXPECT_EQ(m.payload_sealed, "");  // the sealed token does not linger
  EXPECT_EQ(m.attempts, 1);
  EXPECT_EQ(ms(m.lease_until), std::nullopt);
  EXPECT_EQ(m.recipient, "m1@example.com");
}

TEST_P(Outbox, MarkSentByAnotherOwnerIsRefusedAndChangesNothing) {
  const auto id = enqueue(store(), make_mail(nullptr, 1));
  ASSERT_EQ(claim(store(), at_s(0), "sender-a").size(), 1u);
  auto sent = mark_sent(store(), id, "sender-b", at_s(1));
  ASSERT_OK(sent);
  EXPECT_FALSE(*sent);
  const OutboxMail m = mail(store(), id);
  EXPECT_EQ(m.state, MailState::sending);
  EXPECT_EQ(m.lease_owner, "sender-a");
  EXPECT_EQ(m.payload_sealed, make_mail(nullptr, 1).payload_sealed);
}

TEST_P(Outbox, AStaleOwnerWhoseLeaseWasTakenOverCanNeitherMarkItSentNorFailed) {
  const auto id = enqueue(store(), make_mail(nullptr, 1));
  ASSERT_EQ(claim(store(), at_s(0), "slow").size(), 1u);
  ASSERT_EQ(claim(store(), at_s(61), "fresh").size(), 1u);  // slow's lease ran out
  auto sent = mark_sent(store(), id, "slow", at_s(62));
  auto failed = mark_failed(store(), id, "slow", "timeout", at_s(500));
  ASSERT_OK(sent);
  ASSERT_OK(failed);
  EXPECT_FALSE(*sent);
  EXPECT_FALSE(*failed);
  const OutboxMail m = mail(store(), id);
  EXPECT_EQ(m.state, MailState::sending);
  EXPECT_EQ(m.lease_owner, "fresh");
  EXPECT_EQ(m.attempts, 2);
  EXPECT_EQ(m.last_error, "");
  EXPECT_EQ(ms(m.lease_until), std::optional<std::int64_t>(121'000));
  // The new holder still can.
  auto fresh = mark_sent(store(), id, "fresh", at_s(63));
  ASSERT_OK(fresh);
  EXPECT_TRUE(*fresh);
}

TEST_P(Outbox, AnOwnerWhoseLeaseRanOutButWasNotTakenOverMayStillRecordTheDelivery) {
  // The mail went out; refusing to record it would only send it twice.
  const auto id = enqueue(store(), make_mail(nullptr, 1));
  ASSERT_EQ(claim(store(), at_s(0), "slow").size(), 1u);
  auto sent = mark_sent(store(), id, "slow", at_s(600));
  ASSERT_OK(sent);
  EXPECT_TRUE(*sent);
  EXPECT_EQ(mail(store(), id).state, MailState::sent);
}

TEST_P(Outbox, MarkingAMailNobodyClaimedOrThatDoesNotExistIsRefused) {
  const auto id = enqueue(store(), make_mail(nullptr, 1));
  auto sent = mark_sent(store(), id, "sender", at_s(1));
  auto failed = mark_failed(store(), id, "sender", "x", std::nullopt);
  auto unknown = mark_sent(store(), id + 100, "sender", at_s(1));
  ASSERT_OK(sent);
  ASSERT_OK(failed);
  ASSERT_OK(unknown);
  EXPECT_FALSE(*sent);
  EXPECT_FALSE(*failed);
  EXPECT_FALSE(*unknown);
  EXPECT_EQ(mail(store(), id).state, MailState::pending);
  // An empty owner matches no lease either.
  auto nobody = mark_sent(store(), id, "", at_s(1));
  ASSERT_OK(nobody);
  EXPECT_FALSE(*nobody);
}

TEST_P(Outbox, AMailIsMarkedSentOnlyOnce) {
  const auto id = enqueue(store(), make_mail(nullptr, 1));
  ASSERT_EQ(claim(store(), at_s(0), "sender").size(), 1u);
  ASSERT_OK(mark_sent(store(), id, "sender", at_s(1)));
  auto again = mark_sent(store(), id, "sender", at_s(2));
  auto failed = mark_failed(store(), id, "sender", "late failure", std::nullopt);
  ASSERT_OK(again);
  ASSERT_OK(failed);
  EXPECT_FALSE(*again);
  EXPECT_FALSE(*failed);
  const OutboxMail m = mail(store(), id);
  EXPECT_EQ(m.state, MailState::sent);
  EXPECT_EQ(ms(m.sent_at), std::optional<std::int64_t>(1'000));
  EXPECT_EQ(m.last_error, "");
}

TEST_P(Outbox, MarkSentOfABatchRecordsExactlyTheMailsTheOwnerStillHoldsAndSaysWhich) {
  const auto a = enqueue(store(), make_mail(nullptr, 1));
  const auto b = enqueue(store(), make_mail(nullptr, 2));
  const auto theirs = enqueue(store(), make_mail(nullptr, 3));
  const auto pending = enqueue(store(), make_mail(nullptr, 4));
  ASSERT_EQ(claim(store(), at_s(0), "sender", 2).size(), 2u);  // a and b
  ASSERT_EQ(claim(store(), at_s(0), "other", 1).size(), 1u);   // theirs
  const std::vector<std::int64_t> ids{b, theirs, a, pending, pending + 100};
  auto marked = store().write([&](StoreTx& tx) { return tx.mark_mails_sent(ids, "sender", at_ms(7'007)); });
  ASSERT_OK(marked);
  auto got = *marked;
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<std::int64_t>{a, b}));
  for (const auto id : {a, b}) {
    const OutboxMail m = mail(store(), id);
    EXPECT_EQ(m.state, MailState::sent) << id;
    EXPECT_EQ(ms(m.sent_at), std::optional<std::int64_t>(7'007)) << id;
    EXPECT_EQ(m.payload_sealed, "") << id;
    EXPECT_TRUE(m.lease_owner.empty()) << id;
  }
  EXPECT_EQ(mail(store(), theirs).state, MailState::sending);
  EXPECT_EQ(mail(store(), theirs).lease_owner, "other");
  EXPECT_EQ(mail(store(), pending).state, MailState::pending);
  // Again: nothing is recorded twice.
  auto again = store().write([&](StoreTx& tx) { return tx.mark_mails_sent(ids, "sender", at_s(8)); });
  ASSERT_OK(again);
  EXPECT_TRUE(again->empty());
  EXPECT_EQ(ms(mail(store(), a).sent_at), std::optional<std::int64_t>(7'007));
}

TEST_P(Outbox, MarkSentOfNoMailsRecordsNothing) {
  const auto id = enqueue(store(), make_mail(nullptr, 1));
  ASSERT_EQ(claim(store(), at_s(0), "sender").size(), 1u);
  auto marked = store().write([&](StoreTx& tx) { return tx.mark_mails_sent({}, "sender", at_s(1)); });
  ASSERT_OK(marked);
  EXPECT_TRUE(marked->empty());
  EXPECT_EQ(mail(store(), id).state, MailState::sending);
}

TEST_P(Outbox, AFailedAttemptWithARetryTimeIsPendingUntilThenKeepingThePayloadAndTheError) {
  const auto id = enqueue(store(), make_mail(nullptr, 1));
  ASSERT_EQ(claim(store(), at_s(0), "sender").size(), 1u);
  auto failed = mark_failed(store(), id, "sender", "421 try again later", at_ms(30'003));
  ASSERT_OK(failed);
  EXPECT_TRUE(*failed);
  const OutboxMail m = mail(store(), id);
  EXPECT_EQ(m.state, MailState::pending);
  EXPECT_EQ(ms(m.next_attempt_at), 30'003);
  EXPECT_EQ(m.last_error, "421 try again later");
  EXPECT_EQ(m.payload_sealed, make_mail(nullptr, 1).payload_sealed);
  EXPECT_EQ(m.attempts, 1);
  EXPECT_EQ(ms(m.lease_until), std::nullopt);
  EXPECT_EQ(m.lease_owner, "");
  EXPECT_TRUE(claim(store(), at_ms(30'002), "sender").empty());
  const auto next = claim(store(), at_ms(30'003), "sender");
  ASSERT_EQ(ids_of(next), std::vector<std::int64_t>{id});
  EXPECT_EQ(next[0].attempts, 2);
  EXPECT_EQ(next[0].last_error, "421 try again later");
}

TEST_P(Outbox, AFailedAttemptWithoutARetryTimeIsDeadKeepingThePayloadAndTheError) {
  const auto id = enqueue(store(), make_mail(nullptr, 1));
  ASSERT_EQ(claim(store(), at_s(0), "sender").size(), 1u);
  auto failed = mark_failed(store(), id, "sender", "550 no such mailbox", std::nullopt);
  ASSERT_OK(failed);
  EXPECT_TRUE(*failed);
  const OutboxMail m = mail(store(), id);
  EXPECT_EQ(m.state, MailState::dead);
  EXPECT_EQ(m.last_error, "550 no such mailbox");
  EXPECT_EQ(m.payload_sealed, make_mail(nullptr, 1).payload_sealed);
  EXPECT_EQ(ms(m.lease_until), std::nullopt);
  EXPECT_EQ(ms(m.sent_at), std::nullopt);
}

// The outbox worker cleans and cuts an error (tests/unit/outbox); a store keeps exactly what it
// is given, the longest error the worker passes included, the same on every backend.
TEST_P(Outbox, AnErrorOfTheLongestLengthIsKeptExactlyAsGiven) {
  const auto id = enqueue(store(), make_mail(nullptr, 1));
  ASSERT_EQ(claim(store(), at_s(0), "sender").size(), 1u);
  std::string error(domain::kMaxMailErrorBytes - 2, 'x');
  error += "\xc3\xa9";
  ASSERT_OK(mark_failed(store(), id, "sender", error, at_s(10)));
  EXPECT_EQ(mail(store(), id).last_error, error);
}

// ---- release

TEST_P(Outbox, ReleaseGivesTheOwnersMailsBackPendingDueAndWithTheAttemptUncounted) {
  const auto a = enqueue(store(), make_mail(nullptr, 1));
  const auto b = enqueue(store(), make_mail(nullptr, 2));
  const auto c = enqueue(store(), make_mail(nullptr, 3));
  ASSERT_EQ(claim(store(), at_s(10), "leaving", 2).size(), 2u);
  ASSERT_EQ(ids_of(claim(store(), at_s(10), "staying", 1)), std::vector<std::int64_t>{c});
  auto released = store().write([](StoreTx& tx) { return tx.release_mail("leaving"); });
  ASSERT_OK(released);
  EXPECT_EQ(*released, 2u);
  for (const auto id : {a, b}) {
    const OutboxMail m = mail(store(), id);
    EXPECT_EQ(m.state, MailState::pending);
    EXPECT_EQ(m.attempts, 0);
    EXPECT_EQ(ms(m.lease_until), std::nullopt);
    EXPECT_EQ(m.lease_owner, "");
  }
  EXPECT_EQ(mail(store(), c).state, MailState::sending);
  EXPECT_EQ(mail(store(), c).lease_owner, "staying");
  // Due at once: another sender takes them at the very time they were first claimed.
  EXPECT_EQ(ids_of(claim(store(), at_s(10), "other")), (std::vector<std::int64_t>{a, b}));
}

TEST_P(Outbox, ReleaseUncountsOnlyTheAttemptThatDidNotHappen) {
  const auto id = enqueue(store(), make_mail(nullptr, 1));
  ASSERT_EQ(claim(store(), at_s(0), "sender").size(), 1u);
  ASSERT_OK(mark_failed(store(), id, "sender", "421 busy", at_s(5)));
  ASSERT_EQ(claim(store(), at_s(5), "sender").size(), 1u);
  ASSERT_OK(store().write([](StoreTx& tx) { return tx.release_mail("sender"); }));
  const OutboxMail m = mail(store(), id);
  EXPECT_EQ(m.attempts, 1);
  EXPECT_EQ(m.last_error, "421 busy");
}

TEST_P(Outbox, ReleaseLeavesPendingSentAndDeadMailsAlone) {
  const auto pending = enqueue(store(), make_mail(nullptr, 1, at_s(50)));
  const auto sent = enqueue(store(), make_mail(nullptr, 2));
  ASSERT_EQ(ids_of(claim(store(), at_s(0), "sender")), std::vector<std::int64_t>{sent});
  ASSERT_OK(mark_sent(store(), sent, "sender", at_s(1)));
  const auto dead = dead_mail(store(), 3, at_s(0), at_s(2));
  auto released = store().write([](StoreTx& tx) { return tx.release_mail("sender"); });
  ASSERT_OK(released);
  EXPECT_EQ(*released, 0u);
  EXPECT_EQ(mail(store(), pending).state, MailState::pending);
  EXPECT_EQ(mail(store(), sent).state, MailState::sent);
  EXPECT_EQ(mail(store(), dead).state, MailState::dead);
  auto nobody = store().write([](StoreTx& tx) { return tx.release_mail(""); });
  ASSERT_OK(nobody);
  EXPECT_EQ(*nobody, 0u);
}

// ---- list and count

TEST_P(Outbox, ListShowsTheNewestFirstUpToTheLimit) {
  std::vector<std::int64_t> ids;
  for (int n = 0; n < 4; ++n) ids.push_back(enqueue(store(), make_mail(nullptr, n, at_s(n))));
  EXPECT_EQ(ids_of(list(store())), (std::vector<std::int64_t>{ids[3], ids[2], ids[1], ids[0]}));
  EXPECT_EQ(ids_of(list(store(), std::nullopt, 2)), (std::vector<std::int64_t>{ids[3], ids[2]}));
  EXPECT_TRUE(list(store(), std::nullopt, 0).empty());
}

TEST_P(Outbox, ListOfOneStateShowsOnlyThatState) {
  const auto sent = enqueue(store(), make_mail(nullptr, 1));
  ASSERT_EQ(claim(store(), at_s(0), "sender").size(), 1u);
  ASSERT_OK(mark_sent(store(), sent, "sender", at_s(1)));
  const auto dead1 = dead_mail(store(), 2, at_s(0), at_s(2));
  const auto pending = enqueue(store(), make_mail(nullptr, 3, at_s(100)));
  const auto dead2 = dead_mail(store(), 4, at_s(0), at_s(3));
  const auto sending = enqueue(store(), make_mail(nullptr, 5, at_s(0)));
  ASSERT_EQ(ids_of(claim(store(), at_s(4), "sender")), std::vector<std::int64_t>{sending});
  EXPECT_EQ(ids_of(list(store(), MailState::dead)), (std::vector<std::int64_t>{dead2, dead1}));
  EXPECT_EQ(ids_of(list(store(), MailState::dead, 1)), std::vector<std::int64_t>{dead2});
  EXPECT_EQ(ids_of(list(store(), MailState::pending)), std::vector<std::int64_t>{pending});
  EXPECT_EQ(ids_of(list(store(), MailState::sending)), std::vector<std::int64_t>{sending});
  EXPECT_EQ(ids_of(list(store(), MailState::sent)), std::vector<std::int64_t>{sent});
}

TEST_P(Outbox, CountGivesEveryStateInOrderZeroIncluded) {
  auto empty = store().read([](StoreTx& tx) { return tx.count_mail(); });
  ASSERT_OK(empty);
  using Counts = std::vector<std::pair<MailState, std::int64_t>>;
  EXPECT_EQ(*empty,
            (Counts{{MailState::pending, 0}, {MailState::sending, 0}, {MailState::sent, 0}, {MailState::dead, 0}}));

  const auto sent = enqueue(store(), make_mail(nullptr, 1));
  ASSERT_EQ(claim(store(), at_s(0), "sender").size(), 1u);
  ASSERT_OK(mark_sent(store(), sent, "sender", at_s(1)));
  dead_mail(store(), 2, at_s(0), at_s(2));
  dead_mail(store(), 3, at_s(0), at_s(3));
  enqueue(store(), make_mail(nullptr, 4, at_s(100)));
  enqueue(store(), make_mail(nullptr, 5, at_s(100)));
  enqueue(store(), make_mail(nullptr, 6, at_s(100)));
  auto counts = store().read([](StoreTx& tx) { return tx.count_mail(); });
  ASSERT_OK(counts);
  EXPECT_EQ(*counts,
            (Counts{{MailState::pending, 3}, {MailState::sending, 0}, {MailState::sent, 1}, {MailState::dead, 2}}));
}

// ---- retry

TEST_P(Outbox, RetryMakesADeadMailPendingDueNowWithAttemptsResetAndTheErrorKept) {
  const auto id = dead_mail(store(), 1, at_s(0), at_s(1));
  auto n = retry(store(), id, at_ms(9'009));
  ASSERT_OK(n);
  EXPECT_EQ(*n, 1u);
  const OutboxMail m = mail(store(), id);
  EXPECT_EQ(m.state, MailState::pending);
  EXPECT_EQ(m.attempts, 0);
  EXPECT_EQ(ms(m.next_attempt_at), 9'009);
  EXPECT_EQ(m.last_error, "550 mailbox unavailable");
  EXPECT_EQ(m.payload_sealed, make_mail(nullptr, 1).payload_sealed);
  const auto again = claim(store(), at_ms(9'009), "sender");
  ASSERT_EQ(ids_of(again), std::vector<std::int64_t>{id});
  EXPECT_EQ(again[0].attempts, 1);
}

TEST_P(Outbox, RetryMakesAPendingMailInBackoffDueNow) {
  const auto id = enqueue(store(), make_mail(nullptr, 1));
  ASSERT_EQ(claim(store(), at_s(0), "sender").size(), 1u);
  ASSERT_OK(mark_failed(store(), id, "sender", "421 busy", at_s(3600)));
  auto n = retry(store(), id, at_s(10));
  ASSERT_OK(n);
  EXPECT_EQ(*n, 1u);
  const OutboxMail m = mail(store(), id);
  EXPECT_EQ(m.state, MailState::pending);
  EXPECT_EQ(m.attempts, 0);
  EXPECT_EQ(ms(m.next_attempt_at), 10'000);
  EXPECT_EQ(m.last_error, "421 busy");
}

TEST_P(Outbox, RetryOfASentMailIsRefusedAndChangesNothing) {
  const auto id = enqueue(store(), make_mail(nullptr, 1));
  ASSERT_EQ(claim(store(), at_s(0), "sender").size(), 1u);
  ASSERT_OK(mark_sent(store(), id, "sender", at_s(1)));
  EXPECT_EQ(code_of(retry(store(), id, at_s(10))), errc::invalid_request);
  const OutboxMail m = mail(store(), id);
  EXPECT_EQ(m.state, MailState::sent);
  EXPECT_EQ(m.attempts, 1);
  EXPECT_EQ(ms(m.sent_at), std::optional<std::int64_t>(1'000));
  EXPECT_TRUE(claim(store(), at_s(10), "sender").empty());
}

TEST_P(Outbox, RetryOfAMailBeingSentIsRefusedAndLeavesTheLeaseAlone) {
  const auto id = enqueue(store(), make_mail(nullptr, 1));
  ASSERT_EQ(claim(store(), at_s(0), "sender").size(), 1u);
  EXPECT_EQ(code_of(retry(store(), id, at_s(10))), errc::invalid_request);
  const OutboxMail m = mail(store(), id);
  EXPECT_EQ(m.state, MailState::sending);
  EXPECT_EQ(m.lease_owner, "sender");
  EXPECT_EQ(m.attempts, 1);
}

TEST_P(Outbox, RetryOfAnUnknownMailIsNotFound) {
  const auto id = enqueue(store(), make_mail(nullptr, 1));
  EXPECT_EQ(code_of(retry(store(), id + 1, at_s(10))), errc::not_found);
  EXPECT_EQ(code_of(retry(store(), -1, at_s(10))), errc::not_found);
}

TEST_P(Outbox, RetryOfEveryDeadMailRevivesThemAllAndNothingElse) {
  const auto dead1 = dead_mail(store(), 1, at_s(0), at_s(1));
  const auto dead2 = dead_mail(store(), 2, at_s(0), at_s(2));
  const auto sent = enqueue(store(), make_mail(nullptr, 3));
  ASSERT_EQ(claim(store(), at_s(3), "sender").size(), 1u);
  ASSERT_OK(mark_sent(store(), sent, "sender", at_s(4)));
  const auto sending = enqueue(store(), make_mail(nullptr, 4));
  ASSERT_EQ(claim(store(), at_s(5), "sender").size(), 1u);
  const auto backoff = enqueue(store(), make_mail(nullptr, 5, at_s(3600)));
  auto n = retry(store(), std::nullopt, at_s(10));
  ASSERT_OK(n);
  EXPECT_EQ(*n, 2u);
  for (const auto id : {dead1, dead2}) {
    const OutboxMail m = mail(store(), id);
    EXPECT_EQ(m.state, MailState::pending);
    EXPECT_EQ(m.attempts, 0);
    EXPECT_EQ(ms(m.next_attempt_at), 10'000);
  }
  EXPECT_EQ(mail(store(), sent).state, MailState::sent);
  EXPECT_EQ(mail(store(), sending).state, MailState::sending);
  EXPECT_EQ(mail(store(), sending).attempts, 1);
  EXPECT_EQ(ms(mail(store(), backoff).next_attempt_at), 3'600'000);
  auto none = retry(store(), std::nullopt, at_s(11));
  ASSERT_OK(none);
  EXPECT_EQ(*none, 0u);
}

}  // namespace
}  // namespace tessera::store_contract
