// JWS micro-benchmarks: what a guarded request pays to check its access token (verify_jwt),
// what login pays to issue one (sign), per algorithm, and base64url on typical sizes.
#include <benchmark/benchmark.h>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <memory>
#include <string>

#include "crypto/base64url.hpp"
#include "crypto/jws.hpp"
#include "crypto/key_set.hpp"
#include "crypto/signing_key.hpp"

namespace {

namespace bj = boost::json;
using tessera::crypto::Alg;
using tessera::crypto::SigningKey;

constexpr std::int64_t kNow = 1'700'000'000;

// One key per Alg value, made once (RSA generation takes a while).
std::shared_ptr<const SigningKey> key_for(Alg alg) {
  static const auto keys = [] {
    std::vector<std::shared_ptr<const SigningKey>> k;
    k.push_back(*SigningKey::generate(Alg::EdDSA, "ed-2024-01"));
    k.push_back(*SigningKey::generate(Alg::ES256, "ec-2024-01"));
    k.push_back(*SigningKey::generate(Alg::RS256, "rs-2024-01"));
    k.push_back(*SigningKey::from_secret("hs-2024-01", std::string(32, 's')));
    return k;
  }();
  return keys.at(static_cast<std::size_t>(alg));
}

// The claims of a typical access token (SPEC §3, ~350 bytes once signed with EdDSA): ids of
// a dozen characters, a 128-bit jti, one role.
bj::object typical_claims() {
  return bj::object{{"iss", "https://id.example.com"},
                    {"sub", "usr_8f3k2m9q"},
                    {"aud", "https://id.example.com"},
                    {"exp", kNow + 900},
                    {"iat", kNow},
                    {"jti", "mB3xT9qLz0VfR2kYw8sA1g"},
                    {"sid", "ses_4h7x1p0z"},
                    {"roles", bj::array{"user"}}};
}

std::string typical_token(Alg alg) { return *tessera::crypto::sign_jwt(typical_claims(), *key_for(alg), "at+jwt"); }

std::string signing_input(const std::string& token) { return token.substr(0, token.rfind('.')); }

Alg alg_arg(const benchmark::State& state) { return static_cast<Alg>(state.range(0)); }

void label(benchmark::State& state, const std::string& token) {
  state.SetLabel(std::string(tessera::crypto::to_string(alg_arg(state))) + ", token " + std::to_string(token.size()) +
                 " B");
}

void BM_Sign(benchmark::State& state) {
  const auto key = key_for(alg_arg(state));
  const std::string token = typical_token(alg_arg(state));
  const std::string input = signing_input(token);
  for (auto _ : state) benchmark::DoNotOptimize(key->sign(input));
  label(state, token);
}

void BM_Verify(benchmark::State& state) {
  const auto key = key_for(alg_arg(state));
  const std::string token = typical_token(alg_arg(state));
  const std::string input = signing_input(token);
  const std::string sig = *tessera::crypto::base64url::decode(token.substr(token.rfind('.') + 1));
  for (auto _ : state) benchmark::DoNotOptimize(key->verify(input, sig));
  label(state, token);
}

void BM_SignJwt(benchmark::State& state) {
  const auto key = key_for(alg_arg(state));
  const auto claims = typical_claims();
  for (auto _ : state) benchmark::DoNotOptimize(tessera::crypto::sign_jwt(claims, *key, "at+jwt"));
  label(state, typical_token(alg_arg(state)));
}

void BM_VerifyJwt(benchmark::State& state) {
  tessera::crypto::KeySet keys;
  for (Alg a : {Alg::EdDSA, Alg::ES256, Alg::RS256, Alg::HS256}) (void)keys.add(key_for(a));
  tessera::crypto::JwtRules rules;
  rules.now = kNow;
  rules.issuer = "https://id.example.com";
  rules.audience = "https://id.example.com";
  const std::string token = typical_token(alg_arg(state));
  if (!tessera::crypto::verify_jwt(token, keys, rules)) state.SkipWithError("token does not verify");
  for (auto _ : state) benchmark::DoNotOptimize(tessera::crypto::verify_jwt(token, keys, rules));
  label(state, token);
}

void BM_Base64UrlEncode(benchmark::State& state) {
  const std::string bytes(static_cast<std::size_t>(state.range(0)), '\xa5');
  for (auto _ : state) benchmark::DoNotOptimize(tessera::crypto::base64url::encode(bytes));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}

void BM_Base64UrlDecode(benchmark::State& state) {
  const std::string text =
      tessera::crypto::base64url::encode(std::string(static_cast<std::size_t>(state.range(0)), '\xa5'));
  for (auto _ : state) benchmark::DoNotOptimize(tessera::crypto::base64url::decode(text));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}

// Arguments are Alg values: 0 EdDSA, 1 ES256, 2 RS256, 3 HS256.
BENCHMARK(BM_Sign)->DenseRange(0, 3);
BENCHMARK(BM_Verify)->DenseRange(0, 3);
BENCHMARK(BM_SignJwt)->DenseRange(0, 3);
BENCHMARK(BM_VerifyJwt)->DenseRange(0, 3);
BENCHMARK(BM_Base64UrlEncode)->Arg(32)->Arg(512);
BENCHMARK(BM_Base64UrlDecode)->Arg(32)->Arg(512);

}  // namespace

BENCHMARK_MAIN();
