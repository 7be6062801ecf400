// Signing keys: stored whole, listed oldest first, updated as they stop signing and retire.
#include "store_contract/contract.hpp"

namespace tessera::store_contract {
namespace {

using domain::StoredKey;
using domain::StoreTx;
using domain::TxKind;

TESSERA_STORE_CONTRACT(SigningKeys);

constexpr const char* kPem =
    "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIJ+DYvh6SEqVTm50DFtMDoQikTmiCqirVv9mWG9qfSnF\n-----END PRIVATE "
    "KEY-----\n";

StoredKey key(std::string kid, std::int64_t created_s) {
  return StoredKey{std::move(kid), "EdDSA", kPem, at_s(created_s), std::nullopt, std::nullopt};
}

std::vector<StoredKey> keys(domain::Store& store) {
  auto r = store.read([](StoreTx& tx) { return tx.signing_keys(); });
  EXPECT_OK(r);
  return r ? *r : std::vector<StoredKey>{};
}

TEST_P(SigningKeys, AFreshDatabaseHasNoKeys) { EXPECT_TRUE(keys(store()).empty()); }

TEST_P(SigningKeys, AnInsertedKeyReadsBackWithEveryField) {
  StoredKey k = key("kid-a", 10);
  k.alg = "ES256";
  k.private_key = "sealed:AAECAwQ";
  k.signs_until = at_ms(20'500);
  k.retired_at = at_ms(30'500);
  ASSERT_OK(store().transact(TxKind::write, [&](StoreTx& tx) { return tx.insert_signing_key(k); }));
  const auto all = keys(store());
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].kid, "kid-a");
  EXPECT_EQ(all[0].alg, "ES256");
  EXPECT_EQ(all[0].private_key, "sealed:AAECAwQ");
  EXPECT_EQ(ms(all[0].created_at), 10'000);
  EXPECT_EQ(ms(all[0].signs_until), std::optional<std::int64_t>(20'500));
  EXPECT_EQ(ms(all[0].retired_at), std::optional<std::int64_t>(30'500));
}

TEST_P(SigningKeys, KeysAreListedOldestFirstWhateverTheInsertionOrder) {
  ASSERT_OK(store().transact(TxKind::write, [&](StoreTx& tx) -> Result<void> {
    for (auto k : {key("kid-b", 20), key("kid-c", 30), key("kid-a", 10)}) {
      if (auto r = tx.insert_signing_key(k); !r) return r;
    }
    return ok();
  }));
  const auto all = keys(store());
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].kid, "kid-a");
  EXPECT_EQ(all[1].kid, "kid-b");
  EXPECT_EQ(all[2].kid, "kid-c");
  EXPECT_EQ(all[0].private_key, kPem);
  EXPECT_FALSE(all[0].signs_until.has_value());
  EXPECT_FALSE(all[0].retired_at.has_value());
}

TEST_P(SigningKeys, UpdateSetsSignsUntilRetiredAtAndTheSealedKey) {
  StoredKey k = key("kid-a", 10);
  ASSERT_OK(store().transact(TxKind::write, [&](StoreTx& tx) { return tx.insert_signing_key(k); }));
  k.signs_until = at_s(50);
  k.retired_at = at_s(60);
  k.private_key = "sealed:BBBB";
  ASSERT_OK(store().transact(TxKind::write, [&](StoreTx& tx) { return tx.update_signing_key(k); }));
  const auto all = keys(store());
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(ms(all[0].signs_until), std::optional<std::int64_t>(50'000));
  EXPECT_EQ(ms(all[0].retired_at), std::optional<std::int64_t>(60'000));
  EXPECT_EQ(all[0].private_key, "sealed:BBBB");
  EXPECT_EQ(ms(all[0].created_at), 10'000);
}

TEST_P(SigningKeys, UpdateCanClearSignsUntil) {
  StoredKey k = key("kid-a", 10);
  k.signs_until = at_s(50);
  ASSERT_OK(store().transact(TxKind::write, [&](StoreTx& tx) { return tx.insert_signing_key(k); }));
  k.signs_until.reset();
  ASSERT_OK(store().transact(TxKind::write, [&](StoreTx& tx) { return tx.update_signing_key(k); }));
  EXPECT_FALSE(keys(store())[0].signs_until.has_value());
}

TEST_P(SigningKeys, UpdateOfAMissingKeyIsNotFound) {
  auto r = store().transact(TxKind::write, [&](StoreTx& tx) { return tx.update_signing_key(key("kid-x", 1)); });
  EXPECT_EQ(code_of(r), errc::not_found);
  EXPECT_TRUE(keys(store()).empty());
}

TEST_P(SigningKeys, ADuplicateKidIsRefused) {
  ASSERT_OK(store().transact(TxKind::write, [&](StoreTx& tx) { return tx.insert_signing_key(key("kid-a", 10)); }));
  auto r = store().transact(TxKind::write, [&](StoreTx& tx) { return tx.insert_signing_key(key("kid-a", 20)); });
  EXPECT_FALSE(r);
  const auto all = keys(store());
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(ms(all[0].created_at), 10'000);
}

}  // namespace
}  // namespace tessera::store_contract
