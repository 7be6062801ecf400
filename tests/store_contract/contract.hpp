#pragma once
// The base of every contract test: a fresh, migrated database of the backend under test, opened
// through store::open_store(), and builders for the records the tests write. Tests use only
// domain::Store, domain::StoreTx and domain::Migrator.
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>

#include "domain/store.hpp"
#include "store/open.hpp"
#include "store_contract/backend.hpp"

namespace tessera::store_contract {

// `expr` (a Result) succeeded; on failure shows its code and reason.
#define EXPECT_OK(expr) EXPECT_TRUE(::tessera::store_contract::succeeded(expr))
#define ASSERT_OK(expr) ASSERT_TRUE(::tessera::store_contract::succeeded(expr))

template <class R>
::testing::AssertionResult succeeded(const R& r) {
  if (r) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "failed with " << to_string(r.code()) << ": " << r.error().reason;
}

// The error code of a failed Result; fails the test when it succeeded.
template <class R>
errc code_of(const R& r) {
  EXPECT_FALSE(r) << "expected a failure";
  return r ? errc::internal_error : r.code();
}

// A fixed instant plus `ms` milliseconds (the stores keep millisecond precision).
TimePoint at_ms(std::int64_t ms);
// A fixed instant plus `s` seconds.
TimePoint at_s(std::int64_t s);

// A UUID-shaped id, distinct for each n.
std::string uuid(int n);
// 32 raw bytes, distinct for each n, with a NUL first and bytes above 0x7f: a SHA-256 hash
// as the domain stores it, and a trap for any code that treats it as a C string or as UTF-8.
std::string token_hash(int n);

// A user with every field set; an empty email or username leaves it out.
domain::User make_user(int n, std::string email, std::string username = "");
// A live session of `user` whose current token hash is token_hash(n).
domain::Session make_session(const domain::User& user, int n, TimePoint created = at_s(0));

// An unused token of `user` for `purpose`, whose hash is token_hash(n), made at `created` for the
// user's email and valid for an hour.
domain::OneTimeToken make_one_time_token(const domain::User& user, int n,
                                         domain::TokenPurpose purpose = domain::TokenPurpose::verify_email,
                                         TimePoint created = at_s(0));
// A mail to `user` (none when null), made and due at `created`, whose sealed payload (distinct
// for each n) has a NUL and bytes above 0x7f, like real sealed bytes.
domain::OutboxMail make_mail(const domain::User* user, int n, TimePoint created = at_s(0));

// Milliseconds since the fixed instant, for readable comparisons of stored times.
std::int64_t ms(TimePoint t);
std::optional<std::int64_t> ms(const std::optional<TimePoint>& t);

// Every field of `actual` equals the one of `expected`.
void expect_same(const domain::User& expected, const domain::User& actual);
void expect_same(const domain::Session& expected, const domain::Session& actual);

class StoreContract : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Opens the fixture's database again (a second instance, as another process would).
  Result<store::Opened> open_again(const store::Options& options = {});
  // Opens the store; migrates unless told not to.
  void open(bool migrate);
  // Override to start a test on an empty, unmigrated database.
  virtual bool migrate_on_setup() const { return true; }

  domain::Store& store() { return *opened_.store; }
  domain::Migrator& migrator() { return *opened_.migrator; }
  Fixture& fixture() { return *fixture_; }

  // Shorthands for one-operation transactions.
  void insert(const domain::User& user);
  void insert(const domain::Session& session);
  std::optional<domain::User> find_user(const domain::UserId& id);
  std::optional<domain::Session> find_session(const domain::SessionId& id);

 private:
  std::unique_ptr<Fixture> fixture_;
  store::Opened opened_;
};

std::string backend_name(const ::testing::TestParamInfo<Backend>& info);

// Declares a contract suite and runs it on every backend.
#define TESSERA_STORE_CONTRACT(Suite)                                                                   \
  class Suite : public ::tessera::store_contract::StoreContract {};                                     \
  INSTANTIATE_TEST_SUITE_P(Backends, Suite, ::testing::ValuesIn(::tessera::store_contract::backends()), \
                           ::tessera::store_contract::backend_name)

}  // namespace tessera::store_contract
