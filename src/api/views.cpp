#include "api/views.hpp"

#include <boost/json/array.hpp>

#include "api/cookies.hpp"
#include "core/time_format.hpp"

namespace tessera::api {

namespace {
boost::json::value or_null(const std::string& s) {
  if (s.empty()) return nullptr;
  return boost::json::value(s);
}
}  // namespace

boost::json::object user_json(const domain::User& user) {
  boost::json::array roles;
  for (const auto& r : user.roles) roles.emplace_back(r);
  return boost::json::object{
      {"id", user.id.str()},
      {"email", or_null(user.email)},
      {"username", or_null(user.username)},
      {"email_verified", user.email_verified},
      {"roles", std::move(roles)},
      {"disabled", user.disabled},
      {"created_at", format_rfc3339(user.created_at)},
  };
}

boost::json::object session_json(const domain::SessionView& view) {
  const auto& s = view.session;
  return boost::json::object{
      {"id", s.id.str()},
      {"created_at", format_rfc3339(s.created_at)},
      {"last_used_at", format_rfc3339(s.last_used_at)},
      {"expires_at", format_rfc3339(std::min(s.idle_expires_at, s.absolute_expires_at))},
      {"user_agent", s.user_agent},
      {"ip", s.ip},
      {"current", view.current},
  };
}

http::Response token_response(const WebSettings& web, const http::Request& request, int status,
                              const domain::TokenResponse& tokens, boost::json::object extra) {
  boost::json::object body{
      {"access_token", tokens.access_token},
      {"token_type", "Bearer"},
      {"expires_in", tokens.expires_in},
  };
  if (!http::iequals(request.header("x-tessera-refresh"), "cookie-only")) {
    body["refresh_token"] = tokens.refresh_token.reveal();
  }
  body["user"] = user_json(tokens.user);
  body["aal"] = tokens.aal;
  for (auto& [name, value] : extra) body[name] = std::move(value);
  auto r = http::Response::json(status, body);
  r.no_store();
  r.with_header("Set-Cookie", refresh_cookie(web, tokens.refresh_token.reveal()));
  return r;
}

}  // namespace tessera::api
