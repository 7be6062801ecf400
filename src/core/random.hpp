#pragma once
// Randomness comes in from outside (DESIGN rule 5): crypto/ provides the libsodium source,
// tests a seeded one.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace tessera {

class Random {
 public:
  virtual ~Random() = default;
  // Fills `out` with random bytes (cryptographically secure in production).
  virtual void fill(std::span<std::uint8_t> out) = 0;

  // n random bytes as a string of raw bytes.
  std::string bytes(std::size_t n) {
    std::string s(n, '\0');
    fill(std::span<std::uint8_t>(reinterpret_cast<std::uint8_t*>(s.data()), s.size()));
    return s;
  }
};

// A deterministic generator for tests (splitmix64); never use for secrets.
class SeededRandom final : public Random {
 public:
  explicit SeededRandom(std::uint64_t seed = 42) : state_(seed) {}
  void fill(std::span<std::uint8_t> out) override {
    for (auto& b : out) b = static_cast<std::uint8_t>(next() >> 56);
  }

 private:
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  std::uint64_t state_;
};

}  // namespace tessera
