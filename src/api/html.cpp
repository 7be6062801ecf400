#include "api/html.hpp"

namespace tessera::api {

std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 16);
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

void add_page_security_headers(http::Response& r) {
  r.with_header("Content-Security-Policy",
                "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
                "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
      .with_header("Referrer-Policy", "no-referrer")
      .with_header("X-Frame-Options", "DENY");
}

http::Response html_page(int status, std::string_view title, std::string_view body) {
  std::string html;
  html.reserve(512 + body.size());
  html += "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>";
  html += html_escape(title);
  html += "</title>\n<link rel=\"stylesheet\" href=\"/assets/tessera.css\">\n</head>\n<body>\n<main class=\"card\">\n";
  html += body;
  html += "\n</main>\n</body>\n</html>\n";
  auto r = http::Response::html(status, std::move(html));
  add_page_security_headers(r);
  return r;
}

}  // namespace tessera::api
