#include "domain/domain_metrics.hpp"

#include <string>

#include "core/metrics.hpp"

namespace tessera::domain::metrics {

void count_login(std::string_view outcome) {
  tessera::metrics::registry()
      .counter("tessera_logins_total", "Password logins by outcome.", {{"outcome", std::string(outcome)}})
      .inc();
}

void count_refresh(std::string_view outcome) {
  tessera::metrics::registry()
      .counter("tessera_refreshes_total", "Refresh-token rotations by outcome (reused = theft detected).",
               {{"outcome", std::string(outcome)}})
      .inc();
}

void count_token_rejected(std::string_view reason) {
  tessera::metrics::registry()
      .counter("tessera_access_tokens_rejected_total", "Access tokens refused, by the check that failed.",
               {{"reason", std::string(reason)}})
      .inc();
}

}  // namespace tessera::domain::metrics
