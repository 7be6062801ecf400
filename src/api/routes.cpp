#include "api/routes.hpp"

namespace tessera::api {

using http::Guard;
using http::Lane;
using http::Method;

http::Router build_router(Services& s) {
  http::Router r;
  const auto add = [&r](Method m, std::string pattern, Guard guard, Lane lane, http::Handler h, std::string summary) {
    r.add(http::Route{m, std::move(pattern), std::move(guard), lane, std::move(h), std::move(summary)});
  };

  // Health: liveness on the network thread; readiness touches the database, so on its lane.
  add(Method::get, "/healthz", Guard::anyone(), Lane::network, healthz, "Liveness: the process answers.");
  add(Method::get, "/readyz", Guard::anyone(), Lane::db,
      [&s](http::Request& req) { return readyz(s.readiness, req); },
      "Readiness: not draining and the database answers.");
  return r;
}

}  // namespace tessera::api
