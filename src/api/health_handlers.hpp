#pragma once
// GET /healthz (the process answers) and GET /readyz (it can serve: not draining, database
// reachable). Load balancers use the second to take an instance out of rotation.
#include <functional>

#include "core/result.hpp"
#include "http/request.hpp"
#include "http/response.hpp"

namespace tessera::api {

struct Readiness {
  std::function<bool()> draining;          // true once shutdown has begun
  std::function<Result<void>()> database;  // a cheap round trip to the database
};

http::Response healthz(http::Request& request);
http::Response readyz(const Readiness& readiness, http::Request& request);

}  // namespace tessera::api
