#include "crypto/argon2_memory.hpp"

#include <argon2.h>
#include <sys/mman.h>

namespace tessera::crypto {
namespace {

// MAP_POPULATE: the kernel faults the whole block in at once. Touching 19 MiB page by page
// instead costs ~4,900 separate faults, which on a virtual machine tripled the first hash
// (87 ms instead of ~30 at start-up, seen with strace).
void* map(std::size_t bytes) {
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
  return p == MAP_FAILED ? nullptr : p;
}

thread_local Argon2Block own;              // the thread's block, unmapped when the thread ends
thread_local Argon2Block* lent = nullptr;  // set by UseArgon2Block

Argon2Block& current() { return lent != nullptr ? *lent : own; }

}  // namespace

void Argon2Block::release() {
  if (in_use_) return;
  if (base_ != nullptr) munmap(base_, size());
  base_ = nullptr;
  size_.store(0, std::memory_order_relaxed);
}

UseArgon2Block::UseArgon2Block(Argon2Block& block) : previous_(lent) { lent = &block; }

UseArgon2Block::~UseArgon2Block() { lent = previous_; }

int allocate_argon2_memory(std::uint8_t** memory, std::size_t bytes) {
  Argon2Block& kept = current();
  if (bytes <= kKeepLimitBytes && !kept.in_use_) {
    if (kept.size() < bytes) {
      kept.release();
      // Exactly the bytes asked for: RSS under a login flood stays (hash slots) x m KiB.
      void* p = map(bytes);
      if (p == nullptr) return ARGON2_MEMORY_ALLOCATION_ERROR;
      kept.base_ = p;
      kept.size_.store(bytes, std::memory_order_relaxed);
    }
    kept.in_use_ = true;
    *memory = static_cast<std::uint8_t*>(kept.base_);
    return ARGON2_OK;
  }
  void* p = map(bytes);
  if (p == nullptr) return ARGON2_MEMORY_ALLOCATION_ERROR;
  *memory = static_cast<std::uint8_t*>(p);
  return ARGON2_OK;
}

void free_argon2_memory(std::uint8_t* memory, std::size_t bytes) {
  if (memory == nullptr) return;
  Argon2Block& kept = current();
  if (memory == kept.base_) {
    kept.in_use_ = false;  // already wiped by libargon2; kept for the next hash
    return;
  }
  munmap(memory, bytes);
}

void release_thread_argon2_memory() { own.release(); }

std::size_t thread_argon2_memory_kept() { return own.size(); }

}  // namespace tessera::crypto
