#include "api/browser_policy.hpp"

#include <algorithm>

#include "api/cookies.hpp"
#include "http/problem.hpp"

namespace tessera::api {
namespace {

// "https://host:port/path" -> "https://host:port"
std::string origin_of(std::string_view url) {
  const auto scheme = url.find("://");
  if (scheme == std::string_view::npos) return std::string(url);
  const auto slash = url.find('/', scheme + 3);
  return std::string(url.substr(0, slash));
}

// Routes a cross-site page could abuse through the browser's cookies or credentials.
bool csrf_sensitive(const http::Request& req) {
  if (req.method != http::Method::post) return false;
  return req.path == "/auth/login" || req.path == "/auth/refresh" || req.path == "/auth/logout" ||
         req.path == "/auth/signup" || req.path == "/login" || req.path == "/signup";
}

}  // namespace

BrowserPolicy::BrowserPolicy(const WebSettings& web) : web_(web), own_origin_(origin_of(web.public_url)) {}

bool BrowserPolicy::listed(std::string_view origin) const {
  return std::find(web_.cors_origins.begin(), web_.cors_origins.end(), origin) != web_.cors_origins.end();
}

bool BrowserPolicy::origin_allowed(std::string_view origin, const http::Request& request) const {
  if (listed(origin) || origin == own_origin_) return true;
  // Same-origin: the page came from the host the request is addressed to.
  const std::string_view host = request.header("host");
  if (host.empty()) return false;
  const auto scheme = origin.find("://");
  return scheme != std::string_view::npos && origin.substr(scheme + 3) == host;
}

std::optional<http::Response> BrowserPolicy::before(http::Request& req) const {
  const std::string_view origin = req.header("origin");
  if (req.method == http::Method::options) {
    // A CORS preflight. Allowed origins learn what they may send; others get no CORS headers,
    // so the browser stops there.
    auto r = http::Response::no_content();
    if (!origin.empty() && listed(origin)) {
      r.with_header("Access-Control-Allow-Methods", "GET, POST, PATCH, DELETE")
          .with_header("Access-Control-Allow-Headers", "Authorization, Content-Type, X-Tessera-Refresh, X-Request-Id")
          .with_header("Access-Control-Max-Age", "600");
    }
    return r;
  }
  if (!csrf_sensitive(req)) return std::nullopt;
  const bool origin_ok = origin.empty() || origin_allowed(origin, req);
  const bool cross_site = http::iequals(req.header("sec-fetch-site"), "cross-site");
  if (!origin_ok || (cross_site && !listed(origin))) {
    return http::problem(
        make_error(errc::csrf_rejected, "This request came from a site that is not allowed.",
                   "csrf: origin '" + std::string(origin.substr(0, 100)) + "'" + (cross_site ? " cross-site" : "")));
  }
  return std::nullopt;
}

void BrowserPolicy::after(const http::Request& req, http::Response& response) const {
  const std::string_view origin = req.header("origin");
  if (origin.empty() || !listed(origin)) return;
  response.with_header("Access-Control-Allow-Origin", std::string(origin))
      .with_header("Access-Control-Allow-Credentials", "true")
      .with_header("Access-Control-Expose-Headers", "X-Request-Id, Retry-After, WWW-Authenticate")
      .with_header("Vary", "Origin");
}

}  // namespace tessera::api
