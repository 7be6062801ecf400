#include "crypto/signing_key.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <array>
#include <cstring>
#include <stdexcept>
#include <utility>
#include <vector>

#include "crypto/base64url.hpp"

namespace tessera::crypto {

void EvpPkeyFree::operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); }
void EvpMacCtxFree::operator()(EVP_MAC_CTX* p) const noexcept { EVP_MAC_CTX_free(p); }

namespace {

// Owning wrappers for the OpenSSL objects used only inside this file.
template <auto Free>
struct Deleter {
  template <class T>
  void operator()(T* p) const noexcept {
    Free(p);
  }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, EvpPkeyFree>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX_free>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX_free>>;
using MacCtxPtr = std::unique_ptr<EVP_MAC_CTX, EvpMacCtxFree>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO_free_all>>;
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BN_free>>;
using SecureBnPtr = std::unique_ptr<BIGNUM, Deleter<BN_clear_free>>;
using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, Deleter<ECDSA_SIG_free>>;
using ParamBldPtr = std::unique_ptr<OSSL_PARAM_BLD, Deleter<OSSL_PARAM_BLD_free>>;
using ParamPtr = std::unique_ptr<OSSL_PARAM, Deleter<OSSL_PARAM_free>>;

// P-256 coordinates, scalars and each half of an ES256 signature are 32 bytes.
constexpr std::size_t kP256Bytes = 32;
constexpr std::size_t kEd25519KeyBytes = 32;
constexpr std::size_t kEd25519SigBytes = 64;
constexpr std::size_t kHs256Bytes = 32;

// The last OpenSSL error, for the log, and an empty queue afterwards: the queue is per thread
// and a stale entry would be blamed on the next unrelated failure.
std::string openssl_error() {
  const unsigned long e = ERR_peek_last_error();
  std::string text = "openssl";
  if (e != 0) {
    std::array<char, 256> buf{};
    ERR_error_string_n(e, buf.data(), buf.size());
    text = buf.data();
  }
  ERR_clear_error();
  return text;
}

Error key_error(std::string reason) {
  return make_error(errc::invalid_request, "The signing key is not valid.", std::move(reason));
}

Error internal(std::string reason) {
  return make_error(errc::internal_error, {}, std::move(reason));
}

// SHA-256 and HMAC, fetched from the default provider once per process rather than on every
// signature (an implicit fetch takes a lock). Kept for the life of the process.
const EVP_MD* sha256_md() {
  static EVP_MD* md = [] {
    EVP_MD* m = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    if (m == nullptr) throw std::runtime_error("OpenSSL has no SHA256");
    return m;
  }();
  return md;
}

EVP_MAC* hmac_mac() {
  static EVP_MAC* mac = [] {
    EVP_MAC* m = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    if (m == nullptr) throw std::runtime_error("OpenSSL has no HMAC");
    return m;
  }();
  return mac;
}

std::string_view as_chars(const unsigned char* p, std::size_t n) {
  return {reinterpret_cast<const char*>(p), n};
}
const unsigned char* as_bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

std::string bn_to_bytes(const BIGNUM* bn, int pad_to = 0) {
  const int n = pad_to > 0 ? pad_to : BN_num_bytes(bn);
  std::string out(static_cast<std::size_t>(n), '\0');
  auto* dst = reinterpret_cast<unsigned char*>(out.data());
  const int written = pad_to > 0 ? BN_bn2binpad(bn, dst, n) : BN_bn2bin(bn, dst);
  if (written != n) return {};
  return out;
}

Result<std::string> get_bn_param(const EVP_PKEY* pkey, const char* name, int pad_to = 0) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(pkey, name, &raw) != 1) return internal(openssl_error());
  const BnPtr bn(raw);
  std::string out = bn_to_bytes(bn.get(), pad_to);
  if (out.empty()) return internal("key parameter does not fit");
  return out;
}

// Checks that `pkey` is the kind of key `alg` is used with.
Result<void> check_key_type(const EVP_PKEY* pkey, Alg alg) {
  switch (alg) {
    case Alg::EdDSA:
      if (EVP_PKEY_is_a(pkey, "ED25519") != 1) return key_error("EdDSA needs an Ed25519 key");
      return ok();
    case Alg::ES256: {
      if (EVP_PKEY_is_a(pkey, "EC") != 1) return key_error("ES256 needs an EC key");
      std::array<char, 64> group{};
      std::size_t len = 0;
      if (EVP_PKEY_get_group_name(pkey, group.data(), group.size(), &len) != 1) {
        return key_error("ES256 key without a named curve: " + openssl_error());
      }
      const std::string_view name(group.data(), len);
      if (name != "prime256v1" && name != "P-256" && name != "secp256r1") {
        return key_error("ES256 needs a P-256 key, not " + std::string(name));
      }
      return ok();
    }
    case Alg::RS256:
      if (EVP_PKEY_is_a(pkey, "RSA") != 1) return key_error("RS256 needs an RSA key");
      if (EVP_PKEY_get_bits(pkey) < SigningKey::kMinRsaBits) {
        return key_error("RS256 needs a modulus of at least 2048 bits");
      }
      return ok();
    case Alg::HS256:
      return key_error("HS256 keys are secrets, not key pairs");
  }
  return key_error("unknown algorithm");
}

