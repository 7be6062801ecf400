#include "store/open.hpp"

namespace tessera::store {

Result<Opened> open_store(std::string_view database_url, const Options&) {
  return make_error(errc::internal_error, "", "no store for " + std::string(database_url));
}

}  // namespace tessera::store
