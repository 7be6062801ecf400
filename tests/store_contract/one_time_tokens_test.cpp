// One-time tokens (verification, reset): stored by hash, used once, superseded per user and
// purpose, gone with their user.
#include <algorithm>
#include <latch>
#include <thread>
#include <vector>

#include "store_contract/contract.hpp"

namespace tessera::store_contract {
namespace {

using domain::OneTimeToken;
using domain::StoreTx;
using domain::TokenPurpose;
using domain::User;

TESSERA_STORE_CONTRACT(OneTimeTokens);

Result<void> insert_token(domain::Store& store, const OneTimeToken& t) {
  return store.write([&](StoreTx& tx) { return tx.insert_one_time_token(t); });
}

std::optional<OneTimeToken> find_token(domain::Store& store, const std::string& hash) {
  auto r = store.read([&](StoreTx& tx) { return tx.one_time_token(hash); });
  EXPECT_OK(r);
  return r ? *r : std::nullopt;
}

// When the token with hash token_hash(n) was used (nullopt: unused); fails the test when missing.
std::optional<std::int64_t> used_ms(domain::Store& store, int n) {
  const auto t = find_token(store, token_hash(n));
  if (!t) {
    ADD_FAILURE() << "no token " << n;
    return std::nullopt;
  }
  return ms(t->used_at);
}

Result<bool> use(domain::Store& store, const std::string& hash, TimePoint at) {
  return store.write([&](StoreTx& tx) { return tx.use_one_time_token(hash, at); });
}

Result<std::optional<TimePoint>> last_for(domain::Store& store, std::string email, TokenPurpose purpose) {
  return store.read([&](StoreTx& tx) { return tx.last_one_time_token_for(email, purpose); });
}

TEST_P(OneTimeTokens, AnInsertedTokenReadsBackWithEveryField) {
  const User u = make_user(1, "ada@example.com");
  insert(u);
  OneTimeToken t = make_one_time_token(u, 1, TokenPurpose::reset_password, at_ms(1'234));
  t.email = "Other.Address@example.com";
  t.expires_at = at_ms(3'601'234);
  ASSERT_OK(insert_token(store(), t));
  const auto found = find_token(store(), t.token_hash);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->token_hash, t.token_hash);
  EXPECT_EQ(found->user_id.str(), u.id.str());
  EXPECT_EQ(found->purpose, TokenPurpose::reset_password);
  EXPECT_EQ(found->email, "Other.Address@example.com");
  EXPECT_EQ(ms(found->created_at), 1'234);
  EXPECT_EQ(ms(found->expires_at), 3'601'234);
  EXPECT_EQ(ms(found->used_at), std::nullopt);
}

TEST_P(OneTimeTokens, ATokenInsertedUsedReadsBackUsed) {
  const User u = make_user(1, "ada@example.com");
  insert(u);
  OneTimeToken t = make_one_time_token(u, 1);
  t.used_at = at_ms(5'005);
  ASSERT_OK(insert_token(store(), t));
  const auto found = find_token(store(), t.token_hash);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->purpose, TokenPurpose::verify_email);
  EXPECT_EQ(ms(found->used_at), std::optional<std::int64_t>(5'005));
}

TEST_P(OneTimeTokens, AnUnknownHashFindsNothing) {
  const User u = make_user(1, "ada@example.com");
  insert(u);
  ASSERT_OK(insert_token(store(), make_one_time_token(u, 1)));
  EXPECT_FALSE(find_token(store(), token_hash(2)).has_value());
  EXPECT_FALSE(find_token(store(), "").has_value());
}

TEST_P(OneTimeTokens, HashesAreComparedAsWholeByteStringsNotAsCStrings) {
  // token_hash() starts with a NUL: code that stopped there would see every hash as "".
  const User u = make_user(1, "ada@example.com");
  insert(u);
  ASSERT_OK(insert_token(store(), make_one_time_token(u, 1)));
  ASSERT_OK(insert_token(store(), make_one_time_token(u, 2, TokenPurpose::reset_password)));
  const auto first = find_token(store(), token_hash(1));
  const auto second = find_token(store(), token_hash(2));
  ASSERT_TRUE(first.has_value());
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(first->purpose, TokenPurpose::verify_email);
  EXPECT_EQ(second->purpose, TokenPurpose::reset_password);
  EXPECT_FALSE(find_token(store(), token_hash(1).substr(0, 31)).has_value());
}

TEST_P(OneTimeTokens, ATokenOfAMissingUserIsNotFound) {
  const User ghost = make_user(9, "ghost@example.com");
  EXPECT_EQ(code_of(insert_token(store(), make_one_time_token(ghost, 1))), errc::not_found);
  EXPECT_FALSE(find_token(store(), token_hash(1)).has_value());
}

TEST_P(OneTimeTokens, ASecondTokenWithTheSameHashIsRefusedAndTheFirstKept) {
  const User ada = make_user(1, "ada@example.com");
  const User bob = make_user(2, "bob@example.com");
  insert(ada);
  insert(bob);
  ASSERT_OK(insert_token(store(), make_one_time_token(ada, 1)));
  EXPECT_FALSE(insert_token(store(), make_one_time_token(bob, 1, TokenPurpose::reset_password)));
  const auto found = find_token(store(), token_hash(1));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->user_id.str(), ada.id.str());
  EXPECT_EQ(found->purpose, TokenPurpose::verify_email);
}

TEST_P(OneTimeTokens, UsingATokenMarksItUsedAtThatTime) {
  const User u = make_user(1, "ada@example.com");
  insert(u);
  ASSERT_OK(insert_token(store(), make_one_time_token(u, 1)));
  auto used = use(store(), token_hash(1), at_ms(60'007));
  ASSERT_OK(used);
  EXPECT_TRUE(*used);
  const auto found = find_token(store(), token_hash(1));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(ms(found->used_at), std::optional<std::int64_t>(60'007));
}

TEST_P(OneTimeTokens, ATokenIsUsedOnlyOnceAndTheSecondUseChangesNothing) {
  const User u = make_user(1, "ada@example.com");
  insert(u);
  ASSERT_OK(insert_token(store(), make_one_time_token(u, 1)));
  auto first = use(store(), token_hash(1), at_s(60));
  auto second = use(store(), token_hash(1), at_s(61));
  ASSERT_OK(first);
  ASSERT_OK(second);
  EXPECT_TRUE(*first);
  EXPECT_FALSE(*second);
  const auto found = find_token(store(), token_hash(1));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(ms(found->used_at), std::optional<std::int64_t>(60'000));
}

TEST_P(OneTimeTokens, ATokenInsertedUsedCannotBeUsed) {
  const User u = make_user(1, "ada@example.com");
  insert(u);
  OneTimeToken t = make_one_time_token(u, 1);
  t.used_at = at_s(5);
  ASSERT_OK(insert_token(store(), t));
  auto used = use(store(), t.token_hash, at_s(6));
  ASSERT_OK(used);
  EXPECT_FALSE(*used);
}

TEST_P(OneTimeTokens, UsingAnUnknownTokenIsNotFound) {
  EXPECT_EQ(code_of(use(store(), token_hash(1), at_s(1))), errc::not_found);
}

TEST_P(OneTimeTokens, UsingATokenLeavesTheUsersOtherTokensUnused) {
  const User u = make_user(1, "ada@example.com");
  insert(u);
  ASSERT_OK(insert_token(store(), make_one_time_token(u, 1)));
  ASSERT_OK(insert_token(store(), make_one_time_token(u, 2)));
  ASSERT_OK(use(store(), token_hash(1), at_s(60)));
  EXPECT_EQ(used_ms(store(), 2), std::nullopt);
}

TEST_P(OneTimeTokens, ConcurrentUsesOfOneTokenLetExactlyOneSucceed) {
  // As the domain does it: look the token up, check it, use it, all in one transaction.
  constexpr int kThreads = 8;
  const User u = make_user(1, "ada@example.com");
  insert(u);
  ASSERT_OK(insert_token(store(), make_one_time_token(u, 1)));
  std::latch go(kThreads);
  std::vector<int> won(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      go.arrive_and_wait();
      auto r = store().write([&](StoreTx& tx) -> Result<bool> {
        auto found = tx.one_time_token(token_hash(1));
        if (!found) return std::move(found).error();
        if (!*found || !(*found)->usable(at_s(10))) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
        return tx.use_one_time_token(token_hash(1), at_s(10 + t));
      });
      EXPECT_OK(r);
      won[t] = r && *r ? 1 : 0;
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(std::count(won.begin(), won.end(), 1), 1);
}

TEST_P(OneTimeTokens, ExpireMarksEveryUnusedTokenOfTheUserAndPurposeAndCountsThem) {
  const User u = make_user(1, "ada@example.com");
  insert(u);
  for (int n = 1; n <= 3; ++n)
    ASSERT_OK(insert_token(store(), make_one_time_token(u, n, TokenPurpose::reset_password)));
  auto expired = store().write(
      [&](StoreTx& tx) { return tx.expire_one_time_tokens(u.id, TokenPurpose::reset_password, at_ms(70'070)); });
  ASSERT_OK(expired);
  EXPECT_EQ(*expired, 3u);
  for (int n = 1; n <= 3; ++n) EXPECT_EQ(used_ms(store(), n), std::optional<std::int64_t>(70'070)) << n;
}

TEST_P(OneTimeTokens, ExpireLeavesOtherUsersOtherPurposesAndUsedTokensAlone) {
  const User ada = make_user(1, "ada@example.com");
  const User bob = make_user(2, "bob@example.com");
  insert(ada);
  insert(bob);
  ASSERT_OK(insert_token(store(), make_one_time_token(ada, 1, TokenPurpose::reset_password)));  // expired
  ASSERT_OK(insert_token(store(), make_one_time_token(ada, 2, TokenPurpose::verify_email)));    // other purpose
  ASSERT_OK(insert_token(store(), make_one_time_token(bob, 3, TokenPurpose::reset_password)));  // other user
  OneTimeToken used = make_one_time_token(ada, 4, TokenPurpose::reset_password);
  used.used_at = at_s(5);
  ASSERT_OK(insert_token(store(), used));  // used already: keeps its time
  auto expired = store().write(
      [&](StoreTx& tx) { return tx.expire_one_time_tokens(ada.id, TokenPurpose::reset_password, at_s(100)); });
  ASSERT_OK(expired);
  EXPECT_EQ(*expired, 1u);
  EXPECT_EQ(used_ms(store(), 1), std::optional<std::int64_t>(100'000));
  EXPECT_EQ(used_ms(store(), 2), std::nullopt);
  EXPECT_EQ(used_ms(store(), 3), std::nullopt);
  EXPECT_EQ(used_ms(store(), 4), std::optional<std::int64_t>(5'000));
}

TEST_P(OneTimeTokens, ExpireWithNothingToExpireReturnsZero) {
  const User u = make_user(1, "ada@example.com");
  insert(u);
  auto none =
      store().write([&](StoreTx& tx) { return tx.expire_one_time_tokens(u.id, TokenPurpose::verify_email, at_s(1)); });
  ASSERT_OK(none);
  EXPECT_EQ(*none, 0u);
  auto unknown_user = store().write([&](StoreTx& tx) {
    return tx.expire_one_time_tokens(domain::UserId(uuid(99)), TokenPurpose::verify_email, at_s(1));
  });
  ASSERT_OK(unknown_user);
  EXPECT_EQ(*unknown_user, 0u);
}

TEST_P(OneTimeTokens, AnExpiredTokenCannotBeUsedAgain) {
  const User u = make_user(1, "ada@example.com");
  insert(u);
  ASSERT_OK(insert_token(store(), make_one_time_token(u, 1)));
  ASSERT_OK(
      store().write([&](StoreTx& tx) { return tx.expire_one_time_tokens(u.id, TokenPurpose::verify_email, at_s(1)); }));
  auto used = use(store(), token_hash(1), at_s(2));
  ASSERT_OK(used);
  EXPECT_FALSE(*used);
}

TEST_P(OneTimeTokens, DeletingAUserDeletesTheirTokensOnly) {
  const User ada = make_user(1, "ada@example.com");
  const User bob = make_user(2, "bob@example.com");
  insert(ada);
  insert(bob);
  ASSERT_OK(insert_token(store(), make_one_time_token(ada, 1)));
  ASSERT_OK(insert_token(store(), make_one_time_token(ada, 2, TokenPurpose::reset_password)));
  ASSERT_OK(insert_token(store(), make_one_time_token(bob, 3)));
  ASSERT_OK(store().write([&](StoreTx& tx) { return tx.delete_user(ada.id); }));
  EXPECT_FALSE(find_token(store(), token_hash(1)).has_value());
  EXPECT_FALSE(find_token(store(), token_hash(2)).has_value());
  EXPECT_TRUE(find_token(store(), token_hash(3)).has_value());
  // The address's history went with them.
  auto last = last_for(store(), "ada@example.com", TokenPurpose::verify_email);
  ASSERT_OK(last);
  EXPECT_FALSE(last->has_value());
}

TEST_P(OneTimeTokens, LastTokenForAnAddressIsTheNewestOfThatPurposeUsedOrNot) {
  const User u = make_user(1, "ada@example.com");
  insert(u);
  ASSERT_OK(insert_token(store(), make_one_time_token(u, 1, TokenPurpose::verify_email, at_ms(10'001))));
  OneTimeToken newest = make_one_time_token(u, 2, TokenPurpose::verify_email, at_ms(30'003));
  newest.used_at = at_ms(30'004);  // superseded or used: it was still sent
  ASSERT_OK(insert_token(store(), newest));
  ASSERT_OK(insert_token(store(), make_one_time_token(u, 3, TokenPurpose::verify_email, at_ms(20'002))));
  ASSERT_OK(insert_token(store(), make_one_time_token(u, 4, TokenPurpose::reset_password, at_ms(90'009))));
  auto last = last_for(store(), "ada@example.com", TokenPurpose::verify_email);
  ASSERT_OK(last);
  EXPECT_EQ(ms(*last), std::optional<std::int64_t>(30'003));
  auto reset = last_for(store(), "ada@example.com", TokenPurpose::reset_password);
  ASSERT_OK(reset);
  EXPECT_EQ(ms(*reset), std::optional<std::int64_t>(90'009));
}

TEST_P(OneTimeTokens, LastTokenForCountsTheAddressNotTheUser) {
  // A user who changed address: the old address's tokens do not limit the new one.
  const User u = make_user(1, "new@example.com");
  insert(u);
  OneTimeToken old_address = make_one_time_token(u, 1, TokenPurpose::verify_email, at_s(50));
  old_address.email = "old@example.com";
  ASSERT_OK(insert_token(store(), old_address));
  ASSERT_OK(insert_token(store(), make_one_time_token(u, 2, TokenPurpose::verify_email, at_s(10))));
  auto for_new = last_for(store(), "new@example.com", TokenPurpose::verify_email);
  ASSERT_OK(for_new);
  EXPECT_EQ(ms(*for_new), std::optional<std::int64_t>(10'000));
}

TEST_P(OneTimeTokens, LastTokenForAnAddressWithNoneIsNone) {
  const User u = make_user(1, "ada@example.com");
  insert(u);
  ASSERT_OK(insert_token(store(), make_one_time_token(u, 1, TokenPurpose::reset_password)));
  auto other_purpose = last_for(store(), "ada@example.com", TokenPurpose::verify_email);
  auto other_address = last_for(store(), "bob@example.com", TokenPurpose::reset_password);
  auto case_differs = last_for(store(), "ADA@example.com", TokenPurpose::reset_password);
  ASSERT_OK(other_purpose);
  ASSERT_OK(other_address);
  ASSERT_OK(case_differs);
  EXPECT_FALSE(other_purpose->has_value());
  EXPECT_FALSE(other_address->has_value());
  EXPECT_FALSE(case_differs->has_value());  // addresses are normalised before they get here
}

}  // namespace
}  // namespace tessera::store_contract
