#pragma once
// The work memory of an Argon2 computation (m KiB, 19 MiB at the default cost), kept by each
// hashing thread from one hash to the next.
//
// Why: libsodium maps a fresh region for every hash (mmap with MAP_POPULATE) and unmaps it at
// the end. In a process with several threads each unmap makes the kernel flush the other
// cores' TLBs, and every map faults in and zeroes 19 MiB again: measured here, two hashing
// threads of one process got 51 hashes/s through libsodium and 69/s computing the same Argon2id
// with the reference library (libargon2) into a block each thread keeps (docs/performance.md,
// "Password hashing"). libargon2 wipes the block after every hash, before it
// comes back here, so no password-derived state outlives its computation.
//
// A thread keeps one block of at most kKeepLimitBytes; larger requests (a stored hash with a
// huge m) get a region of their own, unmapped at once. release_thread_argon2_memory() hands the
// calling thread's block back to the system: the hash pool calls it whenever its queue runs
// empty, so an idle server holds none of this memory.
#include <cstddef>
#include <cstdint>

namespace tessera::crypto {

inline constexpr std::size_t kKeepLimitBytes = std::size_t{64} << 20;

// libargon2's allocate_cbk / free_cbk for the calling thread. Allocation returns 0 (ARGON2_OK)
// or a negative libargon2 error code.
int allocate_argon2_memory(std::uint8_t** memory, std::size_t bytes);
void free_argon2_memory(std::uint8_t* memory, std::size_t bytes);

// Unmaps the calling thread's kept block, if any.
void release_thread_argon2_memory();

// Bytes the calling thread keeps now (tests).
std::size_t thread_argon2_memory_kept();

}  // namespace tessera::crypto
