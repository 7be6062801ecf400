#pragma once
// What the two halves of SigningKey share (signing_key.cpp: keys, signatures, PEM;
// signing_key_jwk.cpp: JWK import): owning wrappers for OpenSSL objects, the key sizes, and the
// error helpers. Internal to crypto/.
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "crypto/signing_key.hpp"

namespace tessera::crypto::detail {

// Owning wrappers for the OpenSSL objects SigningKey uses.
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
inline constexpr std::size_t kP256Bytes = 32;
inline constexpr std::size_t kEd25519KeyBytes = 32;
inline constexpr std::size_t kEd25519SigBytes = 64;
inline constexpr std::size_t kHs256Bytes = 32;

// The last OpenSSL error, for the log, and an empty queue afterwards: the queue is per thread
// and a stale entry would be blamed on the next unrelated failure.
std::string openssl_error();
// A key that is not valid (invalid_request), with the reason for the log.
Error key_error(std::string reason);
// A failure of OpenSSL itself (internal_error).
Error internal(std::string reason);

inline std::string_view as_chars(const unsigned char* p, std::size_t n) {
  return {reinterpret_cast<const char*>(p), n};
}
inline const unsigned char* as_bytes(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

}  // namespace tessera::crypto::detail
