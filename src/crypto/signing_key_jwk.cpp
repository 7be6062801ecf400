// SigningKey::from_jwk: keys from JWKs (RFC 7517), public or private. The server never imports
// a JWK (its keys are generated and stored as PEM); tests, the jose interop check and the fuzzer
// build keys this way, which is why it lives apart from the signing code.
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/rsa.h>

#include <optional>
#include <string>
#include <string_view>

#include "crypto/base64url.hpp"
#include "crypto/openssl_support.hpp"
#include "crypto/signing_key.hpp"

namespace tessera::crypto {
namespace {

using namespace detail;

// --- JWK members -------------------------------------------------------------------------

// A member that must be a string, or absent (nullopt).
Result<std::optional<std::string_view>> optional_string(const boost::json::object& jwk, std::string_view name) {
  const auto* v = jwk.if_contains(name);
  if (v == nullptr) return std::optional<std::string_view>{};
  if (!v->is_string()) return key_error("JWK member \"" + std::string(name) + "\" is not a string");
  const auto& s = v->get_string();
  return std::optional<std::string_view>(std::string_view(s.data(), s.size()));
}

// The base64url-decoded bytes of a member; absent gives nullopt, bad encoding an error.
Result<std::optional<std::string>> optional_bytes(const boost::json::object& jwk, std::string_view name) {
  auto s = optional_string(jwk, name);
  if (!s) return std::move(s).error();
  if (!s->has_value()) return std::optional<std::string>{};
  auto bytes = base64url::decode(**s);
  if (!bytes) return key_error("JWK member \"" + std::string(name) + "\" is not base64url");
  return std::optional<std::string>(std::move(*bytes));
}

Result<std::string> required_bytes(const boost::json::object& jwk, std::string_view name, std::size_t exact_size = 0) {
  auto b = optional_bytes(jwk, name);
  if (!b) return std::move(b).error();
  if (!b->has_value()) return key_error("JWK lacks \"" + std::string(name) + "\"");
  if (exact_size != 0 && (*b)->size() != exact_size) {
    return key_error("JWK member \"" + std::string(name) + "\" has the wrong length");
  }
  return std::move(**b);
}

// Runs OpenSSL's consistency check: for a private key, that it matches its public half; for a
// public key, that it is a valid point / modulus.
Result<void> check_consistent(EVP_PKEY* pkey, bool has_private) {
  const PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr));
  if (!ctx) return internal(openssl_error());
  const int rc = has_private ? EVP_PKEY_pairwise_check(ctx.get()) : EVP_PKEY_public_check(ctx.get());
  if (rc != 1) return key_error("JWK key parameters are inconsistent: " + openssl_error());
  return ok();
}

Result<PkeyPtr> pkey_from_data(const char* type, OSSL_PARAM_BLD* bld, int selection) {
  const ParamPtr params(OSSL_PARAM_BLD_to_param(bld));
  if (!params) return internal(openssl_error());
  const PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1) return internal(openssl_error());
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_fromdata(ctx.get(), &raw, selection, params.get()) != 1) {
    return key_error(std::string("JWK is not a valid ") + type + " key: " + openssl_error());
  }
  return PkeyPtr(raw);
}

Result<PkeyPtr> okp_from_jwk(const boost::json::object& jwk, bool& has_private) {
  auto crv = optional_string(jwk, "crv");
  if (!crv) return std::move(crv).error();
  if (*crv != std::optional<std::string_view>("Ed25519")) return key_error("OKP JWK is not Ed25519");
  auto x = required_bytes(jwk, "x", kEd25519KeyBytes);
  if (!x) return std::move(x).error();
  auto d = optional_bytes(jwk, "d");
  if (!d) return std::move(d).error();
  if (!d->has_value()) {
    PkeyPtr pkey(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, as_bytes(*x), x->size()));
    if (!pkey) return key_error("Ed25519 public key refused: " + openssl_error());
    has_private = false;
    return pkey;
  }
  if ((*d)->size() != kEd25519KeyBytes) return key_error("JWK member \"d\" has the wrong length");
  PkeyPtr pkey(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, as_bytes(**d), (*d)->size()));
  OPENSSL_cleanse((*d)->data(), (*d)->size());
  if (!pkey) return key_error("Ed25519 private key refused: " + openssl_error());
  // The public key is derived from d; an "x" that disagrees means a corrupt or forged JWK.
  std::array<unsigned char, kEd25519KeyBytes> derived{};
  std::size_t len = derived.size();
  if (EVP_PKEY_get_raw_public_key(pkey.get(), derived.data(), &len) != 1 || as_chars(derived.data(), len) != *x) {
    ERR_clear_error();
    return key_error("Ed25519 JWK: \"x\" does not match \"d\"");
  }
  has_private = true;
  return pkey;
}

