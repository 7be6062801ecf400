#pragma once
// Compact JWS (RFC 7515 §7.1) and access-token verification (SPEC §3 "Tokens").
//
// verify_jwt() is a fixed sequence of small checks (DESIGN rule 6). Each failure is the same
// public Error{errc::invalid_token, "The access token is not valid."} (DESIGN rule 4) with one
// of these stable reasons, which logs and metrics count by; checked in this order:
//
//   too_large         the token is longer than JwtRules::max_token_bytes (before any decoding)
//   malformed         not exactly three '.'-separated segments, or an empty header or
//                     signature segment
//   bad_base64        the header segment is not strict base64url
//   bad_header        the header is not a JSON object (duplicate members refused), or its
//                     `alg` is absent or not a string
//   alg_none          `alg` is "none" in any casing
//   forbidden_header  the header has jku, jwk, x5u, x5c or crit: keys come only from our key
//                     set, and no extension is understood
//   missing_kid       `kid` is absent, not a string, or empty
//   unknown_kid       no key in the set has that kid (no other key is tried, none is default)
//   alg_mismatch      `alg` is not exactly the algorithm of the key the kid names
//   bad_signature     the signature segment is not base64url, or the signature is wrong
//   bad_claims        the payload is not base64url, or not a strict JSON object
//   missing_claim     a claim in JwtRules::required_claims is absent
//   bad_claims        a claim present has the wrong type: exp/iat/nbf integers; sub/sid/iss/jti
//                     non-empty strings; aud a string or a non-empty array of strings
//   expired           now - leeway > exp
//   not_yet_valid     now + leeway < nbf
//   issued_in_future  iat > now + leeway
//   bad_issuer        iss is absent or differs from JwtRules::issuer
//   bad_audience      aud is absent, or neither equals nor contains JwtRules::audience
//   bad_type          the header `typ` is absent, not a string, or none of accepted_typ
//                     (compared ignoring ASCII case)
#include <boost/json/object.hpp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "crypto/key_set.hpp"
#include "crypto/signing_key.hpp"

namespace tessera::crypto {

// The reasons above, for code and tests that compare against them.
namespace jwt_reason {
inline constexpr std::string_view kTooLarge = "too_large";
inline constexpr std::string_view kMalformed = "malformed";
inline constexpr std::string_view kBadBase64 = "bad_base64";
inline constexpr std::string_view kBadHeader = "bad_header";
inline constexpr std::string_view kAlgNone = "alg_none";
inline constexpr std::string_view kForbiddenHeader = "forbidden_header";
inline constexpr std::string_view kMissingKid = "missing_kid";
inline constexpr std::string_view kUnknownKid = "unknown_kid";
inline constexpr std::string_view kAlgMismatch = "alg_mismatch";
inline constexpr std::string_view kBadSignature = "bad_signature";
inline constexpr std::string_view kBadClaims = "bad_claims";
inline constexpr std::string_view kMissingClaim = "missing_claim";
inline constexpr std::string_view kExpired = "expired";
inline constexpr std::string_view kNotYetValid = "not_yet_valid";
inline constexpr std::string_view kIssuedInFuture = "issued_in_future";
inline constexpr std::string_view kBadIssuer = "bad_issuer";
inline constexpr std::string_view kBadAudience = "bad_audience";
inline constexpr std::string_view kBadType = "bad_type";
}  // namespace jwt_reason

// The client-facing detail of every token failure.
inline constexpr std::string_view kInvalidTokenDetail = "The access token is not valid.";

// The access-token size limit (SPEC §3): far above a real token (~400 bytes with a few
// roles), low enough that a hostile header cannot make us decode and parse much.
inline constexpr std::size_t kMaxTokenBytes = 8192;

// A compact JWS split and decoded, not yet verified.
struct DecodedJws {
  boost::json::object header;  // the protected header
  std::string payload;         // the decoded payload bytes (JSON or not)
  std::string signature;       // the decoded signature bytes
  std::string signing_input;   // the header and payload segments as received, joined by '.'
};

// What verify_jwt() vouches for.
struct VerifiedJwt {
  boost::json::object header;
  boost::json::object claims;
  std::string kid;  // the key that verified the signature
};

// How verify_jwt() judges a token; time comes from the caller (DESIGN rule 5).
struct JwtRules {
  std::int64_t now = 0;        // Unix seconds
  std::int64_t leeway_s = 30;  // clock skew tolerated on exp, nbf and iat (SPEC: at most 30 s)
  std::string issuer;
  std::string audience;
  std::vector<std::string> accepted_typ{"at+jwt", "application/at+jwt"};
  std::vector<std::string> required_claims{"sub", "sid", "exp", "iat", "iss", "aud"};
  std::size_t max_token_bytes = kMaxTokenBytes;
};

// Signs `claims` as a compact JWS with header exactly {"alg","kid","typ"} from `key`.
// Fails (errc::internal_error) only when the key cannot sign.
Result<std::string> sign_jwt(const boost::json::object& claims, const SigningKey& key, std::string_view typ);

// Splits and decodes a compact JWS without verifying it (for RFC test vectors and tools):
// too_large, malformed, bad_base64 (any segment) or bad_header, as errc::invalid_token.
Result<DecodedJws> decode_compact(std::string_view token, std::size_t max_bytes);

// True when the header's `alg` is exactly key.alg() and the signature verifies under `key`.
bool verify_signature(const DecodedJws& jws, const SigningKey& key);

// Verifies an access token against `keys` and `rules`: every check listed at the top of this
// file, in that order; the first that fails is the reason.
Result<VerifiedJwt> verify_jwt(std::string_view token, const KeySet& keys, const JwtRules& rules);

}  // namespace tessera::crypto
