#include "crypto/key_set.hpp"

#include <boost/json/array.hpp>

#include <utility>

namespace tessera::crypto {

Result<void> KeySet::add(std::shared_ptr<const SigningKey> key) {
  if (!key) return make_error(errc::invalid_request, "The signing key is not valid.", "null key");
  if (find(key->kid()) != nullptr) {
    return make_error(errc::invalid_request, "The signing key is not valid.", "duplicate kid: " + key->kid());
  }
  keys_.push_back(std::move(key));
  return ok();
}

const SigningKey* KeySet::find(std::string_view kid) const noexcept {
  for (const auto& k : keys_) {
    if (k->kid() == kid) return k.get();
  }
  return nullptr;
}

Result<void> KeySet::set_active(std::string_view kid) {
  for (const auto& k : keys_) {
    if (k->kid() != kid) continue;
    if (!k->has_private()) {
      return make_error(errc::invalid_request, "The signing key is not valid.",
                        "active key has no private part: " + std::string(kid));
    }
    active_ = k;
    return ok();
  }
  return make_error(errc::invalid_request, "The signing key is not valid.", "no key with kid " + std::string(kid));
}

boost::json::object KeySet::jwks() const {
  boost::json::array keys;
  keys.reserve(keys_.size());
  for (const auto& k : keys_) {
    if (k->alg() == Alg::HS256) continue;
    keys.push_back(k->public_jwk());
  }
  boost::json::object doc;
  doc["keys"] = std::move(keys);
  return doc;
}

}  // namespace tessera::crypto
