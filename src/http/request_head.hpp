#pragma once
// The parts of reading a request that need no socket (server.cpp does the reading): checking a
// head's framing and target, building the Request's target fields, naming the client, and the
// request id. Kept apart so they are unit-tested without a connection.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "http/client_address.hpp"
#include "http/request.hpp"

namespace tessera::http {

// What the framing check needs to know of a head.
struct Framing {
  unsigned version = 11;               // 10 for HTTP/1.0, 11 for HTTP/1.1
  std::size_t transfer_encodings = 0;  // Transfer-Encoding lines
  std::string_view transfer_encoding;  // the first one's value
  bool content_length = false;         // a Content-Length line is present
};

// Request smuggling: a message framed two ways is refused (RFC 9112 §6.3), and so is a transfer
// coding other than a single "chunked" (Beast would otherwise trust Content-Length). HTTP/1.0
// has no chunked coding at all: Transfer-Encoding there is faulty framing (RFC 9112 §6.1). Then
// the target: origin form ("/..."), at most kMaxTargetBytes. invalid_request, or nullopt.
std::optional<Error> head_error(const Framing& framing, std::string_view target);

// Sets the request's target, path (before '?') and query (after it).
void set_target(Request& req, std::string_view target);

// Who sent the request: the peer, or, when the peer is a trusted proxy, the address taken from
// X-Forwarded-For, whose several lines are one list in order (RFC 9110 §5.3: a proxy may add a
// line of its own instead of appending to the client's).
std::string client_address_of(const Request& req, std::string_view peer_ip, const TrustedProxies& proxies);

// A client's X-Request-Id is kept when it is short and plain (letters, digits, '-', '_', '.'),
// so ids join up across proxies.
bool acceptable_request_id(std::string_view id);
// A request id when the client sent none: 12 hex characters (short enough to need no heap in a
// std::string) from a fast per-thread generator; it names a request in logs, it is no secret.
std::string new_request_id();

}  // namespace tessera::http
