#include "store/open.hpp"

#include "store/postgres/postgres_store.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace tessera::store {

Result<Opened> open_store(std::string_view database_url, const Options& options) {
  constexpr std::string_view kSqlite = "sqlite://";
  if (database_url.starts_with(kSqlite)) {
    return sqlite::open(database_url.substr(kSqlite.size()), options);
  }
  if (database_url.starts_with("postgres://") || database_url.starts_with("postgresql://")) {
    // The whole URL goes to libpq, which reads both schemes.
    return postgres::open(database_url, options);
  }
  return make_error(errc::internal_error, "TESSERA_DATABASE: write sqlite://PATH or postgres://user:pass@host:port/db",
                    "store: unknown database URL scheme");
}

}  // namespace tessera::store
