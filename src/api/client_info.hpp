#pragma once
// Where a request came from, as recorded on sessions and in the audit log.
#include <string>

#include "domain/token_response.hpp"
#include "http/request.hpp"

namespace tessera::api {

// The client's IP (socket peer, or a trusted proxy's X-Forwarded-For) and its User-Agent, cut
// to 512 bytes.
inline domain::ClientInfo client_of(const http::Request& req) {
  return domain::ClientInfo{req.client_ip, std::string(req.header("user-agent").substr(0, 512))};
}

}  // namespace tessera::api
