// Rate limits and the per-account slow-down, with a pinned clock over a real SQLite store.
#include <gtest/gtest.h>

#include "domain/login_slowdown.hpp"
#include "domain/rate_limiter.hpp"
#include "fixture.hpp"

namespace tessera::test {
namespace {

using domain::IdentifierField;
using domain::Limit;
using namespace std::chrono_literals;

TEST(RateLimiter, AllowsABurstThenRefusesWithRetryAfterThenRefills) {
  ManualClock clock;
  domain::RateLimits limits;
  limits.rules[static_cast<int>(Limit::login_ip)] = {3, 60s};  // 3 a minute: one every 20 s
  domain::RateLimiter limiter(limits, clock);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.take(Limit::login_ip, "203.0.113.1")) << i;
  auto refused = limiter.take(Limit::login_ip, "203.0.113.1");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.code(), errc::rate_limited);
  EXPECT_EQ(refused.error().retry_after_s, 20);
  EXPECT_TRUE(limiter.take(Limit::login_ip, "203.0.113.2"));   // another key is not affected
  EXPECT_TRUE(limiter.take(Limit::signup_ip, "203.0.113.1"));  // nor another limit
  clock.advance(19s);
  EXPECT_FALSE(limiter.take(Limit::login_ip, "203.0.113.1"));
  clock.advance(1s);
  EXPECT_TRUE(limiter.take(Limit::login_ip, "203.0.113.1"));
}

TEST(RateLimiter, RefillsAtTheConfiguredRateNotFaster) {
  ManualClock clock;
  domain::RateLimits limits;
  limits.rules[static_cast<int>(Limit::refresh_session)] = {60, 60s};
  domain::RateLimiter limiter(limits, clock);
  int allowed = 0;
  // Ten minutes of a client trying every 100 ms: at most the burst plus one a second.
  for (int i = 0; i < 6000; ++i) {
    if (limiter.take(Limit::refresh_session, "s1")) ++allowed;
    clock.advance(100ms);
  }
  EXPECT_GE(allowed, 60 + 599);
  EXPECT_LE(allowed, 60 + 601);
}

TEST(RateLimiter, MemoryStaysBoundedUnderAMillionDistinctKeys) {
  ManualClock clock;
  domain::RateLimiter limiter(domain::RateLimits{}, clock);
  for (int i = 0; i < 1'000'000; ++i) (void)limiter.take(Limit::login_ip, "10." + std::to_string(i));
  EXPECT_LE(limiter.size(), domain::RateLimiter::kMaxKeysPerLimit);
}

TEST(RateLimiter, OffMeansOff) {
  ManualClock clock;
  domain::RateLimits limits;
  limits.enabled = false;
  limits.rules[0] = {1, 3600s};
  domain::RateLimiter limiter(limits, clock);
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(limiter.take(Limit::login_ip, "x"));
}

TEST(RateRules, ParseAndPrint) {
  auto r = parse_rate_rule("30/1m");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->count, 30);
  EXPECT_EQ(r->period, 60s);
  EXPECT_EQ(format_rate_rule(*r), "30/1m");
  for (const char* bad :
       {"", "30", "/1m", "30/", "0/1m", "-1/1m", "30/1x", "30/0m", "x/1m", "30/8d", "30/99999999999999999d"}) {
    EXPECT_FALSE(parse_rate_rule(bad)) << bad;
  }
}

struct SlowedServices : Services {
  SlowedServices() : slowdown(*db.store, domain::SlowdownPolicy{true, 5, 1s, 60s, 900s}, clock) {
    rebuild(nullptr, &slowdown, nullptr);
  }
  Result<domain::TokenResponse> login(const std::string& email, const std::string& password) {
    return accounts->login(email, IdentifierField::email, password, client);
  }
  domain::LoginSlowdown slowdown;
};

