// Interop with the npm `jose` library, the C++ half (tests/interop/jose_interop.mjs drives it):
//
//   jws_interop make DIR    one key per algorithm, written where jose can read them, and one
//                           Tessera-signed access token per algorithm for jose to verify
//   jws_interop check DIR   verifies DIR/jose-tokens.json (signed by jose with those keys) with
//                           verify_jwt and the same rules; exits 1 naming every failure
//
// Files in DIR: rules.json {issuer, audience, kids:{alg: kid}}, jwks.json (public keys),
// <alg>.pem (private PKCS#8), hs256.secret (base64url), tokens.json {alg: token}.
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "core/json.hpp"
#include "crypto/base64url.hpp"
#include "crypto/jws.hpp"
#include "crypto/key_set.hpp"
#include "crypto/random_source.hpp"
#include "crypto/signing_key.hpp"

namespace {

namespace bj = boost::json;
namespace fs = std::filesystem;
using tessera::crypto::Alg;
using tessera::crypto::KeySet;
using tessera::crypto::SigningKey;

constexpr std::string_view kIssuer = "https://tessera.interop.test";
constexpr std::string_view kAudience = "https://api.interop.test";
constexpr Alg kAlgs[] = {Alg::EdDSA, Alg::ES256, Alg::RS256, Alg::HS256};
constexpr std::size_t kHmacSecretBytes = 32;

std::string kid_for(Alg alg) { return "interop-" + std::string(tessera::crypto::to_string(alg)); }

bool write_file(const fs::path& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) std::cerr << "cannot write " << path << "\n";
  return static_cast<bool>(out);
}

bool read_file(const fs::path& path, std::string& text) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::cerr << "cannot read " << path << "\n";
    return false;
  }
  std::ostringstream s;
  s << in.rdbuf();
  text = s.str();
  return true;
}

bool read_json_object(const fs::path& path, bj::object& out) {
  std::string text;
  if (!read_file(path, text)) return false;
  auto v = tessera::json::parse_strict(text);
  if (!v || !v->is_object()) {
    std::cerr << path << " is not a JSON object\n";
    return false;
  }
  out = std::move(v->get_object());
  return true;
}

tessera::crypto::JwtRules rules_now() {
  tessera::crypto::JwtRules rules;
  rules.now = static_cast<std::int64_t>(std::time(nullptr));
  rules.issuer = std::string(kIssuer);
  rules.audience = std::string(kAudience);
  return rules;
}

int make(const fs::path& dir) {
  fs::create_directories(dir);
  tessera::crypto::SystemRandom random;
  KeySet keys;
  bj::object tokens;
  bj::object kids;
  const std::int64_t now = static_cast<std::int64_t>(std::time(nullptr));
  for (Alg alg : kAlgs) {
    const std::string name(tessera::crypto::to_string(alg));
    // SigningKey never gives its HS256 secret back, so keep the bytes to hand them to jose.
    const std::string secret = alg == Alg::HS256 ? random.bytes(kHmacSecretBytes) : std::string{};
    auto key =
        alg == Alg::HS256 ? SigningKey::from_secret(kid_for(alg), secret) : SigningKey::generate(alg, kid_for(alg));
    if (!key) {
      std::cerr << "FAIL " << name << ": key: " << key.error().reason << "\n";
      return 1;
    }
    const bool written = alg == Alg::HS256
                             ? write_file(dir / "hs256.secret", tessera::crypto::base64url::encode(secret))
                             : write_file(dir / (name + ".pem"), (*key)->private_pem());
    if (!written) return 1;
    const bj::object claims{{"iss", kIssuer},
                            {"aud", kAudience},
                            {"sub", "usr_interop_" + name},
                            {"sid", "ses_interop_" + name},
                            {"jti", "tok_interop_" + name},
                            {"iat", now},
                            {"exp", now + 600}};
    auto token = tessera::crypto::sign_jwt(claims, **key, "at+jwt");
    if (!token) {
      std::cerr << "FAIL " << name << ": sign: " << token.error().reason << "\n";
      return 1;
    }
    tokens[name] = *token;
    kids[name] = (*key)->kid();
    if (auto added = keys.add(*key); !added) return 1;
  }
  const bj::object rules{{"issuer", kIssuer}, {"audience", kAudience}, {"kids", kids}};
  if (!write_file(dir / "jwks.json", bj::serialize(keys.jwks())) ||
      !write_file(dir / "tokens.json", bj::serialize(tokens)) ||
      !write_file(dir / "rules.json", bj::serialize(rules))) {
    return 1;
  }
  std::cout << "made keys and " << tokens.size() << " Tessera tokens in " << dir << "\n";
  return 0;
}

int check(const fs::path& dir) {
  bj::object jwks;
  bj::object tokens;
  std::string secret_b64;
  if (!read_json_object(dir / "jwks.json", jwks) || !read_json_object(dir / "jose-tokens.json", tokens) ||
      !read_file(dir / "hs256.secret", secret_b64)) {
    return 1;
  }
  // Only public material for the asymmetric keys: what a resource server would hold.
  KeySet keys;
  const auto* list = jwks.if_contains("keys");
  if (list == nullptr || !list->is_array()) {
    std::cerr << "jwks.json has no keys array\n";
    return 1;
  }
  for (const auto& jwk : list->get_array()) {
    auto key = jwk.is_object() ? SigningKey::from_jwk(jwk.get_object())
                               : tessera::Result<std::shared_ptr<const SigningKey>>(tessera::errc::invalid_request);
    if (!key || !keys.add(*key)) {
      std::cerr << "FAIL: a JWK from jwks.json does not load\n";
      return 1;
    }
  }
  auto secret = tessera::crypto::base64url::decode(secret_b64);
  if (!secret) {
    std::cerr << "FAIL: hs256.secret is not base64url\n";
    return 1;
  }
  auto hs = SigningKey::from_secret(kid_for(Alg::HS256), *secret);
  if (!hs || !keys.add(*hs)) return 1;

  const auto rules = rules_now();
  int failures = 0;
  for (Alg alg : kAlgs) {
    const std::string name(tessera::crypto::to_string(alg));
    const auto* token = tokens.if_contains(name);
    if (token == nullptr || !token->is_string()) {
      std::cerr << "FAIL " << name << ": no jose token\n";
      ++failures;
      continue;
    }
    const std::string_view text(token->get_string().data(), token->get_string().size());
    const auto verified = tessera::crypto::verify_jwt(text, keys, rules);
    if (!verified) {
      std::cerr << "FAIL " << name << ": verify_jwt refused the jose token: " << verified.error().reason << "\n";
      ++failures;
      continue;
    }
    if (verified->kid != kid_for(alg)) {
      std::cerr << "FAIL " << name << ": verified under kid " << verified->kid << "\n";
      ++failures;
      continue;
    }
    // The same token with its first signature character changed must now fail.
    std::string tampered(text);
    char& first = tampered[tampered.rfind('.') + 1];
    first = first == 'A' ? 'B' : 'A';
    if (tessera::crypto::verify_jwt(tampered, keys, rules)) {
      std::cerr << "FAIL " << name << ": a tampered jose token verified\n";
      ++failures;
      continue;
    }
    std::cout << "ok " << name << ": jose token verified by Tessera (sub " << bj::serialize(verified->claims.at("sub"))
              << ")\n";
  }
  return failures == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: jws_interop make|check DIR\n";
    return 2;
  }
  tessera::crypto::init();
  const std::string_view command = argv[1];
  if (command == "make") return make(argv[2]);
  if (command == "check") return check(argv[2]);
  std::cerr << "usage: jws_interop make|check DIR\n";
  return 2;
}
