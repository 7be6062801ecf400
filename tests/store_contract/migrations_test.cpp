// Schema migrations: a fresh database reaches the latest version, a second run changes
// nothing, and a database from a newer build is refused.
#include "store_contract/contract.hpp"

namespace tessera::store_contract {
namespace {

using domain::StoreTx;

// Starts on an empty, unmigrated database.
class Migrations : public StoreContract {
 protected:
  bool migrate_on_setup() const override { return false; }
};
INSTANTIATE_TEST_SUITE_P(Backends, Migrations, ::testing::ValuesIn(backends()), backend_name);

TEST_P(Migrations, AFreshDatabaseIsAtVersionZero) {
  auto v = migrator().current_version();
  ASSERT_OK(v);
  EXPECT_EQ(*v, 0);
  EXPECT_GE(migrator().latest_version(), 1);
}

TEST_P(Migrations, MigratingAFreshDatabaseAppliesEveryMigrationUpToTheLatest) {
  auto ran = migrator().migrate();
  ASSERT_OK(ran);
  EXPECT_EQ(*ran, migrator().latest_version());
  auto v = migrator().current_version();
  ASSERT_OK(v);
  EXPECT_EQ(*v, migrator().latest_version());
}

TEST_P(Migrations, AMigratedDatabaseIsUsable) {
  ASSERT_OK(migrator().migrate());
  insert(make_user(1, "ada@example.com"));
  EXPECT_TRUE(find_user(domain::UserId(uuid(1))).has_value());
}

TEST_P(Migrations, MigratingTwiceIsANoOp) {
  ASSERT_OK(migrator().migrate());
  insert(make_user(1, "ada@example.com"));
  auto second = migrator().migrate();
  ASSERT_OK(second);
  EXPECT_EQ(*second, 0);
  auto v = migrator().current_version();
  ASSERT_OK(v);
  EXPECT_EQ(*v, migrator().latest_version());
  EXPECT_TRUE(find_user(domain::UserId(uuid(1))).has_value());
}

TEST_P(Migrations, ASecondInstanceFindsTheDatabaseMigrated) {
  ASSERT_OK(migrator().migrate());
  auto other = open_again();
  ASSERT_OK(other);
  auto v = other->migrator->current_version();
  ASSERT_OK(v);
  EXPECT_EQ(*v, migrator().latest_version());
  auto ran = other->migrator->migrate();
  ASSERT_OK(ran);
  EXPECT_EQ(*ran, 0);
}

TEST_P(Migrations, ADatabaseAtVersionOneIsUpgradedKeepingItsAccountsAndSessions) {
  // What a database made before migration 2 looks like: migrate it whole, then take migration
  // 2 and later back out by hand (plain SQL both backends accept). Each new migration must be
  // taken out here as well.
  ASSERT_OK(migrator().migrate());
  // The account and session are written first, while the store's columns exist; taking the
  // columns of later migrations out then leaves the session as version 1 had it.
  const domain::User u = make_user(1, "ada@example.com");
  insert(u);
  domain::Session s = make_session(u, 1, at_ms(4'004));
  s.aal = "aal2";
  s.auth_time = at_ms(9'009);
  insert(s);
  fixture().exec(
      "DROP TABLE one_time_tokens; DROP TABLE outbox; DROP TABLE secrets; DROP TABLE audit_log; DROP TABLE "
      "login_throttle; "
      "DROP TABLE mfa_totp; DROP TABLE recovery_codes; DROP TABLE mfa_tickets; "
      "ALTER TABLE sessions DROP COLUMN aal; ALTER TABLE sessions DROP COLUMN amr; "
      "ALTER TABLE sessions DROP COLUMN auth_time; "
      "DELETE FROM schema_migrations WHERE version >= 2");
  auto v = migrator().current_version();
  ASSERT_OK(v);
  ASSERT_EQ(*v, 1);

  auto ran = migrator().migrate();
  ASSERT_OK(ran);
  EXPECT_EQ(*ran, migrator().latest_version() - 1);
  EXPECT_TRUE(find_user(u.id).has_value());
  // It reads as a password login at the time it began.
  const auto upgraded = find_session(s.id);
  ASSERT_TRUE(upgraded.has_value());
  EXPECT_EQ(upgraded->aal, "aal1");
  EXPECT_EQ(upgraded->amr, std::vector<std::string>{"pwd"});
  EXPECT_EQ(ms(upgraded->auth_time), 4'004);
  // The new tables work, and refer to the users that were there before.
  domain::OneTimeToken t = make_one_time_token(u, 1);
  EXPECT_OK(store().write([&](StoreTx& tx) { return tx.insert_one_time_token(t); }));
  EXPECT_OK(store().write([&](StoreTx& tx) { return tx.enqueue_mail(make_mail(&u, 1)); }));
  EXPECT_OK(store().write([&](StoreTx& tx) { return tx.insert_secret("outbox-key", "plain:x"); }));
  domain::TotpFactor f;
  f.user_id = u.id;
  f.secret_sealed = "sealed";
  EXPECT_OK(store().write([&](StoreTx& tx) { return tx.put_totp_factor(f); }));
}

TEST_P(Migrations, ADatabaseFromANewerBuildIsNotMigrated) {
  ASSERT_OK(migrator().migrate());
  const int future = migrator().latest_version() + 1;
  fixture().exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (" + std::to_string(future) +
                 ", 'from a newer build', 0)");
  auto v = migrator().current_version();
  ASSERT_OK(v);
  EXPECT_EQ(*v, future);
  auto ran = migrator().migrate();
  ASSERT_FALSE(ran);
  EXPECT_NE(ran.error().detail.find(std::to_string(future)), std::string::npos) << ran.error().detail;
}

TEST_P(Migrations, ADatabaseFromANewerBuildCannotBeOpened) {
  ASSERT_OK(migrator().migrate());
  fixture().exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (" +
                 std::to_string(migrator().latest_version() + 1) + ", 'from a newer build', 0)");
  auto other = open_again();
  ASSERT_FALSE(other);
  EXPECT_NE(other.error().detail.find("newer"), std::string::npos) << other.error().detail;
}

}  // namespace
}  // namespace tessera::store_contract
