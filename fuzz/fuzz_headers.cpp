// fuzz_headers: what Tessera reads from request headers and the query, on a Request built over
// the input: header()/header_count(), cookie() and the refresh cookie, query_value(), the
// Authorization header through the real BearerAuthenticator (over the fixture's AccessTokens,
// fuzz/support/app_fixture.hpp), looks_like_compact_jws(), the browser policy (Origin,
// Sec-Fetch-Site, CORS) and X-Forwarded-For through TrustedProxies.
//
// Input: a first line "METHOD TARGET", then one header per line, "Name: value" ('\n' ends a
// line, so a value may hold '\r' and other bytes Beast would refuse: these functions must be
// safe on their own). @TOKEN@, @ADMIN@ and @REFRESH@ become the fixture's real tokens first.
//
// Properties: no Authorization value authenticates unless it carries, unchanged, a token the
// fixture was issued, and then as that token's account; CORS headers go only to a listed origin;
// the client address is the peer unless the peer is a trusted proxy, and is otherwise an
// address taken from X-Forwarded-For; a cookie value is part of a Cookie header.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "api/bearer_authenticator.hpp"
#include "api/browser_policy.hpp"
#include "api/cookies.hpp"
#include "http/client_address.hpp"
#include "http/request.hpp"
#include "support/app_fixture.hpp"
#include "support/check.hpp"

