#pragma once
// What the HTTP API needs to know of the deployment: where it lives, which browser origins may
// call it, how to shape the refresh cookie.
#include <chrono>
#include <string>
#include <vector>

namespace tessera::api {

struct WebSettings {
  std::string public_url;                 // "https://auth.example.com"
  std::vector<std::string> cors_origins;  // allowed to call with credentials
  bool cookie_secure = false;             // Secure flag and __Secure- prefix
  std::chrono::seconds refresh_ttl{7 * 86400};
  std::string product_name = "Tessera";
  int password_min_length = 8;  // TESSERA_PASSWORD_MIN_LENGTH, shown on the pages
  std::string verify_redirect;
  std::string web_dir;  // TESSERA_WEB_DIR: serve the hosted pages from this folder; empty: built in
};

}  // namespace tessera::api