TEST(LoginSlowdown, FiveFailuresAreFreeThenDelaysGrowAndAreCapped) {
  SlowedServices s;
  EXPECT_EQ(s.slowdown.delay_after(4), 0s);
  EXPECT_EQ(s.slowdown.delay_after(5), 1s);  // five failures: the next attempt waits
  EXPECT_EQ(s.slowdown.delay_after(6), 2s);
  EXPECT_EQ(s.slowdown.delay_after(7), 4s);
  EXPECT_EQ(s.slowdown.delay_after(11), 60s);
  EXPECT_EQ(s.slowdown.delay_after(12), 60s);
  EXPECT_EQ(s.slowdown.delay_after(1000), 60s);
}

TEST(LoginSlowdown, SlowsAnAccountAfterRepeatedFailuresWithoutLockingItForever) {
  SlowedServices s;
  s.signup("slow@example.com");
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(s.login("slow@example.com", "Wrong-Password-12345").code(), errc::invalid_credentials) << i;
  }
  // The fifth failure imposed a 1 s wait: even the right password must wait (no hash is spent).
  auto waiting = s.login("slow@example.com", kGoodPassword);
  ASSERT_FALSE(waiting);
  EXPECT_EQ(waiting.code(), errc::rate_limited);
  EXPECT_EQ(waiting.error().retry_after_s, 1);
  s.clock.advance(1s);
  EXPECT_TRUE(s.login("slow@example.com", kGoodPassword));  // and a success ends the run
  EXPECT_EQ(s.login("slow@example.com", "Wrong-Password-12345").code(), errc::invalid_credentials);
  EXPECT_EQ(s.login("slow@example.com", "Wrong-Password-12345").code(), errc::invalid_credentials);
}

TEST(LoginSlowdown, TheLongestWaitIsCappedSoTheOwnerIsNeverLockedOut) {
  SlowedServices s;
  s.signup("capped@example.com");
  for (int i = 0; i < 40; ++i) {
    (void)s.login("capped@example.com", "Wrong-Password-12345");
    s.clock.advance(61s);  // the attacker waits out every delay, for 40 minutes
  }
  auto r = s.login("capped@example.com", kGoodPassword);
  EXPECT_TRUE(r);  // never more than 60 s from a successful login
}

TEST(LoginSlowdown, UnknownAddressesAreSlowedLikeKnownOnesSoA429RevealsNothing) {
  SlowedServices s;
  s.signup("known@example.com");
  for (int i = 0; i < 6; ++i) {
    (void)s.login("known@example.com", "Wrong-Password-12345");
    (void)s.login("unknown@example.com", "Wrong-Password-12345");
  }
  auto known = s.login("known@example.com", "Wrong-Password-12345");
  auto unknown = s.login("unknown@example.com", "Wrong-Password-12345");
  EXPECT_EQ(known.code(), errc::rate_limited);
  EXPECT_EQ(unknown.code(), errc::rate_limited);
  EXPECT_EQ(known.error().detail, unknown.error().detail);
  EXPECT_EQ(known.error().retry_after_s, unknown.error().retry_after_s);
}

TEST(LoginSlowdown, ARunIsForgottenAfterAQuietPeriod) {
  SlowedServices s;
  s.signup("quiet@example.com");
  for (int i = 0; i < 5; ++i) (void)s.login("quiet@example.com", "Wrong-Password-12345");
  s.clock.advance(16min);
  // Five more failures are free again: the earlier run was forgotten.
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(s.login("quiet@example.com", "Wrong-Password-12345").code(), errc::invalid_credentials) << i;
  }
}

