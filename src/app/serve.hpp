#pragma once
// `tessera serve`: builds the object graph from the configuration and serves until drained.
#include "config/config.hpp"

namespace tessera::app {

// Serves until SIGTERM/SIGINT drains the server. Returns the process exit code: 0 after a
// clean drain, 1 when start-up fails (database, port).
int serve(const config::Config& config);

}  // namespace tessera::app
