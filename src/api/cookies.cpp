#include "api/cookies.hpp"

namespace tessera::api {

std::string refresh_cookie_name(const WebSettings& web) {
  return web.cookie_secure ? "__Secure-refresh_token" : "refresh_token";
}

std::string refresh_cookie(const WebSettings& web, std::string_view token) {
  std::string c = refresh_cookie_name(web) + "=" + std::string(token) +
                  "; Path=/auth; Max-Age=" + std::to_string(web.refresh_ttl.count()) + "; HttpOnly; SameSite=Strict";
  if (web.cookie_secure) c += "; Secure";
  return c;
}

std::string clear_refresh_cookie(const WebSettings& web) {
  std::string c = refresh_cookie_name(web) + "=; Path=/auth; Max-Age=0; HttpOnly; SameSite=Strict";
  if (web.cookie_secure) c += "; Secure";
  return c;
}

std::optional<std::string_view> refresh_cookie_value(const WebSettings& web, const http::Request& request) {
  auto v = request.cookie(refresh_cookie_name(web));
  if (v && !v->empty()) return v;
  return std::nullopt;
}

}  // namespace tessera::api
