#pragma once
// The signing keys in use: one active key that signs, and older public keys that still verify
// tokens they signed until those have expired (SPEC §3 "Keys"). Keys live in the store, so every
// instance and the CLI see the same ones; a running server reloads them periodically, which is
// how `tessera keys rotate` reaches it without a restart.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "core/clock.hpp"
#include "core/random.hpp"
#include "core/result.hpp"
#include "core/secret.hpp"
#include "crypto/key_set.hpp"
#include "domain/store.hpp"

namespace tessera::domain {

struct KeyRingOptions {
  std::string alg = "ES256";  // of the key that signs; HS256 uses `hs256_secret`
  // False when `alg` is only the default (TESSERA_JWT_ALG not set): an installation whose stored
  // keys already sign with another asymmetric algorithm keeps it, so an upgrade never changes
  // the tokens resource servers receive. True: `alg` signs, making a key of it when needed.
  bool alg_explicit = true;
  SecretString hs256_secret;
  SecretString master_key;                  // when set, new private keys are stored sealed with it
  std::chrono::seconds verify_window{930};  // how long a key verifies after it stopped signing
};

class KeyRing {
 public:
  KeyRing(KeyRingOptions options, const Clock& clock, Random& random);

  // Loads the keys; when none of the configured algorithm signs yet, makes one (and lets the
  // previous signing key verify only). Call once at start-up.
  Result<void> load_or_create(Store& store);
  // Loads the keys as stored, writing nothing; there may be no signing key (the CLI, which
  // signs nothing, must not make or demote keys).
  Result<void> load(Store& store);
  // Re-reads the keys; publishes a new set when they changed. Safe beside current().
  Result<void> reload(Store& store);

  // The keys now. The reference stays valid until the calling thread calls current() again
  // (a per-thread copy avoids contention on the hot path).
  const crypto::KeySet& current() const;
  // Increases every time a new key set is published.
  std::uint64_t version() const { return version_.load(std::memory_order_acquire); }

  // Where the signing algorithm came from, for the start-up log line.
  enum class AlgSource {
    setting,      // TESSERA_JWT_ALG (or its flag or file key)
    stored_keys,  // not set; the stored signing key's algorithm is kept
    default_alg,  // not set, and no key signed yet: the default
  };
  // The algorithm new tokens are signed with, and where it came from; known after a load.
  const std::string& alg() const { return alg_; }
  AlgSource alg_source() const { return alg_source_; }

  // Makes a new signing key of `alg` (the signing algorithm, alg(), when empty); the old one
  // keeps verifying. Returns the new kid.
  Result<std::string> rotate(Store& store, std::string alg = {});

  // A key as `tessera keys list` shows it.
  enum class KeyState {
    active,     // signs new tokens
    verifying,  // stopped signing; still verifies tokens it signed that may be alive
    expired,    // every token it signed has expired: no longer published or trusted
    retired,    // retired by an operator
  };
  struct KeyInfo {
    StoredKey key;
    KeyState state;
  };
  // Every stored key with its state, oldest first.
  Result<std::vector<KeyInfo>> list(Store& store) const;
  // Retires a key: it is no longer published or trusted. Refuses the active key, and a key
  // that may still verify live tokens unless `force` (errc::forbidden, with the reason).
  Result<void> retire(Store& store, std::string_view kid, bool force) const;

  // Stored form of a private key: PEM, sealed with the master key when one is set.
  Result<std::string> seal_private(std::string_view pem) const;
  Result<std::string> open_private(std::string_view stored) const;

 private:
  Result<std::shared_ptr<const crypto::KeySet>> build(const std::vector<StoredKey>& keys) const;
  void publish(std::shared_ptr<const crypto::KeySet> set);
  std::string new_kid();
  // Without an explicit algorithm, adopts that of the newest stored asymmetric signer.
  void adopt_stored_alg(const std::vector<StoredKey>& keys);

  KeyRingOptions options_;
  std::string alg_;
  AlgSource alg_source_ = AlgSource::setting;
  const Clock& clock_;
  Random& random_;
  mutable std::mutex mutex_;
  std::shared_ptr<const crypto::KeySet> set_;
  std::string fingerprint_;  // of the stored keys the set was built from
  std::atomic<std::uint64_t> version_{0};
};

}  // namespace tessera::domain
