// Server secrets: written once by whichever instance comes first, then read by all.
#include <algorithm>
#include <latch>
#include <thread>
#include <vector>

#include "store_contract/contract.hpp"

namespace tessera::store_contract {
namespace {

using domain::StoreTx;

TESSERA_STORE_CONTRACT(Secrets);

Result<bool> insert_secret(domain::Store& store, std::string name, std::string value) {
  return store.write([&](StoreTx& tx) { return tx.insert_secret(name, value); });
}

std::optional<std::string> secret(domain::Store& store, std::string name) {
  auto r = store.read([&](StoreTx& tx) { return tx.secret(name); });
  EXPECT_OK(r);
  return r ? *r : std::nullopt;
}

TEST_P(Secrets, AnUnknownSecretIsNone) { EXPECT_EQ(secret(store(), "outbox-key"), std::nullopt); }

TEST_P(Secrets, AnInsertedSecretReadsBack) {
  auto inserted = insert_secret(store(), "outbox-key", "sealed:AAECAwQFBgcICQ");
  ASSERT_OK(inserted);
  EXPECT_TRUE(*inserted);
  EXPECT_EQ(secret(store(), "outbox-key"), std::optional<std::string>("sealed:AAECAwQFBgcICQ"));
}

TEST_P(Secrets, ASecondInsertOfOneNameReturnsFalseAndKeepsTheFirstValue) {
  ASSERT_OK(insert_secret(store(), "outbox-key", "plain:first"));
  auto second = insert_secret(store(), "outbox-key", "plain:second");
  ASSERT_OK(second);
  EXPECT_FALSE(*second);
  EXPECT_EQ(secret(store(), "outbox-key"), std::optional<std::string>("plain:first"));
}

TEST_P(Secrets, ALosingInsertLeavesTheTransactionUsable) {
  // The domain reads the winner's value in the same transaction (PostgreSQL would abort the
  // transaction after a failed INSERT).
  ASSERT_OK(insert_secret(store(), "outbox-key", "plain:first"));
  auto r = store().write([](StoreTx& tx) -> Result<std::string> {
    auto inserted = tx.insert_secret("outbox-key", "plain:second");
    if (!inserted) return std::move(inserted).error();
    if (*inserted) return make_error(errc::internal_error, "", "inserted twice");
    auto winner = tx.secret("outbox-key");
    if (!winner) return std::move(winner).error();
    return winner->value_or("");
  });
  ASSERT_OK(r);
  EXPECT_EQ(*r, "plain:first");
}

TEST_P(Secrets, SecretsOfDifferentNamesAreIndependent) {
  ASSERT_OK(insert_secret(store(), "a", "plain:one"));
  auto b = insert_secret(store(), "b", "plain:two");
  ASSERT_OK(b);
  EXPECT_TRUE(*b);
  EXPECT_EQ(secret(store(), "a"), std::optional<std::string>("plain:one"));
  EXPECT_EQ(secret(store(), "b"), std::optional<std::string>("plain:two"));
  EXPECT_EQ(secret(store(), "A"), std::nullopt);
}

TEST_P(Secrets, ConcurrentInsertsOfOneNameLetExactlyOneWinAndEveryoneReadsItsValue) {
  constexpr int kThreads = 8;
  std::latch go(kThreads);
  std::vector<int> won(kThreads, 0);
  std::vector<std::string> seen(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      go.arrive_and_wait();
      const std::string mine = "plain:instance-" + std::to_string(t);
      auto r = store().write([&](StoreTx& tx) -> Result<std::string> {
        auto inserted = tx.insert_secret("outbox-key", mine);
        if (!inserted) return std::move(inserted).error();
        won[t] = *inserted ? 1 : 0;
        auto value = tx.secret("outbox-key");
        if (!value) return std::move(value).error();
        return value->value_or("");
      });
      EXPECT_OK(r);
      if (r) seen[t] = *r;
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_EQ(std::count(won.begin(), won.end(), 1), 1);
  const int winner = static_cast<int>(std::find(won.begin(), won.end(), 1) - won.begin());
  const std::string value = "plain:instance-" + std::to_string(winner);
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(seen[t], value) << t;
  EXPECT_EQ(secret(store(), "outbox-key"), std::optional<std::string>(value));
}

}  // namespace
}  // namespace tessera::store_contract
