#pragma once
// The head of an HTTP/1.1 response, written by hand into one buffer: the body goes out beside it
// in the same write, with no per-field allocation (Beast's fields container allocates each
// field; on a request that costs microseconds that is a large share of the cost).
#include <string>
#include <string_view>

#include "http/response.hpp"

namespace tessera::http {

struct HeadOptions {
  std::string_view request_id;
  bool keep_alive = true;
  bool http10 = false;  // the request was HTTP/1.0: keep-alive must be said explicitly
  std::size_t content_length = 0;
};

// Status line and headers up to and including the blank line. Adds Date, X-Request-Id,
// X-Content-Type-Options, Cache-Control (no-store unless the response sets one), Content-Type,
// Content-Length and Connection. CR and LF in header values become spaces (no response
// splitting, whatever a handler puts there).
std::string response_head(const Response& response, const HeadOptions& options);

// The IMF-fixdate for the Date header, formatted once a second per thread.
const std::string& http_date();

}  // namespace tessera::http
