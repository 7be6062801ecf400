#include "api/bearer_authenticator.hpp"

namespace tessera::api {
namespace {

Error refused(std::string reason) { return make_error(errc::invalid_token, "", std::move(reason)); }

bool is_b64url(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

}  // namespace

bool looks_like_compact_jws(std::string_view s) {
  int dots = 0;
  std::size_t segment = 0;
  for (char c : s) {
    if (c == '.') {
      if (segment == 0) return false;
      ++dots;
      segment = 0;
    } else if (is_b64url(c)) {
      ++segment;
    } else {
      return false;
    }
  }
  return dots == 2 && segment > 0;
}

Result<std::shared_ptr<const domain::Principal>> BearerAuthenticator::authenticate(const http::Request& request) const {
  const std::size_t n = request.header_count("authorization");
  if (n == 0) return make_error(errc::missing_token);
  if (n > 1) return refused("two Authorization headers");
  std::string_view h = request.header("authorization");
  std::string_view token;
  if (h.size() > 7 && http::iequals(h.substr(0, 7), "bearer ")) {
    token = h.substr(7);
    while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
    while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  } else if (looks_like_compact_jws(h)) {
    token = h;  // seed 001 sends the bare token
  } else {
    return refused("not a Bearer token");
  }
  if (token.empty()) return refused("empty Bearer token");
  return tokens_.verify(token);
}

}  // namespace tessera::api
