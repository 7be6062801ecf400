// Concurrency: write transactions serialise (two rotations of one refresh token never both
// win), and many writers on different rows all commit.
#include <algorithm>
#include <atomic>
#include <latch>
#include <set>
#include <thread>
#include <vector>

#include "store_contract/contract.hpp"

namespace tessera::store_contract {
namespace {

using domain::Session;
using domain::StoreTx;
using domain::TxKind;
using domain::User;

TESSERA_STORE_CONTRACT(Concurrency);

constexpr int kThreads = 8;

enum class Outcome { rotated, saw_retired, lost };

TEST_P(Concurrency, RotationsOfOneTokenSerialiseSoExactlyOneWinsAndTheOthersSeeItRetired) {
  const User u = make_user(1, "ada@example.com");
  insert(u);
  const Session start = make_session(u, 1);
  insert(start);
  const std::string presented = start.token_hash;

  std::latch go(kThreads);
  std::vector<Outcome> outcomes(kThreads, Outcome::lost);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      go.arrive_and_wait();
      auto r = store().transact(TxKind::write, [&](StoreTx& tx) -> Result<void> {
        auto current = tx.session_by_token(presented);
        if (!current) return std::move(current).error();
        if (*current) {
          Session s = **current;
          // Widen the window between reading and writing: without serialisation, a second
          // rotation would read the same current token here.
          std::this_thread::sleep_for(std::chrono::milliseconds(2));
          if (auto r = tx.retire_token(s.token_hash, s.id, s.generation, at_s(10)); !r) return r;
          s.previous_token_hash = s.token_hash;
          s.token_hash = token_hash(1000 + t);
          s.generation += 1;
          s.rotated_at = at_s(10);
          if (auto r = tx.update_session(s); !r) return r;
          outcomes[t] = Outcome::rotated;
          return ok();
        }
        auto retired = tx.session_by_retired_token(presented);
        if (!retired) return std::move(retired).error();
        outcomes[t] = *retired ? Outcome::saw_retired : Outcome::lost;
        return ok();
      });
      EXPECT_OK(r);
    });
  }
  for (auto& th : threads) th.join();

  const auto rotated = std::count(outcomes.begin(), outcomes.end(), Outcome::rotated);
  const auto saw_retired = std::count(outcomes.begin(), outcomes.end(), Outcome::saw_retired);
  EXPECT_EQ(rotated, 1);
  EXPECT_EQ(saw_retired, kThreads - 1);
  const int winner = static_cast<int>(std::find(outcomes.begin(), outcomes.end(), Outcome::rotated) - outcomes.begin());
  const auto final_state = find_session(start.id);
  ASSERT_TRUE(final_state.has_value());
  EXPECT_EQ(final_state->generation, 1);
  EXPECT_EQ(final_state->token_hash, token_hash(1000 + winner));
  EXPECT_EQ(final_state->previous_token_hash, presented);
}

TEST_P(Concurrency, RotationsOfWhateverIsCurrentNeverLoseAnUpdate) {
  constexpr int kRotations = 20;
  const User u = make_user(1, "ada@example.com");
  insert(u);
  const Session start = make_session(u, 1);
  insert(start);

  std::latch go(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      go.arrive_and_wait();
      for (int k = 0; k < kRotations; ++k) {
        auto r = store().transact(TxKind::write, [&](StoreTx& tx) -> Result<void> {
          auto current = tx.session_by_id(start.id);
          if (!current) return std::move(current).error();
          if (!*current) return make_error(errc::not_found);
          Session s = **current;
          if (auto r = tx.retire_token(s.token_hash, s.id, s.generation, at_s(10)); !r) return r;
          s.previous_token_hash = s.token_hash;
          s.token_hash = token_hash(10'000 + t * 100 + k);
          s.generation += 1;
          return tx.update_session(s);
        });
        EXPECT_OK(r);
      }
    });
  }
  for (auto& th : threads) th.join();

  const auto final_state = find_session(start.id);
  ASSERT_TRUE(final_state.has_value());
  EXPECT_EQ(final_state->generation, kThreads * kRotations);
  // Every token handed out is either the current one or retired: none was overwritten unseen.
  auto unaccounted = store().read([&](StoreTx& tx) -> Result<int> {
    int missing = 0;
    for (int t = 0; t < kThreads; ++t) {
      for (int k = 0; k < kRotations; ++k) {
        const std::string h = token_hash(10'000 + t * 100 + k);
        if (h == final_state->token_hash) continue;
        auto s = tx.session_by_retired_token(h);
        if (!s) return std::move(s).error();
        missing += s->has_value() ? 0 : 1;
      }
    }
    return missing;
  });
  ASSERT_OK(unaccounted);
  EXPECT_EQ(*unaccounted, 0);
}

