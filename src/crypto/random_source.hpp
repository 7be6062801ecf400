#pragma once
// The production source of randomness: libsodium's randombytes (getrandom(2) underneath).
#include "core/random.hpp"

namespace tessera::crypto {

// Initialises libsodium once; safe to call from any thread, any number of times. Throws when
// the library cannot start (no entropy source), which stops start-up.
void init();

class SystemRandom final : public Random {
 public:
  SystemRandom();
  void fill(std::span<std::uint8_t> out) override;
};

}  // namespace tessera::crypto
