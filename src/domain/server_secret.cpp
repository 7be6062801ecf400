#include "domain/server_secret.hpp"

#include "crypto/base64url.hpp"
#include "crypto/secret_box.hpp"

namespace tessera::domain {
namespace {

constexpr std::string_view kSealedPrefix = "sealed:";
constexpr std::string_view kPlainPrefix = "plain:";
constexpr std::string_view kMasterPurpose = "tessera/server-secret/v1";

Result<std::string> seal_for_store(std::string_view raw, const SecretString& master, Random& random) {
  if (master.empty()) return std::string(kPlainPrefix) + crypto::base64url::encode(raw);
  const std::string key = crypto::derive_key(kMasterPurpose, master.reveal());
  return std::string(kSealedPrefix) + crypto::base64url::encode(crypto::seal(key, raw, random));
}

Result<SecretString> open_from_store(std::string_view name, std::string_view stored, const SecretString& master) {
  if (stored.substr(0, kPlainPrefix.size()) == kPlainPrefix) {
    auto raw = crypto::base64url::decode(stored.substr(kPlainPrefix.size()));
    if (!raw) return make_error(errc::internal_error, "the stored secret " + std::string(name) + " is damaged");
    return SecretString(std::move(*raw));
  }
  if (stored.substr(0, kSealedPrefix.size()) != kSealedPrefix) {
    return make_error(errc::internal_error, "the stored secret " + std::string(name) + " is damaged");
  }
  if (master.empty()) {
    return make_error(errc::internal_error,
                      "the stored secret " + std::string(name) +
                          " is sealed with a master key; set TESSERA_MASTER_KEY to the one it was made with");
  }
  auto sealed = crypto::base64url::decode(stored.substr(kSealedPrefix.size()));
  if (!sealed) return make_error(errc::internal_error, "the stored secret " + std::string(name) + " is damaged");
  auto raw = crypto::open(crypto::derive_key(kMasterPurpose, master.reveal()), *sealed);
  if (!raw) {
    return make_error(errc::internal_error, "TESSERA_MASTER_KEY does not open the stored secret " + std::string(name) +
                                                "; set the key it was sealed with");
  }
  return SecretString(std::move(*raw));
}

}  // namespace

Result<SecretString> server_secret(Store& store, std::string_view name, const SecretString& master_key,
                                   Random& random) {
  std::string fresh = random.bytes(32);
  auto sealed = seal_for_store(fresh, master_key, random);
  explicit_bzero(fresh.data(), fresh.size());
  if (!sealed) return std::move(sealed).error();
  auto stored = store.write([&](StoreTx& tx) -> Result<std::string> {
    auto existing = tx.secret(name);
    if (!existing) return std::move(existing).error();
    if (*existing) return std::move(**existing);
    auto inserted = tx.insert_secret(name, *sealed);
    if (!inserted) return std::move(inserted).error();
    if (*inserted) return *sealed;
    auto winner = tx.secret(name);  // another instance stored one first: use theirs
    if (!winner) return std::move(winner).error();
    if (!*winner) return make_error(errc::internal_error, "", "secret vanished");
    return std::move(**winner);
  });
  if (!stored) return std::move(stored).error();
  return open_from_store(name, *stored, master_key);
}

}  // namespace tessera::domain
