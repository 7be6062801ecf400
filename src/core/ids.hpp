#pragma once
// Strong identifier types: a UserId is not a SessionId is not a std::string.
#include <compare>
#include <functional>
#include <string>
#include <string_view>
#include <utility>

#include "core/random.hpp"

namespace tessera {

template <class Tag>
class StrongId {
 public:
  StrongId() = default;
  explicit StrongId(std::string v) : v_(std::move(v)) {}
  const std::string& str() const noexcept { return v_; }
  bool empty() const noexcept { return v_.empty(); }
  auto operator<=>(const StrongId&) const = default;

 private:
  std::string v_;
};

// A random (version 4) UUID in its canonical lower-case form.
inline std::string new_uuid(Random& random) {
  std::uint8_t b[16];
  random.fill(b);
  b[6] = static_cast<std::uint8_t>((b[6] & 0x0f) | 0x40);  // version 4
  b[8] = static_cast<std::uint8_t>((b[8] & 0x3f) | 0x80);  // RFC 4122 variant
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  s.reserve(36);
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) s.push_back('-');
    s.push_back(kHex[b[i] >> 4]);
    s.push_back(kHex[b[i] & 15]);
  }
  return s;
}

// True when `s` has the canonical UUID shape (8-4-4-4-12 lower-case hex).
inline bool looks_like_uuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return true;
}

}  // namespace tessera

template <class Tag>
struct std::hash<tessera::StrongId<Tag>> {
  std::size_t operator()(const tessera::StrongId<Tag>& id) const noexcept { return std::hash<std::string>{}(id.str()); }
};
