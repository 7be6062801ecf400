#include "crypto/jws.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <array>
#include <limits>
#include <utility>

#include "core/ascii.hpp"
#include "core/json.hpp"
#include "crypto/base64url.hpp"

namespace tessera::crypto {
namespace {

namespace bj = boost::json;

Error token_error(std::string_view reason) {
  return make_error(errc::invalid_token, std::string(kInvalidTokenDetail), std::string(reason));
}

// The three segments of a compact JWS, as views into the token.
struct Segments {
  std::string_view header;
  std::string_view payload;
  std::string_view signature;
  std::string_view signing_input;  // header '.' payload
};

// Splits at exactly two dots; an empty header or signature segment is malformed (an empty
// signature is what alg "none" tokens carry).
bool split(std::string_view token, Segments& out) {
  const std::size_t first = token.find('.');
  if (first == std::string_view::npos) return false;
  const std::size_t second = token.find('.', first + 1);
  if (second == std::string_view::npos) return false;
  if (token.find('.', second + 1) != std::string_view::npos) return false;
  out.header = token.substr(0, first);
  out.payload = token.substr(first + 1, second - first - 1);
  out.signature = token.substr(second + 1);
  out.signing_input = token.substr(0, second);
  return !out.header.empty() && !out.signature.empty();
}

bool iequals_ascii(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  }
  return true;
}

std::string_view view(const bj::string& s) { return {s.data(), s.size()}; }

// Header members that would let a token name its own key or demand extensions we do not
// implement (RFC 7515 §4.1.2-4.1.6, §4.1.11).
constexpr std::array<std::string_view, 5> kForbiddenHeaders{"jku", "jwk", "x5u", "x5c", "crit"};

// Parses a decoded segment as a JSON object, refusing duplicate member names.
bool parse_object(std::string_view text, bj::object& out) {
  auto parsed = json::parse_strict(text);
  if (!parsed || !parsed->is_object()) return false;
  out = std::move(parsed->get_object());
  return true;
}

bool is_integer(const bj::value& v) { return v.is_int64(); }  // uint64 only past INT64_MAX

bool is_non_empty_string(const bj::value& v) { return v.is_string() && !v.get_string().empty(); }

// The registered claims whose type we check whenever they are present.
constexpr std::array<std::string_view, 3> kIntegerClaims{"exp", "iat", "nbf"};
constexpr std::array<std::string_view, 4> kStringClaims{"sub", "sid", "iss", "jti"};

bool claim_types_ok(const bj::object& claims) {
  for (auto name : kIntegerClaims) {
    const auto* v = claims.if_contains(name);
    if (v != nullptr && !is_integer(*v)) return false;
  }
  for (auto name : kStringClaims) {
    const auto* v = claims.if_contains(name);
    if (v != nullptr && !is_non_empty_string(*v)) return false;
  }
  if (const auto* aud = claims.if_contains("aud"); aud != nullptr) {
    if (aud->is_array()) {
      const auto& a = aud->get_array();
      if (a.empty()) return false;
      for (const auto& e : a) {
        if (!e.is_string()) return false;
      }
    } else if (!aud->is_string()) {
      return false;
    }
  }
  return true;
}

bool audience_ok(const bj::value* aud, std::string_view audience) {
  if (aud == nullptr) return false;
  if (aud->is_string()) return view(aud->get_string()) == audience;
  const auto& a = aud->get_array();  // claim_types_ok() admitted only strings and arrays
  return std::any_of(a.begin(), a.end(), [&](const bj::value& e) { return view(e.get_string()) == audience; });
}

}  // namespace

Result<std::string> sign_jwt(const bj::object& claims, const SigningKey& key, std::string_view typ) {
  bj::object header;
  header.reserve(3);
  header.emplace("alg", to_string(key.alg()));
  header.emplace("kid", key.kid());
  header.emplace("typ", typ);
  const std::string header_json = bj::serialize(header);
  const std::string claims_json = bj::serialize(claims);

  std::string token;
  const auto encoded_size = [](std::size_t n) { return (n * 4 + 2) / 3; };
  // 256 bytes covers the largest signature here (RSA 2048); one allocation for the token.
  token.reserve(encoded_size(header_json.size()) + encoded_size(claims_json.size()) + encoded_size(256) + 2);
  token += base64url::encode(header_json);
  token.push_back('.');
  token += base64url::encode(claims_json);
  auto signature = key.sign(token);
  if (!signature) return std::move(signature).error();
  token.push_back('.');
  token += base64url::encode(*signature);
  return token;
}

