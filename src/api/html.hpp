#pragma once
// Server-rendered pages (the email verification landing page), with the headers every page
// gets: a strict Content-Security-Policy (no script at all here), no referrer (the URL carries
// a token), no framing.
#include <string>
#include <string_view>

#include "http/response.hpp"

namespace tessera::api {

// `s` with &, <, >, " and ' escaped for HTML text and attribute values.
std::string html_escape(std::string_view s);

// A minimal page: `title` (escaped) and `body` (already HTML), with the security headers.
http::Response html_page(int status, std::string_view title, std::string_view body);

// Adds the headers every HTML page carries.
void add_page_security_headers(http::Response& response);

}  // namespace tessera::api
