// The secrets table: a few named values, each written once by whichever instance comes first.
#include <chrono>

#include "store/sqlite/sqlite_tx.hpp"

namespace tessera::store::sqlite {

Result<std::optional<std::string>> SqliteTx::secret(std::string_view name) {
  auto st = c_.prepare("SELECT value FROM secrets WHERE name = ?");
  if (!st) return std::move(st).error();
  auto row = st->bind(name).step();
  if (!row) return std::move(row).error();
  if (!*row) return std::optional<std::string>();
  return std::optional<std::string>(st->text(0));
}

Result<bool> SqliteTx::insert_secret(std::string_view name, std::string_view value) {
  // DO NOTHING rather than a failed INSERT: losing the race to another instance is expected,
  // and on PostgreSQL a failed statement would abort the caller's transaction. created_at only
  // tells an operator when the key was made, so the wall clock is good enough.
  auto st = c_.prepare("INSERT INTO secrets (name, value, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING");
  if (!st) return std::move(st).error();
  if (auto r = st->bind(name, value, std::chrono::system_clock::now()).run(); !r) return std::move(r).error();
  return st->changes() == 1;
}

}  // namespace tessera::store::sqlite
