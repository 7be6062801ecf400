#pragma once
// In-memory rate limits (SPEC §4; 429 with Retry-After): token buckets keyed by client IP,
// account, recipient or session. Keys are hashed with a per-process secret (SipHash), so the
// table holds 16 bytes a key whatever the key's length, and nobody can craft keys that share a
// bucket with someone else's. Memory is bounded: each limit keeps at most kMaxKeysPerLimit
// buckets; full buckets (the state of an unknown key) are dropped first, and a shard that is
// still full is cleared — under a flood of millions of distinct keys the table stays the same
// size. With several instances each keeps its own buckets; the per-account slow-down that
// must hold across instances lives in the database (login_throttle.hpp).
#include <array>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/clock.hpp"
#include "core/rate_rule.hpp"
#include "core/result.hpp"

namespace tessera::domain {

enum class Limit {
  login_ip,         // login attempts from one client IP
  login_account,    // login attempts naming one account (email or username)
  signup_ip,        // sign-ups from one client IP
  email_recipient,  // verification and reset mails to one address
  email_ip,         // mail requests (resend, forgot) from one client IP
  refresh_session,  // refreshes of one session
  mfa_ip,           // second-step logins (POST /auth/login/mfa) from one client IP
  mfa_enrol,        // TOTP enrolments of one account
};
inline constexpr std::size_t kLimitCount = 8;

struct RateLimits {
  bool enabled = true;
  std::array<RateRule, kLimitCount> rules{{
      {30, std::chrono::minutes(1)},  // login_ip
      {10, std::chrono::minutes(1)},  // login_account
      {20, std::chrono::hours(1)},    // signup_ip
      {5, std::chrono::hours(1)},     // email_recipient
      {20, std::chrono::hours(1)},    // email_ip
      {60, std::chrono::minutes(1)},  // refresh_session
      {30, std::chrono::minutes(1)},  // mfa_ip
      {10, std::chrono::hours(1)},    // mfa_enrol
  }};
};

std::string_view to_string(Limit limit);

class RateLimiter {
 public:
  static constexpr std::size_t kShards = 16;
  static constexpr std::size_t kMaxKeysPerLimit = 65536;

  RateLimiter(RateLimits limits, const Clock& clock);

  // Takes one request from `key`'s bucket: ok, or errc::rate_limited with retry_after_s set.
  Result<void> take(Limit limit, std::string_view key);
  // Buckets held in all limits (metrics, tests).
  std::size_t size() const;
  bool enabled() const { return limits_.enabled; }

 private:
  struct Bucket {
    double updated_s = 0;  // seconds since the limiter started
    float tokens = 0;
  };
  struct Shard {
    mutable std::mutex mutex;
    std::unordered_map<std::uint64_t, Bucket> buckets;
  };
  std::uint64_t hash(Limit limit, std::string_view key) const;
  void make_room(Shard& shard, const RateRule& rule, double now_s);

  RateLimits limits_;
  const Clock& clock_;
  TimePoint epoch_;
  std::array<std::uint8_t, 16> key_{};
  std::array<std::array<Shard, kShards>, kLimitCount> shards_;
};

}  // namespace tessera::domain
