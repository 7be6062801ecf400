#include "store/open.hpp"

#include "store/sqlite/sqlite_store.hpp"

namespace tessera::store {

Result<Opened> open_store(std::string_view database_url, const Options& options) {
  constexpr std::string_view kSqlite = "sqlite://";
  if (database_url.starts_with(kSqlite)) {
    return sqlite::open(database_url.substr(kSqlite.size()), options);
  }
  if (database_url.starts_with("postgres://") || database_url.starts_with("postgresql://")) {
    return make_error(errc::internal_error, "PostgreSQL support is not built yet",
                      "store: PostgreSQL support is not built yet");
  }
  return make_error(errc::internal_error, "TESSERA_DATABASE: write sqlite://PATH or postgres://user:pass@host:port/db",
                    "store: unknown database URL scheme");
}

}  // namespace tessera::store