namespace {

using namespace tessera;

struct Fixture {
  fuzz::App& app = fuzz::app();
  api::BearerAuthenticator bearer{*app.rt->tokens};
  api::WebSettings web;
  std::unique_ptr<api::BrowserPolicy> policy;
  http::TrustedProxies proxies;
};

Fixture& fixture() {
  static Fixture* f = [] {
    auto* x = new Fixture;
    x->web.public_url = x->app.config.public_url;
    x->web.cors_origins = x->app.config.cors_origins;
    x->policy = std::make_unique<api::BrowserPolicy>(x->web);
    auto proxies = http::TrustedProxies::parse(x->app.config.trusted_proxies);
    FUZZ_CHECK(proxies.has_value(), "the fixture's trusted proxies are refused");
    x->proxies = std::move(*proxies);
    return x;
  }();
  return *f;
}

bool within(std::string_view part, std::string_view whole) {
  return part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
}

std::string_view trim_spaces(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

void check_bearer(const http::Request& req) {
  Fixture& f = fixture();
  auto principal = f.bearer.authenticate(req);
  if (!principal) {
    const errc c = principal.code();
    FUZZ_CHECK(c == errc::missing_token || c == errc::invalid_token, "Bearer refusal is not missing/invalid_token");
    FUZZ_CHECK(c != errc::missing_token || req.header_count("authorization") == 0,
               "missing_token although an Authorization header was sent");
    return;
  }
  FUZZ_CHECK(req.header_count("authorization") == 1, "authenticated with several Authorization headers");
  std::string_view h = req.header("authorization");
  if (h.size() > 7 && http::iequals(h.substr(0, 7), "bearer ")) h = trim_spaces(h.substr(7));
  FUZZ_CHECK(h == f.app.user_token || h == f.app.admin_token, "a token the fixture never issued authenticated");
  FUZZ_CHECK(f.app.user_ids.count((*principal)->user_id.str()) == 1,
             "authenticated as an account the fixture never made");
}

void check_cookies(const http::Request& req, std::string_view input) {
  std::vector<std::string> names{"refresh_token", "__Secure-refresh_token", "", "a"};
  for (const auto& h : req.headers) {
    if (!http::iequals(h.name, "cookie")) continue;
    std::string_view v = h.value;
    for (std::size_t i = 0; i < 4 && !v.empty(); ++i) {  // a few of the names it carries
      const auto eq = v.find('=');
      if (eq == std::string_view::npos) break;
      names.emplace_back(trim_spaces(v.substr(0, eq)));
      const auto semi = v.find(';');
      if (semi == std::string_view::npos) break;
      v.remove_prefix(semi + 1);
    }
  }
  for (const auto& name : names) {
    auto value = req.cookie(name);
    if (value) FUZZ_CHECK(within(*value, input), "a cookie value points outside the request");
  }
  for (bool secure : {false, true}) {
    api::WebSettings web;
    web.cookie_secure = secure;
    auto v = api::refresh_cookie_value(web, req);
    if (v) FUZZ_CHECK(!v->empty() && within(*v, input), "the refresh cookie is empty or outside the request");
  }
}

void check_query(const http::Request& req) {
  std::vector<std::string> names{"token", "page", "query", ""};
  std::string_view q = req.query;
  for (std::size_t i = 0; i < 4 && !q.empty(); ++i) {
    const auto amp = q.find('&');
    names.emplace_back(q.substr(0, std::min(amp, q.find('='))));
    if (amp == std::string_view::npos) break;
    q.remove_prefix(amp + 1);
  }
  for (const auto& name : names) {
    auto v = req.query_value(name);
    if (v) FUZZ_CHECK(v->size() <= req.query.size(), "a query value is longer than the query");
  }
}

void check_policy(http::Request& req) {
  Fixture& f = fixture();
  auto early = f.policy->before(req);
  http::Response response = early ? std::move(*early) : http::Response::no_content();
  f.policy->after(req, response);
  const std::string_view origin = req.header("origin");
  for (const auto& [name, value] : response.headers) {
    if (!http::iequals(name, "Access-Control-Allow-Origin")) continue;
    FUZZ_CHECK(value == origin, "CORS allows an origin other than the request's");
    FUZZ_CHECK(std::find(f.web.cors_origins.begin(), f.web.cors_origins.end(), origin) != f.web.cors_origins.end(),
               "CORS allows an origin that is not listed");
  }
}

void check_forwarded_for(const http::Request& req) {
  const Fixture& f = fixture();
  const std::string_view xff = req.header("x-forwarded-for");
  for (std::string_view peer : {"127.0.0.1", "203.0.113.7", "::ffff:10.1.2.3"}) {
    const std::string client = f.proxies.client_address(peer, xff);
    if (!f.proxies.contains(peer)) {
      FUZZ_CHECK(client == peer, "an untrusted peer chose its address with X-Forwarded-For");
      continue;
    }
    FUZZ_CHECK(client == peer || xff.find(client) != std::string_view::npos,
               "the client address comes from neither the peer nor X-Forwarded-For");
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fixture();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Fixture& f = fixture();
  f.app.refresh();
  const std::string input = f.app.substitute(std::string_view(reinterpret_cast<const char*>(data), size));
  std::string_view rest = input;

  http::Request req;
  const auto line_end = rest.find('\n');
  std::string_view first = rest.substr(0, line_end);
  rest = line_end == std::string_view::npos ? std::string_view{} : rest.substr(line_end + 1);
  const auto space = first.find(' ');
  req.method = http::parse_method(first.substr(0, space));
  req.target = space == std::string_view::npos ? std::string_view{} : first.substr(space + 1);
  const auto q = req.target.find('?');
  req.path = req.target.substr(0, q);
  if (q != std::string_view::npos) req.query = req.target.substr(q + 1);
  while (!rest.empty() && req.headers.size() < 64) {
    const auto nl = rest.find('\n');
    const std::string_view line = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    req.headers.push_back(http::Header{line.substr(0, colon), value});
  }
  req.client_ip = "127.0.0.1";
  req.request_id = "fuzz";

  for (const auto& h : req.headers) {
    FUZZ_CHECK(req.header_count(h.name) >= 1, "header_count misses a header");
    FUZZ_CHECK(within(req.header(h.name), input), "header() points outside the request");
    if (api::looks_like_compact_jws(h.value)) {
      const auto first_dot = h.value.find('.');
      const auto second_dot = h.value.find('.', first_dot + 1);
      FUZZ_CHECK(first_dot != 0 && second_dot != std::string_view::npos && second_dot > first_dot + 1 &&
                     second_dot + 1 < h.value.size() && h.value.find('.', second_dot + 1) == std::string_view::npos,
                 "looks_like_compact_jws accepted something that is not three non-empty segments");
    }
    (void)http::is_json(h.value);
    (void)http::is_form(h.value);
  }
  check_bearer(req);
  check_cookies(req, input);
  check_query(req);
  check_forwarded_for(req);
  check_policy(req);
  return 0;
}