Result<DecodedJws> decode_compact(std::string_view token, std::size_t max_bytes) {
  if (token.size() > max_bytes) return token_error(jwt_reason::kTooLarge);
  Segments seg;
  if (!split(token, seg)) return token_error(jwt_reason::kMalformed);
  DecodedJws out;
  std::string header_json;
  if (!base64url::decode_into(seg.header, header_json)) return token_error(jwt_reason::kBadBase64);
  if (!parse_object(header_json, out.header)) return token_error(jwt_reason::kBadHeader);
  if (!base64url::decode_into(seg.payload, out.payload) || !base64url::decode_into(seg.signature, out.signature)) {
    return token_error(jwt_reason::kBadBase64);
  }
  out.signing_input = std::string(seg.signing_input);
  return out;
}

bool verify_signature(const DecodedJws& jws, const SigningKey& key) {
  const auto* alg = jws.header.if_contains("alg");
  if (alg == nullptr || !alg->is_string() || view(alg->get_string()) != to_string(key.alg())) {
    return false;
  }
  return key.verify(jws.signing_input, jws.signature);
}

Result<VerifiedJwt> verify_jwt(std::string_view token, const KeySet& keys, const JwtRules& rules) {
  namespace r = jwt_reason;
  if (token.size() > rules.max_token_bytes) return token_error(r::kTooLarge);
  Segments seg;
  if (!split(token, seg)) return token_error(r::kMalformed);

  // One buffer, sized for the largest segment, serves the header, signature and payload.
  std::string buf;
  buf.reserve(base64url::decoded_size(std::max({seg.header.size(), seg.payload.size(), seg.signature.size()})));

  VerifiedJwt out;
  if (!base64url::decode_into(seg.header, buf)) return token_error(r::kBadBase64);
  if (!parse_object(buf, out.header)) return token_error(r::kBadHeader);
  const bj::object& header = out.header;

  const auto* alg = header.if_contains("alg");
  if (alg == nullptr || !alg->is_string()) return token_error(r::kBadHeader);
  const std::string_view alg_name = view(alg->get_string());
  if (iequals_ascii(alg_name, "none")) return token_error(r::kAlgNone);

  for (auto name : kForbiddenHeaders) {
    if (header.contains(name)) return token_error(r::kForbiddenHeader);
  }

  const auto* kid = header.if_contains("kid");
  if (kid == nullptr || !kid->is_string() || kid->get_string().empty()) {
    return token_error(r::kMissingKid);
  }
  const SigningKey* key = keys.find(view(kid->get_string()));
  if (key == nullptr) return token_error(r::kUnknownKid);
  // The key fixes the algorithm; the header may only agree with it.
  if (alg_name != to_string(key->alg())) return token_error(r::kAlgMismatch);

  buf.clear();
  if (!base64url::decode_into(seg.signature, buf) || !key->verify(seg.signing_input, buf)) {
    return token_error(r::kBadSignature);
  }

  buf.clear();
  if (!base64url::decode_into(seg.payload, buf) || !parse_object(buf, out.claims)) {
    return token_error(r::kBadClaims);
  }
  const bj::object& claims = out.claims;
  for (const auto& name : rules.required_claims) {
    if (!claims.contains(name)) return token_error(r::kMissingClaim);
  }
  if (!claim_types_ok(claims)) return token_error(r::kBadClaims);

  // Written as subtractions from `now` so that a hostile exp near INT64_MAX cannot overflow.
  if (const auto* exp = claims.if_contains("exp"); exp != nullptr) {
    if (rules.now - rules.leeway_s > exp->get_int64()) return token_error(r::kExpired);
  }
  if (const auto* nbf = claims.if_contains("nbf"); nbf != nullptr) {
    if (rules.now + rules.leeway_s < nbf->get_int64()) return token_error(r::kNotYetValid);
  }
  if (const auto* iat = claims.if_contains("iat"); iat != nullptr) {
    if (iat->get_int64() > rules.now + rules.leeway_s) return token_error(r::kIssuedInFuture);
  }

  const auto* iss = claims.if_contains("iss");
  if (iss == nullptr || view(iss->get_string()) != rules.issuer) return token_error(r::kBadIssuer);
  if (!audience_ok(claims.if_contains("aud"), rules.audience)) return token_error(r::kBadAudience);

  const auto* typ = header.if_contains("typ");
  if (typ == nullptr || !typ->is_string() ||
      std::none_of(rules.accepted_typ.begin(), rules.accepted_typ.end(),
                   [&](const std::string& t) { return iequals_ascii(view(typ->get_string()), t); })) {
    return token_error(r::kBadType);
  }

  out.kid = key->kid();
  return out;
}

}  // namespace tessera::crypto
