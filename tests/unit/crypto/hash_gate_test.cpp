// The hash gate: at most N hashes at once, each in its slot's kept Argon2 memory, however many
// threads hash; memory of free slots handed back on request. Argon2 runs at m=64 KiB, t=1.
#include "crypto/hash_gate.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "crypto/argon2_memory.hpp"
#include "crypto/password_hasher.hpp"

namespace tessera::crypto {
namespace {

using namespace std::chrono_literals;

constexpr Argon2Params kCheap{64, 1};
constexpr std::size_t kBlock = std::size_t{64} * 1024;

TEST(HashGate, NeedsAtLeastOneSlot) {
  EXPECT_THROW(HashGate(0), std::invalid_argument);
  EXPECT_EQ(HashGate(3).slots(), 3);
}

TEST(HashGate, NoMoreThreadsThanSlotsAreInsideAtOnce) {
  HashGate gate(2);
  std::atomic<int> inside{0};
  std::atomic<int> most{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10; ++i) {
        const auto pass = gate.enter();
        const int now = ++inside;
        int seen = most.load();
        while (now > seen && !most.compare_exchange_weak(seen, now)) {
        }
        std::this_thread::sleep_for(1ms);
        --inside;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_LE(most.load(), 2);
  EXPECT_GE(most.load(), 1);
  EXPECT_EQ(gate.held(), 0);
}

TEST(HashGate, EnterWaitsUntilASlotIsFree) {
  HashGate gate(1);
  std::atomic<bool> entered{false};
  std::thread waiter;
  {
    const auto held = gate.enter();
    waiter = std::thread([&] {
      const auto pass = gate.enter();
      entered = true;
    });
    std::this_thread::sleep_for(50ms);
    EXPECT_FALSE(entered.load()) << "the only slot is held";
    EXPECT_EQ(gate.held(), 1);
  }
  waiter.join();
  EXPECT_TRUE(entered.load());
  EXPECT_EQ(gate.held(), 0);
}

TEST(HashGate, AHashUnderTheGateUsesTheSlotsMemoryNotTheThreads) {
  HashGate gate(2);
  const PasswordHasher hasher(kCheap, &gate);
  std::thread([&] {
    const auto h = hasher.hash("slot");
    ASSERT_TRUE(h.has_value());
    EXPECT_EQ(thread_argon2_memory_kept(), 0u);
    EXPECT_EQ(gate.memory_kept(), kBlock);
    // The free slot's block is taken again: no second block for a second hash.
    EXPECT_TRUE(*hasher.verify("slot", *h));
    EXPECT_FALSE(*hasher.verify("sloT", *h));
    EXPECT_EQ(gate.memory_kept(), kBlock);
  }).join();
  gate.release_idle_memory();
  EXPECT_EQ(gate.memory_kept(), 0u);
}

TEST(HashGate, ManyHashingThreadsKeepNoMoreThanTheSlotsMemory) {
  HashGate gate(2);
  const PasswordHasher hasher(kCheap, &gate);
  std::atomic<int> wrong{0};
  std::atomic<std::size_t> thread_memory{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 5; ++i) {
        const auto h = hasher.hash("many");
        if (!h || !*hasher.verify("many", *h) || *hasher.verify("mane", *h)) ++wrong;
        if (gate.memory_kept() > 2 * kBlock) ++wrong;
      }
      thread_memory += thread_argon2_memory_kept();
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(thread_memory.load(), 0u);
  EXPECT_LE(gate.memory_kept(), 2 * kBlock);
  EXPECT_GE(gate.memory_kept(), kBlock);
}

TEST(HashGate, ReleasingIdleMemoryLeavesAHeldSlotsBlockAlone) {
  HashGate gate(2);
  const PasswordHasher plain(kCheap);  // no gate of its own: computes into whatever block it is lent
  std::atomic<bool> hashed{false};
  std::atomic<bool> done{false};
  std::thread holder([&] {
    const auto pass = gate.enter();
    EXPECT_TRUE(plain.hash("held").has_value());
    hashed = true;
    while (!done) std::this_thread::sleep_for(1ms);
  });
  while (!hashed) std::this_thread::sleep_for(1ms);
  gate.release_idle_memory();
  EXPECT_EQ(gate.memory_kept(), kBlock) << "held: its block stays";
  done = true;
  holder.join();
  gate.release_idle_memory();
  EXPECT_EQ(gate.memory_kept(), 0u);
}

TEST(HashGate, MakingTheDummyHashLeavesNoSlotMemory) {
  HashGate gate(1);
  const PasswordHasher hasher(kCheap, &gate);
  std::thread([&] { EXPECT_FALSE(hasher.dummy_hash().empty()); }).join();
  EXPECT_EQ(gate.memory_kept(), 0u);
}

}  // namespace
}  // namespace tessera::crypto
