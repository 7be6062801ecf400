#include "api/mfa_handlers.hpp"

#include <boost/json/array.hpp>

#include "api/client_info.hpp"
#include "api/qr_svg.hpp"
#include "api/views.hpp"
#include "core/time_format.hpp"
#include "http/body.hpp"
#include "http/problem.hpp"

namespace tessera::api {
namespace {

using http::Body;
using http::Request;
using http::Response;

boost::json::array codes_json(const std::vector<std::string>& codes) {
  boost::json::array out;
  for (const auto& c : codes) out.emplace_back(c);
  return out;
}

boost::json::value time_or_null(const std::optional<TimePoint>& t) {
  if (!t) return nullptr;
  return boost::json::value(format_rfc3339(*t));
}

}  // namespace

Response mfa_state(Services& s, Request& req) {
  auto state = s.mfa->state(req.principal->user_id);
  if (!state) return http::problem(state.error());
  boost::json::array methods;
  if (state->totp_enabled) {
    methods.emplace_back("totp");
    if (state->recovery_codes.remaining > 0) methods.emplace_back("recovery_code");
  }
  return Response::json(200,
                        boost::json::object{
                            {"aal", req.principal->aal},
                            {"auth_time", req.principal->auth_time},
                            {"methods", std::move(methods)},
                            {"totp", boost::json::object{{"enabled", state->totp_enabled},
                                                         {"pending", state->totp_pending},
                                                         {"confirmed_at", time_or_null(state->totp_confirmed_at)},
                                                         {"last_used_at", time_or_null(state->totp_last_used_at)}}},
                            {"recovery_codes", boost::json::object{{"total", state->recovery_codes.total},
                                                                   {"remaining", state->recovery_codes.remaining}}},
                        });
}

Response enrol_totp(Services& s, Request& req) {
  auto enrolled = s.mfa->enrol_totp(*req.principal, client_of(req));
  if (!enrolled) return http::problem(enrolled.error());
  auto qr = qr_svg(enrolled->otpauth_uri);
  if (!qr) return http::problem(qr.error());
  auto r = Response::json(201, boost::json::object{
                                   {"factor", "totp"},
                                   {"status", "pending"},
                                   {"secret", enrolled->secret},
                                   {"otpauth_uri", enrolled->otpauth_uri},
                                   {"qr_svg", std::move(*qr)},
                                   {"expires_in", enrolled->expires_in},
                               });
  r.no_store();  // the secret must not sit in a cache
  return r;
}

Response confirm_totp(Services& s, Request& req) {
  auto body = Body::parse(req);
  if (!body) return http::problem(body.error());
  auto code = body->required_string("code");
  if (!code) return http::problem(code.error());
  auto confirmed = s.mfa->confirm_totp(*req.principal, *code, client_of(req));
  if (!confirmed) return http::problem(confirmed.error());
  return token_response(s.web, req, 200, confirmed->tokens,
                        boost::json::object{{"recovery_codes", codes_json(confirmed->recovery_codes)}});
}

Response remove_totp(Services& s, Request& req) {
  if (auto r = s.mfa->remove_totp(*req.principal, client_of(req)); !r) return http::problem(r.error());
  return Response::no_content();
}

Response regenerate_recovery_codes(Services& s, Request& req) {
  auto codes = s.mfa->regenerate_recovery_codes(*req.principal, client_of(req));
  if (!codes) return http::problem(codes.error());
  auto r = Response::json(200, boost::json::object{{"recovery_codes", codes_json(*codes)}});
  r.no_store();
  return r;
}

Response login_mfa(Services& s, Request& req) {
  auto body = Body::parse(req);
  if (!body) return http::problem(body.error());
  auto ticket = body->required_string("mfa_ticket");
  if (!ticket) return http::problem(ticket.error());
  auto method = body->required_string("method");
  if (!method) return http::problem(method.error());
  auto code = body->required_string("code");
  if (!code) return http::problem(code.error());
  auto done = s.mfa->complete_login(*ticket, *method, *code, client_of(req));
  if (!done) return http::problem(done.error());
  boost::json::object extra;
  if (done->recovery_codes_remaining) extra["recovery_codes_remaining"] = *done->recovery_codes_remaining;
  return token_response(s.web, req, 200, done->tokens, std::move(extra));
}

Response reauthenticate(Services& s, Request& req) {
  auto body = Body::parse(req);
  if (!body) return http::problem(body.error());
  auto method = body->required_string("method");
  if (!method) return http::problem(method.error());
  // The password under its usual name; a code under `code`.
  auto secret = body->required_string(*method == "password" ? "password" : "code");
  if (!secret) return http::problem(secret.error());
  auto tokens = s.accounts->reauthenticate(*req.principal, *method, *secret, client_of(req));
  if (!tokens) return http::problem(tokens.error());
  return token_response(s.web, req, 200, *tokens);
}

Response admin_reset_mfa(Services& s, Request& req) {
  const domain::UserId id{std::string(req.param("id"))};
  const domain::Actor actor{req.principal->user_id.str(), client_of(req)};
  auto reset = s.mfa->reset(id, actor);
  if (!reset) return http::problem(reset.error());
  return Response::no_content();
}

Result<void> admin_assurance(Services& s, const Request& req) {
  if (!s.admin_require_aal2 || req.principal->has_aal2()) return ok();
  auto has = s.mfa->has_factor(req.principal->user_id);
  if (!has) return std::move(has).error();
  if (!*has) return ok();
  return make_error(errc::step_up_required,
                    "Admins who have a second factor must use it: log in with it, or reauthenticate.",
                    "admin: aal1 token of an admin with a second factor");
}

}  // namespace tessera::api