// The key-pair-specific members of the public JWK.
Result<boost::json::object> public_members(const EVP_PKEY* pkey, Alg alg) {
  boost::json::object jwk;
  switch (alg) {
    case Alg::EdDSA: {
      std::array<unsigned char, kEd25519KeyBytes> x{};
      std::size_t len = x.size();
      if (EVP_PKEY_get_raw_public_key(pkey, x.data(), &len) != 1 || len != x.size()) {
        return internal(openssl_error());
      }
      jwk["kty"] = "OKP";
      jwk["crv"] = "Ed25519";
      jwk["x"] = base64url::encode(as_chars(x.data(), len));
      return jwk;
    }
    case Alg::ES256: {
      auto x = get_bn_param(pkey, OSSL_PKEY_PARAM_EC_PUB_X, kP256Bytes);
      if (!x) return std::move(x).error();
      auto y = get_bn_param(pkey, OSSL_PKEY_PARAM_EC_PUB_Y, kP256Bytes);
      if (!y) return std::move(y).error();
      jwk["kty"] = "EC";
      jwk["crv"] = "P-256";
      jwk["x"] = base64url::encode(*x);
      jwk["y"] = base64url::encode(*y);
      return jwk;
    }
    case Alg::RS256: {
      auto n = get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_N);
      if (!n) return std::move(n).error();
      auto e = get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_E);
      if (!e) return std::move(e).error();
      jwk["kty"] = "RSA";
      jwk["n"] = base64url::encode(*n);
      jwk["e"] = base64url::encode(*e);
      return jwk;
    }
    case Alg::HS256:
      jwk["kty"] = "oct";
      return jwk;
  }
  return internal("unknown algorithm");
}

// --- JWK members -------------------------------------------------------------------------

// A member that must be a string, or absent (nullopt).
Result<std::optional<std::string_view>> optional_string(const boost::json::object& jwk,
                                                        std::string_view name) {
  const auto* v = jwk.if_contains(name);
  if (v == nullptr) return std::optional<std::string_view>{};
  if (!v->is_string()) return key_error("JWK member \"" + std::string(name) + "\" is not a string");
  const auto& s = v->get_string();
  return std::optional<std::string_view>(std::string_view(s.data(), s.size()));
}

// The base64url-decoded bytes of a member; absent gives nullopt, bad encoding an error.
Result<std::optional<std::string>> optional_bytes(const boost::json::object& jwk,
                                                  std::string_view name) {
  auto s = optional_string(jwk, name);
  if (!s) return std::move(s).error();
  if (!s->has_value()) return std::optional<std::string>{};
  auto bytes = base64url::decode(**s);
  if (!bytes) return key_error("JWK member \"" + std::string(name) + "\" is not base64url");
  return std::optional<std::string>(std::move(*bytes));
}

Result<std::string> required_bytes(const boost::json::object& jwk, std::string_view name,
                                   std::size_t exact_size = 0) {
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
  if (EVP_PKEY_get_raw_public_key(pkey.get(), derived.data(), &len) != 1 ||
      as_chars(derived.data(), len) != *x) {
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
  if (!bld ||
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) != 1 ||
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

// ES256 signatures travel as r||s (RFC 7518 §3.4); OpenSSL speaks DER.
Result<std::string> der_to_raw(const unsigned char* der, std::size_t len) {
  const unsigned char* p = der;
  const EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(len)));
  if (!sig) return internal(openssl_error());
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  std::string out(2 * kP256Bytes, '\0');
  auto* dst = reinterpret_cast<unsigned char*>(out.data());
  if (BN_bn2binpad(r, dst, kP256Bytes) != static_cast<int>(kP256Bytes) ||
      BN_bn2binpad(s, dst + kP256Bytes, kP256Bytes) != static_cast<int>(kP256Bytes)) {
    return internal("ECDSA signature component too large");
  }
  return out;
}