Result<PkeyPtr> ec_from_jwk(const boost::json::object& jwk, bool& has_private) {
  auto crv = optional_string(jwk, "crv");
  if (!crv) return std::move(crv).error();
  if (*crv != std::optional<std::string_view>("P-256")) return key_error("EC JWK is not P-256");
  auto x = required_bytes(jwk, "x", kP256Bytes);
  if (!x) return std::move(x).error();
  auto y = required_bytes(jwk, "y", kP256Bytes);
  if (!y) return std::move(y).error();
  auto d = optional_bytes(jwk, "d");
  if (!d) return std::move(d).error();
  has_private = d->has_value();
  if (has_private && (*d)->size() != kP256Bytes) return key_error("JWK member \"d\" has the wrong length");

  std::string point;  // SEC 1 uncompressed point: 0x04 || x || y
  point.reserve(1 + 2 * kP256Bytes);
  point.push_back('\x04');
  point += *x;
  point += *y;
  const ParamBldPtr bld(OSSL_PARAM_BLD_new());
  SecureBnPtr priv;
  if (!bld || OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) != 1) {
    return internal(openssl_error());
  }
  if (has_private) {
    priv.reset(BN_secure_new());
    if (!priv || BN_bin2bn(as_bytes(**d), static_cast<int>((*d)->size()), priv.get()) == nullptr ||
        OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, priv.get()) != 1) {
      return internal(openssl_error());
    }
    OPENSSL_cleanse((*d)->data(), (*d)->size());
  }
  auto pkey = pkey_from_data("EC", bld.get(), has_private ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY);
  if (!pkey) return pkey;
  if (auto c = check_consistent(pkey->get(), has_private); !c) return std::move(c).error();
  return pkey;
}

Result<PkeyPtr> rsa_from_jwk(const boost::json::object& jwk, bool& has_private) {
  if (jwk.contains("oth")) return key_error("multi-prime RSA JWKs are not supported");
  auto n = required_bytes(jwk, "n");
  if (!n) return std::move(n).error();
  auto e = required_bytes(jwk, "e");
  if (!e) return std::move(e).error();
  auto d = optional_bytes(jwk, "d");
  if (!d) return std::move(d).error();
  has_private = d->has_value();

  const ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bld) return internal(openssl_error());
  std::vector<SecureBnPtr> bns;  // must outlive OSSL_PARAM_BLD_to_param
  auto push = [&](const char* name, const std::string& bytes) {
    SecureBnPtr bn(BN_secure_new());
    if (!bn || BN_bin2bn(as_bytes(bytes), static_cast<int>(bytes.size()), bn.get()) == nullptr ||
        OSSL_PARAM_BLD_push_BN(bld.get(), name, bn.get()) != 1) {
      return false;
    }
    bns.push_back(std::move(bn));
    return true;
  };
  if (!push(OSSL_PKEY_PARAM_RSA_N, *n) || !push(OSSL_PKEY_PARAM_RSA_E, *e)) return internal(openssl_error());
  if (has_private) {
    // RFC 7518 §6.3.2: with "d", the CRT members come all together; we require them, since
    // OpenSSL signs far faster with them and a JWK that has d but not p is unusual.
    struct Member {
      const char* jwk_name;
      const char* param;
    };
    static constexpr std::array<Member, 5> kCrt{{{"p", OSSL_PKEY_PARAM_RSA_FACTOR1},
                                                 {"q", OSSL_PKEY_PARAM_RSA_FACTOR2},
                                                 {"dp", OSSL_PKEY_PARAM_RSA_EXPONENT1},
                                                 {"dq", OSSL_PKEY_PARAM_RSA_EXPONENT2},
                                                 {"qi", OSSL_PKEY_PARAM_RSA_COEFFICIENT1}}};
    if (!push(OSSL_PKEY_PARAM_RSA_D, **d)) return internal(openssl_error());
    OPENSSL_cleanse((*d)->data(), (*d)->size());
    for (const auto& m : kCrt) {
      auto v = required_bytes(jwk, m.jwk_name);
      if (!v) return std::move(v).error();
      const bool pushed = push(m.param, *v);
      OPENSSL_cleanse(v->data(), v->size());
      if (!pushed) return internal(openssl_error());
    }
  }
  auto pkey = pkey_from_data("RSA", bld.get(), has_private ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY);
  if (!pkey) return pkey;
  if (auto c = check_consistent(pkey->get(), has_private); !c) return std::move(c).error();
  return pkey;
}

