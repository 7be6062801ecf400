// The signing_keys table: few rows, read whole at start-up and on rotation.
#include "store/common/row_readers.hpp"
#include "store/common/sql_text.hpp"
#include "store/sqlite/sqlite_tx.hpp"

namespace tessera::store::sqlite {

Result<std::vector<domain::StoredKey>> SqliteTx::signing_keys() {
  static constexpr auto kSql = sql_text("SELECT ", kSigningKeyColumns, " FROM signing_keys ORDER BY created_at, kid");
  auto st = c_.prepare(kSql.data());
  if (!st) return std::move(st).error();
  return st->collect(read_signing_key<Statement>);
}

Result<void> SqliteTx::insert_signing_key(const domain::StoredKey& k) {
  auto st = c_.prepare(
      "INSERT INTO signing_keys (kid, alg, private_key, created_at, signs_until, retired_at) VALUES (?, ?, ?, ?, ?, "
      "?)");
  if (!st) return std::move(st).error();
  return st->bind(k.kid, k.alg, k.private_key, k.created_at, k.signs_until, k.retired_at).run();
}

Result<void> SqliteTx::update_signing_key(const domain::StoredKey& k) {
  // Every field but kid and created_at.
  auto st =
      c_.prepare("UPDATE signing_keys SET alg = ?, private_key = ?, signs_until = ?, retired_at = ? WHERE kid = ?");
  if (!st) return std::move(st).error();
  if (auto r = st->bind(k.alg, k.private_key, k.signs_until, k.retired_at, k.kid).run(); !r) return r;
  if (st->changes() == 0) return make_error(errc::not_found, "", "sqlite: update_signing_key: no key " + k.kid);
  return ok();
}

}  // namespace tessera::store::sqlite
