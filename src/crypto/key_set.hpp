#pragma once
// The signing keys a Tessera instance knows: the active one signs new tokens, the others stay
// to verify tokens they signed until those expire (SPEC §3 "Keys"). A value type holding
// shared_ptrs, so a new set can be built beside the old and swapped in while requests still
// hold the old one.
#include <boost/json/object.hpp>
#include <memory>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "crypto/signing_key.hpp"

namespace tessera::crypto {

class KeySet {
 public:
  // Adds `key`; a null key or a kid already in the set is errc::invalid_request, because two
  // keys behind one kid would make verification depend on which one is found first.
  Result<void> add(std::shared_ptr<const SigningKey> key);

  // The key with exactly this kid, or nullptr. Never a default or a guess.
  const SigningKey* find(std::string_view kid) const noexcept;

  // Makes the key with `kid` the one that signs new tokens; it must be in the set and hold a
  // private key (errc::invalid_request otherwise).
  Result<void> set_active(std::string_view kid);

  // The key that signs new tokens; null until set_active() succeeds.
  std::shared_ptr<const SigningKey> active() const noexcept { return active_; }

  // The number of keys in the set.
  std::size_t size() const noexcept { return keys_.size(); }

  // The public JWKS document {"keys":[...]}: every asymmetric key's public JWK, HS256 keys
  // never (their only material is the secret).
  boost::json::object jwks() const;

 private:
  // A handful of keys at most (current plus those still in rotation): a linear scan of a
  // vector beats any map at this size.
  std::vector<std::shared_ptr<const SigningKey>> keys_;
  std::shared_ptr<const SigningKey> active_;
};

}  // namespace tessera::crypto
