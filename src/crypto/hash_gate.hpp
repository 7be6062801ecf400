#pragma once
// At most N password hashes at once, each computing into the Argon2 memory of the slot it holds.
//
// Why a gate and not just N hashing threads: a sign-up or a login is a hash *and* database
// work (reading the account, committing the session). When the thread that hashes also waits
// for the database, a core stands idle while it waits: on PostgreSQL, where every commit is a
// round trip and a disk flush, two hash threads were busy 85 % of the time. So the hash lane
// runs more threads than there are slots, and only the hash itself holds a slot: while one
// request waits for its commit, another hashes. Memory stays bounded by the slots, not the
// threads: each slot keeps one block of m KiB (crypto/argon2_memory.hpp), so a flood costs at
// most (slots) x m KiB.
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

#include "crypto/argon2_memory.hpp"

namespace tessera::crypto {

class HashGate {
 public:
  // `slots` >= 1 (std::invalid_argument otherwise).
  explicit HashGate(int slots);
  HashGate(const HashGate&) = delete;
  HashGate& operator=(const HashGate&) = delete;

  // A held slot. While it lives, the holding thread's Argon2 computations use the slot's memory.
  class Pass {
   public:
    ~Pass();
    Pass(const Pass&) = delete;
    Pass& operator=(const Pass&) = delete;

   private:
    friend class HashGate;
    Pass(HashGate& gate, std::size_t slot);
    HashGate& gate_;
    std::size_t slot_;
    UseArgon2Block use_;
  };

  // Waits for a free slot and holds it until the Pass goes away.
  [[nodiscard]] Pass enter();

  // Hands back the memory of every slot nobody holds (the hash pool calls this when its queue
  // runs empty, so an idle server keeps none of it).
  void release_idle_memory();

  int slots() const { return static_cast<int>(blocks_.size()); }
  // Argon2 memory the slots keep now, in bytes.
  std::size_t memory_kept() const;
  // Slots held now.
  int held() const;

 private:
  void leave(std::size_t slot);

  mutable std::mutex mutex_;
  std::condition_variable freed_;
  std::vector<std::unique_ptr<Argon2Block>> blocks_;
  std::vector<bool> held_;
};

}  // namespace tessera::crypto
