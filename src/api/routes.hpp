#pragma once
// Every route Tessera serves, with its guard and lane, on one screen (DESIGN rule 8).
#include "api/health_handlers.hpp"
#include "http/router.hpp"

namespace tessera::api {

// What the handlers need, wired by app/.
struct Services {
  Readiness readiness;
};

// Builds the route table.
http::Router build_router(Services& services);

}  // namespace tessera::api