// The DER form of an r||s signature; empty when it cannot be one.
std::vector<unsigned char> raw_to_der(std::string_view raw) {
  EcdsaSigPtr sig(ECDSA_SIG_new());
  if (!sig) return {};
  BIGNUM* r = BN_bin2bn(as_bytes(raw), kP256Bytes, nullptr);
  BIGNUM* s = BN_bin2bn(as_bytes(raw) + kP256Bytes, kP256Bytes, nullptr);
  if (r == nullptr || s == nullptr || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return {};
  }
  const int len = i2d_ECDSA_SIG(sig.get(), nullptr);
  if (len <= 0) return {};
  std::vector<unsigned char> der(static_cast<std::size_t>(len));
  unsigned char* p = der.data();
  if (i2d_ECDSA_SIG(sig.get(), &p) != len) return {};
  return der;
}

// A passphrase callback that refuses: keys in the database are not encrypted, and OpenSSL's
// default would prompt on the terminal.
int no_passphrase(char*, int, int, void*) { return 0; }

}  // namespace

std::string_view to_string(Alg alg) {
  switch (alg) {
    case Alg::EdDSA: return "EdDSA";
    case Alg::ES256: return "ES256";
    case Alg::RS256: return "RS256";
    case Alg::HS256: return "HS256";
  }
  return "unknown";
}

Result<Alg> parse_alg(std::string_view name) {
  for (Alg a : {Alg::EdDSA, Alg::ES256, Alg::RS256, Alg::HS256}) {
    if (name == to_string(a)) return a;
  }
  return make_error(errc::invalid_request, "The algorithm is not supported.",
                    "unsupported alg: " + std::string(name.substr(0, 32)));
}

SigningKey::SigningKey(Token, std::string kid, Alg alg, EVP_PKEY* pkey, std::string secret,
                       bool has_private)
    : kid_(std::move(kid)),
      alg_(alg),
      has_private_(has_private),
      pkey_(pkey),
      secret_(std::move(secret)) {}

SigningKey::~SigningKey() { OPENSSL_cleanse(secret_.data(), secret_.size()); }

Result<std::shared_ptr<const SigningKey>> SigningKey::build(std::string kid, Alg alg,
                                                           EVP_PKEY* pkey_in, std::string secret,
                                                           bool has_private) {
  PkeyPtr pkey(pkey_in);
  if (kid.empty()) return key_error("a signing key needs a non-empty kid");
  if (alg == Alg::HS256) {
    if (secret.size() < kMinHmacSecretBytes) return key_error("HS256 secret shorter than 32 bytes");
  } else if (auto checked = check_key_type(pkey.get(), alg); !checked) {
    return std::move(checked).error();
  }
  auto members = public_members(pkey.get(), alg);
  if (!members) return std::move(members).error();

  auto key = std::make_shared<SigningKey>(Token{}, std::move(kid), alg, pkey.release(),
                                          std::move(secret), has_private);
  if (alg == Alg::HS256) {
    key->hmac_.reset(EVP_MAC_CTX_new(hmac_mac()));
    std::array<OSSL_PARAM, 2> params{
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>("SHA256"), 0),
        OSSL_PARAM_construct_end()};
    if (!key->hmac_ || EVP_MAC_init(key->hmac_.get(), as_bytes(key->secret_), key->secret_.size(),
                                    params.data()) != 1) {
      return internal(openssl_error());
    }
  }
  key->public_jwk_ = std::move(*members);
  key->public_jwk_["kid"] = key->kid_;
  key->public_jwk_["alg"] = to_string(alg);
  key->public_jwk_["use"] = "sig";
  return std::shared_ptr<const SigningKey>(std::move(key));
}

Result<std::shared_ptr<const SigningKey>> SigningKey::generate(Alg alg, std::string kid) {
  EVP_PKEY* pkey = nullptr;
  switch (alg) {
    case Alg::EdDSA: pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"); break;
    case Alg::ES256: pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"); break;
    case Alg::RS256:
      pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(kMinRsaBits));
      break;
    case Alg::HS256:
      return key_error("HS256 keys are made from a secret (from_secret), not generated");
  }
  if (pkey == nullptr) return internal("key generation failed: " + openssl_error());
  return build(std::move(kid), alg, pkey, {}, true);
}

Result<std::shared_ptr<const SigningKey>> SigningKey::from_secret(std::string kid,
                                                                  std::string_view secret) {
  return build(std::move(kid), Alg::HS256, nullptr, std::string(secret), true);
}

Result<std::shared_ptr<const SigningKey>> SigningKey::from_private_pem(Alg alg, std::string kid,
                                                                       std::string_view pem) {
  if (alg == Alg::HS256) return key_error("HS256 keys are secrets, not PEM");
  const BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return internal(openssl_error());
  EVP_PKEY* pkey = PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr);
  if (pkey == nullptr) return key_error("not a PEM private key: " + openssl_error());
  return build(std::move(kid), alg, pkey, {}, true);
}

