#include "api/check_handler.hpp"

#include <vector>

#include "http/problem.hpp"

namespace tessera::api {
namespace {

// The guards the query adds: `role` (repeatable; any of them will do), `verified`, and `aal`
// (aal2: the token must come from a login or step-up with a second factor).
struct CheckGuards {
  std::vector<std::string> roles;
  bool verified = false;
  bool aal2 = false;
};

// Unknown parameters are refused rather than ignored: a proxy configured with `?roles=admin`
// (a typo) must fail closed, not let every user through.
Result<CheckGuards> parse_guards(std::string_view query) {
  CheckGuards guards;
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query.remove_prefix(amp == std::string_view::npos ? query.size() : amp + 1);
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    const std::string_view key = pair.substr(0, eq);
    auto value = http::percent_decode(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1), true);
    if (!value) return make_error(errc::invalid_request, "query: a badly encoded value");
    if (key == "role") {
      if (value->empty()) return make_error(errc::invalid_request, "role: name a role, as in ?role=admin");
      guards.roles.push_back(std::move(*value));
    } else if (key == "verified") {
      if (*value != "true" && *value != "false")
        return make_error(errc::invalid_request, "verified: write true or false");
      guards.verified = *value == "true";
    } else if (key == "aal") {
      if (*value != "aal1" && *value != "aal2") return make_error(errc::invalid_request, "aal: write aal1 or aal2");
      guards.aal2 = *value == "aal2";
    } else {
      return make_error(errc::invalid_request, "query: unknown parameter " + header_value(key.substr(0, 40)) +
                                                   "; /auth/check takes role, verified and aal");
    }
  }
  return guards;
}

char hex_digit(unsigned v) { return static_cast<char>(v < 10 ? '0' + v : 'A' + (v - 10)); }

}  // namespace

std::string header_value(std::string_view raw, bool in_list) {
  std::string out;
  out.reserve(raw.size());
  for (const char ch : raw) {
    const auto c = static_cast<unsigned char>(ch);
    if (c >= 0x21 && c <= 0x7E && c != '%' && !(in_list && c == ',')) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(hex_digit(c >> 4));
      out.push_back(hex_digit(c & 0x0F));
    }
  }
  return out;
}

http::Response check(http::Request& req) {
  auto guards = parse_guards(req.query);
  if (!guards) return http::problem(guards.error());
  const domain::Principal& p = *req.principal;
  if (!guards->roles.empty()) {
    bool any = false;
    for (const auto& role : guards->roles) any = any || p.has_role(role);
    if (!any) return http::problem(errc::forbidden);
  }
  if (guards->verified && !p.email_verified) return http::problem(errc::email_not_verified);
  if (guards->aal2 && !p.has_aal2()) {
    return http::problem(
        make_error(errc::step_up_required, "This needs a login with a second factor.", "check: the token is " + p.aal));
  }

  std::string roles;
  for (const auto& role : p.roles) {
    if (!roles.empty()) roles.push_back(',');
    roles += header_value(role, true);
  }
  http::Response r;
  r.status = 200;
  r.with_header("X-Auth-User-Id", header_value(p.user_id.str()));
  if (!p.email.empty()) r.with_header("X-Auth-Email", header_value(p.email));
  r.with_header("X-Auth-Email-Verified", p.email_verified ? "true" : "false");
  r.with_header("X-Auth-Roles", std::move(roles));
  r.with_header("X-Auth-Session-Id", header_value(p.session_id.str()));
  r.with_header("X-Auth-Aal", header_value(p.aal));
  if (!p.username.empty()) r.with_header("X-Auth-Username", header_value(p.username));
  r.no_store();
  return r;
}

}  // namespace tessera::api
