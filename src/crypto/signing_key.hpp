#pragma once
// One JWS signing key: its kid, the one algorithm it is used with, and the OpenSSL key. The key
// fixes the algorithm (DESIGN rule 6): a token's `alg` header is only ever compared against
// alg(), never used to choose how to verify.
//
// Immutable once built and shared as std::shared_ptr<const SigningKey>; sign() and verify() may
// be called from many threads at once (OpenSSL 3 allows concurrent use of an EVP_PKEY that is
// not modified, and each call uses its own EVP_MD_CTX / EVP_MAC_CTX).
#include <openssl/types.h>

#include <boost/json/object.hpp>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace tessera::crypto {

// The JWS algorithms Tessera signs and verifies with (RFC 7518 §3.1, RFC 8037 §3.1).
enum class Alg {
  EdDSA,  // Ed25519 (RFC 8037); the default for new keys: small, fast, deterministic
  ES256,  // ECDSA on P-256 with SHA-256; signatures are raw r||s, 64 bytes
  RS256,  // RSASSA-PKCS1-v1_5 with SHA-256, modulus of at least 2048 bits
  HS256,  // HMAC-SHA-256 with a shared secret of at least 32 bytes; never published in JWKS
};

// The JOSE name of `alg`, e.g. "EdDSA".
std::string_view to_string(Alg alg);

// The Alg named exactly (case-sensitive) `name`; anything else is errc::invalid_request.
Result<Alg> parse_alg(std::string_view name);

// Deleters for the OpenSSL objects a SigningKey owns (defined where OpenSSL's headers are).
struct EvpPkeyFree {
  void operator()(EVP_PKEY* p) const noexcept;
};
struct EvpMacCtxFree {
  void operator()(EVP_MAC_CTX* p) const noexcept;
};

class SigningKey {
 public:
  // The smallest HS256 secret accepted: RFC 7518 §3.2 requires a key as long as the hash.
  static constexpr std::size_t kMinHmacSecretBytes = 32;
  // The smallest RSA modulus accepted, in bits (RFC 7518 §3.3).
  static constexpr int kMinRsaBits = 2048;

  // A fresh private key for `alg` (Ed25519, P-256 or RSA 2048); HS256 secrets come from
  // from_secret() instead. Fails only when OpenSSL cannot generate (errc::internal_error).
  static Result<std::shared_ptr<const SigningKey>> generate(Alg alg, std::string kid);

  // An HS256 key over `secret` (raw bytes, at least kMinHmacSecretBytes).
  static Result<std::shared_ptr<const SigningKey>> from_secret(std::string kid, std::string_view secret);

  // A private key from PEM (PKCS#8 or a traditional format), as stored in the database; the
  // key type must match `alg` (Ed25519 / P-256 / RSA >= 2048 bits).
  static Result<std::shared_ptr<const SigningKey>> from_private_pem(Alg alg, std::string kid, std::string_view pem);

  // A key from a JWK (RFC 7517), public or private: "OKP"/Ed25519, "EC"/P-256, "RSA", "oct".
  // `kid` and `alg` are used when the JWK lacks them; when both are given they must agree.
  // Test-facing: tests, the jose interop check and the fuzzer build keys this way; the server
  // never imports a JWK (signing_key_jwk.cpp).
  static Result<std::shared_ptr<const SigningKey>> from_jwk(const boost::json::object& jwk, std::string kid = {},
                                                            std::optional<Alg> alg = {});

  SigningKey(const SigningKey&) = delete;
  SigningKey& operator=(const SigningKey&) = delete;
  ~SigningKey();

  // The key id published in the JWKS and put in every token's `kid` header.
  const std::string& kid() const noexcept { return kid_; }
  // The one algorithm this key signs and verifies with.
  Alg alg() const noexcept { return alg_; }
  // True when sign() can be used (a private key or an HS256 secret).
  bool has_private() const noexcept { return has_private_; }

  // The private key as PKCS#8 PEM, for storage; empty for HS256 and public-only keys.
  std::string private_pem() const;
  // The public key as SubjectPublicKeyInfo PEM; empty for HS256.
  std::string public_pem() const;

  // The public JWK: kty, crv/x/y or n/e, kid, alg, use "sig"; never a private member. For
  // HS256 only kty "oct", kid, alg and use (the secret is never exposed).
  const boost::json::object& public_jwk() const noexcept { return public_jwk_; }

  // The JWS signature over `signing_input` (raw bytes; ES256 as r||s). Fails with
  // errc::internal_error when the key has no private part or OpenSSL fails.
  Result<std::string> sign(std::string_view signing_input) const;

  // True when `signature` (raw bytes) is this key's valid signature over `signing_input`.
  bool verify(std::string_view signing_input, std::string_view signature) const;

 private:
  // Keeps the public constructor to the factories (make_shared needs it public); explicit,
  // so that `{}` from outside cannot make one.
  struct Token {
    explicit Token() = default;
  };

 public:
  SigningKey(Token, std::string kid, Alg alg, EVP_PKEY* pkey, std::string secret, bool has_private);

 private:
  std::string kid_;
  Alg alg_;
  bool has_private_;
  std::unique_ptr<EVP_PKEY, EvpPkeyFree> pkey_;  // null for HS256
  std::string secret_;                           // HS256 only
  // HS256: an HMAC context already keyed with secret_, duplicated per call so the inner and
  // outer pads are computed once per key rather than once per token.
  std::unique_ptr<EVP_MAC_CTX, EvpMacCtxFree> hmac_;
  boost::json::object public_jwk_;

  // Takes ownership of `pkey` (null for HS256), checks it suits `alg`, and builds the key.
  static Result<std::shared_ptr<const SigningKey>> build(std::string kid, Alg alg, EVP_PKEY* pkey, std::string secret,
                                                         bool has_private);
};

}  // namespace tessera::crypto
