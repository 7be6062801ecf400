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

http::Response html_page(int status, std::string_view title, std::string_view body, std::string_view script) {
  std::string html;
  html.reserve(1024 + body.size());
  html += "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          "<meta name=\"color-scheme\" content=\"light dark\">\n<title>";
  html += html_escape(title);
  html += " · Tessera</title>\n<link rel=\"icon\" href=\"/assets/favicon.svg\" type=\"image/svg+xml\">\n"
          "<link rel=\"stylesheet\" href=\"/assets/tessera.css\">\n";
  if (!script.empty()) html += "<script type=\"module\" src=\"" + html_escape(script) + "\"></script>\n";
  html += "</head>\n<body>\n<header class=\"site\">\n<a class=\"brand\" href=\"/\">Tessera</a>\n</header>\n"
          "<main id=\"main\" class=\"card\">\n";
  html += body;
  html += "\n</main>\n</body>\n</html>\n";
  auto r = http::Response::html(status, std::move(html));
  add_page_security_headers(r);
  return r;
}

}  // namespace tessera::api
