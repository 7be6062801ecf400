#pragma once
// RFC 9457 problem details: the one table from error code to HTTP status (DESIGN rule 3).
#include <string_view>

#include "core/result.hpp"
#include "http/response.hpp"

namespace tessera::http {

// The HTTP status an error code is answered with.
int status_of(errc code);

// The reason phrase used as the problem's `title`.
std::string_view title_of(int status);

// The sentence a client is shown for `error`: its public detail, or a generic sentence for its
// code (always the generic one for an internal error, whose detail may name internals).
std::string_view public_detail(const Error& error);

// An application/problem+json response for `error`, with the headers its status needs:
// WWW-Authenticate on 401 (RFC 6750 §3), Retry-After on 429/503. The detail shown is
// public_detail(error); the internal reason only goes to the log.
Response problem(const Error& error);
Response problem(errc code, std::string_view detail = {});

}  // namespace tessera::http
