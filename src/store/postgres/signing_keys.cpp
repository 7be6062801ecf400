// The signing_keys table: few rows, read whole at start-up and on rotation.
#include "store/common/row_readers.hpp"
#include "store/common/sql_text.hpp"
#include "store/postgres/postgres_tx.hpp"

namespace tessera::store::postgres {

Result<std::vector<domain::StoredKey>> PostgresTx::signing_keys() {
  if (writing_) {
    // The domain reads the keys to decide whether to add one (first start, rotation): two
    // instances starting at once must not both add one. Row locks cannot cover rows that do not
    // exist yet, so writers that read the keys take turns on an advisory lock instead.
    if (auto locked = c_.query("SELECT pg_advisory_xact_lock($1, hashtext(current_schema()))", kSigningKeysLock);
        !locked) {
      return std::move(locked).error();
    }
  }
  static constexpr auto kSql = sql_text("SELECT ", kSigningKeyColumns, " FROM signing_keys ORDER BY created_at, kid");
  return collect(c_.query(kSql.data()), read_signing_key<Row>);
}

Result<void> PostgresTx::insert_signing_key(const domain::StoredKey& k) {
  auto r = c_.query(
      "INSERT INTO signing_keys (kid, alg, private_key, created_at, signs_until, retired_at) "
      "VALUES ($1, $2, $3, $4, $5, $6)",
      k.kid, k.alg, k.private_key, k.created_at, k.signs_until, k.retired_at);
  if (!r) return std::move(r).error();
  return ok();
}

Result<void> PostgresTx::update_signing_key(const domain::StoredKey& k) {
  // Every field but kid and created_at.
  auto r =
      c_.query("UPDATE signing_keys SET alg = $1, private_key = $2, signs_until = $3, retired_at = $4 WHERE kid = $5",
               k.alg, k.private_key, k.signs_until, k.retired_at, k.kid);
  if (!r) return std::move(r).error();
  if (r->affected() == 0) return make_error(errc::not_found, "", "postgres: update_signing_key: no key " + k.kid);
  return ok();
}

}  // namespace tessera::store::postgres
