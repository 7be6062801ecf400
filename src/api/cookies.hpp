#pragma once
// The refresh-token cookie (SPEC §2): HttpOnly, SameSite=Strict, Path=/auth, Max-Age = refresh
// TTL; Secure and the __Secure- prefix when the deployment is on https.
#include <optional>
#include <string>
#include <string_view>

#include "api/web_settings.hpp"
#include "http/request.hpp"

namespace tessera::api {

// The cookie's name for this deployment: "refresh_token" or "__Secure-refresh_token".
std::string refresh_cookie_name(const WebSettings& web);
// A Set-Cookie value that stores `token`.
std::string refresh_cookie(const WebSettings& web, std::string_view token);
// A Set-Cookie value that deletes the cookie.
std::string clear_refresh_cookie(const WebSettings& web);
// The refresh token the request carries in its cookie, if any.
std::optional<std::string_view> refresh_cookie_value(const WebSettings& web, const http::Request& request);

}  // namespace tessera::api
