#include "domain/key_ring.hpp"

#include <algorithm>

#include "core/time_format.hpp"
#include "crypto/base64url.hpp"
#include "crypto/digest.hpp"
#include "crypto/secret_box.hpp"

namespace tessera::domain {
namespace {

constexpr std::string_view kSealedPrefix = "sealed:";
constexpr std::string_view kMasterPurpose = "tessera/signing-key/v1";

// The kid of the configured HS256 secret: derived from it, so every instance agrees, but
// revealing nothing useful about it.
std::string hs256_kid(std::string_view secret) {
  return "hs-" + crypto::base64url::encode(crypto::sha256_bytes(secret)).substr(0, 12);
}

std::string fingerprint_of(const std::vector<StoredKey>& keys, TimePoint now, std::chrono::seconds window) {
  std::string f;
  for (const auto& k : keys) {
    const bool live = !k.retired_at && (!k.signs_until || *k.signs_until + window > now);
    f += k.kid + (live ? "+" : "-") + (k.signs_until ? "s" : "a") + ";";
  }
  return f;
}

}  // namespace

KeyRing::KeyRing(KeyRingOptions options, const Clock& clock, Random& random)
    : options_(std::move(options)), clock_(clock), random_(random) {
  alg_ = options_.alg;
  if (!options_.alg_explicit) alg_source_ = AlgSource::default_alg;
}

// A kid is typed on command lines (`tessera keys retire KID`), where one starting with '-' reads
// as an option (1 in 64 of base64url draws): those are drawn again.
std::string KeyRing::new_kid() {
  for (;;) {
    std::string kid = crypto::base64url::encode(random_.bytes(9));
    if (kid.front() != '-') return kid;
  }
}

Result<std::string> KeyRing::seal_private(std::string_view pem) const {
  if (options_.master_key.empty()) return std::string(pem);
  const std::string key = crypto::derive_key(kMasterPurpose, options_.master_key.reveal());
  return std::string(kSealedPrefix) + crypto::base64url::encode(crypto::seal(key, pem, random_));
}

Result<std::string> KeyRing::open_private(std::string_view stored) const {
  if (stored.substr(0, kSealedPrefix.size()) != kSealedPrefix) return std::string(stored);
  if (options_.master_key.empty()) {
    return make_error(
        errc::internal_error,
        "a stored signing key is sealed with a master key; set TESSERA_MASTER_KEY to the one it was made with");
  }
  auto raw = crypto::base64url::decode(stored.substr(kSealedPrefix.size()));
  if (!raw) return make_error(errc::internal_error, "a stored signing key is damaged");
  const std::string key = crypto::derive_key(kMasterPurpose, options_.master_key.reveal());
  auto pem = crypto::open(key, *raw);
  if (!pem) {
    return make_error(errc::internal_error,
                      "TESSERA_MASTER_KEY does not open the stored signing keys; set the key they were sealed with");
  }
  return std::move(*pem);
}

Result<std::shared_ptr<const crypto::KeySet>> KeyRing::build(const std::vector<StoredKey>& keys) const {
  auto set = std::make_shared<crypto::KeySet>();
  const TimePoint now = clock_.now();
  std::string active_kid;
  for (const auto& k : keys) {
    if (k.retired_at) continue;
    if (k.signs_until && *k.signs_until + options_.verify_window <= now) continue;  // all its tokens expired
    auto alg = crypto::parse_alg(k.alg);
    if (!alg) return make_error(errc::internal_error, "signing key " + k.kid + " has an unknown algorithm " + k.alg);
    auto pem = open_private(k.private_key);
    if (!pem) return std::move(pem).error();
    auto key = crypto::SigningKey::from_private_pem(*alg, k.kid, *pem);
    if (!key)
      return make_error(errc::internal_error, "signing key " + k.kid + " cannot be read: " + key.error().reason);
    if (auto added = set->add(std::move(*key)); !added) return std::move(added).error();
    if (!k.signs_until) active_kid = k.kid;  // keys come oldest first: the newest signer wins
  }
  if (alg_ == "HS256") {
    auto key =
        crypto::SigningKey::from_secret(hs256_kid(options_.hs256_secret.reveal()), options_.hs256_secret.reveal());
    if (!key) return make_error(errc::internal_error, "TESSERA_JWT_SECRET cannot be used: " + key.error().reason);
    active_kid = (*key)->kid();
    if (auto added = set->add(std::move(*key)); !added) return std::move(added).error();
  }
  if (!active_kid.empty()) {
    if (auto r = set->set_active(active_kid); !r) return std::move(r).error();
  }
  return std::shared_ptr<const crypto::KeySet>(std::move(set));
}

void KeyRing::publish(std::shared_ptr<const crypto::KeySet> set) {
  std::lock_guard lock(mutex_);
  set_ = std::move(set);
  version_.fetch_add(1, std::memory_order_release);
}

void KeyRing::adopt_stored_alg(const std::vector<StoredKey>& keys) {
  if (options_.alg_explicit) return;
  alg_ = options_.alg;
  alg_source_ = AlgSource::default_alg;
  for (const auto& k : keys) {  // oldest first: the newest signer wins, as in build()
    if (!k.retired_at && !k.signs_until && k.alg != "HS256") {
      alg_ = k.alg;
      alg_source_ = AlgSource::stored_keys;
    }
  }
}

Result<void> KeyRing::load_or_create(Store& store) {
  const TimePoint now = clock_.now();
  auto keys = store.write([&](StoreTx& tx) -> Result<std::vector<StoredKey>> {
    auto stored = tx.signing_keys();
    if (!stored) return std::move(stored).error();
    adopt_stored_alg(*stored);
    if (alg_ == "HS256") return std::move(*stored);
    const bool has_signer = std::any_of(stored->begin(), stored->end(), [&](const StoredKey& k) {
      return !k.retired_at && !k.signs_until && k.alg == alg_;
    });
    if (has_signer) return std::move(*stored);
    // None of the configured algorithm signs yet (first start, or the algorithm changed):
    // make one, and let the previous signer only verify from now on.
    auto alg = crypto::parse_alg(alg_);
    if (!alg) return make_error(errc::internal_error, "unknown algorithm " + alg_);
    const std::string kid = new_kid();
    auto key = crypto::SigningKey::generate(*alg, kid);
    if (!key) return make_error(errc::internal_error, "cannot generate a signing key: " + key.error().reason);
    auto sealed = seal_private((*key)->private_pem());
    if (!sealed) return std::move(sealed).error();
    for (auto& k : *stored) {
      if (!k.signs_until && !k.retired_at) {
        k.signs_until = now;
        if (auto r = tx.update_signing_key(k); !r) return std::move(r).error();
      }
    }
    StoredKey fresh{kid, alg_, std::move(*sealed), now, std::nullopt, std::nullopt};
    if (auto r = tx.insert_signing_key(fresh); !r) return std::move(r).error();
    stored->push_back(std::move(fresh));
    return std::move(*stored);
  });
  if (!keys) return std::move(keys).error();
  auto set = build(*keys);
  if (!set) return std::move(set).error();
  if (!(*set)->active()) return make_error(errc::internal_error, "no signing key is active");
  fingerprint_ = fingerprint_of(*keys, now, options_.verify_window);
  publish(std::move(*set));
  return ok();
}

Result<void> KeyRing::load(Store& store) {
  auto keys = store.read([](StoreTx& tx) { return tx.signing_keys(); });
  if (!keys) return std::move(keys).error();
  adopt_stored_alg(*keys);
  auto set = build(*keys);
  if (!set) return std::move(set).error();
  {
    std::lock_guard lock(mutex_);
    fingerprint_ = fingerprint_of(*keys, clock_.now(), options_.verify_window);
  }
  publish(std::move(*set));
  return ok();
}

Result<void> KeyRing::reload(Store& store) {
  auto keys = store.read([](StoreTx& tx) { return tx.signing_keys(); });
  if (!keys) return std::move(keys).error();
  const std::string f = fingerprint_of(*keys, clock_.now(), options_.verify_window);
  {
    std::lock_guard lock(mutex_);
    if (f == fingerprint_) return ok();
  }
  auto set = build(*keys);
  if (!set) return std::move(set).error();
  if (!(*set)->active()) return make_error(errc::internal_error, "no signing key is active after reload");
  {
    std::lock_guard lock(mutex_);
    fingerprint_ = f;
  }
  publish(std::move(*set));
  return ok();
}

Result<std::string> KeyRing::rotate(Store& store, std::string alg_name) {
  if (alg_name.empty()) alg_name = alg_;
  auto alg = crypto::parse_alg(alg_name);
  if (!alg || *alg == crypto::Alg::HS256) {
    return make_error(errc::invalid_request, "rotate makes EdDSA, ES256 or RS256 keys; HS256 uses TESSERA_JWT_SECRET");
  }
  const TimePoint now = clock_.now();
  const std::string kid = new_kid();
  auto key = crypto::SigningKey::generate(*alg, kid);
  if (!key) return make_error(errc::internal_error, "cannot generate a signing key: " + key.error().reason);
  auto sealed = seal_private((*key)->private_pem());
  if (!sealed) return std::move(sealed).error();
  auto r = store.write([&](StoreTx& tx) -> Result<void> {
    auto stored = tx.signing_keys();
    if (!stored) return std::move(stored).error();
    for (auto& k : *stored) {
      if (!k.signs_until && !k.retired_at) {
        k.signs_until = now;
        if (auto u = tx.update_signing_key(k); !u) return u;
      }
    }
    return tx.insert_signing_key(StoredKey{kid, alg_name, std::move(*sealed), now, std::nullopt, std::nullopt});
  });
  if (!r) return std::move(r).error();
  return kid;
}

namespace {

KeyRing::KeyState state_of(const StoredKey& k, TimePoint now, std::chrono::seconds window) {
  if (k.retired_at) return KeyRing::KeyState::retired;
  if (!k.signs_until) return KeyRing::KeyState::active;
  if (*k.signs_until + window <= now) return KeyRing::KeyState::expired;
  return KeyRing::KeyState::verifying;
}

}  // namespace

Result<std::vector<KeyRing::KeyInfo>> KeyRing::list(Store& store) const {
  auto keys = store.read([](StoreTx& tx) { return tx.signing_keys(); });
  if (!keys) return std::move(keys).error();
  std::vector<KeyInfo> out;
  const TimePoint now = clock_.now();
  // Only the newest unretired key without signs_until signs; older ones of that shape (left by
  // an interrupted rotation) are reported as verifying.
  std::string signer;
  for (const auto& k : *keys) {
    if (!k.retired_at && !k.signs_until) signer = k.kid;
  }
  for (auto& k : *keys) {
    KeyState st = state_of(k, now, options_.verify_window);
    if (st == KeyState::active && k.kid != signer) st = KeyState::verifying;
    out.push_back(KeyInfo{std::move(k), st});
  }
  return out;
}

Result<void> KeyRing::retire(Store& store, std::string_view kid, bool force) const {
  const TimePoint now = clock_.now();
  return store.write([&](StoreTx& tx) -> Result<void> {
    auto keys = tx.signing_keys();
    if (!keys) return std::move(keys).error();
    for (auto& k : *keys) {
      if (k.kid != kid) continue;
      switch (state_of(k, now, options_.verify_window)) {
        case KeyState::retired: return ok();
        case KeyState::active:
          return make_error(errc::forbidden,
                            "key " + k.kid + " signs new tokens; rotate first (`tessera keys rotate`)");
        case KeyState::verifying:
          if (!force) {
            return make_error(errc::forbidden, "key " + k.kid + " may still verify live tokens until " +
                                                   format_rfc3339(*k.signs_until + options_.verify_window) +
                                                   "; wait, or add --force to cut them off now");
          }
          break;
        case KeyState::expired: break;
      }
      k.retired_at = now;
      return tx.update_signing_key(k);
    }
    return make_error(errc::not_found, "there is no key " + std::string(kid));
  });
}

const crypto::KeySet& KeyRing::current() const {
  struct Cache {
    const KeyRing* owner = nullptr;
    std::uint64_t version = 0;
    std::shared_ptr<const crypto::KeySet> set;
  };
  thread_local Cache cache;
  const std::uint64_t v = version_.load(std::memory_order_acquire);
  if (cache.owner != this || cache.version != v || !cache.set) {
    std::lock_guard lock(mutex_);
    cache.owner = this;
    cache.version = version_.load(std::memory_order_relaxed);
    cache.set = set_;
  }
  return *cache.set;
}

}  // namespace tessera::domain
