#pragma once
// SQL text joined at compile time, so a column list is written once and every statement that
// selects it is still one constant (statement caches key on the text; nothing is built per call):
//
//   static constexpr auto kSql = sql_text("SELECT ", kUserColumns, " FROM users WHERE id = ?");
//   c.prepare(kSql.data());
#include <array>
#include <cstddef>

namespace tessera::store {

template <std::size_t... N>
constexpr auto sql_text(const char (&... parts)[N]) {
  std::array<char, (N + ... + 0) - sizeof...(N) + 1> out{};
  std::size_t at = 0;
  const auto append = [&](const char* part, std::size_t size) {
    for (std::size_t i = 0; i + 1 < size; ++i) out[at++] = part[i];
  };
  (append(parts, N), ...);
  out[at] = '\0';
  return out;
}

}  // namespace tessera::store
