// fuzz_jws: compact JWS decoding, access-token verification, base64url and JWK import.
//
// Never crash, and never accept a forgery: against a fixed key set (one key per algorithm,
// fuzz/support/fixed_keys.hpp) and fixed rules, verify_jwt() may accept a token only when this
// process signed it. The first input byte picks a mode:
//
//   0  the rest is a token. Accepted only if sign_jwt() made it here (for ES256, whose
//      signatures are randomised, only if its header.payload was signed here). Also: strict
//      base64url has one spelling per byte string, decode_compact() agrees with verify_jwt().
//   1  the rest is [key byte] header-JSON '\0' payload-JSON: the harness signs it with that key,
//      so the checks after the signature (claims, times, issuer, audience, typ) are reached;
//      verify_jwt() must accept exactly when an independent reading of jws.hpp's rules does.
//   2  the rest is a JWK for SigningKey::from_jwk(): no private member may reach public_jwk().
//
// TESSERA_FUZZ_WRITE_SEEDS=DIR: writes the valid tokens (mode 0) and signed header/payload
// pairs (mode 1) to DIR as seeds and exits; fuzz/corpus/fuzz_jws holds their output.
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <set>
#include <string>
#include <string_view>

#include "core/json.hpp"
#include "crypto/base64url.hpp"
#include "crypto/jws.hpp"
#include "crypto/random_source.hpp"
#include "support/check.hpp"
#include "support/fixed_keys.hpp"

namespace {

using namespace tessera;
namespace bj = boost::json;

constexpr std::int64_t kNow = 1'700'000'000;
constexpr std::string_view kIssuer = "https://auth.fuzz.test";
constexpr std::string_view kAudience = "https://api.fuzz.test";

struct State {
  crypto::KeySet keys = fuzz::fixed_key_set();
  crypto::JwtRules rules;
  std::set<std::string, std::less<>> tokens;          // every token signed here
  std::set<std::string, std::less<>> signing_inputs;  // their header.payload
};

// The claim sets signed at start: valid under the rules, in the shapes the server issues.
std::vector<bj::object> claim_sets() {
  bj::object base{{"iss", kIssuer}, {"aud", kAudience}, {"sub", "usr_fuzz"}, {"sid", "ses_fuzz"},
                  {"jti", "tok_1"}, {"iat", kNow - 10}, {"exp", kNow + 890}};
  std::vector<bj::object> out{base};
  bj::object with_roles = base;
  with_roles["roles"] = bj::array{"admin", "user"};
  with_roles["email"] = "a@example.test";
  with_roles["email_verified"] = true;
  with_roles["ver"] = 3;
  out.push_back(with_roles);
  bj::object aud_list = base;
  aud_list["aud"] = bj::array{"https://other.test", kAudience};
  aud_list["nbf"] = kNow - 5;
  out.push_back(aud_list);
  return out;
}

State& state() {
  static State* s = [] {
    auto* st = new State;
    st->rules.now = kNow;
    st->rules.issuer = std::string(kIssuer);
    st->rules.audience = std::string(kAudience);
    for (const auto& key : fuzz::fixed_keys()) {
      for (const auto& claims : claim_sets()) {
        for (std::string_view typ : {"at+jwt", "application/at+jwt", "AT+JWT"}) {
          auto token = crypto::sign_jwt(claims, *key, typ);
          FUZZ_CHECK(token.has_value(), "sign_jwt failed with a fixed key");
          st->signing_inputs.insert(token->substr(0, token->rfind('.')));
          st->tokens.insert(std::move(*token));
        }
      }
    }
    return st;
  }();
  return *s;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
           return lower(x) == lower(y);
         });
}

// --- mode 0 -----------------------------------------------------------------------------

void check_base64url(std::string_view text) {
  auto decoded = crypto::base64url::decode(text);
  std::string into;
  const bool ok_into = crypto::base64url::decode_into(text, into);
  FUZZ_CHECK(ok_into == decoded.has_value(), "decode and decode_into disagree");
  if (!decoded) return;
  FUZZ_CHECK(into == *decoded, "decode and decode_into give different bytes");
  FUZZ_CHECK(decoded->size() == crypto::base64url::decoded_size(text.size()), "decoded_size is wrong");
  FUZZ_CHECK(crypto::base64url::encode(*decoded) == text, "a second base64url spelling was accepted");
}

