// The signing_keys table: few rows, read whole at start-up and on rotation.
#include "store/sqlite/sqlite_tx.hpp"

namespace tessera::store::sqlite {

Result<std::vector<domain::StoredKey>> SqliteTx::signing_keys() {
  auto st = c_.prepare(
      "SELECT kid, alg, private_key, created_at, signs_until, retired_at FROM signing_keys "
      "ORDER BY created_at, kid");
  if (!st) return std::move(st).error();
  std::vector<domain::StoredKey> out;
  for (;;) {
    auto row = st->step();
    if (!row) return std::move(row).error();
    if (!*row) return out;
    domain::StoredKey k;
    k.kid = st->text(0);
    k.alg = st->text(1);
    k.private_key = st->text(2);
    k.created_at = st->time(3);
    k.signs_until = st->optional_time(4);
    k.retired_at = st->optional_time(5);
    out.push_back(std::move(k));
  }
}

Result<void> SqliteTx::insert_signing_key(const domain::StoredKey& k) {
  auto st = c_.prepare(
      "INSERT INTO signing_keys (kid, alg, private_key, created_at, signs_until, retired_at) "
      "VALUES (?, ?, ?, ?, ?, ?)");
  if (!st) return std::move(st).error();
  return st->bind(k.kid, k.alg, k.private_key, k.created_at, k.signs_until, k.retired_at).run();
}

Result<void> SqliteTx::update_signing_key(const domain::StoredKey& k) {
  // Every field but kid and created_at.
  auto st = c_.prepare(
      "UPDATE signing_keys SET alg = ?, private_key = ?, signs_until = ?, retired_at = ? WHERE kid = ?");
  if (!st) return std::move(st).error();
  if (auto r = st->bind(k.alg, k.private_key, k.signs_until, k.retired_at, k.kid).run(); !r) return r;
  if (st->changes() == 0) return make_error(errc::not_found, "", "sqlite: update_signing_key: no key " + k.kid);
  return ok();
}

}  // namespace tessera::store::sqlite
