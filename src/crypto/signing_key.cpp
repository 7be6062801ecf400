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
#include "crypto/openssl_support.hpp"

namespace tessera::crypto {

void EvpPkeyFree::operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); }
void EvpMacCtxFree::operator()(EVP_MAC_CTX* p) const noexcept { EVP_MAC_CTX_free(p); }

namespace {

// The OpenSSL wrappers and error helpers are shared with signing_key_jwk.cpp (crypto/openssl_support.hpp).
using namespace detail;

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
    case Alg::HS256: return key_error("HS256 keys are secrets, not key pairs");
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
    case Alg::HS256: jwk["kty"] = "oct"; return jwk;
  }
  return internal("unknown algorithm");
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

SigningKey::SigningKey(Token, std::string kid, Alg alg, EVP_PKEY* pkey, std::string secret, bool has_private)
    : kid_(std::move(kid)), alg_(alg), has_private_(has_private), pkey_(pkey), secret_(std::move(secret)) {}

SigningKey::~SigningKey() { OPENSSL_cleanse(secret_.data(), secret_.size()); }

Result<std::shared_ptr<const SigningKey>> SigningKey::build(std::string kid, Alg alg, EVP_PKEY* pkey_in,
                                                            std::string secret, bool has_private) {
  PkeyPtr pkey(pkey_in);
  if (kid.empty()) return key_error("a signing key needs a non-empty kid");
  if (alg == Alg::HS256) {
    if (secret.size() < kMinHmacSecretBytes) return key_error("HS256 secret shorter than 32 bytes");
  } else if (auto checked = check_key_type(pkey.get(), alg); !checked) {
    return std::move(checked).error();
  }
  auto members = public_members(pkey.get(), alg);
  if (!members) return std::move(members).error();

  auto key = std::make_shared<SigningKey>(Token{}, std::move(kid), alg, pkey.release(), std::move(secret), has_private);
  if (alg == Alg::HS256) {
    key->hmac_.reset(EVP_MAC_CTX_new(hmac_mac()));
    std::array<OSSL_PARAM, 2> params{
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>("SHA256"), 0),
        OSSL_PARAM_construct_end()};
    if (!key->hmac_ ||
        EVP_MAC_init(key->hmac_.get(), as_bytes(key->secret_), key->secret_.size(), params.data()) != 1) {
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
    case Alg::RS256: pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(kMinRsaBits)); break;
    case Alg::HS256: return key_error("HS256 keys are made from a secret (from_secret), not generated");
  }
  if (pkey == nullptr) return internal("key generation failed: " + openssl_error());
  return build(std::move(kid), alg, pkey, {}, true);
}

Result<std::shared_ptr<const SigningKey>> SigningKey::from_secret(std::string kid, std::string_view secret) {
  return build(std::move(kid), Alg::HS256, nullptr, std::string(secret), true);
}

Result<std::shared_ptr<const SigningKey>> SigningKey::from_private_pem(Alg alg, std::string kid, std::string_view pem) {
  if (alg == Alg::HS256) return key_error("HS256 keys are secrets, not PEM");
  const BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return internal(openssl_error());
  EVP_PKEY* pkey = PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr);
  if (pkey == nullptr) return key_error("not a PEM private key: " + openssl_error());
  return build(std::move(kid), alg, pkey, {}, true);
}

std::string SigningKey::private_pem() const {
  if (!has_private_ || !pkey_) return {};
  const BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PKCS8PrivateKey(bio.get(), pkey_.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
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
    case Alg::HS256: return false;  // handled above
  }

  const MdCtxPtr ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;  // owned by ctx
  const EVP_MD* md = alg_ == Alg::EdDSA ? nullptr : sha256_md();
  bool good = ctx && EVP_DigestVerifyInit(ctx.get(), &pctx, md, nullptr, pkey_.get()) == 1;
  if (good && alg_ == Alg::RS256) good = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) == 1;
  good = good && EVP_DigestVerify(ctx.get(), sig, sig_len, as_bytes(signing_input), signing_input.size()) == 1;
  if (!good) ERR_clear_error();
  return good;
}

}  // namespace tessera::crypto