void fuzz_token(std::string_view token) {
  State& st = state();
  check_base64url(token);
  auto decoded = crypto::decode_compact(token, crypto::kMaxTokenBytes);
  if (decoded) {
    const auto second = token.rfind('.');
    FUZZ_CHECK(decoded->signing_input == token.substr(0, second), "signing input is not the token's prefix");
    FUZZ_CHECK(crypto::base64url::encode(decoded->signature) == token.substr(second + 1),
               "signature segment has a second spelling");
  }
  auto verified = crypto::verify_jwt(token, st.keys, st.rules);
  if (!verified) {
    FUZZ_CHECK(verified.code() == errc::invalid_token, "a refused token is not invalid_token");
    FUZZ_CHECK(!verified.error().reason.empty(), "a refused token has no reason");
    return;
  }
  // Accepted: it must be ours.
  const crypto::SigningKey* key = st.keys.find(verified->kid);
  FUZZ_CHECK(key != nullptr, "verified with a kid not in the set");
  if (key->alg() == crypto::Alg::ES256) {
    FUZZ_CHECK(st.signing_inputs.count(token.substr(0, token.rfind('.'))) == 1,
               "verify_jwt accepted an ES256 token whose header.payload was never signed");
  } else {
    FUZZ_CHECK(st.tokens.count(token) == 1, "verify_jwt accepted a token that was never signed");
  }
  FUZZ_CHECK(decoded.has_value(), "verify_jwt accepted what decode_compact refuses");
  FUZZ_CHECK(crypto::verify_signature(*decoded, *key), "verify_signature disagrees with verify_jwt");
}

// --- mode 1 -----------------------------------------------------------------------------

bool is_int(const bj::value* v) { return v != nullptr && v->is_int64(); }
bool is_nonempty_string(const bj::value* v) { return v != nullptr && v->is_string() && !v->get_string().empty(); }
std::string_view sv(const bj::string& s) { return {s.data(), s.size()}; }

// jws.hpp's list of checks, read independently: would a token with this header and payload,
// correctly signed by `signer`, be accepted?
bool should_accept(std::string_view header_text, std::string_view payload_text, const crypto::SigningKey& signer,
                   std::size_t token_size) {
  const State& st = state();
  if (token_size > st.rules.max_token_bytes || header_text.empty()) return false;
  auto h = json::parse_strict(header_text);
  if (!h || !h->is_object()) return false;
  const bj::object& header = h->get_object();
  const auto* alg = header.if_contains("alg");
  if (alg == nullptr || !alg->is_string() || iequals(sv(alg->get_string()), "none")) return false;
  for (const char* name : {"jku", "jwk", "x5u", "x5c", "crit"}) {
    if (header.contains(name)) return false;
  }
  const auto* kid = header.if_contains("kid");
  if (!is_nonempty_string(kid)) return false;
  // Only the signer's own kid and alg can pass the signature check: every key is different.
  if (sv(kid->get_string()) != signer.kid() || sv(alg->get_string()) != crypto::to_string(signer.alg())) return false;

  auto p = json::parse_strict(payload_text);
  if (!p || !p->is_object()) return false;
  const bj::object& claims = p->get_object();
  for (const auto& name : st.rules.required_claims) {
    if (!claims.contains(name)) return false;
  }
  for (const char* name : {"exp", "iat", "nbf"}) {
    if (claims.contains(name) && !is_int(claims.if_contains(name))) return false;
  }
  for (const char* name : {"sub", "sid", "iss", "jti"}) {
    if (claims.contains(name) && !is_nonempty_string(claims.if_contains(name))) return false;
  }
  const auto* aud = claims.if_contains("aud");
  bool aud_match = false;
  if (aud != nullptr) {
    if (aud->is_string()) {
      aud_match = sv(aud->get_string()) == st.rules.audience;
    } else if (aud->is_array() && !aud->get_array().empty()) {
      for (const auto& e : aud->get_array()) {
        if (!e.is_string()) return false;
        if (sv(e.get_string()) == st.rules.audience) aud_match = true;
      }
    } else {
      return false;
    }
  }
  // Times, with 128-bit arithmetic so that the oracle itself cannot overflow.
  const __int128 now = st.rules.now, leeway = st.rules.leeway_s;
  if (const auto* exp = claims.if_contains("exp"); exp != nullptr && exp->get_int64() < now - leeway) return false;
  if (const auto* nbf = claims.if_contains("nbf"); nbf != nullptr && nbf->get_int64() > now + leeway) return false;
  if (const auto* iat = claims.if_contains("iat"); iat != nullptr && iat->get_int64() > now + leeway) return false;
  const auto* iss = claims.if_contains("iss");
  if (iss == nullptr || sv(iss->get_string()) != st.rules.issuer) return false;
  if (!aud_match) return false;
  const auto* typ = header.if_contains("typ");
  if (typ == nullptr || !typ->is_string()) return false;
  return std::any_of(st.rules.accepted_typ.begin(), st.rules.accepted_typ.end(),
                     [&](const std::string& t) { return iequals(sv(typ->get_string()), t); });
}