TEST_P(Concurrency, ManyWritersOnDifferentRowsAllCommit) {
  constexpr int kPerThread = 20;
  std::latch go(kThreads);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      go.arrive_and_wait();
      for (int k = 0; k < kPerThread; ++k) {
        const int n = 1 + t * kPerThread + k;
        auto r = store().transact(TxKind::write, [&](StoreTx& tx) -> Result<void> {
          const User u = make_user(n, "u" + std::to_string(n) + "@example.com");
          if (auto w = tx.insert_user(u); !w) return w;
          return tx.insert_session(make_session(u, n));
        });
        if (!r) failures.fetch_add(1);
      }
    });
  }
  for (auto& th : threads) th.join();

  EXPECT_EQ(failures.load(), 0);
  auto page = store().read([](StoreTx& tx) { return tx.list_users(domain::UserQuery{"", 1, 0}); });
  ASSERT_OK(page);
  EXPECT_EQ(page->total, static_cast<std::size_t>(kThreads * kPerThread));
}

TEST_P(Concurrency, ReadersBesideWritersAllSucceed) {
  constexpr int kRounds = 25;
  std::latch go(kThreads);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      go.arrive_and_wait();
      for (int k = 0; k < kRounds; ++k) {
        Result<void> r = ok();
        if (t % 2 == 0) {
          const int n = 1 + t * kRounds + k;
          r = store().transact(TxKind::write, [&](StoreTx& tx) {
            return tx.insert_user(make_user(n, "u" + std::to_string(n) + "@example.com"));
          });
        } else {
          r = store().transact(TxKind::read, [&](StoreTx& tx) -> Result<void> {
            auto page = tx.list_users(domain::UserQuery{"example", 10, 0});
            if (!page) return std::move(page).error();
            return ok();
          });
        }
        if (!r) failures.fetch_add(1);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
}

TEST_P(Concurrency, ConcurrentRevocationAppendsGetDistinctIdsReadBackInOrder) {
  constexpr int kPerThread = 10;
  std::latch go(kThreads);
  std::vector<std::vector<std::int64_t>> ids(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      go.arrive_and_wait();
      for (int k = 0; k < kPerThread; ++k) {
        domain::RevocationEvent e;
        e.subject = uuid(t * 100 + k);
        e.created_at = at_s(1);
        e.expires_at = at_s(100);
        auto id = store().write([&](StoreTx& tx) { return tx.append_revocation(e); });
        EXPECT_OK(id);
        if (id) ids[t].push_back(*id);
      }
    });
  }
  for (auto& th : threads) th.join();

  std::set<std::int64_t> all;
  for (const auto& v : ids) {
    EXPECT_TRUE(std::is_sorted(v.begin(), v.end()));
    all.insert(v.begin(), v.end());
  }
  EXPECT_EQ(all.size(), static_cast<std::size_t>(kThreads * kPerThread));
  auto events = store().read([](StoreTx& tx) { return tx.revocations_after(0, 1000); });
  ASSERT_OK(events);
  ASSERT_EQ(events->size(), all.size());
  std::vector<std::int64_t> read_back;
  for (const auto& e : *events) read_back.push_back(e.id);
  EXPECT_EQ(read_back, std::vector<std::int64_t>(all.begin(), all.end()));
}

}  // namespace
}  // namespace tessera::store_contract
