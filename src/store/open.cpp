#include "store/open.hpp"

#include "store/postgres/listener.hpp"
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

std::unique_ptr<ChangeListener> listen_for_changes(std::string_view database_url, std::function<void()> on_change) {
  if (!database_url.starts_with("postgres://") && !database_url.starts_with("postgresql://")) return nullptr;
  auto target = postgres::parse_target(database_url);
  if (!target) return nullptr;  // open_store() has refused this URL already
  return std::make_unique<postgres::Listener>(std::move(*target), std::move(on_change));
}

}  // namespace tessera::store
