#pragma once
// The api layer's view of a runtime: the domain services and web settings the routes need, taken
// from the runtime and its configuration. `tessera serve` and the fuzz_http harness share it, so
// the routes they exercise are wired the same way.
#include <functional>

#include "api/routes.hpp"
#include "app/runtime.hpp"

namespace tessera::app {

// `draining` answers /readyz's "is the server shutting down?". The result points into `rt`,
// which must outlive it; build the router from it only once it sits where it stays.
api::Services make_services(Runtime& rt, std::function<bool()> draining);

}  // namespace tessera::app
