// The login slow-down state: one row per identifier key, replaced on each failure, cleared by a
// success, purged once the run is long over.
#include "store_contract/contract.hpp"

namespace tessera::store_contract {
namespace {

using domain::LoginThrottle;
using domain::StoreTx;
using namespace std::chrono_literals;

TESSERA_STORE_CONTRACT(LoginThrottles);

const TimePoint kT0 = from_unix_seconds(1'800'000'000);

LoginThrottle throttle(std::string key, int failures, TimePoint last, TimePoint next) {
  return LoginThrottle{std::move(key), failures, last, next};
}

std::optional<LoginThrottle> get(domain::Store& store, const std::string& key) {
  auto r = store.read([&](StoreTx& tx) { return tx.login_throttle(key); });
  EXPECT_OK(r);
  return r ? *r : std::nullopt;
}

TEST_P(LoginThrottles, AnUnknownKeyHasNoThrottle) { EXPECT_FALSE(get(store(), std::string(32, 'k'))); }

TEST_P(LoginThrottles, APutThrottleReadsBackAndAnotherPutReplacesIt) {
  const std::string key(32, '\x01');
  ASSERT_OK(store().write([&](StoreTx& tx) { return tx.put_login_throttle(throttle(key, 1, kT0, kT0)); }));
  auto t = get(store(), key);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->failures, 1);
  EXPECT_EQ(t->last_failure_at, kT0);
  ASSERT_OK(store().write([&](StoreTx& tx) { return tx.put_login_throttle(throttle(key, 6, kT0 + 5s, kT0 + 6s)); }));
  t = get(store(), key);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->key, key);
  EXPECT_EQ(t->failures, 6);
  EXPECT_EQ(t->last_failure_at, kT0 + 5s);
  EXPECT_EQ(t->next_attempt_at, kT0 + 6s);
}

TEST_P(LoginThrottles, KeysAreBinaryAndIndependent) {
  const std::string a("\x00\xff\x10", 3), b("\x00\xff\x11", 3);
  ASSERT_OK(store().write([&](StoreTx& tx) { return tx.put_login_throttle(throttle(a, 3, kT0, kT0)); }));
  EXPECT_TRUE(get(store(), a));
  EXPECT_FALSE(get(store(), b));
}

TEST_P(LoginThrottles, ClearingForgetsTheKeyAndClearingNothingIsFine) {
  const std::string key(32, '\x02');
  ASSERT_OK(store().write([&](StoreTx& tx) { return tx.put_login_throttle(throttle(key, 9, kT0, kT0 + 60s)); }));
  ASSERT_OK(store().write([&](StoreTx& tx) { return tx.clear_login_throttle(key); }));
  EXPECT_FALSE(get(store(), key));
  EXPECT_OK(store().write([&](StoreTx& tx) { return tx.clear_login_throttle(key); }));
}

TEST_P(LoginThrottles, PurgeForgetsRunsThatEndedBeforeTheCutOff) {
  const std::string old_key(32, '\x03'), new_key(32, '\x04');
  ASSERT_OK(
      store().write([&](StoreTx& tx) { return tx.put_login_throttle(throttle(old_key, 7, kT0 - 2h, kT0 - 2h)); }));
  ASSERT_OK(store().write([&](StoreTx& tx) { return tx.put_login_throttle(throttle(new_key, 7, kT0, kT0 + 8s)); }));
  ASSERT_OK(store().write([&](StoreTx& tx) { return tx.purge(kT0 - 1h, kT0); }));
  EXPECT_FALSE(get(store(), old_key));
  EXPECT_TRUE(get(store(), new_key));
}

}  // namespace
}  // namespace tessera::store_contract