std::string sign_raw(std::string_view header, std::string_view payload, const crypto::SigningKey& key) {
  std::string input = crypto::base64url::encode(header) + "." + crypto::base64url::encode(payload);
  auto sig = key.sign(input);
  FUZZ_CHECK(sig.has_value(), "a fixed key failed to sign");
  return input + "." + crypto::base64url::encode(*sig);
}

void fuzz_signed(std::string_view rest) {
  if (rest.empty()) return;
  const auto& keys = fuzz::fixed_keys();
  const crypto::SigningKey& key = *keys[static_cast<unsigned char>(rest[0]) % keys.size()];
  rest.remove_prefix(1);
  const auto nul = rest.find('\0');
  const std::string_view header = rest.substr(0, nul);
  const std::string_view payload = nul == std::string_view::npos ? std::string_view{} : rest.substr(nul + 1);
  const std::string token = sign_raw(header, payload, key);
  auto verified = crypto::verify_jwt(token, state().keys, state().rules);
  const bool expected = should_accept(header, payload, key, token.size());
  if (verified.has_value() != expected) {
    std::fprintf(stderr, "verify_jwt: %s (reason %s), the rules say %s\n", verified ? "accepted" : "refused",
                 verified ? "-" : verified.error().reason.c_str(), expected ? "accept" : "refuse");
    FUZZ_CHECK(false, "verify_jwt disagrees with the rules in jws.hpp");
  }
  if (verified) FUZZ_CHECK(verified->kid == key.kid(), "verified under another key");
}

// --- mode 2 -----------------------------------------------------------------------------

void fuzz_jwk(std::string_view text) {
  auto v = json::parse_strict(text);
  if (!v || !v->is_object()) return;
  auto key = crypto::SigningKey::from_jwk(v->get_object());
  if (!key) return;
  const bj::object& pub = (*key)->public_jwk();
  for (const char* name : {"d", "p", "q", "dp", "dq", "qi", "k", "oth"}) {
    FUZZ_CHECK(!pub.contains(name), "a private JWK member reached public_jwk()");
  }
  // Keys whose signing is cheap must verify what they sign.
  if ((*key)->has_private() && ((*key)->alg() == crypto::Alg::EdDSA || (*key)->alg() == crypto::Alg::HS256)) {
    auto sig = (*key)->sign("fuzz.input");
    FUZZ_CHECK(sig.has_value(), "an imported private key cannot sign");
    FUZZ_CHECK((*key)->verify("fuzz.input", *sig), "an imported key does not verify its own signature");
  }
}

// --- seeds ------------------------------------------------------------------------------

void write_seeds(const std::string& dir) {
  int n = 0;
  const auto write = [&](std::string_view name, char mode, std::string_view body) {
    std::ofstream f(dir + "/" + std::string(name) + "-" + std::to_string(n++), std::ios::binary);
    f.put(mode);
    f.write(body.data(), static_cast<std::streamsize>(body.size()));
  };
  for (const auto& t : state().tokens) write("token", '\0', t);
  const std::string claims = bj::serialize(claim_sets()[1]);
  for (std::size_t i = 0; i < fuzz::fixed_keys().size(); ++i) {
    const auto& key = *fuzz::fixed_keys()[i];
    const std::string header =
        bj::serialize(bj::object{{"alg", crypto::to_string(key.alg())}, {"kid", key.kid()}, {"typ", "at+jwt"}});
    write("signed", '\1', std::string(1, static_cast<char>(i)) + header + '\0' + claims);
  }
  for (const auto& key : fuzz::fixed_keys()) {
    if (key->alg() != crypto::Alg::HS256) write("jwk", '\2', bj::serialize(key->public_jwk()));
  }
  std::fprintf(stderr, "wrote %d seeds to %s\n", n, dir.c_str());
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  crypto::init();
  state();
  if (const char* dir = std::getenv("TESSERA_FUZZ_WRITE_SEEDS")) {
    write_seeds(dir);
    std::exit(0);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 3) {
    case 0: fuzz_token(rest); break;
    case 1: fuzz_signed(rest); break;
    default: fuzz_jwk(rest); break;
  }
  return 0;
}
