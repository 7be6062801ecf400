#include "api/health_handlers.hpp"

#include <boost/json/object.hpp>

#include "http/problem.hpp"

namespace tessera::api {

http::Response healthz(http::Request&) { return http::Response::json_text(200, R"({"status":"ok"})"); }

http::Response readyz(const Readiness& readiness, http::Request&) {
  if (readiness.draining && readiness.draining()) {
    auto e = make_error(errc::overloaded, "The server is shutting down.", "draining");
    return http::problem(e);
  }
  if (readiness.database) {
    if (auto db = readiness.database(); !db) {
      return http::problem(make_error(errc::database_unavailable, "The database is unreachable.", db.error().reason));
    }
  }
  return http::Response::json_text(200, R"({"status":"ready","database":"ok"})");
}

}  // namespace tessera::api
