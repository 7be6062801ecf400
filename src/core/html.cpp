#include "core/html.hpp"

namespace tessera::html {

void append_escaped(std::string& out, std::string_view s) {
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out.push_back(c);
    }
  }
}

std::string escape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 16);
  append_escaped(out, s);
  return out;
}

}  // namespace tessera::html