Result<std::shared_ptr<const SigningKey>> SigningKey::from_jwk(const boost::json::object& jwk,
                                                               std::string kid,
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

std::string SigningKey::private_pem() const {
  if (!has_private_ || !pkey_) return {};
  const BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PKCS8PrivateKey(bio.get(), pkey_.get(), nullptr, nullptr, 0, nullptr,
                                            nullptr) != 1) {
    ERR_clear_error();
    return {};
  }
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(len));
}

std::string SigningKey::public_pem() const {
  if (!pkey_) return {};
  const BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), pkey_.get()) != 1) {
    ERR_clear_error();
    return {};
  }
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(len));
}

Result<std::string> SigningKey::sign(std::string_view signing_input) const {
  if (!has_private_) return internal("sign() called on a public key (kid " + kid_ + ")");
  if (alg_ == Alg::HS256) {
    const MacCtxPtr ctx(EVP_MAC_CTX_dup(hmac_.get()));
    std::string out(kHs256Bytes, '\0');
    std::size_t len = 0;
    if (!ctx || EVP_MAC_update(ctx.get(), as_bytes(signing_input), signing_input.size()) != 1 ||
        EVP_MAC_final(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &len, out.size()) != 1 ||
        len != kHs256Bytes) {
      return internal("HMAC failed: " + openssl_error());
    }
    return out;
  }
  const MdCtxPtr ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;  // owned by ctx
  // Ed25519 hashes internally (PureEdDSA), so it takes no digest.
  const EVP_MD* md = alg_ == Alg::EdDSA ? nullptr : sha256_md();
  if (!ctx || EVP_DigestSignInit(ctx.get(), &pctx, md, nullptr, pkey_.get()) != 1) {
    return internal("sign init failed: " + openssl_error());
  }
  if (alg_ == Alg::RS256 && EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1) {
    return internal(openssl_error());
  }
  std::size_t len = 0;
  if (EVP_DigestSign(ctx.get(), nullptr, &len, as_bytes(signing_input), signing_input.size()) != 1) {
    return internal("sign failed: " + openssl_error());
  }
  std::string out(len, '\0');
  auto* dst = reinterpret_cast<unsigned char*>(out.data());
  if (EVP_DigestSign(ctx.get(), dst, &len, as_bytes(signing_input), signing_input.size()) != 1) {
    return internal("sign failed: " + openssl_error());
  }
  out.resize(len);
  if (alg_ == Alg::ES256) return der_to_raw(dst, len);
  return out;
}

bool SigningKey::verify(std::string_view signing_input, std::string_view signature) const {
  if (alg_ == Alg::HS256) {
    if (signature.size() != kHs256Bytes) return false;
    const MacCtxPtr ctx(EVP_MAC_CTX_dup(hmac_.get()));
    std::array<unsigned char, kHs256Bytes> mac{};
    std::size_t len = 0;
    if (!ctx || EVP_MAC_update(ctx.get(), as_bytes(signing_input), signing_input.size()) != 1 ||
        EVP_MAC_final(ctx.get(), mac.data(), &len, mac.size()) != 1 || len != kHs256Bytes) {
      ERR_clear_error();
      return false;
    }
    return CRYPTO_memcmp(mac.data(), signature.data(), kHs256Bytes) == 0;
  }

  std::vector<unsigned char> der;
  const unsigned char* sig = as_bytes(signature);
  std::size_t sig_len = signature.size();
  switch (alg_) {
    case Alg::ES256:
      // Exactly r||s: a DER signature or any other length is refused, not reinterpreted.
      if (signature.size() != 2 * kP256Bytes) return false;
      der = raw_to_der(signature);
      if (der.empty()) {
        ERR_clear_error();
        return false;
      }
      sig = der.data();
      sig_len = der.size();
      break;
    case Alg::EdDSA:
      if (signature.size() != kEd25519SigBytes) return false;
      break;
    case Alg::RS256:
      if (signature.size() != static_cast<std::size_t>(EVP_PKEY_get_size(pkey_.get()))) return false;
      break;
    case Alg::HS256:
      return false;  // handled above
  }

  const MdCtxPtr ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;  // owned by ctx
  const EVP_MD* md = alg_ == Alg::EdDSA ? nullptr : sha256_md();
  bool good = ctx && EVP_DigestVerifyInit(ctx.get(), &pctx, md, nullptr, pkey_.get()) == 1;
  if (good && alg_ == Alg::RS256) good = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) == 1;
  good = good && EVP_DigestVerify(ctx.get(), sig, sig_len, as_bytes(signing_input),
                                  signing_input.size()) == 1;
  if (!good) ERR_clear_error();
  return good;
}

}  // namespace tessera::crypto
