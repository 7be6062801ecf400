#pragma once
// Password hashing (SPEC §4): new hashes are Argon2id PHC strings made by libsodium; imported
// bcrypt hashes ($2a$, $2b$, $2y$, from NestJS/Express apps) verify through libxcrypt until the
// next successful login re-hashes them.
//
// Memory: libsodium 1.0.18 takes each hash's m KiB straight from mmap(MAP_POPULATE) and gives it
// back with munmap when the hash ends (seen with strace), so glibc's malloc never holds those
// blocks and RSS returns to its base level after every hash; no mallopt tuning is needed. Peak
// RSS is about (concurrent hashes) x m KiB, which is why hashing runs on a bounded pool.
#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace tessera::crypto {

// Argon2id cost. Parallelism is always 1: libsodium computes one lane and writes p=1.
struct Argon2Params {
  std::uint32_t memory_kib = 19456;  // m: 19 MiB, the OWASP recommendation
  std::uint32_t iterations = 2;      // t
};

// Hashes and verifies passwords. Every method is const and thread-safe; they are meant to run
// on the hashing worker pool, never on network threads (each call takes tens of milliseconds).
class PasswordHasher {
 public:
  // Throws std::invalid_argument when `params` are outside libsodium's limits (a start-up error).
  explicit PasswordHasher(Argon2Params params);

  // An Argon2id PHC string ($argon2id$v=19$m=..,t=..,p=1$salt$hash) of all of `password`'s bytes.
  Result<std::string> hash(std::string_view password) const;

  // Whether `password` matches `stored` (Argon2id, Argon2i or bcrypt); an error, not false, when
  // `stored` is in no known format or its cost is beyond the limits we are willing to pay.
  Result<bool> verify(std::string_view password, std::string_view stored) const;

  // True when `stored` should be replaced after a successful login: bcrypt, Argon2i, Argon2id
  // with other parameters, or anything unknown.
  bool needs_rehash(std::string_view stored) const;

  // A hash of a random password with the current parameters; verifying an unknown account's
  // login against it costs the same as a real one (SPEC §2: similar time for the 401).
  const std::string& dummy_hash() const;

  // The parameters new hashes are made with.
  const Argon2Params& params() const { return params_; }

 private:
  Result<bool> verify_argon2(std::string_view password, std::string_view stored) const;
  Result<bool> verify_bcrypt(std::string_view password, std::string_view stored) const;

  Argon2Params params_;
  std::string dummy_hash_;
};

}  // namespace tessera::crypto
