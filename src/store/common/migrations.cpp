#include "store/common/migrations.hpp"

namespace tessera::store {

Result<void> refuse_newer_schema(std::string_view backend, int found, int latest) {
  if (found <= latest) return ok();
  const std::string detail = "the database schema is at version " + std::to_string(found) +
                             " but this build of tessera knows only up to " + std::to_string(latest) +
                             "; run a newer tessera (or restore a backup made before the upgrade)";
  return make_error(errc::internal_error, detail, std::string(backend) + ": " + detail);
}

}  // namespace tessera::store
