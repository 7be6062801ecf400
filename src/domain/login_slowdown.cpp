#include "domain/login_slowdown.hpp"

#include <cmath>
#include <optional>

#include "core/log.hpp"
#include "core/metrics.hpp"
#include "crypto/digest.hpp"

namespace tessera::domain {

LoginSlowdown::LoginSlowdown(Store& store, SlowdownPolicy policy, const Clock& clock)
    : store_(store), policy_(policy), clock_(clock) {}

std::string LoginSlowdown::key_for(std::string_view identifier) {
  return crypto::sha256_bytes(std::string("login:") + std::string(identifier));
}

std::chrono::seconds LoginSlowdown::delay_after(int failures) const {
  // The `free_failures`-th failure in a row is the one that starts the slow-down (the setting
  // reads "failed logins before it is slowed down"): the attempt after it waits first_delay.
  if (failures < policy_.free_failures) return std::chrono::seconds(0);
  auto d = policy_.first_delay;
  for (int i = policy_.free_failures; i < failures && d < policy_.max_delay; ++i) d *= 2;
  return std::min(d, policy_.max_delay);
}

Result<void> LoginSlowdown::check(std::string_view key) {
  if (!policy_.enabled) return ok();
  const TimePoint now = clock_.now();
  std::optional<LoginThrottle> waiting;
  // Read and count in one write transaction (both stores serialise writers of a key), so two
  // attempts at once see each other.
  auto r = store_.write([&](StoreTx& tx) -> Result<void> {
    auto t = tx.login_throttle(key);
    if (!t) return std::move(t).error();
    if (*t && (*t)->next_attempt_at > now) {
      waiting = **t;
      return ok();  // a refused attempt is not counted: waiting it out is always enough
    }
    LoginThrottle next;
    next.key = std::string(key);
    next.failures = 1;
    if (*t && now - (*t)->last_failure_at < policy_.forget_after) next.failures = (*t)->failures + 1;
    next.last_failure_at = now;
    next.next_attempt_at = now + delay_after(next.failures);
    return tx.put_login_throttle(next);
  });
  if (!r) return std::move(r).error();
  if (!waiting) return ok();
  metrics::registry()
      .counter("tessera_rate_limited_total", "Requests refused by a rate limit.", {{"limit", "login_slowdown"}})
      .inc();
  auto e = make_error(errc::rate_limited, "Too many failed attempts for this account. Try again later.",
                      "login slowed down after " + std::to_string(waiting->failures) + " failures");
  e.retry_after_s = static_cast<int>(std::ceil(std::chrono::duration<double>(waiting->next_attempt_at - now).count()));
  return e;
}

void LoginSlowdown::password_proved(std::string_view key) {
  if (!policy_.enabled) return;
  auto r = store_.write([&](StoreTx& tx) { return tx.clear_login_throttle(key); });
  // The refusal the caller is about to give matters more than this cleanup; it is logged.
  if (!r) log::warn("slowdown_write_failed").str("reason", r.error().reason);
}

Result<void> LoginSlowdown::succeeded(ThrottleRecords& tx, std::string_view key) {
  if (!policy_.enabled) return ok();
  return tx.clear_login_throttle(key);
}

}  // namespace tessera::domain
