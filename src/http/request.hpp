#pragma once
// What a handler sees of an HTTP request: no Beast types, so handlers and their tests stay
// light. The views point into the connection's buffers and live as long as the request.
#include <boost/container/small_vector.hpp>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "domain/principal.hpp"
#include "http/method.hpp"

namespace tessera::http {

struct Header {
  std::string_view name;
  std::string_view value;
};

class Request {
 public:
  Method method = Method::get;
  std::string_view target;                             // path and query as received
  std::string_view path;                               // target up to '?'
  std::string_view query;                              // after '?', without it
  boost::container::small_vector<Header, 24> headers;  // in place: no allocation for a usual request
  std::string body;
  std::string client_ip;   // the socket's peer, or X-Forwarded-For from a trusted proxy
  std::string request_id;  // echoed as X-Request-Id and in every log line
  boost::container::small_vector<std::pair<std::string_view, std::string_view>, 2> path_params;  // "{name}" segments
  std::string_view route;                              // the matched route's pattern, for logs and metrics
  std::shared_ptr<const domain::Principal> principal;  // set by the route's guard

  // The first value of a header (names compare ignoring case), or "" when absent.
  std::string_view header(std::string_view name) const;
  // How many times a header appears.
  std::size_t header_count(std::string_view name) const;
  // A "{name}" segment of the matched route, or "".
  std::string_view param(std::string_view name) const;
  // A query parameter, percent-decoded; nullopt when absent or badly encoded.
  std::optional<std::string> query_value(std::string_view name) const;
  // The value of one cookie, or nullopt.
  std::optional<std::string_view> cookie(std::string_view name) const;
};

// ASCII case-insensitive comparison, as HTTP field names and tokens use.
bool iequals(std::string_view a, std::string_view b);

// Decodes %XX escapes and '+' (as a space, when `plus_is_space`); nullopt on a bad escape.
std::optional<std::string> percent_decode(std::string_view s, bool plus_is_space);

}  // namespace tessera::http
