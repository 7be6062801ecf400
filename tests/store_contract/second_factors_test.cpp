// Second factors: the TOTP factor (one per user, its last step spent by compare-and-set),
// recovery codes (replaced as a set, each used once) and MFA tickets, all gone with their user.
#include <algorithm>
#include <latch>
#include <thread>
#include <vector>

#include "store_contract/contract.hpp"

namespace tessera::store_contract {
namespace {

using domain::MfaTicket;
using domain::StoreTx;
using domain::TotpFactor;
using domain::TotpStatus;
using domain::User;

TESSERA_STORE_CONTRACT(SecondFactors);

TotpFactor make_factor(const User& u, TotpStatus status = TotpStatus::pending) {
  TotpFactor f;
  f.user_id = u.id;
  f.status = status;
  f.secret_sealed = token_hash(77) + std::string("\0sealed", 7);
  f.last_step = -1;
  f.created_at = at_ms(1'001);
  if (status == TotpStatus::active) f.confirmed_at = at_ms(2'002);
  return f;
}

std::optional<TotpFactor> factor_of(domain::Store& store, const User& u) {
  auto r = store.read([&](StoreTx& tx) { return tx.totp_factor(u.id); });
  EXPECT_OK(r);
  return r ? *r : std::nullopt;
}

Result<bool> use_step(domain::Store& store, const User& u, std::int64_t step) {
  return store.write([&](StoreTx& tx) { return tx.use_totp_step(u.id, step, at_s(step)); });
}

std::vector<std::string> code_hashes(int first, int count) {
  std::vector<std::string> out;
  for (int i = 0; i < count; ++i) out.push_back(token_hash(first + i));
  return out;
}

domain::RecoveryCodeCount count_of(domain::Store& store, const User& u) {
  auto r = store.read([&](StoreTx& tx) { return tx.recovery_code_count(u.id); });
  EXPECT_OK(r);
  return r ? *r : domain::RecoveryCodeCount{};
}

Result<bool> use_code(domain::Store& store, const User& u, const std::string& hash) {
  return store.write([&](StoreTx& tx) { return tx.use_recovery_code(u.id, hash, at_s(5)); });
}

MfaTicket make_ticket(const User& u, int n) {
  MfaTicket t;
  t.ticket_hash = token_hash(n);
  t.user_id = u.id;
  t.created_at = at_ms(3'003);
  t.expires_at = at_ms(303'003);
  return t;
}

TEST_P(SecondFactors, AFactorReadsBackWithEveryFieldAndANewEnrolmentReplacesIt) {
  const User u = make_user(1, "ada@example.com");
  insert(u);
  EXPECT_FALSE(factor_of(store(), u).has_value());
  TotpFactor f = make_factor(u);
  ASSERT_OK(store().write([&](StoreTx& tx) { return tx.put_totp_factor(f); }));
  auto found = factor_of(store(), u);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->status, TotpStatus::pending);
  EXPECT_EQ(found->secret_sealed, f.secret_sealed);
  EXPECT_EQ(found->last_step, -1);
  EXPECT_EQ(ms(found->created_at), 1'001);
  EXPECT_FALSE(found->confirmed_at.has_value());
  EXPECT_FALSE(found->last_used_at.has_value());

  f.secret_sealed = token_hash(78);
  f.created_at = at_ms(9'009);
  ASSERT_OK(store().write([&](StoreTx& tx) { return tx.put_totp_factor(f); }));
  found = factor_of(store(), u);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->secret_sealed, token_hash(78));
  EXPECT_EQ(ms(found->created_at), 9'009);
}

TEST_P(SecondFactors, AFactorOfAMissingUserIsNotFound) {
  const User u = make_user(1, "ada@example.com");
  EXPECT_EQ(code_of(store().write([&](StoreTx& tx) { return tx.put_totp_factor(make_factor(u)); })), errc::not_found);
}

TEST_P(SecondFactors, ConfirmActivatesAPendingFactorOnceAndSpendsItsStep) {
  const User u = make_user(1, "ada@example.com");
  insert(u);
  ASSERT_OK(store().write([&](StoreTx& tx) { return tx.put_totp_factor(make_factor(u)); }));
  EXPECT_FALSE(*use_step(store(), u, 100));  // pending: no login step counts
  auto confirmed = store().write([&](StoreTx& tx) { return tx.confirm_totp_factor(u.id, 100, at_ms(7'007)); });
  ASSERT_OK(confirmed);
  EXPECT_TRUE(*confirmed);
  auto again = store().write([&](StoreTx& tx) { return tx.confirm_totp_factor(u.id, 101, at_ms(8'008)); });
  ASSERT_OK(again);
  EXPECT_FALSE(*again);
  const auto found = factor_of(store(), u);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->status, TotpStatus::active);
  EXPECT_EQ(found->last_step, 100);
  EXPECT_EQ(ms(found->confirmed_at), 7'007);
  EXPECT_EQ(ms(found->last_used_at), 7'007);
  EXPECT_FALSE(*use_step(store(), u, 100));  // the confirming code is spent
  EXPECT_TRUE(*use_step(store(), u, 101));
}

TEST_P(SecondFactors, AStepIsSpentOnceAndNeverAnEarlierOne) {
  const User u = make_user(1, "ada@example.com");
  insert(u);
  ASSERT_OK(store().write([&](StoreTx& tx) { return tx.put_totp_factor(make_factor(u, TotpStatus::active)); }));
  EXPECT_TRUE(*use_step(store(), u, 500));
  EXPECT_FALSE(*use_step(store(), u, 500));
  EXPECT_FALSE(*use_step(store(), u, 499));
  EXPECT_TRUE(*use_step(store(), u, 502));
  const auto found = factor_of(store(), u);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->last_step, 502);
  EXPECT_EQ(ms(found->last_used_at), 502'000);
  const User other = make_user(2, "bob@example.com");
  insert(other);
  EXPECT_FALSE(*use_step(store(), other, 600));  // no factor at all
}

TEST_P(SecondFactors, ConcurrentUsesOfOneStepLetExactlyOneSucceed) {
  constexpr int kThreads = 8;
  const User u = make_user(1, "ada@example.com");
  insert(u);
  ASSERT_OK(store().write([&](StoreTx& tx) { return tx.put_totp_factor(make_factor(u, TotpStatus::active)); }));
  std::latch go(kThreads);
  std::vector<int> won(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      go.arrive_and_wait();
      // As the domain does it: read the factor, check the code against it, spend the step.
      auto r = store().write([&](StoreTx& tx) -> Result<bool> {
        auto f = tx.totp_factor(u.id);
        if (!f) return std::move(f).error();
        if (!*f || (*f)->last_step >= 900) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
        return tx.use_totp_step(u.id, 900, at_s(900));
      });
      EXPECT_OK(r);
      won[t] = r && *r ? 1 : 0;
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(std::count(won.begin(), won.end(), 1), 1);
}

TEST_P(SecondFactors, DeleteRemovesTheFactorAndSaysWhetherThereWasOne) {
  const User u = make_user(1, "ada@example.com");
  insert(u);
  ASSERT_OK(store().write([&](StoreTx& tx) { return tx.put_totp_factor(make_factor(u, TotpStatus::active)); }));
  auto first = store().write([&](StoreTx& tx) { return tx.delete_totp_factor(u.id); });
  ASSERT_OK(first);
  EXPECT_TRUE(*first);
  auto second = store().write([&](StoreTx& tx) { return tx.delete_totp_factor(u.id); });
  ASSERT_OK(second);
  EXPECT_FALSE(*second);
  EXPECT_FALSE(factor_of(store(), u).has_value());
}

TEST_P(SecondFactors, RecoveryCodesAreUsedOnceAndANewSetVoidsTheOld) {
  const User u = make_user(1, "ada@example.com");
  const User other = make_user(2, "bob@example.com");
  insert(u);
  insert(other);
  const auto first_set = code_hashes(10, 10);
  ASSERT_OK(store().write([&](StoreTx& tx) { return tx.replace_recovery_codes(u.id, first_set, at_s(1)); }));
  EXPECT_EQ(count_of(store(), u).total, 10u);
  EXPECT_EQ(count_of(store(), u).remaining, 10u);
  EXPECT_TRUE(*use_code(store(), u, token_hash(12)));
  EXPECT_FALSE(*use_code(store(), u, token_hash(12)));
  EXPECT_FALSE(*use_code(store(), other, token_hash(13)));  // another user's code
  EXPECT_FALSE(*use_code(store(), u, token_hash(99)));      // unknown
  EXPECT_EQ(count_of(store(), u).total, 10u);
  EXPECT_EQ(count_of(store(), u).remaining, 9u);

  const auto second_set = code_hashes(40, 10);
  ASSERT_OK(store().write([&](StoreTx& tx) { return tx.replace_recovery_codes(u.id, second_set, at_s(2)); }));
  EXPECT_FALSE(*use_code(store(), u, token_hash(13)));
  EXPECT_TRUE(*use_code(store(), u, token_hash(40)));
  EXPECT_EQ(count_of(store(), u).remaining, 9u);

  auto deleted = store().write([&](StoreTx& tx) { return tx.delete_recovery_codes(u.id); });
  ASSERT_OK(deleted);
  EXPECT_EQ(*deleted, 10u);
  EXPECT_EQ(count_of(store(), u).total, 0u);
  EXPECT_EQ(count_of(store(), other).total, 0u);
}

TEST_P(SecondFactors, ConcurrentUsesOfOneRecoveryCodeLetExactlyOneSucceed) {
  constexpr int kThreads = 8;
  const User u = make_user(1, "ada@example.com");
  insert(u);
  const auto set = code_hashes(10, 10);
  ASSERT_OK(store().write([&](StoreTx& tx) { return tx.replace_recovery_codes(u.id, set, at_s(1)); }));
  std::latch go(kThreads);
  std::vector<int> won(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      go.arrive_and_wait();
      auto r = use_code(store(), u, token_hash(15));
      EXPECT_OK(r);
      won[t] = r && *r ? 1 : 0;
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(std::count(won.begin(), won.end(), 1), 1);
  EXPECT_EQ(count_of(store(), u).remaining, 9u);
}

TEST_P(SecondFactors, ATicketReadsBackCountsFailuresAndIsDeletedOnce) {
  const User u = make_user(1, "ada@example.com");
  insert(u);
  ASSERT_OK(store().write([&](StoreTx& tx) { return tx.insert_mfa_ticket(make_ticket(u, 5)); }));
  auto found = store().read([&](StoreTx& tx) { return tx.mfa_ticket(token_hash(5)); });
  ASSERT_OK(found);
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->user_id.str(), u.id.str());
  EXPECT_EQ((*found)->failures, 0);
  EXPECT_EQ(ms((*found)->created_at), 3'003);
  EXPECT_EQ(ms((*found)->expires_at), 303'003);
  for (int i = 1; i <= 3; ++i) {
    auto n = store().write([&](StoreTx& tx) { return tx.count_mfa_ticket_failure(token_hash(5)); });
    ASSERT_OK(n);
    EXPECT_EQ(*n, i);
  }
  EXPECT_EQ(code_of(store().write([&](StoreTx& tx) { return tx.count_mfa_ticket_failure(token_hash(6)); })),
            errc::not_found);
  auto first = store().write([&](StoreTx& tx) { return tx.delete_mfa_ticket(token_hash(5)); });
  ASSERT_OK(first);
  EXPECT_TRUE(*first);
  auto second = store().write([&](StoreTx& tx) { return tx.delete_mfa_ticket(token_hash(5)); });
  ASSERT_OK(second);
  EXPECT_FALSE(*second);
}

TEST_P(SecondFactors, TicketsOfAUserAreDeletedTogether) {
  const User u = make_user(1, "ada@example.com");
  const User other = make_user(2, "bob@example.com");
  insert(u);
  insert(other);
  ASSERT_OK(store().write([&](StoreTx& tx) -> Result<void> {
    for (int n : {1, 2}) {
      if (auto r = tx.insert_mfa_ticket(make_ticket(u, n)); !r) return r;
    }
    return tx.insert_mfa_ticket(make_ticket(other, 3));
  }));
  auto deleted = store().write([&](StoreTx& tx) { return tx.delete_mfa_tickets_of_user(u.id); });
  ASSERT_OK(deleted);
  EXPECT_EQ(*deleted, 2u);
  auto kept = store().read([&](StoreTx& tx) { return tx.mfa_ticket(token_hash(3)); });
  ASSERT_OK(kept);
  EXPECT_TRUE(kept->has_value());
}

TEST_P(SecondFactors, EverythingGoesWithTheUser) {
  const User u = make_user(1, "ada@example.com");
  insert(u);
  const auto set = code_hashes(10, 2);
  ASSERT_OK(store().write([&](StoreTx& tx) -> Result<void> {
    if (auto r = tx.put_totp_factor(make_factor(u, TotpStatus::active)); !r) return r;
    if (auto r = tx.replace_recovery_codes(u.id, set, at_s(1)); !r) return r;
    return tx.insert_mfa_ticket(make_ticket(u, 5));
  }));
  ASSERT_OK(store().write([&](StoreTx& tx) { return tx.delete_user(u.id); }));
  EXPECT_FALSE(factor_of(store(), u).has_value());
  EXPECT_EQ(count_of(store(), u).total, 0u);
  auto ticket = store().read([&](StoreTx& tx) { return tx.mfa_ticket(token_hash(5)); });
  ASSERT_OK(ticket);
  EXPECT_FALSE(ticket->has_value());
}

TEST_P(SecondFactors, PurgeDropsUnconfirmedEnrolmentsAndExpiredTickets) {
  const User pending = make_user(1, "ada@example.com");
  const User active = make_user(2, "bob@example.com");
  insert(pending);
  insert(active);
  ASSERT_OK(store().write([&](StoreTx& tx) -> Result<void> {
    if (auto r = tx.put_totp_factor(make_factor(pending)); !r) return r;
    if (auto r = tx.put_totp_factor(make_factor(active, TotpStatus::active)); !r) return r;
    MfaTicket old = make_ticket(pending, 5);
    old.expires_at = at_s(10);
    if (auto r = tx.insert_mfa_ticket(old); !r) return r;
    MfaTicket live = make_ticket(pending, 6);
    live.expires_at = at_s(1'000);
    return tx.insert_mfa_ticket(live);
  }));
  auto purged = store().write([&](StoreTx& tx) { return tx.purge(at_s(500), at_s(500)); });
  ASSERT_OK(purged);
  EXPECT_EQ(*purged, 2u);
  EXPECT_FALSE(factor_of(store(), pending).has_value());
  EXPECT_TRUE(factor_of(store(), active).has_value());
  auto live = store().read([&](StoreTx& tx) { return tx.mfa_ticket(token_hash(6)); });
  ASSERT_OK(live);
  EXPECT_TRUE(live->has_value());
}

}  // namespace
}  // namespace tessera::store_contract
