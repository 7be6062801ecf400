#pragma once
// ASCII case, for the things that are ASCII by definition (UUIDs, role names, JOSE names, email
// domains); Unicode case folding is utf8proc's job (domain/identifiers).
#include <string>
#include <string_view>

namespace tessera {

inline char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

inline std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = ascii_lower(c);
  return out;
}

}  // namespace tessera