Alg alg_for_kty(std::string_view kty) {
  if (kty == "OKP") return Alg::EdDSA;
  if (kty == "EC") return Alg::ES256;
  if (kty == "RSA") return Alg::RS256;
  return Alg::HS256;  // "oct"; other values are refused before this is asked
}

}  // namespace

Result<std::shared_ptr<const SigningKey>> SigningKey::from_jwk(const boost::json::object& jwk, std::string kid,
                                                               std::optional<Alg> alg) {
  auto kty = optional_string(jwk, "kty");
  if (!kty) return std::move(kty).error();
  if (!kty->has_value()) return key_error("JWK lacks \"kty\"");
  const std::string_view t = **kty;
  if (t != "OKP" && t != "EC" && t != "RSA" && t != "oct") {
    return key_error("unsupported JWK kty: " + std::string(t.substr(0, 16)));
  }

  auto jwk_alg = optional_string(jwk, "alg");
  if (!jwk_alg) return std::move(jwk_alg).error();
  if (jwk_alg->has_value()) {
    auto parsed = parse_alg(**jwk_alg);
    if (!parsed) return key_error("unsupported JWK alg");
    if (alg && *alg != *parsed) return key_error("JWK alg disagrees with the one expected");
    alg = *parsed;
  }
  // Each kty has exactly one algorithm here, so a JWK without "alg" is still unambiguous.
  const Alg for_kty = alg_for_kty(t);
  if (alg && *alg != for_kty) return key_error("JWK kty does not suit its alg");
  alg = for_kty;

  auto jwk_kid = optional_string(jwk, "kid");
  if (!jwk_kid) return std::move(jwk_kid).error();
  if (jwk_kid->has_value()) {
    if (!kid.empty() && kid != **jwk_kid) return key_error("JWK kid disagrees with the one expected");
    kid = std::string(**jwk_kid);
  }

  auto use = optional_string(jwk, "use");
  if (!use) return std::move(use).error();
  if (use->has_value() && **use != "sig") return key_error("JWK is not for signatures (use)");

  bool has_private = false;
  Result<PkeyPtr> pkey = PkeyPtr{};
  switch (*alg) {
    case Alg::EdDSA: pkey = okp_from_jwk(jwk, has_private); break;
    case Alg::ES256: pkey = ec_from_jwk(jwk, has_private); break;
    case Alg::RS256: pkey = rsa_from_jwk(jwk, has_private); break;
    case Alg::HS256: {
      auto k = required_bytes(jwk, "k");
      if (!k) return std::move(k).error();
      auto key = from_secret(std::move(kid), *k);
      OPENSSL_cleanse(k->data(), k->size());
      return key;
    }
  }
  if (!pkey) return std::move(pkey).error();
  return build(std::move(kid), *alg, pkey->release(), {}, has_private);
}

}  // namespace tessera::crypto
