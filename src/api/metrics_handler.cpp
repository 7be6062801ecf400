#include "api/metrics_handler.hpp"

#include "core/metrics.hpp"

namespace tessera::api {

http::Response metrics(Services& s, http::Request&) {
  auto& registry = tessera::metrics::registry();
  if (s.outbox_counts) {
    if (auto counts = s.outbox_counts()) {
      for (const auto& [state, n] : *counts) {
        registry
            .gauge("tessera_outbox_mails", "Mails in the outbox by state.",
                   {{"state", std::string(domain::to_string(state))}})
            .set(n);
      }
    } else {
      registry.counter("tessera_db_errors_total", "Database operations that failed (not counting business refusals).")
          .inc();
    }
  }
  http::Response r;
  r.status = 200;
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  r.body = registry.render();
  return r;
}

}  // namespace tessera::api
