#include "domain/access_tokens.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "crypto/base64url.hpp"
#include "crypto/jws.hpp"
#include "domain/domain_metrics.hpp"

namespace tessera::domain {
namespace {

Error token_error(std::string reason) {
  return make_error(errc::invalid_token, std::string(crypto::kInvalidTokenDetail), std::move(reason));
}

// Reads the claims Tessera puts in its tokens. verify_jwt has checked the registered ones.
Result<Principal> principal_from(const boost::json::object& claims, const SessionBinding& binding) {
  Principal p;
  const auto str = [&](std::string_view name, std::string& out) -> bool {
    const auto* v = claims.if_contains(name);
    if (v == nullptr) return true;
    if (!v->is_string()) return false;
    out = std::string(v->as_string());
    return true;
  };
  std::string sub, sid, sid_bind;
  if (!str("sub", sub) || !str("sid", sid) || !str("email", p.email) || !str("username", p.username) ||
      !str("jti", p.token_id) || !str("sid_bind", sid_bind)) {
    return token_error("bad_claims");
  }
  if (sub.empty() || sid.empty()) return token_error("missing_claim");
  p.user_id = UserId(std::move(sub));
  p.session_id = SessionId(std::move(sid));
  // Each optional claim, when present, must have its type.
  const auto strings = [&](std::string_view name, std::vector<std::string>& out) -> bool {
    const auto* v = claims.if_contains(name);
    if (v == nullptr) return true;
    if (!v->is_array()) return false;
    for (const auto& item : v->as_array()) {
      if (!item.is_string()) return false;
      out.emplace_back(item.as_string());
    }
    return true;
  };
  const auto integer = [&](std::string_view name, std::int64_t& out) -> bool {
    const auto* v = claims.if_contains(name);
    if (v == nullptr) return true;
    if (!v->is_int64()) return false;
    out = v->as_int64();
    return true;
  };
  if (const auto* v = claims.if_contains("email_verified")) {
    if (!v->is_bool()) return token_error("bad_claims");
    p.email_verified = v->as_bool();
  }
  if (!strings("roles", p.roles) || !integer("ver", p.token_version) || !str("aal", p.aal) || !strings("amr", p.amr) ||
      !integer("auth_time", p.auth_time)) {
    return token_error("bad_claims");
  }
  // A session id of another user, or a version the subject was never at: the token was not
  // issued for this pairing, whatever key signed it.
  if (!binding.matches(sid_bind, p.user_id.str(), p.session_id.str(), p.token_version)) {
    return token_error(sid_bind.empty() ? "missing_claim" : "session_binding");
  }
  p.issued_at = claims.at("iat").as_int64();
  p.expires_at = claims.at("exp").as_int64();
  return p;
}

}  // namespace

AccessTokens::AccessTokens(const Settings& settings, const KeyRing& keys, const RevocationList& revocations,
                           const SessionBinding& binding, const Clock& clock, Random& random)
    : settings_(settings), keys_(keys), revocations_(revocations), binding_(binding), clock_(clock), random_(random) {}

Result<IssuedAccessToken> AccessTokens::issue(const User& user, const Session& s) {
  const SessionId& session = s.id;
  const auto& keys = keys_.current();
  const auto signer = keys.active();
  if (!signer) return make_error(errc::internal_error, "", "no active signing key");
  const std::int64_t now = clock_.unix_seconds();
  const std::int64_t ttl = settings_.access_ttl.count();
  boost::json::object claims;
  claims["iss"] = settings_.issuer;
  claims["sub"] = user.id.str();
  claims["aud"] = settings_.audience;
  claims["exp"] = now + ttl;
  claims["iat"] = now;
  claims["jti"] = crypto::base64url::encode(random_.bytes(16));
  claims["sid"] = session.str();
  boost::json::array roles;
  for (const auto& r : user.roles) roles.emplace_back(r);
  claims["roles"] = std::move(roles);
  if (!user.email.empty()) claims["email"] = user.email;
  claims["email_verified"] = user.email_verified;
  if (!user.username.empty()) claims["username"] = user.username;
  claims["ver"] = user.token_version;
  claims["aal"] = s.aal;
  boost::json::array amr;
  for (const auto& m : s.amr) amr.emplace_back(m);
  claims["amr"] = std::move(amr);
  claims["auth_time"] = std::chrono::duration_cast<std::chrono::seconds>(s.auth_time.time_since_epoch()).count();
  claims["sid_bind"] = binding_.tag(user.id.str(), session.str(), user.token_version);
  auto token = crypto::sign_jwt(claims, *signer, "at+jwt");
  if (!token) return std::move(token).error();
  return IssuedAccessToken{std::move(*token), ttl};
}

Result<void> AccessTokens::still_valid(const Principal& p) const {
  // A cached token is re-checked for what changes with time: expiry and revocation.
  if (clock_.unix_seconds() > p.expires_at + settings_.leeway.count()) return token_error("expired");
  if (revocations_.is_revoked(p.session_id.str(), p.user_id.str(), p.token_version)) return token_error("revoked");
  return ok();
}

Result<Principal> AccessTokens::verify_uncached(std::string_view token) const {
  crypto::JwtRules rules;
  rules.now = clock_.unix_seconds();
  rules.leeway_s = settings_.leeway.count();
  rules.issuer = settings_.issuer;
  rules.audience = settings_.audience;
  auto verified = crypto::verify_jwt(token, keys_.current(), rules);
  if (!verified) return std::move(verified).error();
  return principal_from(verified->claims, binding_);
}

Result<std::shared_ptr<const Principal>> AccessTokens::verify(std::string_view token) const {
  auto r = check(token);
  if (!r) metrics::count_token_rejected(r.error().reason);
  return r;
}

Result<std::shared_ptr<const Principal>> AccessTokens::check(std::string_view token) const {
  if (token.size() > crypto::kMaxTokenBytes) return token_error("too_large");
  const std::uint64_t keys_version = keys_.version();
  Shard& shard = shards_[std::hash<std::string_view>{}(token) % kShards];
  std::shared_ptr<const Principal> hit;
  {
    std::lock_guard lock(shard.mutex);
    if (shard.keys_version != keys_version) {  // the keys changed: verify everything again
      shard.entries.clear();
      shard.keys_version = keys_version;
    }
    const auto it = shard.entries.find(token);
    if (it != shard.entries.end()) hit = it->second.principal;
  }
  if (hit) {
    if (auto valid = still_valid(*hit); !valid) return std::move(valid).error();
    return hit;
  }
  auto verified = verify_uncached(token);
  if (!verified) return std::move(verified).error();
  auto principal = std::make_shared<const Principal>(std::move(*verified));
  if (auto valid = still_valid(*principal); !valid) return std::move(valid).error();
  {
    std::lock_guard lock(shard.mutex);
    if (shard.keys_version == keys_version) {
      if (shard.entries.size() >= kEntriesPerShard) shard.entries.clear();  // cheap, rare, bounded
      shard.entries.emplace(std::string(token), Cached{principal});
    }
  }
  return std::shared_ptr<const Principal>(std::move(principal));
}

std::size_t AccessTokens::cached() const {
  std::size_t n = 0;
  for (auto& s : shards_) {
    std::lock_guard lock(s.mutex);
    n += s.entries.size();
  }
  return n;
}

}  // namespace tessera::domain
