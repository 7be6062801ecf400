#include "crypto/random_source.hpp"

#include <sodium.h>

#include <stdexcept>

namespace tessera::crypto {

void init() {
  if (sodium_init() < 0) throw std::runtime_error("libsodium could not be initialised");
}

SystemRandom::SystemRandom() { init(); }

void SystemRandom::fill(std::span<std::uint8_t> out) { randombytes_buf(out.data(), out.size()); }

}  // namespace tessera::crypto
