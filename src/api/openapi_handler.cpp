#include "api/openapi_handler.hpp"

namespace tessera::api {

http::Response openapi_document(http::Request&) {
  auto r = http::Response::json_text(200, std::string(kOpenApiDocument));
  // It changes only with the binary; clients and proxies may keep it a while.
  r.with_header("Cache-Control", "public, max-age=300");
  return r;
}

}  // namespace tessera::api