TEST(LoginSlowdown, HoldsAcrossRestartsBecauseItLivesInTheDatabase) {
  SlowedServices s;
  s.signup("restart@example.com");
  for (int i = 0; i < 8; ++i) (void)s.login("restart@example.com", "Wrong-Password-12345");
  // A new process (a fresh service over the same store) still makes the account wait.
  domain::LoginSlowdown fresh(*s.db.store, domain::SlowdownPolicy{true, 5, 1s, 60s, 900s}, s.clock);
  auto r = fresh.check(domain::LoginSlowdown::key_for("restart@example.com"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.code(), errc::rate_limited);
}

TEST(RateLimits, LimitLoginsPerIpAndPerAccountBeforeAnyHash) {
  Services s;
  domain::RateLimits limits;
  limits.rules[static_cast<int>(Limit::login_ip)] = {3, 60s};
  limits.rules[static_cast<int>(Limit::login_account)] = {2, 60s};
  domain::RateLimiter limiter(limits, s.clock);
  s.rebuild(&limiter, nullptr, nullptr);
  s.signup("limited@example.com");
  EXPECT_TRUE(s.accounts->login("limited@example.com", IdentifierField::email, kGoodPassword, s.client));
  EXPECT_TRUE(s.accounts->login("limited@example.com", IdentifierField::email, kGoodPassword, s.client));
  EXPECT_EQ(s.accounts->login("limited@example.com", IdentifierField::email, kGoodPassword, s.client).code(),
            errc::rate_limited);  // per account
  EXPECT_EQ(s.accounts->login("other@example.com", IdentifierField::email, kGoodPassword, s.client).code(),
            errc::rate_limited);  // per IP: the third login from this address
}

TEST(RateLimits, LimitRefreshesPerSessionWithoutRotating) {
  Services s;
  domain::RateLimits limits;
  limits.rules[static_cast<int>(Limit::refresh_session)] = {2, 60s};
  domain::RateLimiter limiter(limits, s.clock);
  s.rebuild(nullptr, nullptr, &limiter);
  auto t = s.signup("refresh-limit@example.com");
  auto a = s.sessions->refresh(std::string(t.refresh_token.reveal()), s.client);
  ASSERT_TRUE(a);
  auto b = s.sessions->refresh(std::string(a->refresh_token.reveal()), s.client);
  ASSERT_TRUE(b);
  auto c = s.sessions->refresh(std::string(b->refresh_token.reveal()), s.client);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.code(), errc::rate_limited);
  s.clock.advance(30s);
  // The refused attempt rotated nothing: the same token still works once the limit allows.
  EXPECT_TRUE(s.sessions->refresh(std::string(b->refresh_token.reveal()), s.client));
}

// A store that, like SQLite on SQLITE_BUSY or PostgreSQL on a serialisation failure, runs every
// write body once, rolls it back and runs it again.
class RetryEveryWriteOnce final : public domain::Store {
 public:
  explicit RetryEveryWriteOnce(domain::Store& inner) : inner_(inner) {}
  Result<void> transact(domain::TxKind kind, FunctionRef<Result<void>(domain::StoreTx&)> body) override {
    if (kind == domain::TxKind::write) {
      ++rerun;
      (void)inner_.transact(kind, [&](domain::StoreTx& tx) -> Result<void> {
        if (auto r = body(tx); !r) return r;
        return make_error(errc::database_unavailable, "", "test: a conflict after the body ran");
      });
    }
    return inner_.transact(kind, body);
  }
  Result<void> ping() override { return inner_.ping(); }
  std::string_view backend() const override { return inner_.backend(); }
  int rerun = 0;

 private:
  domain::Store& inner_;
};

TEST(RateLimits, ARefreshWhoseTransactionRunsTwiceIsChargedOnce) {
  Services s;
  domain::RateLimits limits;
  limits.rules[static_cast<int>(Limit::refresh_session)] = {2, 60s};
  domain::RateLimiter limiter(limits, s.clock);
  RetryEveryWriteOnce retrying(*s.db.store);
  domain::SessionService sessions(retrying, *s.tokens, s.revocations, s.audit, s.settings, limiter, s.clock, s.random);
  auto t = s.signup("refresh-retried@example.com");
  auto a = sessions.refresh(std::string(t.refresh_token.reveal()), s.client);
  ASSERT_TRUE(a) << a.error().reason;
  auto b = sessions.refresh(std::string(a->refresh_token.reveal()), s.client);
  ASSERT_TRUE(b) << "the second refresh of a budget of two; charged twice per request, it was refused";
  EXPECT_GE(retrying.rerun, 2) << "every refresh's transaction ran twice";
  auto c = sessions.refresh(std::string(b->refresh_token.reveal()), s.client);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.code(), errc::rate_limited);
  EXPECT_EQ(c.error().retry_after_s, 30) << "typed through, as the limiter gave it";
}

}  // namespace
}  // namespace tessera::test
