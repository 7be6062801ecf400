#include "api/auth_handlers.hpp"

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>

#include "api/client_info.hpp"
#include "api/cookies.hpp"
#include "api/views.hpp"
#include "http/body.hpp"
#include "http/problem.hpp"

namespace tessera::api {
namespace {

using http::Body;
using http::Request;
using http::Response;

// The login identifier and which field it came from: email, username, or login (either).
struct Identifier {
  std::string value;
  domain::IdentifierField field = domain::IdentifierField::any;
};

Result<Identifier> identifier_of(const Body& body) {
  for (const auto& [name, field] :
       {std::pair{"email", domain::IdentifierField::email}, std::pair{"username", domain::IdentifierField::username},
        std::pair{"login", domain::IdentifierField::any}}) {
    auto v = body.string(name);
    if (!v) return std::move(v).error();
    if (*v && !(*v)->empty()) return Identifier{std::move(**v), field};
  }
  return make_error(errc::invalid_request, "email: an email, username or login is required");
}

// The refresh token of a request: from the body when it has one, else the cookie.
struct PresentedRefresh {
  std::string token;
  bool from_cookie = false;
};

Result<std::optional<PresentedRefresh>> presented_refresh(const Services& s, const Request& req, const Body& body) {
  auto from_body = body.string("refresh_token");
  if (!from_body) return std::move(from_body).error();
  if (*from_body && !(*from_body)->empty())
    return std::optional<PresentedRefresh>(PresentedRefresh{std::move(**from_body), false});
  if (auto c = refresh_cookie_value(s.web, req))
    return std::optional<PresentedRefresh>(PresentedRefresh{std::string(*c), true});
  return std::optional<PresentedRefresh>{};
}

}  // namespace

Response signup(Services& s, Request& req) {
  auto body = Body::parse(req);
  if (!body) return http::problem(body.error());
  auto email = body->string("email");
  auto username = body->string("username");
  auto password = body->string("password");
  for (const auto* r : {&email, &username, &password}) {
    if (!*r) return http::problem(r->error());
  }
  domain::SignupInput input{email->value_or(""), username->value_or(""), password->value_or("")};
  auto outcome = s.accounts->signup(input, client_of(req));
  if (!outcome) return http::problem(outcome.error());
  if (outcome->tokens) return token_response(s.web, req, 201, *outcome->tokens);
  // TESSERA_REQUIRE_VERIFIED: no session until the email is verified.
  return Response::json(201,
                        boost::json::object{{"user", user_json(outcome->user)}, {"email_verification_required", true}});
}

Response login(Services& s, Request& req) {
  auto body = Body::parse(req);
  if (!body) return http::problem(body.error());
  auto id = identifier_of(*body);
  if (!id) return http::problem(id.error());
  auto password = body->required_string("password");
  if (!password) return http::problem(password.error());
  auto tokens = s.accounts->login(id->value, id->field, *password, client_of(req));
  if (!tokens) return http::problem(tokens.error());
  return token_response(s.web, req, 200, *tokens);
}

Response refresh(Services& s, Request& req) {
  auto body = Body::parse(req);
  if (!body) return http::problem(body.error());
  auto presented = presented_refresh(s, req, *body);
  if (!presented) return http::problem(presented.error());
  if (!*presented)
    return http::problem(make_error(errc::invalid_refresh_token, "No refresh token was sent.", "refresh: none"));
  auto tokens = s.sessions->refresh((*presented)->token, client_of(req));
  if (!tokens) {
    auto r = http::problem(tokens.error());
    // A dead cookie is of no use to the browser any more.
    if ((*presented)->from_cookie) r.with_header("Set-Cookie", clear_refresh_cookie(s.web));
    return r;
  }
  return token_response(s.web, req, 200, *tokens);
}

Response logout(Services& s, Request& req) {
  auto body = Body::parse(req);
  if (!body) return http::problem(body.error());
  auto presented = presented_refresh(s, req, *body);
  if (!presented) return http::problem(presented.error());
  if (!*presented && !req.principal) {
    // An Authorization header was sent but refused by the optional guard: RFC 6750 §3.1 asks
    // for invalid_token then, like every other guarded route; nothing sent at all is missing.
    if (req.header_count("authorization") > 0) {
      return http::problem(make_error(errc::invalid_token, "", "logout: access token refused"));
    }
    return http::problem(
        make_error(errc::missing_token, "Send the refresh token (cookie or body) or an access token."));
  }
  Result<void> done = ok();
  if (*presented) done = s.sessions->logout_by_refresh_token((*presented)->token, client_of(req));
  if (done && req.principal) {
    // The access token names a session too. End it as well, so a stale or unknown cookie sent
    // alongside cannot answer 204 while the caller's session lives on.
    done = s.sessions->end_session(req.principal->user_id, req.principal->session_id, domain::revoke_reason::kLogout,
                                   client_of(req));
    if (!done && done.code() == errc::not_found) done = ok();  // already ended (e.g. by its cookie above)
  }
  if (!done) return http::problem(done.error());
  auto r = Response::no_content();
  r.with_header("Set-Cookie", clear_refresh_cookie(s.web));
  return r;
}

Response logout_all(Services& s, Request& req) {
  auto done = s.sessions->end_all_sessions(req.principal->user_id, domain::revoke_reason::kLogoutAll, client_of(req));
  if (!done) return http::problem(done.error());
  auto r = Response::no_content();
  r.with_header("Set-Cookie", clear_refresh_cookie(s.web));
  return r;
}

Response me(Services& s, Request& req) {
  auto user = s.accounts->profile(req.principal->user_id);
  if (!user) return http::problem(user.error());
  return Response::json(200, user_json(*user));
}

Response list_sessions(Services& s, Request& req) {
  auto sessions = s.sessions->list(req.principal->user_id, req.principal->session_id);
  if (!sessions) return http::problem(sessions.error());
  boost::json::array items;
  for (const auto& v : *sessions) items.push_back(session_json(v));
  return Response::json(200, boost::json::object{{"sessions", std::move(items)}});
}

Response delete_session(Services& s, Request& req) {
  const domain::SessionId id{std::string(req.param("id"))};
  auto done =
      s.sessions->end_session(req.principal->user_id, id, domain::revoke_reason::kRevokedByUser, client_of(req));
  if (!done) return http::problem(done.error());
  return Response::no_content();
}

Response change_password(Services& s, Request& req) {
  auto body = Body::parse(req);
  if (!body) return http::problem(body.error());
  auto current = body->required_string("current_password");
  if (!current) return http::problem(current.error());
  auto next = body->required_string("new_password");
  if (!next) return http::problem(next.error());
  auto tokens = s.accounts->change_password(*req.principal, *current, *next, client_of(req));
  if (!tokens) return http::problem(tokens.error());
  return token_response(s.web, req, 200, *tokens);
}

Response legacy_signup(Services& s, Request& req) { return signup(s, req); }

Response legacy_login(Services& s, Request& req) {
  auto r = login(s, req);
  if (r.status != 200) return r;
  // Seed 001's client reads the body as the token itself.
  auto parsed = boost::json::parse(r.body).as_object();
  auto out = Response::text(200, std::string(parsed.at("access_token").as_string()));
  out.no_store();
  return out;
}

}  // namespace tessera::api
