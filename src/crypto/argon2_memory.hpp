#pragma once
// The work memory of an Argon2 computation (m KiB, 19 MiB at the default cost), kept from one
// hash to the next.
//
// Why: libsodium maps a fresh region for every hash (mmap with MAP_POPULATE) and unmaps it at
// the end. In a process with several threads each unmap makes the kernel flush the other
// cores' TLBs, and every map faults in and zeroes 19 MiB again: measured here, two hashing
// threads of one process got 51 hashes/s through libsodium and 69/s computing the same Argon2id
// with the reference library (libargon2) into a block each thread keeps (docs/performance.md,
// "Password hashing"). libargon2 wipes the block after every hash, before it comes back here,
// so no password-derived state outlives its computation.
//
// Whose block: a computation uses the block the calling thread was given with UseArgon2Block
// (in the server, the block of the hash slot it holds: crypto/hash_gate.hpp), or else the
// thread's own. A block is at most kKeepLimitBytes; larger requests (a stored hash with a huge m)
// get a region of their own, unmapped at once.
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace tessera::crypto {

inline constexpr std::size_t kKeepLimitBytes = std::size_t{64} << 20;

// One kept block. Used by one thread at a time (whoever holds it); unmapped when it goes away.
class Argon2Block {
 public:
  Argon2Block() = default;
  ~Argon2Block() { release(); }
  Argon2Block(const Argon2Block&) = delete;
  Argon2Block& operator=(const Argon2Block&) = delete;

  // Hands the memory back to the system (not while a computation is using it).
  void release();
  // Bytes kept now.
  std::size_t size() const { return size_.load(std::memory_order_relaxed); }

 private:
  friend int allocate_argon2_memory(std::uint8_t** memory, std::size_t bytes);
  friend void free_argon2_memory(std::uint8_t* memory, std::size_t bytes);

  void* base_ = nullptr;
  std::atomic<std::size_t> size_{0};  // read by size() from other threads
  bool in_use_ = false;
};

// While it lives, the calling thread's Argon2 computations use `block` instead of its own.
class UseArgon2Block {
 public:
  explicit UseArgon2Block(Argon2Block& block);
  ~UseArgon2Block();
  UseArgon2Block(const UseArgon2Block&) = delete;
  UseArgon2Block& operator=(const UseArgon2Block&) = delete;

 private:
  Argon2Block* previous_;
};

// libargon2's allocate_cbk / free_cbk for the calling thread. Allocation returns 0 (ARGON2_OK)
// or a negative libargon2 error code.
int allocate_argon2_memory(std::uint8_t** memory, std::size_t bytes);
void free_argon2_memory(std::uint8_t* memory, std::size_t bytes);

// Unmaps the calling thread's own kept block, if any.
void release_thread_argon2_memory();

// Bytes the calling thread's own block keeps now (tests).
std::size_t thread_argon2_memory_kept();

}  // namespace tessera::crypto
