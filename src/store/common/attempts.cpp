#include "store/common/attempts.hpp"

#include "core/metrics.hpp"

namespace tessera::store {

Result<void> counted_db_failure(Result<void> r) {
  if (!r && (r.code() == errc::database_unavailable || r.code() == errc::internal_error)) {
    static auto& errors = metrics::registry().counter(
        "tessera_db_errors_total", "Database operations that failed (not counting business refusals).");
    errors.inc();
  }
  return r;
}

}  // namespace tessera::store
