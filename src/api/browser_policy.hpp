#pragma once
// What protects browser users (SPEC §2): CORS with credentials for TESSERA_CORS_ORIGINS only,
// and CSRF checks on the requests a cross-site page could forge — a refresh or logout that
// rides on the cookie, and a login. Such a request is refused (403 csrf_rejected) when its
// Origin is present and not allowed, or when Sec-Fetch-Site says cross-site and the Origin is
// not one the operator listed.
#include <string>
#include <vector>

#include "api/web_settings.hpp"
#include "http/dispatcher.hpp"

namespace tessera::api {

class BrowserPolicy final : public http::Policy {
 public:
  explicit BrowserPolicy(const WebSettings& web);
  std::optional<http::Response> before(http::Request& request) const override;
  void after(const http::Request& request, http::Response& response) const override;

  // True when `origin` may call with credentials: a listed origin, the public URL's origin, or
  // the origin the request was sent to (same-origin pages).
  bool origin_allowed(std::string_view origin, const http::Request& request) const;

 private:
  bool listed(std::string_view origin) const;
  const WebSettings& web_;
  std::string own_origin_;
};

}  // namespace tessera::api
