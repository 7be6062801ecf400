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

// The block a thread keeps, unmapped when the thread ends.
struct KeptBlock {
  void* base = nullptr;
  std::size_t size = 0;
  bool in_use = false;

  void release() {
    if (base != nullptr) munmap(base, size);
    base = nullptr;
    size = 0;
    in_use = false;
  }
  ~KeptBlock() { release(); }
};

thread_local KeptBlock kept;

}  // namespace

int allocate_argon2_memory(std::uint8_t** memory, std::size_t bytes) {
  if (bytes <= kKeepLimitBytes && !kept.in_use) {
    if (kept.size < bytes) {
      kept.release();
      // Exactly the bytes asked for: RSS under a login flood stays (hash workers) x m KiB.
      void* p = map(bytes);
      if (p == nullptr) return ARGON2_MEMORY_ALLOCATION_ERROR;
      kept.base = p;
      kept.size = bytes;
    }
    kept.in_use = true;
    *memory = static_cast<std::uint8_t*>(kept.base);
    return ARGON2_OK;
  }
  void* p = map(bytes);
  if (p == nullptr) return ARGON2_MEMORY_ALLOCATION_ERROR;
  *memory = static_cast<std::uint8_t*>(p);
  return ARGON2_OK;
}

void free_argon2_memory(std::uint8_t* memory, std::size_t bytes) {
  if (memory == nullptr) return;
  if (memory == kept.base) {
    kept.in_use = false;  // already wiped by libargon2; kept for the next hash
    return;
  }
  munmap(memory, bytes);
}

void release_thread_argon2_memory() {
  if (!kept.in_use) kept.release();
}

std::size_t thread_argon2_memory_kept() { return kept.size; }

}  // namespace tessera::crypto
