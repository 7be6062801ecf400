#pragma once
// Password hashing (SPEC §4): new hashes are Argon2id PHC strings computed by libargon2 (the
// reference implementation); stored Argon2id and Argon2i strings from libsodium, libargon2 or
// the npm argon2 package verify, with any number of lanes; imported bcrypt hashes ($2a$, $2b$,
// $2y$, from NestJS/Express apps) verify through libxcrypt until the next successful login
// re-hashes them.
//
// Memory and CPU: with a HashGate, every computation holds one of the gate's slots and computes
// into that slot's kept block of m KiB (crypto/hash_gate.hpp), wiped after every hash and given
// back when the hash pool runs idle: at most (slots) hashes run at once and peak RSS is about
// (slots) x m KiB, however many threads call. Without one (the CLI, tests), each calling thread
// keeps its own block.
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "crypto/hash_gate.hpp"

namespace tessera::crypto {

// Argon2id cost of new hashes. Parallelism is always 1: one lane, computed by one worker.
struct Argon2Params {
  std::uint32_t memory_kib = 19456;  // m: 19 MiB, the OWASP recommendation
  std::uint32_t iterations = 2;      // t
};

// Hashes and verifies passwords. Every method is const and thread-safe; they are meant to run
// on the hashing worker pool, never on network threads (each call takes tens of milliseconds).
class PasswordHasher {
 public:
  // Throws std::invalid_argument when `params` are outside Argon2's limits (a start-up error).
  // `gate`, when given, must outlive the hasher.
  explicit PasswordHasher(Argon2Params params, HashGate* gate = nullptr);

  // An Argon2id PHC string ($argon2id$v=19$m=..,t=..,p=1$salt$hash) of all of `password`'s bytes.
  Result<std::string> hash(std::string_view password) const;

  // Whether `password` matches `stored` (Argon2id, Argon2i or bcrypt); an error, not false, when
  // `stored` is in no known format or its cost is beyond the limits we are willing to pay.
  Result<bool> verify(std::string_view password, std::string_view stored) const;

  // Whether verify() would accept `stored` as a hash (format and cost limits), without the
  // cost of a verification: an error naming what is wrong otherwise.
  Result<void> check_stored(std::string_view stored) const;

  // True when `stored` should be replaced after a successful login: bcrypt, Argon2i, Argon2id
  // with other parameters, or anything unknown.
  bool needs_rehash(std::string_view stored) const;

  // A hash of a random password with the current parameters; verifying an unknown account's
  // login against it costs the same as a real one (SPEC §2: similar time for the 401). Made on
  // first use (thread-safe); a failure to make it throws std::runtime_error.
  const std::string& dummy_hash() const;

  // The parameters new hashes are made with.
  const Argon2Params& params() const { return params_; }

 private:
  struct CheckedArgon2 {
    bool argon2id;
    std::uint32_t memory_kib, iterations, lanes;
    std::string salt, expected;
  };
  Result<CheckedArgon2> checked_argon2(std::string_view stored) const;
  Result<int> checked_bcrypt(std::string_view stored) const;
  Result<bool> verify_argon2(std::string_view password, std::string_view stored) const;
  Result<bool> verify_bcrypt(std::string_view password, std::string_view stored) const;

  Argon2Params params_;
  HashGate* gate_;
  mutable std::once_flag dummy_once_;
  mutable std::string dummy_hash_;
};

}  // namespace tessera::crypto
