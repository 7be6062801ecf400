#pragma once
// GET /metrics: Prometheus text format. Gauges that need the database (outbox by state) are
// read here, on the database lane.
#include "api/routes.hpp"
#include "http/request.hpp"
#include "http/response.hpp"

namespace tessera::api {

http::Response metrics(Services& s, http::Request& req);

}  // namespace tessera::api
