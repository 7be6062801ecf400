// The secrets table: a few named values, each written once by whichever instance comes first.
#include <chrono>

#include "store/postgres/postgres_tx.hpp"

namespace tessera::store::postgres {

Result<std::optional<std::string>> PostgresTx::secret(std::string_view name) {
  auto rows = c_.query("SELECT value FROM secrets WHERE name = $1", name);
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return std::optional<std::string>();
  return std::optional<std::string>((*rows)[0].text(0));
}

Result<bool> PostgresTx::insert_secret(std::string_view name, std::string_view value) {
  // DO NOTHING rather than a failed INSERT: losing the race to another instance is expected, and
  // a failed statement would abort the caller's transaction. A loser waits for the winner's
  // commit, and its next statement (a new snapshot under READ COMMITTED) reads the winner's value.
  // created_at only tells an operator when the key was made, so the wall clock is good enough.
  auto r = c_.query("INSERT INTO secrets (name, value, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING",
                    name, value, std::chrono::system_clock::now());
  if (!r) return std::move(r).error();
  return r->affected() == 1;
}

}  // namespace tessera::store::postgres
