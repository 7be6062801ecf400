#include "domain/rate_limiter.hpp"

#include <sodium.h>

#include <algorithm>
#include <cmath>

#include "core/metrics.hpp"

namespace tessera::domain {

std::string_view to_string(Limit limit) {
  switch (limit) {
    case Limit::login_ip: return "login_ip";
    case Limit::login_account: return "login_account";
    case Limit::signup_ip: return "signup_ip";
    case Limit::email_recipient: return "email_recipient";
    case Limit::email_ip: return "email_ip";
    case Limit::refresh_session: return "refresh_session";
    case Limit::mfa_ip: return "mfa_ip";
    case Limit::mfa_enrol: return "mfa_enrol";
  }
  return "unknown";
}

RateLimiter::RateLimiter(RateLimits limits, const Clock& clock) : limits_(limits), clock_(clock), epoch_(clock.now()) {
  randombytes_buf(key_.data(), key_.size());
}

std::uint64_t RateLimiter::hash(Limit limit, std::string_view key) const {
  // SipHash-2-4 under a per-process random key: fixed size, and unforgeable collisions.
  std::string input(1, static_cast<char>(limit));
  input.append(key);
  std::uint64_t out = 0;
  crypto_shorthash(reinterpret_cast<unsigned char*>(&out), reinterpret_cast<const unsigned char*>(input.data()),
                   input.size(), key_.data());
  return out;
}

void RateLimiter::make_room(Shard& shard, const RateRule& rule, double now_s) {
  const double rate = static_cast<double>(rule.count) / static_cast<double>(rule.period.count());
  // A bucket that has refilled completely is the same as no bucket.
  std::erase_if(shard.buckets,
                [&](const auto& kv) { return kv.second.tokens + (now_s - kv.second.updated_s) * rate >= rule.count; });
  if (shard.buckets.size() >= kMaxKeysPerLimit / kShards) {
    // Still full: a flood of distinct keys. Forget this shard; memory stays bounded, and the
    // cost is that the keys in it get a fresh bucket.
    shard.buckets.clear();
    metrics::registry()
        .counter("tessera_rate_limit_evictions_total", "Rate-limit shards cleared because they were full.")
        .inc();
  }
}

Result<void> RateLimiter::take(Limit limit, std::string_view key) {
  if (!limits_.enabled) return ok();
  const auto index = static_cast<std::size_t>(limit);
  const RateRule& rule = limits_.rules[index];
  const std::uint64_t h = hash(limit, key);
  Shard& shard = shards_[index][h % kShards];
  const double now_s = std::chrono::duration<double>(clock_.now() - epoch_).count();
  const double rate = static_cast<double>(rule.count) / static_cast<double>(rule.period.count());
  std::lock_guard lock(shard.mutex);
  auto it = shard.buckets.find(h);
  if (it == shard.buckets.end()) {
    if (shard.buckets.size() >= kMaxKeysPerLimit / kShards) make_room(shard, rule, now_s);
    it = shard.buckets.emplace(h, Bucket{now_s, static_cast<float>(rule.count)}).first;
  }
  Bucket& b = it->second;
  const double tokens = std::min<double>(rule.count, b.tokens + (now_s - b.updated_s) * rate);
  if (tokens < 1.0) {
    metrics::registry()
        .counter("tessera_rate_limited_total", "Requests refused by a rate limit.",
                 {{"limit", std::string(to_string(limit))}})
        .inc();
    auto e = make_error(errc::rate_limited, "Too many attempts. Try again later.",
                        "rate limit " + std::string(to_string(limit)));
    e.retry_after_s = static_cast<int>(std::ceil((1.0 - tokens) / rate));
    return e;
  }
  b.tokens = static_cast<float>(tokens - 1.0);
  b.updated_s = now_s;
  return ok();
}

std::size_t RateLimiter::size() const {
  std::size_t n = 0;
  for (const auto& limit : shards_) {
    for (const auto& shard : limit) {
      std::lock_guard lock(shard.mutex);
      n += shard.buckets.size();
    }
  }
  return n;
}

}  // namespace tessera::domain
