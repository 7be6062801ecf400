// Housekeeping: purge() drops sessions and one-time tokens nobody can use, mails delivered long
// ago, and revocation events that stop nothing.
#include "store_contract/contract.hpp"

namespace tessera::store_contract {
namespace {

using domain::MailState;
using domain::OneTimeToken;
using domain::OutboxMail;
using domain::RevocationEvent;
using domain::Session;
using domain::StoreTx;
using domain::User;

TESSERA_STORE_CONTRACT(Purge);

// A session created at 0 s that would otherwise live until far after every cut-off used here.
Session long_lived(const User& u, int n) {
  Session s = make_session(u, n, at_s(0));
  s.idle_expires_at = at_s(100'000);
  s.absolute_expires_at = at_s(200'000);
  return s;
}

Result<std::size_t> purge(domain::Store& store, TimePoint before, TimePoint now) {
  return store.write([&](StoreTx& tx) { return tx.purge(before, now); });
}

void append(domain::Store& store, std::string subject, TimePoint expires_at) {
  RevocationEvent e;
  e.subject = std::move(subject);
  e.created_at = at_s(0);
  e.expires_at = expires_at;
  EXPECT_OK(store.write([&](StoreTx& tx) { return tx.append_revocation(e); }));
}

TEST_P(Purge, DeletesASessionWhoseIdleExpiryIsBeforeTheCutOff) {
  const User u = make_user(1, "ada@example.com");
  insert(u);
  Session s = long_lived(u, 1);
  s.idle_expires_at = at_s(999);
  insert(s);
  auto n = purge(store(), at_s(1000), at_s(1000));
  ASSERT_OK(n);
  EXPECT_EQ(*n, 1u);
  EXPECT_FALSE(find_session(s.id).has_value());
}

TEST_P(Purge, DeletesASessionWhoseAbsoluteExpiryIsBeforeTheCutOff) {
  const User u = make_user(1, "ada@example.com");
  insert(u);
  Session s = long_lived(u, 1);
  s.absolute_expires_at = at_s(999);
  insert(s);
  ASSERT_OK(purge(store(), at_s(1000), at_s(1000)));
  EXPECT_FALSE(find_session(s.id).has_value());
}

TEST_P(Purge, DeletesASessionRevokedBeforeTheCutOff) {
  const User u = make_user(1, "ada@example.com");
  insert(u);
  Session s = long_lived(u, 1);
  s.revoked_at = at_s(999);
  insert(s);
  ASSERT_OK(purge(store(), at_s(1000), at_s(1000)));
  EXPECT_FALSE(find_session(s.id).has_value());
}

TEST_P(Purge, KeepsSessionsExpiringOrRevokedAtOrAfterTheCutOff) {
  const User u = make_user(1, "ada@example.com");
  insert(u);
  Session idle_at_cutoff = long_lived(u, 1);
  idle_at_cutoff.idle_expires_at = at_s(1000);
  Session revoked_later = long_lived(u, 2);
  revoked_later.revoked_at = at_s(1001);
  const Session live = long_lived(u, 3);
  insert(idle_at_cutoff);
  insert(revoked_later);
  insert(live);
  auto n = purge(store(), at_s(1000), at_s(1000));
  ASSERT_OK(n);
  EXPECT_EQ(*n, 0u);
  EXPECT_TRUE(find_session(idle_at_cutoff.id).has_value());
  EXPECT_TRUE(find_session(revoked_later.id).has_value());
  EXPECT_TRUE(find_session(live.id).has_value());
}

TEST_P(Purge, TakesThePurgedSessionsRetiredTokensWithThem) {
  const User u = make_user(1, "ada@example.com");
  insert(u);
  Session s = long_lived(u, 1);
  s.revoked_at = at_s(5);
  insert(s);
  ASSERT_OK(store().transact(domain::TxKind::write,
                             [&](StoreTx& tx) { return tx.retire_token(token_hash(77), s.id, 0, at_s(1)); }));
  ASSERT_OK(purge(store(), at_s(1000), at_s(1000)));
  auto r = store().read([](StoreTx& tx) { return tx.session_by_retired_token(token_hash(77)); });
  ASSERT_OK(r);
  EXPECT_FALSE(r->has_value());
  // The hash is free again: retiring it under another session works.
  const Session other = long_lived(u, 2);
  insert(other);
  EXPECT_OK(store().transact(domain::TxKind::write,
                             [&](StoreTx& tx) { return tx.retire_token(token_hash(77), other.id, 0, at_s(2)); }));
}

TEST_P(Purge, KeepsTheUserOfAPurgedSession) {
  const User u = make_user(1, "ada@example.com");
  insert(u);
  Session s = long_lived(u, 1);
  s.revoked_at = at_s(5);
  insert(s);
  ASSERT_OK(purge(store(), at_s(1000), at_s(1000)));
  EXPECT_TRUE(find_user(u.id).has_value());
}

TEST_P(Purge, DeletesRevocationEventsThatExpiredBeforeNowOnly) {
  append(store(), "expired", at_s(1999));
  append(store(), "expires-now", at_s(2000));
  append(store(), "later", at_s(2001));
  // The session cut-off does not apply to events.
  auto n = purge(store(), at_s(5000), at_s(2000));
  ASSERT_OK(n);
  EXPECT_EQ(*n, 1u);
  auto left = store().read([](StoreTx& tx) { return tx.revocations_after(0, 10); });
  ASSERT_OK(left);
  ASSERT_EQ(left->size(), 2u);
  EXPECT_EQ((*left)[0].subject, "expires-now");
  EXPECT_EQ((*left)[1].subject, "later");
}

TEST_P(Purge, ReturnsTheSessionsAndEventsDeleted) {
  const User u = make_user(1, "ada@example.com");
  insert(u);
  for (int n = 1; n <= 3; ++n) {
    Session s = long_lived(u, n);
    s.revoked_at = at_s(n);
    insert(s);
  }
  insert(long_lived(u, 4));
  append(store(), "a", at_s(1));
  append(store(), "b", at_s(2));
  append(store(), "c", at_s(999'999));
  auto n = purge(store(), at_s(10), at_s(10));
  ASSERT_OK(n);
  EXPECT_EQ(*n, 5u);
  auto again = purge(store(), at_s(10), at_s(10));
  ASSERT_OK(again);
  EXPECT_EQ(*again, 0u);
}

// ---- one-time tokens

void insert_token(domain::Store& store, const OneTimeToken& t) {
  EXPECT_OK(store.write([&](StoreTx& tx) { return tx.insert_one_time_token(t); }));
}

bool token_exists(domain::Store& store, int n) {
  auto r = store.read([&](StoreTx& tx) { return tx.one_time_token(token_hash(n)); });
  EXPECT_OK(r);
  return r && r->has_value();
}

TEST_P(Purge, DeletesOneTimeTokensThatExpiredBeforeTheCutOff) {
  const User u = make_user(1, "ada@example.com");
  insert(u);
  OneTimeToken t = make_one_time_token(u, 1);
  t.expires_at = at_s(999);
  insert_token(store(), t);
  auto n = purge(store(), at_s(1000), at_s(1000));
  ASSERT_OK(n);
  EXPECT_EQ(*n, 1u);
  EXPECT_FALSE(token_exists(store(), 1));
}

TEST_P(Purge, DeletesOneTimeTokensUsedBeforeTheCutOffThoughUnexpired) {
  const User u = make_user(1, "ada@example.com");
  insert(u);
  OneTimeToken t = make_one_time_token(u, 1);
  t.expires_at = at_s(100'000);
  t.used_at = at_s(999);
  insert_token(store(), t);
  ASSERT_OK(purge(store(), at_s(1000), at_s(1000)));
  EXPECT_FALSE(token_exists(store(), 1));
}

TEST_P(Purge, KeepsUsableTokensAndThoseExpiringOrUsedAtOrAfterTheCutOff) {
  const User u = make_user(1, "ada@example.com");
  insert(u);
  OneTimeToken live = make_one_time_token(u, 1);
  live.expires_at = at_s(100'000);
  OneTimeToken expires_at_cutoff = make_one_time_token(u, 2);
  expires_at_cutoff.expires_at = at_s(1000);
  OneTimeToken used_at_cutoff = make_one_time_token(u, 3);
  used_at_cutoff.expires_at = at_s(100'000);
  used_at_cutoff.used_at = at_s(1000);
  for (const auto& t : {live, expires_at_cutoff, used_at_cutoff}) insert_token(store(), t);
  auto n = purge(store(), at_s(1000), at_s(1000));
  ASSERT_OK(n);
  EXPECT_EQ(*n, 0u);
  EXPECT_TRUE(token_exists(store(), 1));
  EXPECT_TRUE(token_exists(store(), 2));
  EXPECT_TRUE(token_exists(store(), 3));
}

// ---- mails

std::int64_t enqueue(domain::Store& store, const OutboxMail& m) {
  auto id = store.write([&](StoreTx& tx) { return tx.enqueue_mail(m); });
  EXPECT_OK(id);
  return id ? *id : -1;
}

// Claims the one due mail at `at` and records its fate there.
void claim_and(domain::Store& store, TimePoint at, bool sent) {
  auto claimed = store.write([&](StoreTx& tx) { return tx.claim_mail(at, at + std::chrono::minutes(1), "sender", 1); });
  ASSERT_OK(claimed);
  ASSERT_EQ(claimed->size(), 1u);
  const auto id = (*claimed)[0].id;
  auto marked = sent ? store.write([&](StoreTx& tx) { return tx.mark_mail_sent(id, "sender", at); })
                     : store.write([&](StoreTx& tx) { return tx.mark_mail_failed(id, "sender", "550", std::nullopt); });
  ASSERT_OK(marked);
  ASSERT_TRUE(*marked);
}

std::vector<MailState> states(domain::Store& store) {
  auto r = store.read([](StoreTx& tx) { return tx.list_mail(std::nullopt, 100); });
  EXPECT_OK(r);
  std::vector<MailState> out;
  if (r) {
    for (auto it = r->rbegin(); it != r->rend(); ++it) out.push_back(it->state);  // oldest first
  }
  return out;
}

TEST_P(Purge, DeletesMailsSentBeforeTheCutOffOnly) {
  enqueue(store(), make_mail(nullptr, 1, at_s(0)));
  ASSERT_NO_FATAL_FAILURE(claim_and(store(), at_s(999), true));
  enqueue(store(), make_mail(nullptr, 2, at_s(0)));
  ASSERT_NO_FATAL_FAILURE(claim_and(store(), at_s(1000), true));
  auto n = purge(store(), at_s(1000), at_s(1000));
  ASSERT_OK(n);
  EXPECT_EQ(*n, 1u);
  EXPECT_EQ(states(store()), std::vector<MailState>{MailState::sent});
}

TEST_P(Purge, KeepsPendingSendingAndDeadMailsHoweverOld) {
  enqueue(store(), make_mail(nullptr, 1, at_s(0)));
  ASSERT_NO_FATAL_FAILURE(claim_and(store(), at_s(1), false));  // dead since 1 s
  enqueue(store(), make_mail(nullptr, 2, at_s(0)));
  ASSERT_OK(store().write([](StoreTx& tx) { return tx.claim_mail(at_s(2), at_s(3), "crashed", 1); }));
  enqueue(store(), make_mail(nullptr, 3, at_s(0)));  // pending since 0 s
  auto n = purge(store(), at_s(1'000'000), at_s(1'000'000));
  ASSERT_OK(n);
  EXPECT_EQ(*n, 0u);
  EXPECT_EQ(states(store()), (std::vector<MailState>{MailState::dead, MailState::sending, MailState::pending}));
}

TEST_P(Purge, CountsTheTokensAndMailsItDeletes) {
  const User u = make_user(1, "ada@example.com");
  insert(u);
  OneTimeToken expired = make_one_time_token(u, 1);
  expired.expires_at = at_s(5);
  OneTimeToken used = make_one_time_token(u, 2);
  used.used_at = at_s(5);
  insert_token(store(), expired);
  insert_token(store(), used);
  enqueue(store(), make_mail(&u, 1, at_s(0)));
  ASSERT_NO_FATAL_FAILURE(claim_and(store(), at_s(1), true));
  Session s = long_lived(u, 1);
  s.revoked_at = at_s(5);
  insert(s);
  auto n = purge(store(), at_s(10), at_s(10));
  ASSERT_OK(n);
  EXPECT_EQ(*n, 4u);
  auto again = purge(store(), at_s(10), at_s(10));
  ASSERT_OK(again);
  EXPECT_EQ(*again, 0u);
}

}  // namespace
}  // namespace tessera::store_contract
