#pragma once
// Server-rendered pages (the email verification landing page, the reset-password form), with
// the headers every page gets, the hosted pages of web/ included: a strict
// Content-Security-Policy (scripts and styles only from this origin, no inline script or style),
// no referrer (the URL carries a token), no framing.
#include <string>
#include <string_view>

#include "http/response.hpp"

namespace tessera::api {

// `s` with &, <, >, " and ' escaped for HTML text and attribute values.
std::string html_escape(std::string_view s);

// A page in the layout of the hosted pages (web/assets/tessera.css): `title` (escaped) and
// `body` (already HTML), with the security headers. `script`, when given, is the path of an ES
// module that enhances the page (e.g. "/assets/reset-password.js"); the page works without it.
http::Response html_page(int status, std::string_view title, std::string_view body, std::string_view script = {});

// Adds the headers every HTML page carries.
void add_page_security_headers(http::Response& response);

}  // namespace tessera::api
